// Regression (outside review 33, RT33-8): a route given to recordRequest(), a job name, a `@timed` function name and
// an analytics.observe() series name were kept at any length (one 200,000-character route made a Prometheus scrape
// 6.8 MB), and observe() series past the 100 kept were dropped without a trace. Oracle: the calls made, counted as
// they are made; README: names over 256 characters fold into `other` (a series is dropped), counted and said once.

import { afterEach, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { parseExposition } from '../http/prometheus-parse.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

const LONG = 200_000;

describe('names over 256 characters', () => {
  it('fold into `other`: routes, jobs and functions; nothing long is copied into a read or a scrape', async () => {
    const warnings: string[] = [];
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn: (_o: unknown, msg?: string) => warnings.push(String(msg)), error() {} },
    });
    monitors.push(m);
    const route = `/r${'x'.repeat(LONG)}`;
    const job = `job${'y'.repeat(LONG)}`;
    const fn = `fn${'z'.repeat(LONG)}`;
    const edge = `/${'e'.repeat(255)}`; // 256 characters: kept
    for (let i = 0; i < 3; i++) {
      m.recordRequest({ method: 'GET', route, status: 200, durationMs: 1 });
      m.recordJob(job, 1, false);
      m.recordFunction(fn, 1, false);
    }
    m.recordRequest({ method: 'GET', route: edge, status: 200, durationMs: 1 });
    const table = m.endpoints('time', 100);
    expect(table.routes.map((r) => [r.method, r.route, r.count])).toEqual(
      expect.arrayContaining([
        ['*', 'other', 3],
        ['GET', edge, 1],
      ]),
    );
    expect(table.routes).toHaveLength(2);
    const s = await m.sample();
    expect(s.requests.total).toBe(4);
    expect(Object.keys(s.functions).filter((k) => k.length > 256)).toEqual([]);
    expect(s.functions.other?.count).toBe(3);
    const text = JSON.stringify(s) + JSON.stringify(await m.getMetrics());
    expect(/[xyz]{257,}/.test(text)).toBe(false);
    const scrape = renderPrometheus(await collectPrometheusData(m));
    expect(/[xyz]{257,}/.test(scrape)).toBe(false);
    const runs = parseExposition(scrape).get('sysvitals_job_runs_total');
    expect(runs?.samples.find((x) => x.labels.job === 'other')?.value).toBe(3);
    await m.sample();
    const said = warnings.filter((w) => w.includes('named over 256 characters'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('routes, jobs, functions');
  });
});

describe('analytics.observe() series', () => {
  it('past the 100 kept, or named over 256 characters, are dropped, counted and warned about once', async () => {
    const warnings: string[] = [];
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn: (_o: unknown, msg?: string) => warnings.push(String(msg)), error() {} },
    });
    monitors.push(m);
    let dropped = 0;
    m.analytics.observe(`long_${'w'.repeat(LONG)}`, 1);
    dropped++;
    for (let i = 0; i < 150; i++) {
      m.analytics.observe(`tenant_${i}`, i);
      if (i >= 100) dropped++;
    }
    m.analytics.observe('tenant_120', 5); // still past the 100: dropped again
    dropped++;
    m.analytics.observe('tenant_7', 5); // kept
    const s = await m.sample();
    expect(s.dropped_observations?.observed_series).toBe(dropped);
    await m.sample();
    expect(warnings.filter((w) => w.includes('analytics.observe()'))).toHaveLength(1);
    const family = parseExposition(renderPrometheus(await collectPrometheusData(m))).get(
      'sysvitals_dropped_observations_total',
    );
    expect(family?.samples.find((x) => x.labels.source === 'observed_series')?.value).toBe(dropped);
  });
});
