// Request counts absorbed from other processes (src/cluster/) into per_second's whole seconds (second-ring.ts, read
// when the request sub-windows are not whole divisions of a second: rates.ts): into the seconds their worker counted
// them in when its report said (`ps`: sub-split.ts, src/cluster/seconds-wire.ts), else spread over when they were
// recorded, where absorbCounts (cluster-exchange.ts) puts them in the sub-windows.

import { type AbsorbSpan, spanStamp } from './cluster-exchange.js';
import type { WindowAt } from './route-counters.js';
import type { SecondRing } from './second-ring.js';
import type { SubCounts } from './sub-split.js';

/**
 * Request counts absorbed into the window (`classes`: by status class 1xx … 5xx). `placed`: the sub-windows took
 * them as `split` names (absorbCounts' result): each of its counts into the seconds of its own sub-window or second
 * (exact when those are whole seconds or divide one). Else spread: a part of a latency sub-window that has turned
 * since over its own `from`…`to` within it (nowhere once it left the window); a frame of several intervals over as
 * many seconds up to now; anything else in the current second.
 */
export function absorbSeconds(
  seconds: SecondRing,
  classes: ArrayLike<number>,
  at: WindowAt,
  span: AbsorbSpan | undefined,
  split: SubCounts | undefined,
  placed: boolean,
): void {
  if (placed && split !== undefined) {
    const one = [0, 0, 0, 0, 0];
    split.counts.forEach((n, i) => {
      if (!(n > 0)) return;
      one[0] = n;
      const from = Math.max((split.first + i) * split.ms, at.startedAt); // as placeSplit: not before start
      seconds.absorb(one, from, Math.max(from + 1, (split.first + i + 1) * split.ms));
    });
    return;
  }
  const latencyMs = at.subWindowMs * (at.slots / at.latencySlots);
  const lat = span === undefined ? at.lat : spanStamp(span, latencyMs, at.lat, at.latencySlots);
  if (lat === null) return;
  if (span === undefined || lat === at.lat) {
    seconds.absorbRecent(classes, span ? span.to - span.from : 0, at.startedAt);
  } else {
    const from = Math.max(span.from, lat * latencyMs, at.startedAt);
    seconds.absorb(classes, from, Math.min(span.to, (lat + 1) * latencyMs));
  }
}
