// Cumulative Prometheus histogram buckets derived from HDR histograms or counts views (microseconds).

import type * as Hdr from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, hdrLibrary } from '../../latency/histogram.js';
import { type CountsView, MAX_MICROS, slotHighest, slotOf } from '../../latency/latency-ring.js';
import type { PrometheusLatency } from './data.js';

/**
 * Derives cumulative Prometheus buckets from an HDR histogram (microseconds). A recorded value
 * counts under `le` when its whole HDR slot is at or below the bound: the slot's highest equivalent
 * value, which is what the JSON percentiles report. So `p95_ms <= 1000` in `metrics/` exactly when at
 * least 95 % of the requests are under `le="1"`; a value within HDR's precision (under 1 %) above a
 * bound's slot start counts above it, as it does in the percentiles. Fills `out` (length buckets+1,
 * `+Inf` last) and returns the sum in seconds.
 */
export function cumulativeBuckets(h: PrometheusLatency, boundsUs: readonly number[], out: number[]): number {
  const n = boundsUs.length;
  for (let i = 0; i <= n; i++) out[i] = 0;
  if (isCountsView(h)) return viewBuckets(h, boundsUs, out);
  if (h.totalCount === 0) return 0;
  // Histograms built by src/latency/histogram.ts are JS ones (the only kind sysvitals builds); anything else goes
  // through encodeHistogram, which refuses it.
  const js =
    h instanceof hdrLibrary().JsHistogram ? h : (decodeHistogram(encodeHistogram(h)) as Hdr.JsHistogram);
  // Walk only the slots between the smallest and largest recorded values.
  const min = js.minNonZeroValue <= js.maxValue ? js.minNonZeroValue : 0;
  const first = Math.max(0, js.countsArrayIndex(min) - 1);
  const last = Math.min(js.countsArrayIndex(js.maxValue), js.countsArrayLength - 1);
  // Slot i covers [sub * width, (sub + 1) * width): HdrHistogram's valueFromIndex, inlined because the
  // library's per-slot helpers (pow, clz32 per call) cost ~150 ns a slot, 7 ms for a 20-function scrape.
  const half = js.subBucketHalfCount;
  let sumUs = 0;
  let b = 0;
  let bucket = Math.floor(first / half) - 1;
  let sub = (first % half) + half;
  if (bucket < 0) {
    sub -= half;
    bucket = 0;
  }
  let width = 2 ** (bucket + js.unitMagnitude);
  for (let i = first; i <= last; i++) {
    const count = js.getCountAtIndex(i);
    if (count !== 0) {
      const lowest = sub * width;
      const highest = lowest + width - 1;
      while (b < n && highest > (boundsUs[b] as number)) b++;
      out[b] = (out[b] as number) + count;
      sumUs += count * (lowest + Math.floor(width / 2));
    }
    if (++sub === 2 * half) {
      sub = half;
      bucket++;
      width *= 2;
    }
  }
  for (let i = 1; i <= n; i++) out[i] = (out[i] as number) + (out[i - 1] as number);
  return sumUs / 1e6;
}

function isCountsView(h: PrometheusLatency): h is CountsView {
  return (h as CountsView).counts !== undefined && typeof (h as CountsView).lo === 'number';
}

// Same placement as the HDR path (a slot counts under a bound when its highest value is at or below
// it), by walking the counts once and cutting below the slot that holds each bound unless that slot ends
// at the bound; the sum is the view's own, exact.
function viewBuckets(v: CountsView, boundsUs: readonly number[], out: number[]): number {
  if (v.n <= 0) return 0;
  const n = boundsUs.length;
  const counts = v.counts;
  let acc = 0;
  let i = Math.max(0, v.lo);
  for (let b = 0; b < n; b++) {
    const bound = boundsUs[b] as number;
    let last = -1;
    if (bound >= 1) {
      const s = slotOf(Math.min(bound, MAX_MICROS));
      last = Math.min(slotHighest(s) <= bound ? s : s - 1, v.hi);
    }
    for (; i <= last; i++) acc += counts[i] as number;
    out[b] = acc;
  }
  for (; i <= v.hi; i++) acc += counts[i] as number;
  out[n] = acc;
  return v.sum / 1e6;
}

/**
 * A bound in seconds as the largest whole number of microseconds within it (values are recorded in
 * whole µs), robust to float error: 0.0005 * 1e6 is 499.99999999999994, and 500 µs must count under it.
 */
export function boundToMicros(seconds: number): number {
  return Math.floor(seconds * 1e6 + 1e-6);
}
