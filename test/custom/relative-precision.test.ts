// Custom metric figures keep a relative precision (README: "within 0.1 % of the value, never outside the exact min
// and max"), whatever the magnitude: outside review 18, F5 (a fixed 0.001 read sub-millisecond values in seconds
// as 0, a p95 0.01 above every value, a counter rate of 0.00028/s as 0). Oracles: the raw values sorted
// (nearest-rank percentiles), their exact min, max and mean, the raw increments over the elapsed time.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { CustomMerger } from '../../src/cluster/custom-merge.js';
import {
  applyCustomWindows,
  decodeCustomWindows,
  takeCustomWindows,
} from '../../src/cluster/custom-window.js';
import { CustomReporter, decodeCustom } from '../../src/cluster/custom-wire.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import type { HistogramFigures } from '../../src/custom/types.js';
import { type HistogramSeriesPoint, SeriesAccumulator, SeriesMerger } from '../../src/history/series.js';
import { hdrLibrary } from '../../src/latency/histogram.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { rng } from '../helpers/random.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const REL = 0.001; // the documented 0.1 %

/** Values log-uniform over 1e-7 … 1e6, or clustered around one random magnitude of that span. */
function valuesFor(seed: number, n: number): number[] {
  const r = rng(seed);
  const clustered = seed % 2 === 0;
  const centre = -7 + r() * 13;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = clustered ? centre + r() * 0.3 : -7 + r() * 13;
    out.push(10 ** e);
  }
  return out;
}

const rank = (sorted: number[], p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
const near = (got: number | null, exact: number) => got !== null && Math.abs(got - exact) <= REL * exact;

function checkFigures(f: HistogramFigures, values: number[]): string[] {
  const s = [...values].sort((a, b) => a - b);
  const bad: string[] = [];
  if (f.min !== s[0]) bad.push(`min ${f.min} exact ${s[0]}`);
  if (f.max !== s.at(-1)) bad.push(`max ${f.max} exact ${s.at(-1)}`);
  for (const p of [50, 90, 95, 99] as const) {
    const got = f[`p${p}`];
    const exact = rank(s, p);
    if (!near(got, exact)) bad.push(`p${p} ${got} exact ${exact}`);
    if (got === null || got < s[0]! || got > s.at(-1)!)
      bad.push(`p${p} ${got} outside [${s[0]}, ${s.at(-1)}]`);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (!near(f.avg, mean)) bad.push(`avg ${f.avg} exact ${mean}`);
  return bad;
}

// The monitors read no host group (NO_HOST_FILES): no real 250 ms CPU window waited by each one's first sample
// (the whole window on a frozen clock), for host figures nothing here reads.
describe('custom histograms: figures within 0.1 % of the values, inside the exact [min, max] (F5)', () => {
  it('seeded values over 1e-7 … 1e6: metrics/ figures and the history point against the sorted values', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const clock = { t: Date.UTC(2026, 0, 1, 10, 0, 0) };
      const m = createMonitor({
        sampleIntervalMs: 0,
        clock: { now: () => clock.t },
        logger: silent,
        ...NO_HOST_FILES,
      });
      const h = m.histogram('span_seconds', { help: 'Spans.' });
      const values = valuesFor(seed, 2000);
      for (const v of values) h.observe(v);
      const snap = await m.sample();
      const f = snap.custom!.span_seconds as HistogramFigures;
      expect(checkFigures(f, values), `seed ${seed}`).toEqual([]);
      // The history point of that minute.
      clock.t += 60_000;
      await m.sample();
      await m.flush();
      const points = (await m.getHistory({ period: '1h' })).points;
      const p = points.map((x) => x.series?.['custom.span_seconds']).find((x) => x !== undefined) as
        | HistogramSeriesPoint
        | undefined;
      const s = [...values].sort((a, b) => a - b);
      expect(p?.max, `seed ${seed}`).toBe(s.at(-1));
      // The encoding marker is the store's, not the API's.
      expect(p).not.toHaveProperty('e');
      for (const q of [50, 95, 99] as const) {
        const got = p?.[`p${q}`] ?? null;
        expect(near(got, rank(s, q)), `seed ${seed} history p${q} ${got} exact ${rank(s, q)}`).toBe(true);
      }
      await m.close();
    }
  });

  it('the reviewer`s cases: 0.2–10 ms and 0.1–0.4 ms in seconds read their own figures, not 0 or 0.01', async () => {
    const m = createMonitor({ sampleIntervalMs: 0, logger: silent, ...NO_HOST_FILES });
    const rpc = m.histogram('rpc_duration_seconds', { help: 'RPC.' });
    const cache = m.histogram('cache_lookup_seconds', { help: 'Cache.' });
    let seed = 3;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const rv: number[] = [];
    for (let i = 0; i < 1000; i++) rv.push(0.0002 + rnd() * 0.0098);
    const cv: number[] = [];
    for (let i = 0; i < 500; i++) cv.push(0.0001 + (i % 30) * 0.00001);
    for (const v of rv) rpc.observe(v);
    for (const v of cv) cache.observe(v);
    const snap = await m.sample();
    expect(checkFigures(snap.custom!.rpc_duration_seconds as HistogramFigures, rv)).toEqual([]);
    expect(checkFigures(snap.custom!.cache_lookup_seconds as HistogramFigures, cv)).toEqual([]);
    await m.close();
  });

  it('a p95 rule at 0.01 s does not fire when no value reached 0.01 (9.0–9.9 ms)', async () => {
    const events: AlertEvent[] = [];
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      ...NO_HOST_FILES,
      alerts: { rules: [{ name: 'rpc_slow', metric: 'custom.rpc_seconds.p95', warning: 0.01, for: 0 }] },
      onAlert: (e) => {
        if (e.alert.rule === 'rpc_slow') events.push(e);
      },
    });
    const rpc = m.histogram('rpc_seconds', { help: 'RPC.' });
    for (let i = 0; i < 100; i++) rpc.observe(0.009 + (i % 10) * 0.0001);
    const snap = await m.sample();
    expect((snap.custom!.rpc_seconds as HistogramFigures).p95).toBeLessThan(0.01);
    expect(events).toEqual([]);
    // And it does fire once values reach the level (the rule reads the figures, not nothing).
    for (let i = 0; i < 100; i++) rpc.observe(0.0101);
    await m.sample();
    expect(events.map((e) => e.type)).toContain('raised');
    await m.close();
  });

  it('cluster: a worker`s values merged by an aggregator keep exact extremes and relative percentiles', () => {
    for (const seed of [11, 12, 13, 14]) {
      const worker = new CustomMetrics();
      const h = worker.histogram('span_seconds', { help: 'Spans.' });
      const values = valuesFor(seed, 1500);
      const now = Date.UTC(2026, 0, 1, 10, 0, 0);
      const reporter = new CustomReporter();
      const cluster = new CustomMetrics();
      const merger = new CustomMerger(cluster as never, () => [], silent as never);
      // Two reports (the second sends what came after the first), through JSON as the IPC channel carries them.
      for (const part of [values.slice(0, 700), values.slice(700)]) {
        for (const v of part) h.observe(v);
        const wire = JSON.parse(JSON.stringify(reporter.take(worker, now)));
        merger.apply(null, decodeCustom(wire), true);
      }
      const merged = cluster.get('span_seconds');
      if (merged?.type !== 'histogram') throw new Error('no merged histogram');
      const snap = merged.snapshot(now);
      expect(checkFigures(snap, values), `seed ${seed}`).toEqual([]);
    }
  });
  it('cluster: a window handed to a new aggregator keeps exact extremes and relative percentiles', () => {
    const worker = new CustomMetrics();
    const h = worker.histogram('span_seconds', { help: 'Spans.' });
    const values = valuesFor(21, 1200);
    for (const v of values) h.observe(v);
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    const wire = JSON.parse(JSON.stringify(takeCustomWindows(worker, now)));
    const cluster = new CustomMetrics();
    cluster.histogram('span_seconds', { help: 'Spans.' });
    applyCustomWindows(cluster, decodeCustomWindows(wire), now);
    const merged = cluster.get('span_seconds');
    if (merged?.type !== 'histogram') throw new Error('no merged histogram');
    expect(checkFigures(merged.snapshot(now), values)).toEqual([]);
  });
});

describe('counter rates and gauge history averages: relative precision (F5)', () => {
  it('7 × inc(0.00004) a second: rate_per_second within 0.1 % of 0.00028; 7 × inc(0.00013): of 0.00091', async () => {
    for (const step of [0.00004, 0.00013, 1234.5]) {
      const clock = { t: Date.UTC(2026, 0, 1, 6, 0, 0) };
      const m = createMonitor({
        sampleIntervalMs: 0,
        clock: { now: () => clock.t },
        logger: silent,
        ...NO_HOST_FILES,
      });
      const c = m.counter('cost_dollars', { help: 'Cost.' });
      const t0 = clock.t;
      const rates: Array<number | null> = [];
      for (let s = 1; s <= 30; s++) {
        clock.t = t0 + s * 1000 - 500;
        for (let i = 0; i < 7; i++) c.inc(step);
        clock.t = t0 + s * 1000;
        if (s % 5 === 0) {
          const snap = await m.sample();
          if (s > 5)
            rates.push((snap.custom!.cost_dollars as { rate_per_second: number | null }).rate_per_second);
        }
      }
      const exact = 7 * step;
      for (const r of rates) expect(near(r, exact), `step ${step}: rate ${r} exact ${exact}`).toBe(true);
      await m.close();
    }
  });

  it('rules on a small rate: a `below: 0` rule does not fire while it counts, an `above` rule does', async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 6, 0, 0) };
    const events: AlertEvent[] = [];
    const m = createMonitor({
      sampleIntervalMs: 0,
      clock: { now: () => clock.t },
      logger: silent,
      ...NO_HOST_FILES,
      alerts: {
        rules: [
          {
            name: 'stopped',
            metric: 'custom.cost_dollars.rate_per_second',
            warning: 0,
            direction: 'below',
            for: 0,
          },
          { name: 'spend', metric: 'custom.cost_dollars.rate_per_second', warning: 0.0002, for: 0 },
        ],
      },
      onAlert: (e) => {
        // Only this test's rules: a busy machine's real CPU may alert meanwhile.
        if (e.type === 'raised' && ['stopped', 'spend'].includes(e.alert.rule)) events.push(e);
      },
    });
    const c = m.counter('cost_dollars', { help: 'Cost.' });
    const t0 = clock.t;
    for (let s = 1; s <= 30; s++) {
      clock.t = t0 + s * 1000 - 500;
      for (let i = 0; i < 7; i++) c.inc(0.00004); // 0.00028 a second
      clock.t = t0 + s * 1000;
      if (s % 5 === 0) await m.sample();
    }
    expect([...new Set(events.map((e) => e.alert.rule))]).toEqual(['spend']);
    await m.close();
  });

  it('a gauge of ratios: the history point`s avg within 0.1 % of the samples` mean, its max the largest sample', async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 6, 0, 0) };
    const m = createMonitor({
      sampleIntervalMs: 0,
      clock: { now: () => clock.t },
      logger: silent,
      ...NO_HOST_FILES,
    });
    const g = m.gauge('hit_ratio', { help: 'Ratio.' });
    const t0 = clock.t;
    const set: number[] = [];
    for (let s = 5; s <= 55; s += 5) {
      clock.t = t0 + s * 1000;
      const v = 0.00093124 + (s % 3) * 0.00000041;
      g.set(v);
      set.push(v);
      await m.sample();
    }
    clock.t = t0 + 61_000;
    await m.sample();
    await m.flush();
    const points = (await m.getHistory({ period: '1h' })).points;
    const p = points.map((x) => x.series?.['custom.hit_ratio']).find((x) => x !== undefined) as
      | { avg: number; max: number }
      | undefined;
    const mean = set.reduce((a, b) => a + b, 0) / set.length;
    expect(near(p?.avg ?? null, mean), `avg ${p?.avg} exact ${mean}`).toBe(true);
    expect(p?.max).toBe(Math.max(...set));
    await m.close();
  });
});

describe('history points stored before (HDR in thousandths) still merge', () => {
  it('an old point and a new one: merged percentiles within 0.1 % (1 ms above 1) of the values', () => {
    const oldValues = Array.from({ length: 400 }, (_, i) => 10 + i * 0.25); // 10 … 109.75
    const old = hdrLibrary().build({
      bitBucketSize: 32,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 1_000_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
    for (const v of oldValues) old.recordValue(Math.round(v * 1000));
    const oldPoint: HistogramSeriesPoint = {
      kind: 'histogram',
      count: oldValues.length,
      sum: oldValues.reduce((a, b) => a + b, 0),
      p50: null,
      p95: null,
      p99: null,
      max: 109.75,
      h: hdrLibrary().encodeIntoCompressedBase64(old),
    };
    const r = new CustomMetrics();
    const h = r.histogram('x', { help: 'x' });
    const newValues = Array.from({ length: 400 }, (_, i) => 50 + i * 0.5); // 50 … 249.5
    for (const v of newValues) h.observe(v);
    const bucket = r.takeBucket(Date.UTC(2026, 0, 1)).get('x');
    // The new point as a bucket closes it (SeriesAccumulator), then both merged as one step.
    const closed = new SeriesAccumulator().close(new Map([['x', bucket!]]))![
      'custom.x'
    ] as HistogramSeriesPoint;
    const merger = new SeriesMerger();
    merger.add({ 'custom.x': oldPoint });
    merger.add({ 'custom.x': closed });
    const merged = merger.result(false)?.['custom.x'] as HistogramSeriesPoint;
    const all = [...oldValues, ...newValues].sort((a, b) => a - b);
    expect(merged.count).toBe(all.length);
    for (const q of [50, 95, 99] as const) {
      const got = merged[`p${q}`];
      expect(near(got, rank(all, q)), `p${q} ${got} exact ${rank(all, q)}`).toBe(true);
    }
    expect(merged.max).toBe(249.5);
  });
});
