// The time a response was blocked on its client (outside review 9, F2): behind a compression middleware (`compression`,
// `koa-compress`, `@fastify/compress`), a body the application sent in one call is written by zlib, which pauses on
// backpressure and calls the real end() only once it has written everything: 6 clients that read nothing for 5.5 s
// were timed at 6–7 s and paged `api_response_time`, for ~1 s of the server's work. A pipe (`stream.pipe(res)`,
// `res.sendFile`, Koa's and Fastify's stream bodies) and Fastify 5's chunked HTTP/2 payloads wait the same way.
//
// The rule: a span opens when a write to the response returns false (its transport holds more than its high-water
// mark) and closes at the response's 'drain'; it is the client's, and taken out of the duration, when something
// waited for that 'drain' (a listener besides sysvitals' own: the middleware's, the pipe's, Fastify's, an
// application's `once(res, 'drain')`), so the producer was paused on its client. Not the client's, and kept: a span
// nothing waited on (an application that writes on without waiting: its own work goes on meanwhile), a span a new
// write or the application's end() came into before the drain (the producer did not wait), and spans after end()
// (the duration ends there). Node's own 'drain' on a response comes only through its transport's (HTTP/1's
// connection, HTTP/2's stream), once every byte written is taken, so a span is the time the client's buffers were
// full. A fast client drains them at once: its spans are the microseconds of the write the kernel takes.
//
// Only the event loop's idle time in a span is taken out (outside review 10, F1): a 'drain' cannot be delivered while
// JavaScript holds the loop, so a handler's own synchronous work after a write that returned false (`ok =
// res.write(chunk); renderNext(); if (!ok) await drain`), another request's, or a GC pause fell inside the span and was
// subtracted: 3 s of a generator's CPU with a fast reader were timed at 1.2 ms. A span takes the loop's idle total
// (performance.eventLoopUtilization().idle: the time libuv waited in its poll, updated as the poll returns, before
// the 'drain' callback runs) at its start; at the drain min(span, idle since) is the client's, the rest the server's.

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** What of a tracked response's flight (response-end.ts, Flight) the spans need, and keep. */
export interface BlockedFlight {
  readonly res: ServerResponse;
  /** performance.now() when the application's end() of its response returned; NaN before. */
  readonly endedAt: number;
  readonly nextFlight: BlockedFlight | null;
  /**
   * Its time blocked on its client; null until a write to its response first returned false (then it also has
   * sysvitals' 'drain' listener). One field, made on that slow path only: every request's ticket carries this one
   * field, not four (issue 18).
   */
  blocked: BlockedTime | null;
}

/** A flight's time blocked on its client (writeBlocked, drained). */
export interface BlockedTime {
  /** performance.now() when a write to its response returned false and it has not drained since; NaN if not. */
  at: number;
  /** The event loop's idle total (ms, eventLoopUtilization().idle) when its open span started; meaningless if none. */
  idle: number;
  /** The time (ms) its producer waited on its client before the application ended it: not the server's. */
  ms: number;
}

/** The time a flight's producer waited on its client (ms): taken out of a completed request's duration. */
export function blockedMs(flight: BlockedFlight): number {
  const b = flight.blocked;
  return b === null ? 0 : b.ms;
}

const prependListener = EventEmitter.prototype.prependListener;
const listenerCount = EventEmitter.prototype.listenerCount;

/**
 * A write to `res` returned false: each of its flights (from `first` on its list) not ended yet opens a span now (a
 * span already open restarts: the producer wrote without waiting for the drain). `onDrain` (which calls drained) is
 * prepended to the response's 'drain' listeners once per response, so it runs before the producer's own: a
 * producer that writes again from its 'drain' listener finds the span closed.
 */
export function writeBlocked(
  first: BlockedFlight | null | undefined,
  res: ServerResponse,
  onDrain: (this: ServerResponse) => void,
): void {
  let now = Number.NaN;
  let idle = 0;
  let listen = false;
  for (let f = first; f; f = f.nextFlight) {
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (not ended)
    if (f.res !== res || f.endedAt === f.endedAt) continue;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (the clock read once)
    if (now !== now) {
      now = performance.now();
      idle = performance.eventLoopUtilization().idle;
    }
    const b = f.blocked;
    if (b === null) {
      f.blocked = { at: now, idle, ms: 0 };
      listen = true;
    } else {
      b.at = now;
      b.idle = idle;
    }
  }
  if (listen) prependListener.call(res, 'drain', onDrain);
}

/**
 * `res` drained: each of its flights' open span closes, and the loop's idle time in it (at most the span) is added to
 * its blocked time when something besides sysvitals waited for this 'drain' and the application had not ended the
 * response. The loop busy (any JavaScript, a GC pause) in the span stays the server's.
 */
export function drained(first: BlockedFlight | null | undefined, res: ServerResponse): void {
  let now = Number.NaN;
  let idle = 0;
  let waited: boolean | undefined;
  for (let f = first; f; f = f.nextFlight) {
    const b = f.blocked;
    if (f.res !== res || b === null) continue;
    const at = b.at;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (a span open)
    if (at !== at) continue;
    b.at = Number.NaN;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (not ended)
    if (f.endedAt === f.endedAt) continue;
    // Read once, at the first open span: this listener and the producer's (emit runs a copy of the list).
    if (waited === undefined) waited = listenerCount.call(res, 'drain') > 1;
    if (!waited) continue;
    // biome-ignore lint/suspicious/noSelfCompare: NaN check (the clock read once)
    if (now !== now) {
      now = performance.now();
      idle = performance.eventLoopUtilization().idle;
    }
    b.ms += Math.min(now - at, Math.max(0, idle - b.idle));
  }
}
