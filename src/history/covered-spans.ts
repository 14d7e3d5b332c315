// Where a point's covered seconds lie on the wall clock, so that merging counts the exact union of processes of one
// instanceId that overlapped (a rolling deploy, two short runs inside one minute), not the sum of their seconds.

/**
 * The span of a bucket closed at `endMs` (wall clock) that covered `coveredSeconds`: it ends at the close and is as
 * long as the monotonic clock says it was recorded (a wall clock's forward step is not in it), so the spans of one
 * process never overlap (each is at most the wall time since the previous close).
 */
export function bucketSpan(endMs: number, coveredSeconds: number): number[] {
  return [endMs - coveredSeconds * 1000, endMs];
}

/** The point's spans when they are well formed (pairs of finite start ≤ end), else undefined (read as unknown). */
export function spansOf(spans: unknown): readonly number[] | undefined {
  if (!Array.isArray(spans) || spans.length === 0 || spans.length % 2 !== 0) return undefined;
  for (let i = 0; i < spans.length; i += 2) {
    const a = spans[i] as unknown;
    const b = spans[i + 1] as unknown;
    if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || a > b)
      return undefined;
  }
  return spans as number[];
}

/** The union of `spans` (flat [start, end) pairs in any order): sorted, disjoint, touching spans joined. */
export function unionSpans(spans: readonly number[]): number[] {
  const order: number[] = [];
  for (let i = 0; i < spans.length; i += 2) order.push(i);
  order.sort((x, y) => (spans[x] as number) - (spans[y] as number));
  const out: number[] = [];
  for (const i of order) {
    const a = spans[i] as number;
    const b = spans[i + 1] as number;
    const last = out.length - 1;
    if (last > 0 && a <= (out[last] as number)) out[last] = Math.max(out[last] as number, b);
    else out.push(a, b);
  }
  return out;
}

/** Total length of disjoint spans, ms. */
export function spansLength(spans: readonly number[]): number {
  let ms = 0;
  for (let i = 0; i < spans.length; i += 2) ms += (spans[i + 1] as number) - (spans[i] as number);
  return ms;
}
