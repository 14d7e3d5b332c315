import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { FunctionTimings, OTHER_FUNCTION } from '../../src/functions/function-stats.js';
import { createHistogram } from '../../src/latency/histogram.js';
import { COUNTS_LENGTH, microsOf } from '../../src/latency/latency-ring.js';

const T0 = 1_700_000_040_000; // a multiple of 15 s, so sub-window edges fall on round offsets

function setup(options: ConstructorParameters<typeof FunctionTimings>[0] = {}) {
  const clock = {
    t: T0,
    now() {
      return this.t;
    },
  };
  return { clock, stats: new FunctionTimings({ clock, ...options }) };
}

describe('FunctionTimings', () => {
  it('reports count, errors, avg and percentiles per name, busiest first', () => {
    const { stats } = setup();
    for (let i = 1; i <= 100; i++) stats.record('Repo.find', i, i > 97);
    stats.record('sendMail', 250, false);
    const snap = stats.snapshot();
    expect(Object.keys(snap)).toEqual(['Repo.find', 'sendMail']);
    const find = snap['Repo.find'];
    expect(find).toMatchObject({ name: 'Repo.find', count: 100, errors: 3, avg_ms: 50.5, max_ms: 100 });
    // HDR precision: within 1% of the exact nearest-rank values 50, 95 and 99.
    expect(find?.p50_ms).toBeGreaterThanOrEqual(50);
    expect(find?.p50_ms).toBeLessThanOrEqual(50.5);
    expect(find?.p95_ms).toBeGreaterThanOrEqual(95);
    expect(find?.p95_ms).toBeLessThanOrEqual(95.95);
    expect(find?.p99_ms).toBeGreaterThanOrEqual(99);
    expect(find?.p99_ms).toBeLessThanOrEqual(99.99);
    expect(snap.sendMail).toEqual({
      name: 'sendMail',
      count: 1,
      errors: 0,
      avg_ms: 250,
      p50_ms: 250,
      p95_ms: 250,
      p99_ms: 250,
      max_ms: 250,
    });
  });

  it('covers the last 45–60 s and forgets older calls, keeping them in totals', () => {
    const { clock, stats } = setup();
    stats.record('a', 10, false);
    clock.t = T0 + 30_000;
    stats.record('a', 20, true);
    clock.t = T0 + 59_999;
    expect(stats.snapshot().a).toMatchObject({ count: 2, errors: 1, max_ms: 20 });
    clock.t = T0 + 60_000;
    expect(stats.snapshot().a).toMatchObject({ count: 1, errors: 1, max_ms: 20 });
    clock.t = T0 + 95_000;
    expect(stats.snapshot()).toEqual({});
    for (let i = 0; i < 10; i++) {
      clock.t = T0 + 100_000 + i * 15_000;
      stats.record('a', 5, false);
    }
    const [total] = stats.totals();
    expect(total).toMatchObject({ name: 'a', count: 12, errors: 1 });
    expect(total?.histogram.totalCount).toBe(12);
    expect(total?.histogram.maxValue).toBe(20_000);
    const [view] = [...stats.totalCounts()];
    expect([view?.name, view?.count, view?.errors, view?.histogram.max]).toEqual(['a', 12, 1, 20_000]);
  });

  it('counts names beyond maxNames under `other`', () => {
    const { stats } = setup({ maxNames: 2 });
    stats.record('a', 1, false);
    stats.record('b', 1, false);
    for (let i = 0; i < 1_000; i++) stats.record(`generated${i}`, 1, i === 0);
    expect(stats.size).toBe(2);
    expect(stats.snapshot()[OTHER_FUNCTION]).toMatchObject({ count: 1_000, errors: 1 });
  });

  it('lists a function really named `other` once, sharing the fold', () => {
    const { stats } = setup({ maxNames: 1 });
    stats.record('other', 1, false);
    stats.record('x', 1, false);
    expect(stats.snapshot()).toMatchObject({ other: { count: 2 } });
    expect(stats.totals()).toHaveLength(1);
  });

  it('keeps a function named __proto__ as an ordinary key', () => {
    const { stats } = setup();
    stats.record('__proto__', 1, false);
    const snap = stats.snapshot();
    expect(Object.keys(snap)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(snap)).toBe(Object.prototype);
  });

  it('drops bad durations without throwing', () => {
    const { stats } = setup();
    for (const bad of [Number.NaN, -5, Number.POSITIVE_INFINITY, '3', undefined]) {
      expect(() => stats.record('a', bad as number, false)).not.toThrow();
    }
    expect(stats.dropped).toBe(5);
    expect(stats.snapshot()).toEqual({});
  });

  it('is a recorder for @timed({ monitor }) too', () => {
    const { stats } = setup();
    stats.recordFunction('viaMonitor', 3, true);
    expect(stats.snapshot().viaMonitor).toMatchObject({ count: 1, errors: 1 });
  });

  it('moves to another clock, keeping earlier calls in totals', () => {
    const { stats } = setup();
    stats.record('a', 1, false);
    const fake = { now: () => 0 };
    stats.useClock(fake);
    stats.record('a', 2, false);
    expect(stats.snapshot().a).toMatchObject({ count: 1, max_ms: 2 });
    expect(stats.totals()[0]?.count).toBe(2);
  });

  it.each([
    [{ slots: 0 }, 'ERR_SYSVITALS_INVALID_OPTION'],
    [{ windowMs: 'x' }, 'ERR_SYSVITALS_INVALID_OPTION'],
    [{ maxName: 3 }, 'ERR_SYSVITALS_UNKNOWN_OPTION'],
  ])('rejects %j at setup', (options, code) => {
    expect(() => new FunctionTimings(options as never)).toThrow(SysvitalsError);
    try {
      new FunctionTimings(options as never);
    } catch (e) {
      expect((e as SysvitalsError).code).toBe(code);
    }
  });
});

describe('FunctionTimings totals since start', () => {
  it('equal an hdr histogram of every call per name, across sub-window reuse and `other` folding', () => {
    // 5 names for 3 tracked ones: two fold into `other`; 5 minutes of calls reuse each 15 s
    // sub-window 5 times.
    const { clock, stats } = setup({ maxNames: 3 });
    let seed = 3;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const expected = new Map<string, { h: JsHistogram; sum: number; max: number; errors: number }>();
    const tracked = new Set<string>();
    for (let step = 0; step < 5 * 60; step++) {
      clock.t = T0 + step * 1_000;
      for (let k = 0; k < 4; k++) {
        const index = Math.floor(random() * 5);
        const durationMs = random() ** 2 * 800;
        const failed = random() < 0.05;
        stats.record(`fn${index}`, durationMs, failed);
        // The first three names called are tracked; later ones fold into `other`.
        if (tracked.size < 3) tracked.add(`fn${index}`);
        const name = tracked.has(`fn${index}`) ? `fn${index}` : OTHER_FUNCTION;
        let e = expected.get(name);
        if (e === undefined) {
          e = { h: createHistogram() as unknown as JsHistogram, sum: 0, max: 0, errors: 0 };
          expected.set(name, e);
        }
        const us = microsOf(durationMs);
        e.h.recordValue(us);
        e.sum += us;
        e.max = Math.max(e.max, us);
        if (failed) e.errors++;
      }
    }
    const countsOf = (c: ArrayLike<number>) => Array.from({ length: COUNTS_LENGTH }, (_, i) => c[i] ?? 0);
    const seen: string[] = [];
    for (const item of stats.totalCounts()) {
      const e = expected.get(item.name);
      if (e === undefined) throw new Error(`unexpected name ${item.name}`);
      seen.push(item.name);
      const v = item.histogram;
      expect(countsOf(v.counts)).toEqual(indexCounts(e.h));
      expect([item.count, item.errors, v.n, v.sum, v.max]).toEqual([
        e.h.totalCount,
        e.errors,
        e.h.totalCount,
        e.sum,
        e.max,
      ]);
    }
    expect(seen.sort()).toEqual([...expected.keys()].sort());
    for (const total of stats.totals()) {
      const e = expected.get(total.name) as { h: JsHistogram };
      const h = total.histogram as unknown as JsHistogram;
      expect(indexCounts(h)).toEqual(indexCounts(e.h));
    }
  });
});

function indexCounts(h: JsHistogram): number[] {
  return Array.from({ length: COUNTS_LENGTH }, (_, i) => h.getCountAtIndex(i));
}
