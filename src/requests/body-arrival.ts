// Whether a request in flight waits on its client (its body still arriving: a slow upload; or its response ended by
// the application and not yet taken: a slow reader) or on the server (a body nobody reads, a response not ended). Read
// when the requests in flight are aged and when a response is cut off, never per request.

/** What is read of a request (Node's IncomingMessage, an HTTP/2 compat request: both Readable streams). */
interface RequestBody {
  complete?: unknown;
  /** An HTTP/2 compat request's stream: `endAfterHeaders` when its HEADERS frame ended it (no body at all). */
  stream?: { endAfterHeaders?: unknown } | null;
  readableEnded?: unknown;
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
    if (r.complete !== false || r.readableEnded === true) return false;
    // HTTP/2: `complete` turns true only once the request stream is read to its end, which nobody does for a GET;
    // a stream its client ended with its headers has no body to wait for (outside review 4: HTTP/2 hangs were
    // never aged).
    if (r.stream?.endAfterHeaders === true) return false;
    return !heldByServer(r);
  } catch {
    return true; // a request object whose stream state cannot be read: as before, its incomplete body is the client's
  }
}

/** Not read while its buffer is full: Node has stopped reading the connection for it. */
function heldByServer(r: RequestBody): boolean {
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
