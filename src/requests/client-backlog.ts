// Whether a response the application is still writing (a stream, a piped file, `res.sendFile`, Fastify on HTTP/2
// writing a large Buffer in chunks) is held back by its client: data written and not taken (outside review 6, F1
// family: streamed downloads). Read at a cut-off and when the requests in flight are aged, never per request.

import { responseEnded } from './body-arrival.js';

/**
 * Whether what is left of the response `res` is its client's to take: the application ended it (responseEnded), or
 * it is still writing it and is blocked on its client (blockedOnClient). Its close is an answered early close
 * (settleCutOff), and it is not aged in flight (in-flight.ts). Never throws.
 */
export function clientsToTake(res: unknown): boolean {
  return responseEnded(res) || blockedOnClient(res);
}

/** What is read of a writable side (a net.Socket, an Http2Stream): Node's own state, not its guarded getters. */
interface WriteSide {
  _writableState?: { needDrain?: unknown; length?: unknown } | null;
  writableLength?: unknown;
}

/** What is read of a response (Node's ServerResponse, an HTTP/2 compat response). */
interface ResponseState {
  headersSent?: unknown;
  /** An HTTP/2 compat response's stream (node:http2 Http2ServerResponse.stream). */
  stream?: WriteSide | null;
  req?: { socket?: WriteSide | null } | null;
}

/**
 * Whether the response `res`, not ended by the application, is blocked on its client: the application has written
 * (its head sent) and what it wrote is not taken. The transport it writes to (HTTP/1.1: the connection, `req.socket`;
 * HTTP/2: the response's stream, whose flow-control window the client opens by reading) is backpressured: a write
 * returned false and the transport has not drained since (Writable's `needDrain`, read from its state because the
 * `writableNeedDrain` getter reads false once the transport is destroyed, as it is at the close), or bytes are
 * pending in it now (`writableLength` > 0: Node hands the operating system what it takes at once, so bytes left
 * over are bytes its buffers could not take). A response queued on a pipelined connection behind one its client
 * does not read is blocked the same way (its connection is). Not blocked: a handler that has not written (a hang),
 * and one that writes slowly (a slow producer): its bytes are taken by the operating system's buffers as they come,
 * nothing is pending, the wait is the server's. The limit: bytes the operating system has taken are not seen, so a
 * client that does not read is seen only once the server's send buffer and the client's receive window are full
 * (a few MB on Linux): a producer slower than that has not filled them yet is the server's wait, as it would be for
 * a client that read. Never throws.
 */
export function blockedOnClient(res: unknown): boolean {
  if (typeof res !== 'object' || res === null) return false;
  try {
    const r = res as ResponseState;
    if (r.headersSent !== true) return false;
    const stream = r.stream;
    if (stream !== undefined) return typeof stream === 'object' && stream !== null && backlogged(stream);
    const socket = r.req?.socket;
    return typeof socket === 'object' && socket !== null && backlogged(socket);
  } catch {
    return false; // a response whose state cannot be read: as before, not the client's wait
  }
}

function backlogged(side: WriteSide): boolean {
  const state = side._writableState;
  if (typeof state === 'object' && state !== null && state.needDrain === true) return true;
  const length = side.writableLength;
  return typeof length === 'number' && length > 0;
}
