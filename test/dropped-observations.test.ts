// Regression (outside review, figures 3): durations and values ignored for bad input (NaN, negative, infinite,
// a request status outside 100-599, since outside review 24 100-999) were dropped without a trace. They are counted per source in the snapshot's
// `dropped_observations` and in Prometheus' sysvitals_dropped_observations_total{source}. Oracle: the bad
// calls made, counted as they are made; the good ones beside them still count as before.

import { afterEach, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../src/http/prometheus/data.js';
import { renderPrometheus } from '../src/http/prometheus/render.js';
import { silentLogger } from '../src/logger.js';
import { createMonitor, type SystemMonitor } from '../src/monitor.js';
import { parseExposition } from './http/prometheus-parse.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

const BAD = [Number.NaN, -1, -0.001, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

describe('observations dropped for bad input', () => {
  it('are counted per source in metrics JSON and Prometheus, beside the good ones', async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: { now: () => now } });
    monitors.push(m);
    const h = m.histogram('payload_kb', { labels: ['queue'] });
    const expected = {
      requests: 0,
      functions: 0,
      queries: 0,
      jobs: 0,
      custom_histograms: 0,
      observed_series: 0,
    };
    for (const bad of BAD) {
      m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: bad });
      m.recordFunction('work', bad, false);
      m.recordQuery('postgresql', 'SELECT 1', bad, false);
      m.recordJob('sync', bad, false);
      h.observe({ queue: 'a' }, bad);
      h.observe({ queue: 'b' }, bad);
      expected.requests++;
      expected.functions++;
      expected.queries++;
      expected.jobs++;
      expected.custom_histograms += 2;
    }
    for (const status of [99, 1000, Number.NaN]) {
      m.recordRequest({ method: 'GET', route: '/a', status, durationMs: 5 });
      expected.requests++;
    }
    h.observe(2 ** 61); // beyond what the histogram can count (encoded above 2^53: above 2^60)
    expected.custom_histograms++;
    // The good ones still count.
    m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 5 });
    m.recordFunction('work', 3, false);
    h.observe({ queue: 'a' }, 1.5);
    now += 2_000;
    const s = await m.getMetrics();
    expect(s.dropped_observations).toEqual(expected);
    expect(s.requests.total).toBe(1);
    expect(s.functions.work?.count).toBe(1);

    const families = parseExposition(renderPrometheus(await collectPrometheusData(m)));
    const family = families.get('sysvitals_dropped_observations_total');
    expect(family?.type).toBe('counter');
    expect(Object.fromEntries((family?.samples ?? []).map((x) => [x.labels.source, x.value]))).toEqual(
      expected,
    );
  });

  it('do not move with good input (0 ms, 0 values included)', async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: { now: () => now } });
    monitors.push(m);
    // @timed statistics are the process's (shared by monitors): read what they hold first.
    const before = (await m.getMetrics()).dropped_observations;
    expect(before).toEqual({
      requests: 0,
      functions: before?.functions,
      queries: 0,
      jobs: 0,
      custom_histograms: 0,
      observed_series: 0,
    });
    m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 0 });
    m.recordRequest({ method: 'GET', route: '/a', status: 599, durationMs: 3_600_000 * 24 });
    m.recordFunction('work', 0, true);
    m.recordQuery('postgresql', 'SELECT 1', 0, false);
    m.recordJob('sync', 0, false);
    m.histogram('h').observe(0);
    now += 2_000;
    expect((await m.getMetrics()).dropped_observations).toEqual(before);
  });
});
