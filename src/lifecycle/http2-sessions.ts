// The HTTP/2 sessions of the servers the monitor serves, for a graceful shutdown: node:http2's server.close() stops
// accepting connections but leaves the open sessions (a browser's connection lives for minutes), and its servers
// have no closeIdleConnections(). Draining sends each GOAWAY (`session.close()`), as `Connection: close` does on
// HTTP/1: streams in progress finish, no new one starts, the connection closes after the last.

import type { IncomingMessage } from 'node:http';

/** What is used of a node:http2 session. */
interface Session {
  readonly closed: boolean;
  readonly destroyed: boolean;
  close(): void;
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

interface SessionServer {
  on(event: 'session', listener: (session: Session) => void): unknown;
  off(event: 'session', listener: (session: Session) => void): unknown;
}

export class Http2Sessions {
  private readonly open = new Set<Session>();
  /** Each server seen, and whether sessions it opened before its watch may be unknown (watchServer's answer). */
  private readonly watched = new WeakMap<object, boolean>();
  /** The 'session' listener added to each HTTP/2 server watched, removed by detach(). */
  private readonly listening: Array<[SessionServer, (session: Session) => void]> = [];
  /** detach() was called: no 'session' listener is added from then on. */
  private detached = false;

  /**
   * Once per server: an HTTP/2 server's sessions are watched from now on ('session'). Returns true when sessions it
   * opened before may be unknown: an HTTP/2 server learnt from one of its requests (as the lifecycle learns servers),
   * or already listening; those are then added as their requests come (addOf()). False for a server watched before
   * it listened (the Fastify plugin's, at registration: every session is seen) and for a server that is not HTTP/2.
   * The first answer is kept: later calls return it.
   */
  watchServer(server: object, fromRequest: boolean): boolean {
    const known = this.watched.get(server);
    if (known !== undefined) return known;
    // node:http2's servers (Http2Server, Http2SecureServer) have updateSettings(); node:http's do not.
    const h2 = typeof (server as { updateSettings?: unknown }).updateSettings === 'function';
    const late = h2 && (fromRequest || (server as { listening?: boolean }).listening === true);
    this.watched.set(server, late);
    if (h2 && !this.detached) {
      const listener = (session: Session) => this.add(session);
      (server as SessionServer).on('session', listener);
      this.listening.push([server as SessionServer, listener]);
    }
    return late;
  }

  /** Removes the listeners added to servers (the monitor closed): the sessions already known stay known. */
  detach(): void {
    this.detached = true;
    for (const [server, listener] of this.listening.splice(0)) server.off('session', listener);
  }

  /** The session of an HTTP/2 request (application or admin) on a server watched late: known from now on. */
  addOf(req: IncomingMessage): void {
    const session = sessionOf(req);
    if (session !== undefined) this.add(session);
  }

  /** While draining: sends GOAWAY on the session of an HTTP/2 request (once; later calls do nothing). */
  closeOf(req: IncomingMessage): void {
    const session = sessionOf(req);
    if (session !== undefined && !session.closed) close(session);
  }

  /** Sends GOAWAY on every known session. */
  closeAll(): void {
    for (const session of this.open) if (!session.closed) close(session);
  }

  /** Tears down every known session (its streams are cut off): drainMs ran out. */
  destroyAll(): void {
    for (const session of this.open) if (!session.destroyed) session.destroy();
  }

  private add(session: Session): void {
    if (this.open.has(session) || session.destroyed) return;
    this.open.add(session);
    session.once('close', () => this.open.delete(session));
  }
}

function sessionOf(req: IncomingMessage): Session | undefined {
  return (req as { stream?: { session?: Session } }).stream?.session;
}

function close(session: Session): void {
  try {
    session.close();
  } catch {
    // a session being torn down: nothing to drain
  }
}
