// How custom-metric figures keep their precision: relative, never an absolute quantum (outside review 18, F5: a
// fixed 0.001 read every sub-millisecond value of a histogram in seconds as 0 and a counter rate of 0.00028/s as 0).
// A histogram counts each value by the HDR slot (3 significant digits, unit 1) of the square root of the value in
// units of 2^-23: the square root halves the range of magnitudes HDR must span (1e-13 … 1e18 fit in 2^53), and
// reading a slot's middle keeps every percentile within 0.098 % of a value recorded (within 1.5e-11 below 1.5e-8).

/** Square roots are counted in units of 2^-23 (a power of two: the product is exact). */
const ROOT_SCALE = 2 ** 23;

/** Significant digits a figure is shown with: a relative step of at most 5e-6, far inside the 0.1 % promised. */
export const FIGURE_DIGITS = 6;

/** The integer a histogram counts for `v` ≥ 0 (monotonic: a larger value never counts lower). */
export function encodeValue(v: number): number {
  return Math.round(Math.sqrt(v) * ROOT_SCALE);
}

/** The value an encoded integer (or a fraction between two: a slot's middle) stands for. */
export function decodeValue(u: number): number {
  const r = u / ROOT_SCALE;
  return r * r;
}

/** `v` to `digits` significant digits (a relative rounding: 0.000123456789 → 0.000123457); non-finite as is. */
export function roundSig(v: number, digits = FIGURE_DIGITS): number {
  if (!Number.isFinite(v) || v === 0) return v;
  return Number(v.toPrecision(digits));
}
