// Regression (issue 12, figures 4): a stored history point is never outside [min, max], and its average comes
// from the exact sum. The oracle is the raw list of recorded durations.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { assertProperty } from '../helpers/property.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

async function storedPoint(values: number[]) {
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => T0 + 1_000 },
  });
  monitors.push(monitor);
  for (const v of values) monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: v });
  await monitor.flush();
  const points = await monitor.store.readPoints(monitor.instanceId, T0 - 60_000, T0 + 120_000);
  expect(points).toHaveLength(1);
  return points[0]!;
}

// Durations are recorded at 1 µs resolution (src/latency/latency-ring.ts microsOf).
const us = (ms: number) => Math.max(1, Math.round(ms * 1000));

describe('history points within [min, max], averages exact', () => {
  it('1.234 / 2.345 / 10.555 ms: p99 is not above the max, avg is 4.711 (exact)', async () => {
    const p = await storedPoint([1.234, 2.345, 10.555]);
    expect(p.latency_max_ms).toBe(10.555);
    expect(p.latency_p99_ms).toBeLessThanOrEqual(10.555);
    expect(p.latency_avg_ms).toBe(4.711);
  });

  it('property: every stored percentile lies in [min, max]; avg is the exact mean to the µs', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0.001, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        async (values) => {
          const micros = values.map(us);
          const min = Math.min(...micros) / 1000;
          const max = Math.max(...micros) / 1000;
          const sum = micros.reduce((a, b) => a + b, 0);
          const p = await storedPoint(values);
          expect(p.requests).toBe(values.length);
          expect(p.latency_max_ms).toBe(max);
          for (const q of [p.latency_p50_ms, p.latency_p95_ms, p.latency_p99_ms]) {
            expect(q).toBeGreaterThanOrEqual(min);
            expect(q).toBeLessThanOrEqual(max);
          }
          expect(p.latency_avg_ms).toBe(Math.round(sum / values.length) / 1000);
          await monitors.pop()?.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('custom histogram series merged into a longer step', () => {
  it('max is the exact max of the values, and no percentile lies above it (was the HDR slot edge 1234.943)', async () => {
    const { CustomMetrics } = await import('../../src/custom/registry.js');
    const { SeriesAccumulator, SeriesMerger } = await import('../../src/history/series.js');
    const registry = new CustomMetrics(60_000);
    const h = registry.histogram('lat', { help: 'Latency.' });
    const acc = new SeriesAccumulator();
    const merger = new SeriesMerger();
    const batches = [
      [1234.567, 3],
      [1000.001, 0.5, 7],
    ];
    let now = T0;
    for (const batch of batches) {
      for (const v of batch) h.observe(v);
      now += 60_000;
      merger.add(acc.close(registry.takeBucket(now)));
    }
    const merged = merger.result(false)?.['custom.lat'];
    expect(merged).toEqual(
      expect.objectContaining({
        kind: 'histogram',
        count: 5,
        sum: 2245.068,
        p95: 1234.567,
        p99: 1234.567,
        max: 1234.567,
      }),
    );
  });
});

describe('custom histogram series in a minute without observations', () => {
  it('percentiles and max are null (unknown), not 0; a merged step takes the minutes that observed values', async () => {
    const { CustomMetrics } = await import('../../src/custom/registry.js');
    const { SeriesAccumulator, SeriesMerger, viewSeries } = await import('../../src/history/series.js');
    const registry = new CustomMetrics(60_000);
    const h = registry.histogram('lat', { help: 'Latency.' });
    const acc = new SeriesAccumulator();
    let now = T0 + 60_000;
    const idle = acc.close(registry.takeBucket(now))?.['custom.lat'];
    expect(idle).toMatchObject({
      kind: 'histogram',
      count: 0,
      sum: 0,
      p50: null,
      p95: null,
      p99: null,
      max: null,
    });
    const merger = new SeriesMerger();
    merger.add({ 'custom.lat': idle! });
    for (const v of [12, 40, 7]) h.observe(v);
    now += 60_000;
    merger.add(acc.close(registry.takeBucket(now)));
    now += 60_000;
    merger.add(acc.close(registry.takeBucket(now))); // idle again
    const step = merger.result(false)?.['custom.lat'] as { p50: number; p99: number };
    expect(step).toMatchObject({ count: 3, sum: 59, p99: 40, max: 40 });
    expect(Math.abs(step.p50 - 12)).toBeLessThanOrEqual(12 * 0.001); // HDR: 3 significant digits
    const empty = new SeriesMerger();
    empty.add({ 'custom.lat': idle! });
    empty.add({ 'custom.lat': idle! });
    expect(empty.result(false)?.['custom.lat']).toMatchObject({ count: 0, p50: null, p95: null, max: null });
    // A point stored by an earlier version (0 there) reads as null.
    const old = { kind: 'histogram' as const, count: 0, sum: 0, p50: 0, p95: 0, p99: 0, max: 0, h: '' };
    expect(viewSeries({ 'custom.lat': old })?.['custom.lat']).toMatchObject({ p50: null, max: null });
  });
});
