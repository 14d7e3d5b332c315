// The prototype wrapper that times a request's server side (outside review 7, F7): Node's response classes' end()
// (when the application ended its response). One function shared by every response, installed once per class by
// response-end.ts; the stamp it calls is response-end.ts's, and a stamp that throws never reaches the application's
// end().

import type { ServerResponse } from 'node:http';

type End = (this: unknown, chunk?: unknown, encoding?: unknown, callback?: unknown) => unknown;

/**
 * Makes `proto.end` note, once it returned, when the application ended each tracked response: one function shared
 * by every response (no listener, closure or property added per response: issue 18), installed once per class by
 * this copy of sysvitals. When end() returns, the whole response is Node's (written to the connection, or queued
 * behind a pipelined response still being sent): the server's work is done. end() calls that throw note nothing.
 */
export function timeEnds(proto: object, stamp: (res: ServerResponse) => void): void {
  const end = (proto as { end?: unknown }).end;
  if (typeof end !== 'function') return;
  const original = end as End; // inside `timed`, `end` names `timed` itself
  const timed = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    const result = original.call(this, chunk, encoding, callback);
    try {
      stamp(this);
    } catch {
      // A response object this copy cannot read (a mock's getters): the application's end() is never broken.
    }
    return result;
  };
  const own = Object.getOwnPropertyDescriptor(proto, 'end');
  Object.defineProperty(proto, 'end', {
    value: timed,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? true,
  });
}
