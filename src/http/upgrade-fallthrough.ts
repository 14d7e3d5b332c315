// An upgrade request for a path no one serves, handed to the server's 'request' handlers as Node does when a
// server has no 'upgrade' listener (attachWebSocket's listener must not make the app's routes answer 404).

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nodeHttp } from '../builtins.js';
import { asServerSocket } from './fallthrough-socket.js';
import { refuse } from './ws-peer.js';

/**
 * Node stops parsing a connection once it hands an upgrade to an 'upgrade' listener, so the request goes to
 * the application with a response bound to the raw socket: the app answers as if sysvitals were not there
 * (`Upgrade: h2c` from `curl --http2`, Java's HttpClient), then the connection closes (no parser is left to
 * read a next request). A Content-Length body is passed on; a chunked one cannot be without a parser (400).
 * The socket then behaves as Node's own server socket would (see `asServerSocket`).
 */
export function serveAsRequest(server: Server, upgrade: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => {});
  if (server.listenerCount('request') === 0) {
    refuse(socket, 404, 'not_found', 'no WebSocket endpoint here');
    return;
  }
  if (upgrade.headers['transfer-encoding'] !== undefined) {
    refuse(
      socket,
      400,
      'bad_request',
      'an Upgrade request with a chunked body cannot be served here; send it without Upgrade',
    );
    return;
  }
  const res = serve(upgrade, socket as Socket);
  const req = res.req;
  res.shouldKeepAlive = false; // one answer, with Connection: close
  res.assignSocket(socket as Socket);
  asServerSocket(server, req, res, socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    const s = socket as Socket & { destroySoon?: () => void };
    if (typeof s.destroySoon === 'function') s.destroySoon();
    else socket.end();
  });
  feedBody(req, socket, head, Number(req.headers['content-length'] ?? 0));
  server.emit('request', req, res);
}

/**
 * A response for a fresh request with the upgrade's head: Node ended the upgrade request at its head (an
 * upgrade has no body for its parser), so its body could not be pushed to it ("push after EOF").
 */
function serve(upgrade: IncomingMessage, socket: Socket): ServerResponse {
  const req = new (nodeHttp().IncomingMessage)(socket);
  req.httpVersionMajor = upgrade.httpVersionMajor;
  req.httpVersionMinor = upgrade.httpVersionMinor;
  req.httpVersion = upgrade.httpVersion;
  req.method = upgrade.method;
  req.url = upgrade.url;
  req.rawHeaders = upgrade.rawHeaders;
  req.headers = upgrade.headers;
  (req as { upgrade?: boolean }).upgrade = false;
  return new (nodeHttp().ServerResponse)(req);
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
