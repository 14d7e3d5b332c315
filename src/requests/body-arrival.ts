// Whether a request in flight waits on its client (its body still arriving: a slow upload; or its response ended by
// the application and not yet taken: a slow reader) or on the server (a body nobody reads, a response not ended). Read
// when the requests in flight are aged and when a response is cut off, never per request.

/** What is read of a request (Node's IncomingMessage, an HTTP/2 compat request: both Readable streams). */
interface RequestBody {
  complete?: unknown;
  /** An HTTP/2 compat request's stream (Http2Stream): its own readable side ends with the client's END_STREAM. */
  stream?: StreamBody | null;
  readableEnded?: unknown;
  readableFlowing?: unknown;
  readableLength?: unknown;
  readableHighWaterMark?: unknown;
}

/** What is read of an HTTP/2 compat request's Http2Stream. */
interface StreamBody {
  /** When its HEADERS frame ended it (no body at all: a GET). */
  endAfterHeaders?: unknown;
  /** Node's readable state: `ended` once Node pushed the stream's end (its client's END_STREAM), read or not. */
  _readableState?: { ended?: unknown } | null;
  destroyed?: unknown;
  readableFlowing?: unknown;
  readableLength?: unknown;
  readableHighWaterMark?: unknown;
}

/**
 * Whether the body of `req` is still arriving from its client: Node's parser has not read it in full (`complete`
 * false, not ended), and the server is not what holds it back. Node stops reading a connection once a request's
 * unread body reaches the stream's highWaterMark (16 KiB on Node 20, 64 KiB from 22: the parser's push() returns
 * false and the socket is paused) and reads again when the application reads: a body nobody reads (a handler that
 * stalls before reading, a route without a body parser), a paused stream, or a pipe to a slower destination. Then
 * the stream is not flowing and its buffer is full: the client cannot send, so the wait is the server's, and the
 * request is not uploading (outside review 2, G1: a handler hung on a large POST was never aged). A body the server
 * reads as it comes (flowing, buffer below the mark) is arriving: the wait is the client's. Never throws.
 */
export function bodyArriving(req: unknown): boolean {
  if (typeof req !== 'object' || req === null) return false;
  const r = req as RequestBody;
  try {
    const stream = r.stream;
    if (typeof stream === 'object' && stream !== null) return streamArriving(r, stream);
    if (r.complete !== false || r.readableEnded === true) return false;
    return !heldByServer(r);
  } catch {
    return true; // a request object whose stream state cannot be read: as before, its incomplete body is the client's
  }
}

/**
 * bodyArriving for an HTTP/2 compat request: read on its stream, whose readable side Node ends when its client's
 * END_STREAM arrives (with its HEADERS: a GET; or with its last DATA frame), whether the application read the body or
 * not. The request's own `complete` and end tell nothing at a close: Node reads `complete` true once the stream is
 * closed and pushes the request's end then, and a closed stream's own end is pushed by its destroy(), cancelled
 * upload or not; watchStreamEnds notes the streams destroyed before their END_STREAM (outside review 7, F2 over
 * HTTP/2: 24 half-sent POST streams, cancelled, paged `unanswered`). Before the close, `complete` turns true only once
 * the request is read to its end, which nobody does for a GET (outside review 4: HTTP/2 hangs were never aged).
 */
function streamArriving(r: RequestBody, stream: StreamBody): boolean {
  if (stream.endAfterHeaders === true) return false;
  if (stream.destroyed === true) return endedShort.has(stream) && !heldByServer(r) && !heldByServer(stream);
  const state = stream._readableState;
  if (typeof state !== 'object' || state === null || typeof state.ended !== 'boolean') {
    return r.complete === false && r.readableEnded !== true && !heldByServer(r); // not node:http2's: as before
  }
  return !state.ended && !heldByServer(r) && !heldByServer(stream);
}

/** Http2Streams destroyed before their client's END_STREAM had arrived: their request body was cut short. */
const endedShort = new WeakSet<object>();
let streamEndsWatched = false;

/**
 * Makes node:http2's Http2Stream destroy() note, before Node pushes the stream's end itself, whether its client had
 * ended it (endedShort): one function shared by every stream, installed once with the first HTTP/2 response's stream;
 * nothing is added per stream but to the streams cut short. Never throws.
 */
export function watchStreamEnds(stream: unknown): void {
  if (streamEndsWatched || typeof stream !== 'object' || stream === null) return;
  streamEndsWatched = true;
  try {
    let proto: object | null = Object.getPrototypeOf(stream) as object | null;
    while (proto !== null && !Object.hasOwn(proto, '_destroy'))
      proto = Object.getPrototypeOf(proto) as object | null;
    const owner = proto as { _destroy?: unknown } | null;
    const destroy = owner?._destroy;
    if (owner === null || typeof destroy !== 'function') return;
    owner._destroy = function destroyNotingEnd(this: StreamBody, ...args: unknown[]): unknown {
      if (this._readableState?.ended === false) endedShort.add(this);
      return (destroy as (...a: unknown[]) => unknown).apply(this, args);
    };
  } catch {
    // A stream class that cannot be wrapped: its cancelled uploads count as aborts, as before.
  }
}

/** Not read while its buffer is full: Node has stopped reading the connection for it. */
function heldByServer(r: RequestBody | StreamBody): boolean {
  const length = r.readableLength;
  const mark = r.readableHighWaterMark;
  return (
    r.readableFlowing !== true &&
    typeof length === 'number' &&
    typeof mark === 'number' &&
    length > 0 &&
    length >= mark
  );
}

/**
 * Whether the application had ended the response `res` (`res.end()`, Express's `res.send()`, a Buffer Fastify sends,
 * Koa's `ctx.body` written: Node's `writableEnded`), so that what is left is the client's to take: a large body its
 * client does not read (Node holds what the socket's buffers cannot), or a response queued on a pipelined connection
 * behind an earlier one the client does not read. The server's work is done; the wait is the client's (outside
 * review 6, F1, F1b, F1c), as a body still arriving is (bodyArriving). A response streamed by the application (a
 * pipe, `res.write`) is not ended until its last chunk is written. Never throws.
 */
export function responseEnded(res: unknown): boolean {
  if (typeof res !== 'object' || res === null) return false;
  try {
    return (res as { writableEnded?: unknown }).writableEnded === true;
  } catch {
    return false; // a response object whose state cannot be read: as before, not the client's wait
  }
}
