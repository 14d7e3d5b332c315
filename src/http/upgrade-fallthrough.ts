// An upgrade request for a path no one serves, handed to the server's 'request' handlers as Node does when a
// server has no 'upgrade' listener (attachWebSocket's listener must not make the app's routes answer 404).

import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nodeHttp } from '../builtins.js';
import { refuse } from './ws-peer.js';

/**
 * Node stops parsing a connection once it hands an upgrade to an 'upgrade' listener, so the request goes to
 * the application with a response bound to the raw socket: the app answers as if sysvitals were not there
 * (`Upgrade: h2c` from `curl --http2`, Java's HttpClient), then the connection closes (no parser is left to
 * read a next request). A Content-Length body is passed on; a chunked one cannot be without a parser (400).
 */
export function serveAsRequest(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => {});
  if (server.listenerCount('request') === 0) {
    refuse(socket, 404, 'not_found', 'no WebSocket endpoint here');
    return;
  }
  if (req.headers['transfer-encoding'] !== undefined) {
    refuse(
      socket,
      400,
      'bad_request',
      'an Upgrade request with a chunked body cannot be served here; send it without Upgrade',
    );
    return;
  }
  (req as { upgrade?: boolean }).upgrade = false;
  const res = new (nodeHttp().ServerResponse)(req);
  res.shouldKeepAlive = false; // one answer, with Connection: close
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    const s = socket as Socket & { destroySoon?: () => void };
    if (typeof s.destroySoon === 'function') s.destroySoon();
    else socket.end();
  });
  feedBody(req, socket, head, Number(req.headers['content-length'] ?? 0));
  server.emit('request', req, res);
}

/** Passes the request's `length` body bytes (those already read first) to `req`, then ends it. */
function feedBody(req: IncomingMessage, socket: Duplex, head: Buffer, length: number): void {
  let left = Number.isSafeInteger(length) && length > 0 ? length : 0;
  const end = (): void => {
    req.complete = true;
    req.push(null);
  };
  if (left === 0) {
    end();
    return;
  }
  const take = (chunk: Buffer): void => {
    const part = chunk.subarray(0, left);
    left -= part.length;
    if (part.length > 0) req.push(part);
    if (left === 0) {
      socket.off('data', take);
      end();
    }
  };
  if (head.length > 0) take(head);
  if (left > 0) socket.on('data', take);
}
