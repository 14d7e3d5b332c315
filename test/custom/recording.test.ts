// Recording paths of custom metrics: the staged observe() path (HDR slot by integer math, moved into
// hdr-histogram-js at drain) against the oracle, the same values recorded one by one with hdr-histogram-js's
// own recordValue; label sets looked up level by level (no joined key), folded into `other` past the bound.
import { describe, expect, it } from 'vitest';
import { CustomHistogram, createCustomHistogram, stageSlot } from '../../src/custom/histogram.js';
import { decodeValue, encodeValue } from '../../src/custom/precision.js';
import { hdrSlot, SlotCounts } from '../../src/custom/slot-counts.js';

interface Counts {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
}
/** Every non-zero count by HDR index (the encoding would also compare the range each histogram grew to). */
function countsOf(h: unknown): Map<number, number> {
  const out = new Map<number, number>();
  if (h instanceof SlotCounts) {
    h.forEach((slot, n) => {
      out.set(slot, n);
    });
    return out;
  }
  const c = h as Counts;
  for (let i = 0; i < c.countsArrayLength; i++)
    if (c.getCountAtIndex(i) > 0) out.set(i, c.getCountAtIndex(i));
  return out;
}

/** A label set's counts as the dense hdr-histogram-js histogram the figures are read from. */
function dense(h: unknown): ReturnType<typeof createCustomHistogram> {
  const out = createCustomHistogram();
  (h as SlotCounts).addTo(out);
  return out;
}

/** A fixed-seed generator (LCG), so that a failure replays. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** Values spread over every magnitude the stage covers, its edges, and beyond it (the library's own path). */
function values(seed: number, n: number): number[] {
  const random = lcg(seed);
  const out = [0, 0.001, 0.0004, 1, 2.047, 2.048, 1073741.823, 1073741.824, 5e6, 0.5, 0.5];
  for (let k = 1; k < 31; k++) out.push(decodeValue(2 ** k - 1), decodeValue(2 ** k));
  for (let i = 0; i < n; i++) out.push(10 ** (random() * 12 - 4) * (random() < 0.99 ? 1 : 100));
  return out;
}

describe('custom histogram staging', () => {
  it('computes the slot hdr-histogram-js computes, for every magnitude', () => {
    const h = createCustomHistogram() as unknown as { countsArrayIndex(v: number): number };
    const random = lcg(7);
    const probes = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 2 ** 30 - 1];
    for (let k = 1; k < 30; k++) probes.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    for (let i = 0; i < 20_000; i++) probes.push(Math.floor(random() * 2 ** (1 + Math.floor(random() * 29))));
    // The values whose slots differ (none): one assertion, not an expect() for each of the 20,000 values.
    const mismatches = (slot: (v: number) => number, vs: number[]) =>
      vs
        .filter((v) => slot(v) !== h.countsArrayIndex(v))
        .map((v) => ({ v, got: slot(v), want: h.countsArrayIndex(v) }));
    expect(mismatches(stageSlot, probes)).toEqual([]);
    // Beyond the stage's 32-bit math, up to 2^53 (the largest encoded value counted).
    const big = [
      2 ** 30,
      2 ** 30 + 1,
      2 ** 53,
      2 ** 53 - 1,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 + 5,
      1e12,
      999_999_999_999,
    ];
    for (let k = 30; k < 53; k++) big.push(2 ** k - 1, 2 ** k, 2 ** k + 1, 2 ** k + 2 ** (k - 1));
    for (let i = 0; i < 20_000; i++) big.push(Math.floor(random() * 2 ** (30 + Math.floor(random() * 23))));
    expect(mismatches(hdrSlot, [...probes, ...big])).toEqual([]);
  });

  for (const [seed, below] of [
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const) {
    it(`gives the histogram recordValue() gives: counts, min, max, percentiles (seed ${seed}${below ? ', all values staged' : ''})`, () => {
      const metric = new CustomHistogram('h', { labels: ['q'] }, 60_000);
      const oracle = { a: createCustomHistogram(), b: createCustomHistogram() };
      // `below`: no value above the stage, so that min and max both come from the stage.
      const vs = values(seed, 5000).filter((v) => !below || (v > 50 && v < 16_000));
      vs.forEach((v, i) => {
        metric.observe({ q: i % 2 ? 'a' : 'b' }, v);
        oracle[i % 2 ? 'a' : 'b'].recordValue(encodeValue(v));
      });
      const totals = metric.totals(0);
      expect(totals.map((t) => t.labels.q)).toEqual(['b', 'a']);
      for (const { labels, histogram } of totals) {
        const want = oracle[labels.q as 'a' | 'b'];
        expect(histogram.totalCount).toBe(want.totalCount);
        expect(histogram.maxValue).toBe(want.maxValue);
        expect(histogram.minNonZeroValue).toBe(want.minNonZeroValue);
        const read = dense(histogram);
        expect([read.totalCount, read.maxValue, read.minNonZeroValue]).toEqual([
          want.totalCount,
          want.maxValue,
          want.minNonZeroValue,
        ]);
        for (let p = 0; p <= 100; p += 0.5) {
          expect(read.getValueAtPercentile(p), `p${p}`).toBe(want.getValueAtPercentile(p));
          // Read from the slot counts themselves (snapshot figures), as the library reads them.
          expect(histogram.getValueAtPercentile(p), `p${p} (slots)`).toBe(want.getValueAtPercentile(p));
        }
        for (const p of [0.1, 33.3, 66.7, 99.9, 99.99, 100]) {
          expect(histogram.getValueAtPercentile(p), `p${p} (slots)`).toBe(want.getValueAtPercentile(p));
        }
        expect(countsOf(read)).toEqual(countsOf(want));
        expect(countsOf(histogram)).toEqual(countsOf(want));
      }
    });
  }

  it('keeps the stage apart across drains: a second batch adds to the first', () => {
    const metric = new CustomHistogram('h', undefined, 60_000);
    const oracle = createCustomHistogram();
    for (const batch of [values(4, 300), values(5, 300)]) {
      for (const v of batch) {
        metric.observe(v);
        oracle.recordValue(encodeValue(v));
      }
      const [t] = metric.totals(0);
      expect(t?.histogram.totalCount).toBe(oracle.totalCount);
      expect(t?.histogram.minNonZeroValue).toBe(oracle.minNonZeroValue);
      expect(t?.histogram.maxValue).toBe(oracle.maxValue);
      expect(countsOf(t?.histogram)).toEqual(countsOf(oracle));
    }
  });
});

describe('label sets', () => {
  it('keeps label sets apart whatever their values contain (a joined key merged these two)', () => {
    const metric = new CustomHistogram('h', { labels: ['a', 'b'] }, 60_000);
    metric.observe({ a: 'x\u0001y', b: 'z' }, 1);
    metric.observe({ a: 'x', b: 'y\u0001z' }, 2);
    metric.observe({ a: 'x', b: 'y\u0001z' }, 3);
    expect(metric.totals(0).map((t) => [t.labels, t.histogram.totalCount])).toEqual([
      [{ a: 'x\u0001y', b: 'z' }, 1],
      [{ a: 'x', b: 'y\u0001z' }, 2],
    ]);
  });

  it('folds label sets beyond the bound into one `other` set, several labels deep', () => {
    const metric = new CustomHistogram('h', { labels: ['a', 'b'], maxLabelSets: 2 }, 60_000);
    for (const [a, b] of [
      ['1', '1'],
      ['1', '2'],
      ['1', '3'],
      ['2', '1'],
      ['1', '1'],
    ])
      metric.observe({ a, b }, 1);
    expect(metric.totals(0).map((t) => [t.labels, t.histogram.totalCount])).toEqual([
      [{ a: '1', b: '1' }, 2],
      [{ a: '1', b: '2' }, 1],
      [{ a: 'other', b: 'other' }, 2],
    ]);
  });
});
