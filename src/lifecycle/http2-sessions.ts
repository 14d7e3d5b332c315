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
}

export class Http2Sessions {
  private readonly open = new Set<Session>();
  private readonly watched = new WeakSet<object>();

  /**
   * Once per server (the lifecycle learns servers from requests): an HTTP/2 server's sessions are watched from now
   * on, with the session of `req` (opened before). Other sessions opened before the server's first application
   * request are not known (one that carries a request while draining is closed by closeOf()).
   */
  watchServer(server: object, req: IncomingMessage): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    // node:http2's servers (Http2Server, Http2SecureServer) have updateSettings(); node:http's do not.
    if (typeof (server as { updateSettings?: unknown }).updateSettings !== 'function') return;
    (server as SessionServer).on('session', (session) => this.add(session));
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
