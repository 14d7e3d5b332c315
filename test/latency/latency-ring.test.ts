import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { createHistogram, summarize } from '../../src/latency/histogram.js';
import {
  COUNTS_LENGTH,
  CumulativeCounts,
  createView,
  LatencyRing,
  MAX_MICROS,
  microsOf,
  slotOf,
  slotValue,
  summarizeView,
  toHistogram,
} from '../../src/latency/latency-ring.js';
import { rng } from '../helpers/random.js';

// Deterministic pseudo-random values (mulberry32), so a failure reproduces.
function viewOf(values: number[]) {
  const v = createView();
  for (const us of values) {
    const s = slotOf(us);
    v.counts[s] = (v.counts[s] as number) + 1;
    v.lo = Math.min(v.lo, s);
    v.hi = Math.max(v.hi, s);
    v.n++;
    v.sum += us;
    v.max = Math.max(v.max, us);
  }
  return v;
}

describe('slot layout', () => {
  const probe = createHistogram() as unknown as JsHistogram;

  it('puts every value in the slot hdr-histogram-js would', () => {
    const random = rng(1);
    const values: number[] = [];
    for (let v = 1; v <= 70_000; v++) values.push(v);
    for (let bit = 1; bit < 32; bit++) values.push(2 ** bit - 1, 2 ** bit, 2 ** bit + 1);
    for (let i = 0; i < 20_000; i++) values.push(1 + Math.floor(random() * (MAX_MICROS - 1)));
    values.push(MAX_MICROS);
    const wrong = values.filter((v) => v <= MAX_MICROS && slotOf(v) !== probe.countsArrayIndex(v));
    expect(wrong).toEqual([]);
  });

  it('gives each slot the lowest value hdr-histogram-js gives it', () => {
    for (let i = 0; i < COUNTS_LENGTH; i++) expect(slotValue(i)).toBe(probe.valueFromIndex(i));
    // The layout is computed from the config without building a histogram: it must be hdr's own.
    expect(COUNTS_LENGTH).toBe(probe.countsArrayLength);
    expect(MAX_MICROS).toBe(Math.min(probe.highestTrackableValue, 0xffffffff));
  });

  it('converts durations to whole microseconds and rejects what is not a duration', () => {
    expect(microsOf(1.5)).toBe(1500);
    expect(microsOf(0)).toBe(1);
    expect(microsOf(0.0001)).toBe(1);
    // Exact above the histogram's ceiling (sums and maxima keep it); only the slot is shared: the one after the
    // ceiling's own, which keeps the durations up to the hour apart from longer ones (review 20).
    expect(microsOf(10 * 3_600_000)).toBe(36_000_000_000);
    expect([slotOf(MAX_MICROS + 1), slotOf(36_000_000_000)]).toEqual([
      slotOf(MAX_MICROS) + 1,
      slotOf(MAX_MICROS) + 1,
    ]);
    expect(slotOf(MAX_MICROS) + 1).toBeLessThan(COUNTS_LENGTH);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(microsOf(bad)).toBe(-1);
    }
  });
});

describe('summarizeView and toHistogram', () => {
  it('matches summarize() on an hdr histogram of the same values, with exact avg and max', () => {
    const random = rng(7);
    for (let round = 0; round < 20; round++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 5_000) }, () =>
        Math.max(1, Math.round(Math.exp(random() * 16))),
      );
      const h = createHistogram();
      for (const us of values) h.recordValue(us);
      const expected = summarize(h);
      const got = summarizeView(viewOf(values));
      const max = Math.max(...values) / 1000;
      expect(got.count).toBe(values.length);
      expect(got.max_ms).toBe(max);
      expect(got.avg_ms).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length / 1000, 3);
      // hdr reports a slot's upper edge, which can pass the largest value seen; we cap at the max.
      expect(got.p50_ms).toBe(Math.min(expected.p50_ms, max));
      expect(got.p95_ms).toBe(Math.min(expected.p95_ms, max));
      expect(got.p99_ms).toBe(Math.min(expected.p99_ms, max));
    }
  });

  it('builds an hdr histogram with the same counts per slot and the exact max', () => {
    const values = [1, 5, 5, 250, 1_234, 1_239, 99_999, 3_000_000];
    const direct = createHistogram() as unknown as JsHistogram;
    for (const us of values) direct.recordValue(us);
    const built = toHistogram(viewOf(values)) as unknown as JsHistogram;
    expect(built.totalCount).toBe(values.length);
    expect(built.maxValue).toBe(3_000_000);
    for (let i = 0; i < COUNTS_LENGTH; i++) expect(built.getCountAtIndex(i)).toBe(direct.getCountAtIndex(i));
  });

  it('summarizes an empty view as zeros', () => {
    expect(summarizeView(createView())).toEqual({
      count: 0,
      p50_ms: 0,
      p95_ms: 0,
      p99_ms: 0,
      avg_ms: 0,
      max_ms: 0,
    });
  });
});

describe('LatencyRing', () => {
  const record = (ring: LatencyRing, abs: number, us: number, failed = false) =>
    ring.record(abs, abs % ring.slots, slotOf(us), us, failed);

  it('keeps the last `slots` sub-windows and drops older ones', () => {
    const ring = new LatencyRing(4);
    record(ring, 10, 1_000);
    record(ring, 11, 2_000);
    record(ring, 13, 3_000, true);
    const at13 = ring.window(13, createView());
    expect([at13.n, at13.max, at13.errors]).toEqual([3, 3_000, 1]);
    expect(ring.window(14, createView()).n).toBe(2); // sub-window 10 left the window
    expect(ring.window(17, createView()).n).toBe(0);
  });

  it('clears a reused sub-window before writing to it', () => {
    const ring = new LatencyRing(2);
    record(ring, 0, 500);
    record(ring, 2, 700); // same position as 0
    const v = ring.window(2, createView());
    expect([v.n, v.max, v.sum]).toEqual([1, 700, 700]);
    expect(summarizeView(v).p50_ms).toBe(0.7);
  });

  it("counts 32-bit from a sub-window's first use: past 65,535 values in one slot, one array type", () => {
    const ring = new LatencyRing(1);
    const bytes = ring.bytes;
    record(ring, 0, 7);
    expect(ring.bytes - bytes).toBe(COUNTS_LENGTH * 4);
    for (let i = 0; i < 70_000; i++) record(ring, 0, 42);
    const v = ring.window(0, createView());
    expect(v.n).toBe(70_001);
    expect(v.counts[slotOf(42)]).toBe(70_000);
    expect(v.counts[slotOf(7)]).toBe(1);
    expect(ring.bytes - bytes).toBe(COUNTS_LENGTH * 4); // no new array
  });
});

describe('CumulativeCounts', () => {
  it('holds every value added: the same counts per slot, n, sum, max and errors as a view of them', () => {
    const random = rng(11);
    const values = Array.from({ length: 5_000 }, () => 1 + Math.floor(random() ** 4 * 3_000_000));
    const cumulative = new CumulativeCounts();
    for (const [i, us] of values.entries()) cumulative.add(slotOf(us), us, i % 7 === 0);
    const expected = viewOf(values);
    expect(Array.from(cumulative.counts)).toEqual(Array.from(expected.counts));
    expect([cumulative.n, cumulative.sum, cumulative.max, cumulative.lo, cumulative.hi]).toEqual([
      expected.n,
      expected.sum,
      expected.max,
      expected.lo,
      expected.hi,
    ]);
    expect(cumulative.errors).toBe(Math.ceil(values.length / 7));
    expect(summarizeView(cumulative)).toEqual(summarizeView(expected));
  });

  it('keeps 32-bit counts (13 KB) from the start: past 255 and 65,535 in one slot, no new array type', () => {
    const cumulative = new CumulativeCounts();
    expect(cumulative.bytes).toBe(COUNTS_LENGTH * 4);
    const start = cumulative.counts;
    cumulative.add(slotOf(7), 7, false);
    for (let i = 0; i < 70_000; i++) cumulative.add(slotOf(42), 42, false);
    expect(cumulative.counts[slotOf(42)]).toBe(70_000);
    expect(cumulative.counts[slotOf(7)]).toBe(1);
    expect(cumulative.counts).toBe(start);
    expect([cumulative.n, cumulative.sum, cumulative.max]).toEqual([70_001, 7 + 70_000 * 42, 42]);
  });

  it('keeps sums past 2^31 µs exact (figures held as doubles)', () => {
    const cumulative = new CumulativeCounts();
    const us = 3_600_000_000; // one hour, above 2^31
    cumulative.add(slotOf(us), us, true);
    cumulative.add(slotOf(us), us, false);
    expect([cumulative.n, cumulative.sum, cumulative.max, cumulative.errors]).toEqual([2, 2 * us, us, 1]);
  });

  it('moves to 64-bit counts rather than wrapping past 2^32 in one slot', () => {
    const cumulative = new CumulativeCounts();
    for (let i = 0; i < 70_000; i++) cumulative.add(slotOf(42), 42, false);
    // Four billion adds take too long for a test: start the slot one short of the 32-bit limit.
    cumulative.counts[slotOf(42)] = 0xffffffff;
    cumulative.add(slotOf(42), 42, false);
    cumulative.add(slotOf(42), 42, false);
    expect(cumulative.counts[slotOf(42)]).toBe(2 ** 32 + 1);
    expect(cumulative.bytes).toBe(COUNTS_LENGTH * 8);
  });
});
