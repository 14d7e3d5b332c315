// The two prototype wrappers that time a request's server side (outside review 7, F7 and F6): Node's response
// classes' end() (when the application ended its response) and its HTTP/1 parser's pushes of a request's body (when
// the body was in). Each is one function shared by every request, installed once per class by response-end.ts; the
// stamps they call are response-end.ts's, and a stamp that throws never reaches the application's end() or Node's
// parser.

import type { IncomingMessage, ServerResponse } from 'node:http';

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
  const timed = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    const result = (original as End).call(this, chunk, encoding, callback);
    try {
      stamp(this);
    } catch {
      // A response object this copy cannot read (a mock's getters): the application's end() is never broken.
    }
    return result;
  };
  const original = end;
  const own = Object.getOwnPropertyDescriptor(proto, 'end');
  Object.defineProperty(proto, 'end', {
    value: timed,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? true,
  });
}

const READABLE_STATE = '_readableState';
type ReadableState = { length: number; dataEmitted?: boolean };

/**
 * Makes Node's HTTP/1 parser's pushes of a request's body note when the body was in (outside review 7, F6): its end
 * (`push(null)`, after a body) stamps its flights' bodyAt, unless a push of it returned false before (Node then
 * stopped reading the connection until the application took what it held: the arrival was paced by the server, and
 * stays in the request's time). One function shared by every request; a request without a body costs a read of its
 * stream's state at its end. Responses of Node's HTTP client are IncomingMessages too: nothing is tracked for them.
 */
export function timeBodies(proto: object, stampBody: (req: IncomingMessage, held: boolean) => void): void {
  const push = (proto as { push?: unknown }).push;
  if (typeof push !== 'function') return;
  const original = push as (this: IncomingMessage, chunk: unknown, encoding?: unknown) => boolean;
  Object.defineProperty(proto, 'push', {
    value: function push(this: IncomingMessage, chunk: unknown, encoding?: unknown): boolean {
      if (chunk === null) {
        const state = (this as unknown as Record<string, ReadableState | undefined>)[READABLE_STATE];
        if (state !== undefined && (state.length > 0 || state.dataEmitted === true))
          safely(stampBody, this, false);
        return original.call(this, chunk, encoding);
      }
      const more = original.call(this, chunk, encoding);
      if (!more) safely(stampBody, this, true);
      return more;
    },
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

/** `stamp(req, held)`, never throwing into Node's parser (a request object it cannot read is left untimed). */
function safely(
  stamp: (req: IncomingMessage, held: boolean) => void,
  req: IncomingMessage,
  held: boolean,
): void {
  try {
    stamp(req, held);
  } catch {
    // Monitoring never breaks the application's request.
  }
}
