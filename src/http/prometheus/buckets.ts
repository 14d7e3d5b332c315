// Cumulative Prometheus histogram buckets derived from HDR histograms or counts views (microseconds).

import type * as Hdr from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, hdrLibrary } from '../../latency/histogram.js';
import { type CountsView, MAX_MICROS, slotOf } from '../../latency/latency-ring.js';
import type { PrometheusLatency } from './data.js';

/**
 * Derives cumulative Prometheus buckets from an HDR histogram (microseconds). A recorded value counts
 * under `le` when its HDR slot is at or below the slot the bound itself would be recorded in (bounds in
 * whole µs, as boundToMicros): every value at or below the bound counts (recording is monotonic, so its slot
 * is at or below the bound's), every value in a higher slot does not. The one ambiguity HDR's precision leaves
 * is the bound's own slot: a value above the bound in it (at most 2⁻⁷ of the bound above it, e.g. 1000.001 to
 * 1003.519 ms for le="1") counts under it. Fills `out` (length buckets+1, `+Inf` last) and returns the sum in
 * seconds.
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
  // Durations over the ceiling are counted in slots wholly above it (slots.ts OVER_CEILING_SLOT): their exact values
  // are not kept, so they count under every bound over the ceiling and under none up to it.
  const firstOver = firstBoundOverCeiling(boundsUs);
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
      // The slot is at or below the bound's own slot exactly when it starts at or below the bound.
      while (b < n && lowest > (boundsUs[b] as number)) b++;
      const at = lowest > MAX_MICROS ? firstOver : b;
      out[at] = (out[at] as number) + count;
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

// Same placement as the HDR path (a slot counts under a bound when it is at or below the bound's own slot),
// by walking the counts once and cutting after the slot that holds each bound; the sum is the view's own, exact.
// A bound over the one-hour ceiling holds the slot where longer values are counted (slots.ts OVER_CEILING_SLOT);
// a bound up to the ceiling never does, so the ceiling's own slot holds only durations up to the hour.
function viewBuckets(v: CountsView, boundsUs: readonly number[], out: number[]): number {
  if (v.n <= 0) return 0;
  const n = boundsUs.length;
  const counts = v.counts;
  let acc = 0;
  let i = Math.max(0, v.lo);
  for (let b = 0; b < n; b++) {
    const bound = boundsUs[b] as number;
    // A bound under 1 µs holds slot 0 (the value 0, never recorded: durations are at least 1 µs).
    const last = Math.min(slotOf(Math.max(bound, 0)), v.hi);
    for (; i <= last; i++) acc += counts[i] as number;
    out[b] = acc;
  }
  for (; i <= v.hi; i++) acc += counts[i] as number;
  out[n] = acc;
  return v.sum / 1e6;
}

// Index of the first bound over the ceiling (n when none is: +Inf): where durations over the ceiling count.
function firstBoundOverCeiling(boundsUs: readonly number[]): number {
  let b = 0;
  while (b < boundsUs.length && (boundsUs[b] as number) <= MAX_MICROS) b++;
  return b;
}

/**
 * A bound in seconds as the whole microseconds at or below it (durations are recorded as whole µs: slots.ts
 * microsOf), so a bound between two µs values (1.5 µs) counts only the values up to the lower one (1 µs),
 * never the next one above the bound. Robust to float error: a bound within 1e-9 (relative) of a whole µs is
 * that µs (0.0005 * 1e6 is 499.99999999999994: 500 µs, and a duration of exactly 500 µs still counts).
 */
export function boundToMicros(seconds: number): number {
  const us = seconds * 1e6;
  const nearest = Math.round(us);
  return Math.abs(us - nearest) <= 1e-9 * Math.max(1, Math.abs(us)) ? nearest : Math.floor(us);
}
