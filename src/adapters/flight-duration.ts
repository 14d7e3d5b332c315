// A tracked request's duration at its end (flightDuration), apart from response-end.ts's tracking.

import { performance } from 'node:perf_hooks';
import { type BlockedFlight, blockedMs } from './client-blocked.js';
import { ABORTED_STATUS } from './common.js';

/**
 * A request's duration at its end, from its start (performance.now()): to when the application ended its response
 * (its end() returned: the server's work done) for a response that completed, as nginx's `$upstream_response_time`
 * ends, not when its client took the last byte ('finish', which Node emits once the socket's buffer drained: a
 * client that reads a large body late was timed as the server's latency, outside review 7, F7); to now for a
 * response cut off (499: up to the close) or one whose end() was not seen (a response object not from Node's
 * classes, an end() the application called through a copy of Node's own taken before sysvitals started). It starts
 * at the hand-over, a request's upload included: the server cannot tell a body its client paced from one its own
 * work delayed (outside review 8, F1: the rule that tried, F6's, hid 400 ms of synchronous work before the body).
 * A response that completed has the time its producer waited on its client taken out (blockedMs, client-blocked.ts:
 * a compression middleware, a pipe, paused on backpressure; outside review 9, F2), only the loop's idle time in it
 * (outside review 10, F1: the server's own work while a drain waited is kept); one cut off keeps it.
 */
export function flightDuration(
  flight: BlockedFlight & { readonly start: number; readonly endedAt: number },
  status: number,
): number {
  if (status === ABORTED_STATUS) return performance.now() - flight.start;
  const ended = flight.endedAt;
  // biome-ignore lint/suspicious/noSelfCompare: NaN check without a call on the request path
  return (ended === ended ? ended : performance.now()) - flight.start - blockedMs(flight);
}
