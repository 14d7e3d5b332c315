// Before a monitor writes its last bucket: the requests whose connections were just destroyed are recorded first.

import type { InFlightAges } from '../requests/in-flight.js';

// The real ones, taken at load: close() under a test's fake timers must still end (the turn bound holds then).
const realSetImmediate = globalThis.setImmediate;
const realNow = performance.now.bind(performance);
/** Two or three turns suffice (a destroyed socket's close callback runs at the end of a turn of the loop). */
const MAX_TURNS = 64;
const MAX_MS = 100;

/**
 * Lets the connections already destroyed while their requests were in flight deliver their 'close' events, which
 * record those requests (a failed request, count_5xx: a connection the server closed while its client waited),
 * before the monitor writes its last bucket. Node emits a destroyed socket's 'close' from its handle's close
 * callback, after the server's own 'close' and a turn of the event loop later, so `closeAllConnections()` (or
 * shutdown's cut at `drainMs`) followed at once by close() lost them (outside review 29, RT29-5). Turns of the loop
 * (setImmediate) while one is left, at most MAX_TURNS of them and MAX_MS; none when no such request is in flight.
 */
export async function settleClosedConnections(inFlight: InFlightAges): Promise<void> {
  const began = realNow();
  for (let turn = 0; turn < MAX_TURNS && inFlight.anyConnectionGone(); turn++) {
    if (realNow() - began >= MAX_MS) return;
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  }
}
