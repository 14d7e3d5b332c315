// HDR slot arithmetic for 3 significant digits and unit 1, as hdr-histogram-js computes it (countsArrayIndex,
// valueFromIndex, the value a percentile reads), in integer math: shared by the staging area, SlotCounts and the
// merged window.

/**
 * The HDR slot of an integer 0 <= v < 2^30: `(b << 10) + (v >>> b)` with b the bucket, `max(0, floor(log2 v) - 10)`,
 * exactly as hdr-histogram-js's countsArrayIndex for 3 significant digits and unit 1 (integer math: the library
 * computes it with Math.log2, floor and pow).
 */
export function stageSlot(v: number): number {
  const b = Math.max(0, 21 - Math.clz32(v));
  return (b << 10) + (v >>> b);
}

/** 2^-b for the buckets hdrSlot computes (b ≤ 63). */
const INVERSE_POWERS = Float64Array.from({ length: 64 }, (_, b) => 2 ** -b);

/** The HDR slot of any integer 0 <= v <= 2^53 (stageSlot's formula with the bucket read from the high bits). */
export function hdrSlot(v: number): number {
  if (v < 1_073_741_824) return stageSlot(v);
  const b = 51 - Math.clz32(v * 2 ** -30);
  // A multiplication by 2^-b (exact: a power of two), read from a table, not a division by `2 ** b`.
  return b * 1024 + Math.floor(v * (INVERSE_POWERS[b] as number));
}

/** The lowest value of a slot, as hdr-histogram-js's valueFromIndex. */
export function slotLowest(slot: number): number {
  const b = Math.max(0, (slot >> 10) - 1);
  return (slot - b * 1024) * 2 ** b;
}

/** What a percentile reads at `slot`: its highest equivalent value (its lowest for p = 0), as hdr-histogram-js. */
export function valueAt(slot: number, p: number): number {
  const lowest = slotLowest(slot);
  return p === 0 ? lowest : lowest + 2 ** Math.max(0, (slot >> 10) - 1) - 1;
}
