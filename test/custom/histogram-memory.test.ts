// A custom histogram's memory follows what its label sets recorded, not the bound (outside review 9b, F3: each label
// set held ~0.5 MB of dense HDR arrays from its first value). Counted deterministically: the bytes of every typed
// array reachable from the metric (each buffer once), after a snapshot has moved the values into the window, the
// totals and the history bucket. README "Custom metrics" states the bounds checked here.
import { describe, expect, it } from 'vitest';
import { CustomHistogram } from '../../src/custom/histogram.js';
import { decodeValue } from '../../src/custom/precision.js';

/** Bytes of the typed arrays reachable from `root` through own properties, arrays, Maps and Sets. */
function bufferBytes(root: unknown): number {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      buffers.add(x.buffer);
      return;
    }
    if (x instanceof Map)
      for (const [k, v] of x) {
        walk(k);
        walk(v);
      }
    else if (x instanceof Set) for (const v of x) walk(v);
    else for (const v of Object.values(x)) walk(v);
  };
  walk(root);
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}

const KB = 1024;

describe('custom histogram memory per label set', () => {
  it('a label set with a handful of values costs a few KB (the bound: 9 KB), whatever the range', () => {
    const h = new CustomHistogram('payload', { labels: ['tenant'] }, 60_000);
    h.observe({ tenant: 'warm' }, 1);
    h.snapshot(0);
    const before = bufferBytes(h);
    for (let t = 0; t < 10; t++) {
      for (const v of [1, 500, 0.25, 80_000, 7.5]) h.observe({ tenant: `t${t}` }, v * (t + 1));
    }
    h.snapshot(1000);
    h.takeBucket(1000);
    h.observe({ tenant: 't0' }, 3);
    h.snapshot(2000);
    const perSet = (bufferBytes(h) - before) / 10;
    expect(perSet).toBeLessThanOrEqual(9 * KB);
  });

  it("the reviewer's load (41 values from 1 to 1e9 per set, 100 sets) stays under 40 KB per set", () => {
    const h = new CustomHistogram('payload', { labels: ['tenant'] }, 60_000);
    for (let t = 0; t < 100; t++)
      for (let k = 0; k <= 40; k++) h.observe({ tenant: `t${t}` }, 1e9 ** (k / 40));
    h.snapshot(0);
    // Values since the last sample again, so that every store holds them.
    for (let t = 0; t < 100; t++)
      for (let k = 0; k <= 40; k++) h.observe({ tenant: `t${t}` }, 1e9 ** (k / 40));
    expect(bufferBytes(h) / 100).toBeLessThanOrEqual(40 * KB);
  });

  it('a full label set (every HDR slot below 2^30 hit) is bounded: 5 stores of 21,504 slots', () => {
    const h = new CustomHistogram('payload', undefined, 60_000);
    // One value in each slot: the value the lowest encoded value of every slot stands for (precision.ts).
    const values: number[] = [];
    for (let slot = 0; slot < 21 * 1024; slot++) {
      const b = Math.max(0, (slot >> 10) - 1);
      if (slot >= 1024 || b === 0) values.push(decodeValue((slot - b * 1024) * 2 ** b));
    }
    for (const v of values) h.observe(v);
    h.snapshot(0);
    for (const v of values) h.observe(v);
    // Each of the 5 stores: 672 pages of 32 counts (86,016 bytes) + a quarter for growth + its page table.
    const bound = 5 * (86_016 * 1.25 + 2 * 840) + 8 * 12;
    expect(bufferBytes(h)).toBeLessThanOrEqual(bound);
    const [t] = h.totals(0);
    expect(t?.histogram.totalCount).toBe(2 * values.length);
    // Every slot was hit (the bound is for a full set, not a sparse one).
    let slots = 0;
    if (!t) throw new Error('no totals');
    (t.histogram as unknown as { forEach(fn: () => void): void }).forEach(() => {
      slots++;
    });
    expect(slots).toBe(values.length);
  });
});
