// The prototype wrappers that time a request's server side (outside reviews 7, F7, and 9, F2): Node's response
// classes' end() (when the application ended its response) and write() (when a write found its client's buffers
// full: backpressure). One function of each shared by every response, installed once per class by response-end.ts;
// the stamps they call are response-end.ts's, and a stamp that throws never reaches the application's call.

import type { ServerResponse } from 'node:http';

type Call = (this: unknown, chunk?: unknown, encoding?: unknown, callback?: unknown) => unknown;

/** Replaces `proto[name]` with `timed`, keeping the original's enumerability. */
function install(proto: object, name: 'end' | 'write' | 'writeHead' | 'destroy', timed: unknown): void {
  const own = Object.getOwnPropertyDescriptor(proto, name);
  Object.defineProperty(proto, name, {
    value: timed,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? true,
  });
}

/**
 * Makes `proto.end` note, once it returned, when the application ended each tracked response: one function shared
 * by every response (no listener, closure or property added per response: issue 18), installed once per class by
 * this copy of sysvitals. When end() returns, the whole response is Node's (written to the connection, or queued
 * behind a pipelined response still being sent): the server's work is done. end() calls that throw note nothing.
 */
export function timeEnds(proto: object, stamp: (res: ServerResponse) => void): void {
  const end = (proto as { end?: unknown }).end;
  if (typeof end !== 'function') return;
  const original = end as Call; // inside `timed`, `end` names `timed` itself
  const timed = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    const result = original.call(this, chunk, encoding, callback);
    try {
      stamp(this);
    } catch {
      // A response object this copy cannot read (a mock's getters): the application's end() is never broken.
    }
    return result;
  };
  install(proto, 'end', timed);
}

/**
 * Makes `proto.write` call `blocked` when a write returned false: the response's transport (its connection, or its
 * HTTP/2 stream) holds more than its high-water mark, so its producer is asked to wait for 'drain' (backpressure).
 * One function shared by every response, as timeEnds; a write that returned anything else costs one comparison
 * (nothing allocated, no clock read). Writes that throw note nothing; a `blocked` that throws is swallowed.
 */
export function timeWrites(proto: object, blocked: (res: ServerResponse) => void): void {
  const write = (proto as { write?: unknown }).write;
  if (typeof write !== 'function') return;
  const original = write as Call; // inside `timed`, `write` names `timed` itself
  const timed = function write(
    this: ServerResponse,
    chunk?: unknown,
    encoding?: unknown,
    callback?: unknown,
  ) {
    const result = original.call(this, chunk, encoding, callback);
    if (result === false) noteBlocked(blocked, this);
    return result;
  };
  install(proto, 'write', timed);
}

/** The slow path of a write that returned false (kept apart: the wrapper's fast path holds no try). */
function noteBlocked(blocked: (res: ServerResponse) => void, res: ServerResponse): void {
  try {
    blocked(res);
  } catch {
    // As for end(): the application's write() is never broken by sysvitals' note.
  }
}

/**
 * Wraps `proto.writeHead` (Node's ServerResponse's: every HTTP/1 head goes through it, `_implicitHeader` included)
 * so that `head(res, status)` is told the status the head just written carries, read from the call rather than from
 * the head string (Node builds `_header` by concatenation: reading a character of it makes V8 flatten a copy, about
 * 200 bytes a request; issue 18). Told only when writeHead returned and set `res.statusCode` to its argument's
 * integer (as Node's does, before it writes the status line): else nothing is told and the reader falls back to the
 * head. A `head` that throws never reaches the application's call.
 */
export function timeHeads(proto: object, head: (res: ServerResponse, status: number) => void): void {
  const writeHead = (proto as { writeHead?: unknown }).writeHead;
  if (typeof writeHead !== 'function') return;
  const original = writeHead as Call; // inside `timed`, `writeHead` names `timed` itself
  const timed = function writeHead(
    this: ServerResponse,
    statusCode?: unknown,
    reason?: unknown,
    headers?: unknown,
  ) {
    const result = original.call(this, statusCode, reason, headers);
    const status = (statusCode as number) | 0;
    if (this.statusCode === status) noteHead(head, this, status);
    return result;
  };
  install(proto, 'writeHead', timed);
}

/** head(res, status), never thrown into the application's writeHead(). */
function noteHead(
  head: (res: ServerResponse, status: number) => void,
  res: ServerResponse,
  status: number,
): void {
  try {
    head(res, status);
  } catch {
    // As for end(): the application's writeHead() is never broken by sysvitals' note.
  }
}

/**
 * Makes `proto.destroy` (node:http2's Http2ServerResponse's) tell `note(res, err)` before it destroys: the server
 * cutting its own response (Fastify's `res.destroy()` when a stream body fails after the head went out). One
 * function shared by every response, installed once; a `note` that throws never reaches the caller's destroy().
 */
export function timeDestroys(proto: object, note: (res: ServerResponse, err: unknown) => void): void {
  const destroy = (proto as { destroy?: unknown }).destroy;
  if (typeof destroy !== 'function') return;
  const original = destroy as (this: unknown, err?: unknown) => unknown; // inside `timed`, `destroy` names `timed`
  const timed = function destroy(this: ServerResponse, err?: unknown) {
    try {
      note(this, err);
    } catch {
      // As for end(): the application's destroy() is never broken by sysvitals' note.
    }
    return original.call(this, err);
  };
  install(proto, 'destroy', timed);
}
