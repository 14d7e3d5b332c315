import { describe, expect, it } from 'vitest';
import { BucketAggregator } from '../../src/history/bucket-aggregator.js';
import {
  historyStepMs,
  historyWindow,
  PERIODS,
  parsePeriod,
  rollupKeepMs,
  rollupSteps,
} from '../../src/history/periods.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { parsePoint, serializePoint } from '../../src/history/point-codec.js';
import { PointMerger } from '../../src/history/point-merger.js';
import { downsample, mergeInstances, queryHistory, StepCache } from '../../src/history/query.js';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  recordMs,
  summarize,
} from '../../src/latency/histogram.js';
import { histogramOf, LatencyCounts } from '../../src/latency/latency-counts.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { latencies, makePoint, realisticPoint, reference, rng, snapshot } from '../stores/points.js';

const MIN = 60_000;
const NOW = Date.UTC(2025, 0, 8, 12, 0, 30); // mid-minute, so the current step is partial

/** A point's five latency figures: p50, p95, p99, average, max. */
const latencyFigures = (p: HistoryPoint) => [
  p.latency_p50_ms,
  p.latency_p95_ms,
  p.latency_p99_ms,
  p.latency_avg_ms,
  p.latency_max_ms,
];

describe('BucketAggregator', () => {
  it('averages and maxima of the samples, counts and latencies of the requests', () => {
    const agg = new BucketAggregator();
    agg.add(
      snapshot({ cpu: 10, memory: 40, disk: 50, netIn: 100, netOut: 300, loopP99: 5, heap: 100, ws: 3 }),
    );
    agg.add(
      snapshot({ cpu: 30, memory: 60, disk: 52, netIn: 300, netOut: 500, loopP99: 9, heap: 200, ws: 7 }),
    );
    agg.add(
      snapshot({ cpu: 20, memory: 50, disk: 51, netIn: 200, netOut: 400, loopP99: 7, heap: 150, ws: 5 }),
    );
    const values = [1, 2, 3, 4, 100];
    const h = createHistogram();
    for (const v of values) recordMs(h, v);
    const p = agg.close(NOW - 30_000, { requests: 5, count_4xx: 1, count_5xx: 2, histogram: h });
    expect(p).toMatchObject({
      t: NOW - 30_000,
      timestamp: new Date(NOW - 30_000).toISOString(),
      samples: 3,
      cpu_avg_percent: 20,
      cpu_max_percent: 30,
      memory_avg_percent: 50,
      memory_max_percent: 60,
      disk_max_percent: 52,
      network_bytes_in_per_sec: 200,
      network_bytes_out_per_sec: 400,
      event_loop_p99_ms: 9,
      heap_used_mb: 150,
      db_response_time_ms: 3,
      redis_response_time_ms: 1,
      websocket_connections: 7,
      requests: 5,
      errors_4xx: 1,
      errors_5xx: 2,
    });
    const ref = summarize(h);
    expect(latencyFigures(p)).toEqual([ref.p50_ms, ref.p95_ms, ref.p99_ms, ref.avg_ms, ref.max_ms]);
    // The encoded histogram keeps slots, not the exact max: decoded, its p99 is within the stated precision.
    const decoded = summarize(decodeHistogram(p.histogram));
    expect(decoded.count).toBe(5);
    expect(Math.abs(decoded.p99_ms - ref.p99_ms)).toBeLessThanOrEqual(ref.p99_ms * 0.01);
  });

  it('starts over after close; an empty bucket has null host figures, null probes and no histogram', () => {
    const agg = new BucketAggregator();
    agg.add(snapshot({ cpu: 90 }));
    agg.close(0);
    const p = agg.close(MIN);
    expect(p).toMatchObject({
      samples: 0,
      cpu_avg_percent: null,
      cpu_max_percent: null,
      requests: 0,
      histogram: '',
    });
    expect(p.db_response_time_ms).toBeNull();
    // No request: latency unknown, not 0 ms.
    expect(latencyFigures(p)).toEqual([null, null, null, null, null]);
  });

  it('leaves failed groups and missing probes out of the averages instead of counting zeros', () => {
    const agg = new BucketAggregator();
    agg.add(snapshot({ cpu: 40, db: 4 }));
    const failed = snapshot({ cpu: 0, db: null });
    (failed.cpu as { error?: string }).error = 'boom';
    agg.add(failed);
    const p = agg.close(0);
    expect(p.samples).toBe(2);
    expect(p.cpu_avg_percent).toBe(40);
    expect(p.db_response_time_ms).toBe(4);
  });
});

describe('point serialisation', () => {
  it('round-trips exactly and stays under 1 KB for a busy minute', () => {
    const p = realisticPoint(rng(1), NOW, 600);
    const s = serializePoint(p);
    expect(parsePoint(s)).toEqual(p);
    expect(Buffer.byteLength(s)).toBeLessThan(1024);
  });

  it('a point stored before latency became null (0 ms with no request) reads back as null; one with requests keeps its figures', () => {
    const idle = makePoint({ t: NOW });
    const old = JSON.parse(serializePoint(idle)) as unknown[];
    for (let i = 18; i <= 22; i++) old[i] = 0; // as written by earlier versions
    const p = parsePoint(JSON.stringify(old))!;
    expect(latencyFigures(p)).toEqual([null, null, null, null, null]);
    const busy = makePoint({ t: NOW, latencies: [4, 8] });
    expect(parsePoint(serializePoint(busy))).toEqual(busy);
  });

  it('returns null for what it cannot read', () => {
    expect(parsePoint('not json')).toBeNull();
    expect(parsePoint('[2,1,2]')).toBeNull();
    expect(parsePoint('{"t":1}')).toBeNull();
  });
});

describe('LatencyCounts', () => {
  it('merged counts give exactly the percentiles of one histogram of all raw values', () => {
    const rand = rng(7);
    const all: number[] = [];
    const counts = new LatencyCounts();
    for (let i = 0; i < 20; i++) {
      const values = latencies(rand, 50 + Math.floor(rand() * 500), 5 + i * 3, 1.1);
      all.push(...values);
      counts.addEncoded(makePoint({ t: 0, latencies: values }).histogram);
    }
    const ref = reference(all);
    expect(counts.total).toBe(all.length);
    expect(counts.percentilesMs([50, 95, 99, 99.9])).toEqual([
      ref.p50_ms,
      ref.p95_ms,
      ref.p99_ms,
      summarizeAt(all, 99.9),
    ]);
    // re-encoding keeps every count, in exactly the bytes encodeHistogram writes for the same counts
    expect(counts.encode()).toBe(encodeHistogram(counts.toHistogram()));
    // the uncompressed form (rollups) reads back to the same counts, and histogramOf reads both
    const again = new LatencyCounts();
    again.addEncoded(counts.encode(false));
    expect(again.total).toBe(all.length);
    expect(again.encode()).toBe(counts.encode());
    expect(summarize(histogramOf(counts.encode(false)))).toEqual(summarize(histogramOf(counts.encode())));
    expect(summarize(histogramOf(counts.encode()))).toMatchObject({ count: all.length, p99_ms: ref.p99_ms });
    expect(histogramOf('').totalCount).toBe(0);
    expect(summarize(decodeHistogram(counts.encode()))).toMatchObject({
      count: all.length,
      p50_ms: ref.p50_ms,
      p99_ms: ref.p99_ms,
    });
  });

  it('counts the values above a latency exactly, away from the threshold slot (the tail model reads this)', () => {
    const rand = rng(11);
    const values = latencies(rand, 400, 40, 0.5);
    const counts = new LatencyCounts();
    counts.addEncoded(makePoint({ t: 0, latencies: values }).histogram);
    // Thresholds whose HDR slot (1 % wide) holds none of the values: the count is exact.
    let checked = 0;
    for (let ms = 5; ms < 1000; ms *= 1.1) {
      const slot = values.filter((v) => Math.abs(v - ms) <= ms * 0.01);
      if (slot.length > 0) continue;
      expect(counts.countAboveMs(ms)).toBe(values.filter((v) => v > ms).length);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(30);
    expect(counts.countAboveMs(0)).toBe(values.length);
    expect(counts.countAboveMs(1e9)).toBe(0);
    expect(new LatencyCounts().countAboveMs(50)).toBe(0);
  });

  it('ignores a corrupt histogram instead of throwing', () => {
    const counts = new LatencyCounts();
    counts.addEncoded('AAAA');
    counts.addEncoded('definitely not base64 hdr');
    expect(counts.total).toBe(0);
    expect(counts.percentilesMs([50])).toEqual([0]);
  });
});

function summarizeAt(values: number[], p: number): number {
  const h = createHistogram();
  for (const v of values) recordMs(h, v);
  return Math.round(h.getValueAtPercentile(p)) / 1000;
}

describe('periods and steps', () => {
  it('parses only 1h, 24h and 7d', () => {
    expect(parsePeriod('1h')).toBe('1h');
    expect(parsePeriod('24h')).toBe('24h');
    expect(parsePeriod('7d')).toBe('7d');
    for (const bad of ['', '1H', '2h', '30d', 'toString', '__proto__', undefined, 7, null]) {
      expect(parsePeriod(bad)).toBeNull();
    }
  });

  it.each([
    ['1h', 60, 60],
    ['24h', 288, 300],
    ['7d', 336, 1800],
  ] as const)('%s: %i steps of %i s at the default resolution', (period, steps, stepSeconds) => {
    const w = historyWindow(period, NOW);
    expect(w.steps).toBe(steps);
    expect(w.stepMs).toBe(stepSeconds * 1000);
    expect(w.endMs - w.startMs).toBe(PERIODS[period].durationMs);
    expect(w.startMs % w.stepMs).toBe(0);
    expect(NOW).toBeGreaterThanOrEqual(w.endMs - w.stepMs);
    expect(NOW).toBeLessThan(w.endMs);
  });

  it('never uses a step finer than the resolution, and keeps steps multiples of it', () => {
    expect(historyStepMs('1h', 10_000)).toBe(60_000);
    expect(historyStepMs('1h', 120_000)).toBe(120_000);
    expect(historyStepMs('24h', 120_000)).toBe(360_000);
    expect(historyStepMs('7d', 7_000) % 7_000).toBe(0);
    expect(rollupSteps(60_000)).toEqual([300_000, 1_800_000]);
    expect(rollupSteps(1_000)).toEqual([60_000, 300_000, 1_800_000]);
    // a rollup is kept as long as the longest period that reads it
    expect(rollupKeepMs(300_000)).toBe(PERIODS['24h'].durationMs + 300_000);
    expect(rollupKeepMs(1_800_000)).toBe(PERIODS['7d'].durationMs + 1_800_000);
  });
});

/**
 * One bucket per minute over `minutes` before NOW. Building a point costs ~0.5 ms (mostly summarize()),
 * so long series cycle through a pool of 97 distinct buckets, re-stamped with their minute.
 */
function series(seed: number, minutes: number, rate = 40) {
  const rand = rng(seed);
  const first = Math.floor(NOW / MIN) * MIN - minutes * MIN;
  const pool = Array.from({ length: Math.min(97, minutes) }, (_, i) => {
    const values = latencies(rand, Math.floor(rand() * rate));
    const point = makePoint({
      t: 0,
      latencies: values,
      errors5xx: i % 3,
      samples: [{ cpu: 10 + (i % 50), ws: i % 7 }, { cpu: 20 }],
    });
    return { values, point };
  });
  const points: HistoryPoint[] = [];
  const raw = new Map<number, number[]>();
  for (let i = 0; i < minutes; i++) {
    const t = first + i * MIN;
    const { values, point } = pool[i % pool.length]!;
    raw.set(t, values);
    points.push({ ...point, t, timestamp: new Date(t).toISOString() });
  }
  return { points, raw };
}

describe('downsample', () => {
  it('1h: one point per minute, oldest first, without histograms', () => {
    const { points } = series(1, 90);
    const r = downsample(points, { period: '1h', now: NOW, instance: 'web-1' });
    expect(r).toMatchObject({ period: '1h', step_seconds: 60, instance: 'web-1' });
    expect(r.points.length).toBe(59); // the current minute is still open
    expect(r.points.map((p) => p.t)).toEqual([...r.points.map((p) => p.t)].sort((a, b) => a - b));
    expect(r.points[0]!.t).toBe(Date.parse(r.start));
    expect('histogram' in r.points[0]!).toBe(false);
    // a single bucket per step comes back with its own values
    const src = points.find((p) => p.t === r.points[10]!.t)!;
    const { histogram: _h, ...view } = src;
    expect(r.points[10]).toEqual(view);
  });

  it('24h: merged histograms give the percentiles of all raw values; counts summed; host weighted', () => {
    const { points, raw } = series(2, 24 * 60);
    const r = downsample(points, { period: '24h', now: NOW });
    expect(r.step_seconds).toBe(300);
    expect(r.points.length).toBeLessThanOrEqual(288);
    expect(r.points.length).toBeGreaterThan(280);
    for (const step of r.points.slice(0, 40)) {
      const inStep = points.filter((p) => p.t >= step.t && p.t < step.t + 300_000);
      const values = inStep.flatMap((p) => raw.get(p.t)!);
      const ref = reference(values);
      expect(step.requests).toBe(values.length);
      expect(step.errors_5xx).toBe(inStep.reduce((n, p) => n + p.errors_5xx, 0));
      expect([step.latency_p50_ms, step.latency_p95_ms, step.latency_p99_ms]).toEqual([
        ref.p50_ms,
        ref.p95_ms,
        ref.p99_ms,
      ]);
      expect(step.latency_max_ms).toBe(ref.max_ms);
      expect(step.latency_avg_ms).toBeCloseTo(ref.avg_ms, 1);
      const w = inStep.reduce((n, p) => n + p.samples, 0);
      expect(step.samples).toBe(w);
      expect(step.cpu_avg_percent).toBeCloseTo(
        inStep.reduce((s, p) => s + (p.cpu_avg_percent ?? 0) * p.samples, 0) / w,
        2,
      );
      expect(step.cpu_max_percent).toBe(Math.max(...inStep.map((p) => p.cpu_max_percent ?? 0)));
      expect(step.websocket_connections).toBe(Math.max(...inStep.map((p) => p.websocket_connections)));
    }
  });

  it('7d over 10 080 one-minute points: 336 half-hour steps at most', () => {
    const { points } = series(3, 10_080, 5);
    const r = downsample(points, { period: '7d', now: NOW });
    expect(r.step_seconds).toBe(1800);
    expect(r.points.length).toBeLessThanOrEqual(336);
    expect(r.points.length).toBeGreaterThanOrEqual(335);
    expect(r.points.reduce((n, p) => n + p.requests, 0)).toBe(
      points.filter((p) => p.t >= Date.parse(r.start)).reduce((n, p) => n + p.requests, 0),
    );
  });

  it('omits steps with no point and ignores points outside the window; input order does not matter', () => {
    const { points } = series(4, 60);
    const gappy = points.filter((_, i) => i < 10 || i > 20);
    const outside = makePoint({ t: NOW - 2 * 3_600_000, latencies: [1] });
    const r = downsample([...gappy].reverse().concat(outside), { period: '1h', now: NOW });
    expect(r.points.length).toBe(gappy.filter((p) => p.t >= Date.parse(r.start)).length);
    expect(r.points.map((p) => p.t)).toEqual(gappy.map((p) => p.t).filter((t) => t >= Date.parse(r.start)));
  });

  it('merges several points of the same bucket (a bucket flushed twice)', () => {
    const a = makePoint({ t: NOW - 5 * MIN, latencies: [1, 2, 3] });
    const b = makePoint({ t: NOW - 5 * MIN, latencies: [10, 20, 300] });
    const r = downsample([a, b], { period: '1h', now: NOW });
    expect(r.points).toHaveLength(1);
    expect(r.points[0]!.requests).toBe(6);
    expect(r.points[0]!.latency_p99_ms).toBe(reference([1, 2, 3, 10, 20, 300]).p99_ms);
  });
});

describe('mergeInstances (fleet view)', () => {
  it('sums counts, merges histograms, averages host metrics across instances', () => {
    const t = Math.floor(NOW / MIN) * MIN - 10 * MIN;
    const rand = rng(9);
    const va = latencies(rand, 300, 10);
    const vb = latencies(rand, 100, 200);
    const a = makePoint({ t, latencies: va, errors5xx: 2, samples: [{ cpu: 10, ws: 4, disk: 30 }] });
    const b = makePoint({
      t,
      latencies: vb,
      errors5xx: 3,
      samples: [
        { cpu: 50, ws: 6, disk: 80 },
        { cpu: 70, ws: 1, disk: 80 },
      ],
    });
    const r = mergeInstances(
      new Map([
        ['a', [a]],
        ['b', [b]],
      ]),
      { period: '1h', now: NOW },
    );
    expect(r.instance).toBe('all');
    expect(r.instances).toEqual(['a', 'b']);
    expect(r.points).toHaveLength(1);
    const p = r.points[0]!;
    const ref = reference([...va, ...vb]);
    expect(p.requests).toBe(400);
    expect(p.errors_5xx).toBe(5);
    expect([p.latency_p50_ms, p.latency_p95_ms, p.latency_p99_ms, p.latency_max_ms]).toEqual([
      ref.p50_ms,
      ref.p95_ms,
      ref.p99_ms,
      ref.max_ms,
    ]);
    expect(p.cpu_avg_percent).toBe(35); // mean of 10 (a) and 60 (b), not weighted by b's two samples
    expect(p.cpu_max_percent).toBe(70);
    expect(p.disk_max_percent).toBe(80);
    expect(p.websocket_connections).toBe(10); // 4 + 6: connections add up across the fleet
    expect(p.samples).toBe(3);
  });

  it('accepts a plain record and lists only instances with points in the window', () => {
    const old = makePoint({ t: NOW - 3 * 3_600_000 });
    const r = mergeInstances(
      { live: [makePoint({ t: NOW - MIN })], gone: [old] },
      { period: '1h', now: NOW },
    );
    expect(r.instances).toEqual(['live']);
  });
});

describe('queryHistory', () => {
  it('reads rollups for long periods and gives the same answer as the raw points', async () => {
    const store = new MemoryStore({ clock: { now: () => NOW } });
    const { points } = series(5, 24 * 60, 20);
    for (const p of points) await store.appendPoint('i1', p);
    for (const period of ['24h', '7d'] as const) {
      const fromStore = await queryHistory(store, { period, instance: 'i1', now: NOW });
      const direct = downsample(points, { period, now: NOW, instance: 'i1' });
      expect(fromStore).toEqual(direct);
    }
    const fleet = await queryHistory(store, { period: '7d', instance: 'all', now: NOW });
    expect(fleet.instances).toEqual(['i1']);
    expect(fleet.points.length).toBe(downsample(points, { period: '7d', now: NOW }).points.length);
  });

  it('a cached step is reused only while its points are unchanged', () => {
    const { points } = series(6, 6 * 60, 30);
    const cache = new StepCache();
    const cold = mergeInstances({ a: points, b: points.slice(100) }, { period: '24h', now: NOW }, cache);
    const warm = mergeInstances({ b: points.slice(100), a: points }, { period: '24h', now: NOW }, cache);
    expect(warm).toEqual(cold);
    // a late point lands in an old step: that step changes, the others stay
    const target = cold.points[3]!;
    const late = makePoint({ t: target.t + 1000, latencies: [5000, 6000, 7000] });
    const after = mergeInstances(
      { a: [...points, late], b: points.slice(100) },
      { period: '24h', now: NOW },
      cache,
    );
    const uncached = mergeInstances(
      { a: [...points, late], b: points.slice(100) },
      { period: '24h', now: NOW },
    );
    expect(after).toEqual(uncached);
    expect(after.points[3]!.requests).toBe(target.requests + 3);
    expect(after.points[3]!.latency_max_ms).toBe(7000);
    // mutating a returned point does not reach the cache
    warm.points[0]!.requests = -1;
    expect(mergeInstances({ a: points, b: points.slice(100) }, { period: '24h', now: NOW }, cache)).toEqual(
      cold,
    );
  });
});

describe('history error figures (red team figures F1)', () => {
  /** 50 requests of 5 ms: 10 answered 503, 30 aborted (status 499, among the 4xx), 10 fine; with `more`. */
  function fiftyRequests(more: { count_aborted_failed?: number } = {}) {
    const h = createHistogram();
    for (let i = 0; i < 50; i++) recordMs(h, 5);
    return { requests: 50, count_4xx: 30, count_5xx: 10, count_aborted: 30, ...more, histogram: h };
  }

  /** The point PointMerger makes at NOW of the given points, each added with its instance. */
  function merged(...points: Array<[HistoryPoint, string]>): HistoryPoint {
    const merger = new PointMerger();
    for (const [p, instance] of points) merger.add(p, instance);
    return merger.toPoint(NOW);
  }

  it('a point keeps its aborted requests and its error rate counts them failed: written, merged and read back', () => {
    const agg = new BucketAggregator();
    const p = agg.close(NOW, fiftyRequests());
    expect([p.errors_aborted, p.error_rate_percent]).toEqual([30, 80]);
    const back = parsePoint(serializePoint(p))!;
    expect([back.errors_aborted, back.error_rate_percent]).toEqual([30, 80]);
    const idle = agg.close(NOW + MIN);
    expect([idle.errors_aborted, idle.error_rate_percent]).toEqual([0, null]);
    expect(
      merged([p, 'a'], [{ ...p, errors_aborted: 0, errors_5xx: 0, errors_4xx: 0 }, 'b'], [idle, 'a']),
    ).toMatchObject({
      requests: 100,
      errors_5xx: 10,
      errors_aborted: 30,
      error_rate_percent: 40,
    });
  });

  it('a point keeps how many aborted requests failed (red team F1): only those count in its error rate', () => {
    const agg = new BucketAggregator();
    // Of the 30 aborted, 5 after abortedFailureMs.
    const p = agg.close(NOW, fiftyRequests({ count_aborted_failed: 5 }));
    expect([p.errors_aborted, p.errors_aborted_failed, p.error_rate_percent]).toEqual([30, 5, 30]);
    const back = parsePoint(serializePoint(p))!;
    expect([back.errors_aborted, back.errors_aborted_failed, back.error_rate_percent]).toEqual([30, 5, 30]);
    // All failed: the point is written as earlier versions wrote it (they read it), and reads back all failed.
    const q = agg.close(NOW + MIN, fiftyRequests());
    expect(JSON.parse(serializePoint(q))).toHaveLength(27);
    expect(parsePoint(serializePoint(q))?.errors_aborted_failed).toBe(30);
    expect(merged([back, 'a'], [q, 'b'])).toMatchObject({
      requests: 100,
      errors_aborted: 60,
      errors_aborted_failed: 35,
      error_rate_percent: 55,
    });
  });

  it('a point written before aborted requests were stored reads 0 aborted and its 5xx share', () => {
    const p = makePoint({ t: NOW, latencies: [4, 8] });
    const old = (JSON.parse(serializePoint({ ...p, errors_5xx: 1 })) as unknown[]).slice(0, 24);
    const back = parsePoint(JSON.stringify(old))!;
    expect([back.errors_aborted, back.error_rate_percent]).toEqual([0, 50]);
  });
});
