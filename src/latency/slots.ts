// Slot math of the shared HDR histogram layout: a value in µs to its slot and back, with integer math only
// (see latency-ring.ts for why the hot path does not call hdr-histogram-js).

import { HISTOGRAM_CONFIG } from './histogram.js';

// The JS histogram's layout fields, computed from the shared config with hdr-histogram-js's own formulas
// (checked against a built histogram in test/latency/latency-ring.test.ts), so that importing this
// module does not load hdr-histogram-js.
const HDR = HISTOGRAM_CONFIG;
const UNIT_MAGNITUDE = Math.floor(Math.log2(HDR.lowestDiscernibleValue));
const HALF_MAGNITUDE =
  Math.max(1, Math.ceil(Math.log2(2 * Math.floor(10 ** HDR.numberOfSignificantValueDigits)))) - 1;
const SUB_BUCKET_COUNT = 2 ** (HALF_MAGNITUDE + 1);
const HALF_COUNT = SUB_BUCKET_COUNT / 2;
function bucketsToCover(value: number): number {
  let smallestUntrackable = SUB_BUCKET_COUNT * 2 ** UNIT_MAGNITUDE;
  let buckets = 1;
  while (smallestUntrackable <= value) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return buckets;
}
/** Length of one counts array (3,328 slots for the shared config). */
export const COUNTS_LENGTH: number = (bucketsToCover(HDR.highestTrackableValue) + 1) * HALF_COUNT;
/**
 * The histogram's ceiling (one hour; the integer math below works on 32-bit values): a value above it is counted
 * in OVER_CEILING_SLOT. Sums and maxima keep the exact value.
 */
export const MAX_MICROS: number = Math.min(HDR.highestTrackableValue, 0xffffffff);

/** Microseconds (integer, >= 1, exact: not clamped) for a duration in ms; -1 when not a finite duration. */
export function microsOf(ms: number): number {
  if (!(ms >= 0)) return -1; // NaN, negative, non-numbers
  const us = Math.round(ms * 1000);
  if (us === Number.POSITIVE_INFINITY) return -1;
  return Math.max(us, 1);
}

/** The counts-array slot of a value in microseconds (>= 1, at most MAX_MICROS), as hdr-histogram-js computes it. */
function slotWithin(us: number): number {
  // bucket = max(0, floor(log2(us)) - halfMagnitude - unitMagnitude), without floating point.
  let bucket = 31 - Math.clz32(us) - HALF_MAGNITUDE - UNIT_MAGNITUDE;
  if (bucket < 0) bucket = 0;
  return ((bucket + 1) << HALF_MAGNITUDE) + (us >>> (bucket + UNIT_MAGNITUDE)) - HALF_COUNT;
}

/**
 * Where every value over the ceiling is counted: the slot after the ceiling's own (which then holds only values up
 * to the hour), so that a duration just under an hour is never mixed with longer ones (Prometheus buckets below the
 * hour count it exactly, and none over the hour).
 */
export const OVER_CEILING_SLOT: number = slotWithin(MAX_MICROS) + 1;

/**
 * The counts-array slot of a value in microseconds (>= 1), as hdr-histogram-js computes it; above MAX_MICROS,
 * OVER_CEILING_SLOT.
 */
export function slotOf(value: number): number {
  return value > MAX_MICROS ? OVER_CEILING_SLOT : slotWithin(value);
}

/** Lowest value (µs) of a slot, as hdr-histogram-js `valueFromIndex`. */
export function slotValue(slot: number): number {
  let bucket = (slot >> HALF_MAGNITUDE) - 1;
  let sub = (slot & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** (bucket + UNIT_MAGNITUDE);
}

/** Highest value (µs) of a slot, as hdr-histogram-js `highestEquivalentValue(valueFromIndex(slot))`. */
export function slotHighest(slot: number): number {
  const bucket = Math.max((slot >> HALF_MAGNITUDE) - 1, 0);
  return slotValue(slot) + 2 ** (bucket + UNIT_MAGNITUDE) - 1;
}

// hdr-histogram-js's rounding of a percentile to a count (ulp guard included), so results match it.
export function countAtPercentile(percentile: number, total: number): number {
  const fp = (percentile / 100) * total;
  const ulp = 2 ** (Math.floor(Math.log2(fp)) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}
