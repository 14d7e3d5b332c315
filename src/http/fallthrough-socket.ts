// What Node's HTTP server does with its own sockets, done for a socket it handed to an 'upgrade' listener
// and that serveAsRequest serves as an ordinary request: the client's FIN, its close, and closeAllConnections.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Fall-through sockets per server, destroyed by its closeAllConnections() like the sockets Node tracks. */
const tracked = new WeakMap<Server, Set<Socket>>();

/**
 * Node stops watching a socket once it emits 'upgrade'. Without sysvitals' listener the same request would
 * have stayed on a socket Node watches (node 20, `_http_server.js`), so this does what Node does there:
 * - the client ends its side (FIN), with or without the whole body: the socket is ended (`httpAllowHalfOpen`
 *   false, the default), so it closes once what was written is flushed and the response sees 'close'; with
 *   `httpAllowHalfOpen` the answer goes on (this connection closes after it anyway);
 * - the socket closes before the answer finished: the request is destroyed with ECONNRESET "aborted";
 * - `server.closeAllConnections()` destroys it.
 */
export function asServerSocket(
  server: Server,
  req: IncomingMessage,
  res: ServerResponse,
  socket: Socket,
): void {
  track(server, socket);
  // Read to the end so the FIN is seen (bytes past the request are dropped: no parser serves a next one).
  socket.resume();
  socket.on('end', () => {
    // Node reads a FIN sent with the request in a later turn of the event loop than the request: an answer
    // the app gives by then (its body parser, a setImmediate) still goes out; a later one is lost there too.
    if (!(server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen) setImmediate(() => socket.end());
  });
  socket.on('close', () => {
    if (!res.writableFinished && !req.destroyed) {
      req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    }
  });
}

function track(server: Server, socket: Socket): void {
  let sockets = tracked.get(server);
  if (sockets === undefined) {
    const set = new Set<Socket>();
    sockets = set;
    tracked.set(server, set);
    const own = server.closeAllConnections;
    if (typeof own === 'function') {
      server.closeAllConnections = function closeAllConnections(this: Server): void {
        own.call(this);
        for (const s of set) s.destroy();
      };
    }
  }
  const set = sockets;
  set.add(socket);
  socket.once('close', () => set.delete(socket));
}
