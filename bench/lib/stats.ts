// Small statistics for the benches: median, mean, and a 95% confidence interval of the mean (Student's t),
// so that a target is called met only when the whole interval is on the right side of it.

/** Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The mean with its 95% t-interval: [low, high]. */
export function meanInterval(values: readonly number[]): { mean: number; low: number; high: number } {
  const m = mean(values);
  if (values.length < 2) return { mean: m, low: m, high: m };
  const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
  const t = T95[values.length - 2] ?? 1.96;
  const half = t * Math.sqrt(variance / values.length);
  return { mean: m, low: m - half, high: m + half };
}

/** "12.3 (11.8–12.9)" with `digits` decimals. */
export function formatInterval(i: { mean: number; low: number; high: number }, digits = 1): string {
  return `${i.mean.toFixed(digits)} (${i.low.toFixed(digits)}–${i.high.toFixed(digits)})`;
}

/** Met / not met / not shown, for a "lower is better" target: met only when the whole interval is under it. */
export function verdictBelow(i: { low: number; high: number }, target: number): string {
  if (i.high <= target) return 'met';
  if (i.low > target) return 'not met';
  return 'not shown (the interval straddles the target)';
}
