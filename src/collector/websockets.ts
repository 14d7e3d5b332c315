// monitor.trackWebSockets(): counts the application's open WebSocket connections for `websocket.active_connections`.
// Not the http layer: it only listens to the application's own servers.

import type { EventEmitter } from 'node:events';

/** What counting needs: told of each connection opened and closed. */
export interface ConnectionCounter {
  websocketOpened(): void;
  websocketClosed(): void;
}

/** A server whose connections can be counted: anything that emits `connection` (ws, socket.io, an EventEmitter). */
export type TrackedServer = Pick<EventEmitter, 'on' | 'off'>;
type Emitter = TrackedServer;

function isEmitter(value: unknown): value is Emitter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Emitter).on === 'function' &&
    typeof (value as Emitter).off === 'function'
  );
}

/**
 * Counts connections of a `ws` WebSocketServer, a socket.io Server, or any emitter of `connection` whose
 * argument emits `close` (ws) or `disconnect` (socket.io) when it ends. Connections a `ws` server already
 * holds (`wss.clients`) are counted too. Returns a function that stops tracking and uncounts what is still open.
 */
export function trackWebSockets(counter: ConnectionCounter, server: Emitter): () => void {
  if (!isEmitter(server)) {
    throw new TypeError(
      'trackWebSockets: expected a ws WebSocketServer, a socket.io Server or an EventEmitter.',
    );
  }
  const open = new Map<Emitter, () => void>();
  let anonymous = 0; // 'connection' events without an emitter to watch: counted until untracked.

  const opened = (connection: unknown): void => {
    if (!isEmitter(connection)) {
      anonymous += 1;
      counter.websocketOpened();
      return;
    }
    if (open.has(connection)) return;
    const closed = (): void => {
      if (!open.delete(connection)) return; // 'close' and 'disconnect' may both fire: count once.
      connection.off('close', closed);
      connection.off('disconnect', closed);
      counter.websocketClosed();
    };
    open.set(connection, closed);
    connection.on('close', closed);
    connection.on('disconnect', closed);
    counter.websocketOpened();
  };

  const existing = (server as { clients?: unknown }).clients;
  if (existing instanceof Set) {
    for (const ws of existing) {
      // readyState 0/1 = connecting/open; a closing socket will not emit 'close' to a late listener reliably.
      const state = (ws as { readyState?: number }).readyState;
      if (state === undefined || state <= 1) opened(ws);
    }
  }
  // Connections that came without an emitter end when the server does.
  const serverClosed = (): void => {
    for (; anonymous > 0; anonymous -= 1) counter.websocketClosed();
  };
  server.on('connection', opened);
  server.on('close', serverClosed);

  return () => {
    server.off('connection', opened);
    server.off('close', serverClosed);
    for (const closed of [...open.values()]) closed();
    serverClosed();
  };
}

/** The application's open WebSocket connections, counted from the servers given to `track()`. */
export class WebSocketCount implements ConnectionCounter {
  private open = 0;

  /** Connections open now. */
  get count(): number {
    return this.open;
  }

  websocketOpened(): void {
    this.open++;
  }

  websocketClosed(): void {
    if (this.open > 0) this.open--;
  }

  /** Each server tracked, with the handles given out for it that were not called yet. */
  private readonly tracked = new Map<TrackedServer, { untrack: () => void; handles: number }>();

  /**
   * Counts the connections of `server` until the returned function is called (see trackWebSockets). The same
   * server again is counted once (outside review 31, RT31-5: twice doubled the figure): each call returns its own
   * handle, safe to call more than once, and counting stops when every handle was called.
   */
  track(server: TrackedServer): () => void {
    let entry = this.tracked.get(server);
    if (entry === undefined) {
      entry = { untrack: trackWebSockets(this, server), handles: 0 };
      this.tracked.set(server, entry);
    }
    const own = entry;
    own.handles++;
    let called = false;
    return () => {
      if (called) return;
      called = true;
      if (--own.handles > 0) return;
      if (this.tracked.get(server) === own) this.tracked.delete(server);
      own.untrack();
    };
  }
}
