// What an adapter's 499 stands for: a response cut off (the client gave up, or the server failed after it started),
// or a response the application itself completed with status 499. Read only when the status is 499 (rare).

import type { ServerResponse } from 'node:http';
import { bodyArriving } from './body-arrival.js';
import { clientsToTake } from './client-backlog.js';
import { ABORTED_STATUS } from './route-counters.js';
import { sentStatus } from './sent-status.js';

export { watchStreamEnds } from './body-arrival.js';

/**
 * Recorded for a response the application completed with its own status 499: the same class (4xx), not the
 * abort marker. RequestStats keeps status classes only, so nothing reads 498 as such.
 */
export const ANSWERED_499_STATUS = 498;

/** Recorded for a response cut off because the application failed after it had started (as the frameworks' 500). */
export const FAILED_STATUS = 500;

/**
 * Error codes that report the client's close, not a failure of the application: `res.sendFile(path, next)` and
 * `res.download` hand `ECONNABORTED` ("Request aborted") to their callback when the client closes mid-download,
 * a write to a closed connection fails with EPIPE or ECONNRESET, a stream piped to it with a premature close.
 */
export const CLIENT_CLOSE_CODES: ReadonlySet<string> = new Set([
  'ECONNABORTED',
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Whether `err` reports the client's close (CLIENT_CLOSE_CODES). */
export function isClientCloseError(err: unknown): boolean {
  const code = err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CLIENT_CLOSE_CODES.has(code);
}

/** Responses whose handler failed (an error the framework handed on) after the response had started. */
const failed = new WeakSet<ServerResponse>();

/** For the adapters: the framework reported an error for `res` (used only if the response is then cut off). */
export function markFailed(res: ServerResponse): void {
  failed.add(res);
}

/**
 * An HTTP/2 compat response the server destroys itself (`res.destroy()`) while its stream is still open: Fastify does
 * so when a stream body fails after the head went out, and Node then resets the stream with NO_ERROR, no error kept,
 * which read as the client's abort (499) where the same route on HTTP/1.1 (`res.destroy()` there keeps `errored`)
 * reads as failed (500). Marked failed, as HTTP/1.1; a stream already closed (the client's reset came first) or an
 * error that reports the client's close is not. Called by the response's destroy() (adapters/prototype-timing.ts).
 */
export function destroyedByServer(res: ServerResponse, err: unknown): void {
  const stream = (res as { stream?: { closed?: boolean; destroyed?: boolean } }).stream;
  if (stream === undefined || stream.closed !== false || stream.destroyed !== false) return;
  if (err !== undefined && err !== null && isClientCloseError(err)) return;
  failed.add(res);
}

/**
 * Responses the application ended on a connection that had already failed (outside review 10, F4): the write in its
 * end() found the client's reset (a route whose synchronous work outlasted its client's deadline), or the connection
 * was destroyed before. Nothing of it reached the client, which had left first: not an answered close.
 */
const endedLate = new WeakSet<ServerResponse>();

/** For the adapters, when an end() returned with its connection already failed (never on a response handed over). */
export function markEndedLate(res: ServerResponse): void {
  endedLate.add(res);
}

/** Whether the application ended `res` only after its connection had failed (markEndedLate). */
export function wasEndedLate(res: ServerResponse): boolean {
  return endedLate.has(res);
}

/**
 * The status to record for an adapter's response that ended with status 499 (closedStatus): ANSWERED_499_STATUS
 * when it completed with the application's own 499; FAILED_STATUS when it was cut off after the application
 * failed (an error the framework handed on, marked by markFailed, or the response destroyed by the server itself,
 * `res.destroy()`: Fastify on a stream body's error, Koa's pipeline on a body stream's error; Node sets
 * `res.errored`, null until then, only there); else ABORTED_STATUS (the client closed, or the server destroyed
 * the connection itself, `socket.destroy()`: settleCutOff then tells the server's own close, cutByServer). A
 * client's close is seen at its connection's 'close', before any framework reacts to it, so a later error does not
 * turn it into a failure; nor does a response the server destroyed after its client's reset had failed the
 * connection (closedFirst). A response the application had
 * handed to the operating system whole when its end() returned, destroyed afterwards (`res.send('ok');
 * res.destroy()`), is not cut off and never comes here: the adapters record its own status (adapters/response-end.ts,
 * handedOver; outside review 7, F5). So `res.destroy()` here is the application cutting a response Node still held.
 */
export function cutOffStatus(res: ServerResponse): number {
  if (sentStatus(res) === ABORTED_STATUS && completed(res)) return ANSWERED_499_STATUS;
  if (failed.has(res)) return FAILED_STATUS;
  // An HTTP/2 compat response has no `errored` of its own (undefined): its stream's (null until destroyed with an error).
  const stream = streamOf(res);
  if (stream !== undefined) {
    const e = stream.errored;
    return e !== null && !resetByPeer(e) ? FAILED_STATUS : ABORTED_STATUS;
  }
  const errored = res.errored;
  return errored !== null && !closedFirst(res, errored) ? FAILED_STATUS : ABORTED_STATUS;
}

/**
 * Whether the server itself closed the connection of `res` (outside review 16, F4): Node's own socket timeout
 * (`server.setTimeout()`, `server.timeout`, Fastify's `connectionTimeout`: Node destroys the socket at its 'timeout'
 * when nobody answers it), or the application's `req.destroy()` or `req.socket.destroy()` (a handler that gives up on
 * an upstream). A client's close comes from its side: its FIN ends the connection's readable side ('end', so
 * `readableEnded`) before the close, its reset fails the connection with ECONNRESET (EPIPE on a write); a connection
 * destroyed here has neither: its readable side not ended, and no error or only one the server gave it. An HTTP/1
 * connection only (an HTTP/2 stream is judged by its own state); one that is not a Node socket (no
 * `readableEnded`) is not judged. Read at a cut-off only, when the connection has closed: nothing per request.
 */
export function cutByServer(res: ServerResponse): boolean {
  if (streamOf(res) !== undefined) return false;
  const socket = res.req?.socket;
  if (socket == null || socket.destroyed !== true || socket.readableEnded !== false) return false;
  const errored = socket.errored;
  return errored === null || errored === undefined || !isPeerError(errored);
}

/**
 * Whether a connection's error reports its peer or the network on its side: a client's reset or a write to a closed
 * connection (CLIENT_CLOSE_CODES), a connection timed out by TCP itself (ETIMEDOUT: the peer vanished), or bytes of
 * the client's that Node's parser refused (`HPE_…`).
 */
function isPeerError(err: unknown): boolean {
  if (isClientCloseError(err)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'ETIMEDOUT' || code.startsWith('HPE_'));
}

/**
 * Whether the connection of `res` had failed of its own before the server destroyed `res` with `errored`: a client's
 * reset (ECONNRESET on a read, EPIPE on a write) fails the connection at once, its 'close' comes later, and in between
 * Koa 3 destroys the response: on-finished destroys the body stream at the connection's 'error', its pipeline then
 * reports a premature close and destroys the response with it (`res.errored`). `res.destroy(err)` destroys the
 * connection with the same error, so a connection that errored with another one had failed first: the client's
 * close. A body stream's own error (Koa 3, Fastify) reaches the connection through `res.destroy()`: the same error
 * (or none, Fastify's `res.destroy()`), a failure.
 */
function closedFirst(res: ServerResponse, errored: unknown): boolean {
  const connectionError = res.req?.socket?.errored;
  return connectionError !== null && connectionError !== undefined && connectionError !== errored;
}

/**
 * Whether an HTTP/2 stream's error only reports what its client did: Node gives a stream closed by the peer's
 * RST_STREAM with any code but NO_ERROR and CANCEL the error ERR_HTTP2_STREAM_ERROR (also nghttp2's own reset for the
 * client's protocol error: a declared `content-length: 100` with no body, then a cancel, outside review 7, F8), and a
 * stream of a session the peer ended with a GOAWAY carrying an error code ERR_HTTP2_SESSION_ERROR. The code is the
 * client's free choice (one byte of its frame), so it tells nothing of who failed: a client resetting INTERNAL_ERROR,
 * or sending GOAWAY PROTOCOL_ERROR, was read as the server's 500 (outside review 8, F3). A stream the server destroys
 * with an error keeps that error (Koa's failing body stream, Fastify's): failed. An application that closes a stream
 * itself with an error code (`stream.close(NGHTTP2_INTERNAL_ERROR)`) reads as the client's abort.
 */
function resetByPeer(errored: unknown): boolean {
  const code = (errored as { code?: unknown } | undefined)?.code;
  return code === 'ERR_HTTP2_STREAM_ERROR' || code === 'ERR_HTTP2_SESSION_ERROR';
}

/** What is read of an HTTP/2 compat response's stream (node:http2 Http2ServerResponse.stream). */
interface StreamState {
  rstCode?: number;
  errored?: unknown;
  headersSent?: boolean;
  aborted?: boolean;
}

function streamOf(res: ServerResponse): StreamState | undefined {
  return (res as { stream?: StreamState }).stream;
}

/**
 * closedStatus (adapters/common.ts) for an HTTP/2 compat response at its 'close': its own status when the server
 * ended it and its stream closed without a reset (RST_STREAM code 0, NO_ERROR), else 499 (cut off: a client's
 * RST_STREAM CANCEL, a session torn down, or the stream destroyed by the server). `writableFinished` tells nothing
 * here: an Http2ServerResponse reads true once its stream is closed, reset or not.
 */
export function http2ClosedStatus(res: ServerResponse): number {
  return http2Completed(res) ? sentStatus(res) : ABORTED_STATUS;
}

/**
 * Ended by the server, closed with NO_ERROR: through the compat response (`res.end()`), or through its stream
 * itself, the compat response never ended (outside review 38, RT38-1: Koa's `ctx.respond = false` or Fastify's
 * `reply.hijack()`, then `stream.respond(…)` + `stream.end()` or `stream.respondWithFile(…)`): a head sent, and the
 * stream's writable side ended before it closed (Node sets `aborted` on a stream that closes with its writable side
 * still open: a client's reset or GOAWAY, the server's own `stream.close()` or `destroy()` mid-response). Read once,
 * at the stream's close.
 */
function http2Completed(res: ServerResponse): boolean {
  const stream = streamOf(res);
  if (stream?.rstCode !== 0) return false;
  return res.writableEnded || (stream.headersSent === true && stream.aborted === false);
}

/** As closedStatus (adapters/common.ts): finished, and its connection not destroyed before its writes finished. */
function completed(res: ServerResponse): boolean {
  if (streamOf(res) !== undefined) return http2Completed(res);
  if (!res.writableFinished) return false;
  const socket = res.req?.socket;
  return !(socket?.destroyed === true && !socket.writableFinished);
}

/**
 * Whether the response was cut off while the server waited for its client, on the way in or on the way out: the
 * request's body still arriving (bodyArriving: `req.complete` false, and the server reading it as it comes), or the
 * response already ended by the application and not taken by its client (responseEnded: a large body the client
 * does not read, a response queued behind an earlier one on a pipelined connection), or a response the application
 * is still writing whose client does not take what it wrote (blockedOnClient: a streamed download it does not read).
 * Either is recorded as an early close whatever its duration (settleCutOff). A body the server did not read (Node
 * had stopped reading the connection for it) is not arriving: the client waited on the server (outside review 2,
 * G1); nor is a response the application had not ended and is not blocked on its client (a hang, a slow producer,
 * nothing pending). Read once, at a cut-off.
 */
export function clientsWait(res: ServerResponse): boolean {
  return clientsToTake(res) || bodyArriving(res.req);
}
