// Sums over the live sub-windows of a stamped ring: a route's Apdex columns (apdex-columns.ts) and an apart
// row's Apdex (apart.ts) are read by one loop.

/**
 * The sums of columns `col` and `col + 1` over the sub-windows `from` … `sub` of a ring of `slots` records of
 * `stride` numbers, each led by its sub-window's stamp (windowApdex; an apart row's Apdex, apart.ts).
 */
export function stampedPair(
  ring: Float64Array,
  stride: number,
  col: number,
  slots: number,
  sub: number,
  from: number,
): [number, number] {
  let first = 0;
  let second = 0;
  for (let pos = 0; pos < slots; pos++) {
    const b = pos * stride;
    const stamp = ring[b] as number;
    if (!(stamp >= from && stamp > sub - slots && stamp <= sub)) continue;
    first += ring[b + col] as number;
    second += ring[b + col + 1] as number;
  }
  return [first, second];
}
