// Node's stream code, seen once with the zlib streams sysvitals makes each minute, at setup (issue 18).
//
// The history point's histogram is compressed every minute (zlib deflateSync, and inflateSync when points are
// merged), and each call makes a zlib stream object. Its constructor and listeners run through Node's stream
// and event functions (ReadableState, Readable.prototype.on, EventEmitter's addListener, ...), the same ones
// every request runs for its IncomingMessage, ServerResponse and socket. In a process whose request path V8
// has optimised for the HTTP objects alone, the first flush's zlib objects deoptimise those functions ('wrong
// map', 'code dependencies'), and each runs unoptimised until V8 recompiles it: under callgrind 4.8M
// instructions of zlib cost the bare Koa server ~200M more over the next 6,000 requests (bench/RESULTS.md
// instructions-jump). Made at setup, before any request, the same zlib objects are in V8's type feedback
// from the start, and the minute's compression deoptimises nothing.

import { nodeZlib } from '../builtins.js';

/**
 * Round trips made: V8 records types only once a function has a feedback vector, which it allocates after the
 * function has run a little (lazy feedback allocation). In test/adapters/fixtures/stream-feedback.ts 2 and 4
 * round trips left the deopt in place and 8 removed it; twice that, for margin. The cost, at setup: about 5 ms
 * of CPU with loading node:zlib (which the first minute with requests loads anyway) and 0.2-0.7 MB of RSS.
 */
const ROUND_TRIPS = 16;

let primed = false;

/** Runs zlib's deflateSync and inflateSync ROUND_TRIPS times, once per process. */
export function primeStreamFeedback(): void {
  if (primed) return;
  primed = true;
  try {
    const zlib = nodeZlib();
    const data = Buffer.alloc(64, 1);
    // As the flush calls them: hdr-histogram-js deflates with an options object, LatencyCounts inflates without.
    for (let i = 0; i < ROUND_TRIPS; i++) zlib.inflateSync(zlib.deflateSync(data, {}));
  } catch {
    // Only an optimisation: a runtime without zlib compresses nothing either.
  }
}
