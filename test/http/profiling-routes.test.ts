// queries/ and jobs/ over HTTP on a real monitor: figures as recorded, sort and limit, 400s for bad
// parameters; the opt-in Prometheus histogram per fingerprint; the db_query_p95 alert rule.

import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { exactLatency, percentileError } from '../oracle/workload.js';
import { getJson, type Served, serve } from './admin-fixture.js';

const BASE = '/api/core/admin/system';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function start(options: MonitorOptions = {}): Promise<{ m: SystemMonitor; base: string }> {
  const m = createMonitor({ sampleIntervalMs: 0, ...options });
  const api = createAdminApi(m, { rateLimit: false });
  const s: Served = await serve(async (req, res) => {
    if (!(await api.handle(req, res))) res.end('app');
  });
  cleanups.push(
    () => s.close(),
    () => m.close(),
  );
  return { m, base: `${s.url}${BASE}` };
}

describe('GET queries/', () => {
  it('serves each fingerprint with count, errors, percentiles and total time, sorted and limited', async () => {
    const { m, base } = await start({ queries: { slowThresholdMs: 100 } });
    for (const ms of [1, 2, 3]) m.recordQuery('postgresql', 'SELECT * FROM a WHERE id = $1', ms, false);
    m.recordQuery('postgresql', 'UPDATE b SET x = ?', 150, true, '/orders/:id');
    m.recordQuery('mysql', 'SELECT ?', 0.5, false);
    const r = await getJson(`${base}/queries/`);
    expect(r.status).toBe(200);
    const data = r.body.data;
    expect(data.total).toBe(5);
    expect(data.errors).toBe(1);
    expect(data.fingerprints.map((f: { fingerprint: string }) => f.fingerprint)).toEqual([
      'UPDATE b SET x = ?',
      'SELECT * FROM a WHERE id = $1',
      'SELECT ?',
    ]);
    expect(data.fingerprints[1]).toMatchObject({
      system: 'postgresql',
      count: 3,
      errors: 0,
      total_ms: 6,
      max_ms: 3,
    });
    // HDR keeps 2 significant digits: a percentile is the top of its slot, within 1 % of the value.
    expect(Math.abs(data.fingerprints[1].p50_ms - 2) / 2).toBeLessThanOrEqual(0.01);
    expect(data.slow_queries).toEqual([
      expect.objectContaining({
        fingerprint: 'UPDATE b SET x = ?',
        duration_ms: 150,
        failed: true,
        route: '/orders/:id',
      }),
    ]);
    const byCount = await getJson(`${base}/queries/?sort=count&limit=1`);
    expect(byCount.body.data.fingerprints.map((f: { count: number }) => f.count)).toEqual([3]);
  });

  it('refuses bad parameters with a 400 naming them', async () => {
    const { base } = await start();
    for (const q of ['sort=slowest', 'limit=0', 'limit=abc', 'sortt=p95']) {
      const r = await getJson(`${base}/queries/?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_parameter');
    }
    expect((await getJson(`${base}/queries/?sortt=p95`)).body.error.message).toContain(
      'Did you mean "sort"?',
    );
  });

  it('folds fingerprints beyond maxFingerprints into `other`', async () => {
    const { m, base } = await start({ queries: { maxFingerprints: 3 } });
    for (let i = 0; i < 10; i++) m.recordQuery('postgresql', `SELECT c${i} FROM t`, 1, false);
    const r = await getJson(`${base}/queries/?sort=count`);
    const rows = r.body.data.fingerprints;
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ fingerprint: 'other', system: '*', count: 7 });
  });
});

describe("the last minute's queries in metrics/ (`queries`) and queries/", () => {
  it('p95_ms is the p95 of the raw durations; a minute without any query is null (no reading), never 0', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const { m, base } = await start({ clock });
    // 200 durations from a fixed pseudo-random sequence, 0.1 to 200.1 ms.
    let x = 7;
    const durations = Array.from({ length: 200 }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.round((x / 2147483648) * 200_000) / 1000 + 0.1;
    });
    for (const ms of durations) m.recordQuery('postgresql', 'SELECT ?', ms, false);
    const read = async () => ({
      metrics: (await getJson(`${base}/metrics/`)).body.data.queries,
      queries: (await getJson(`${base}/queries/`)).body.data,
    });
    const busy = await read();
    expect(busy.metrics.count).toBe(durations.length);
    expect(percentileError(busy.metrics.p95_ms, exactLatency(durations), 95)).toBe('');
    expect(busy.queries.window_p95_ms).toBe(busy.metrics.p95_ms);
    clock.t += 61_000; // no query in the last minute (the snapshot is collected again: older than 1 s)
    const quiet = await read();
    expect(quiet.metrics).toEqual({ count: 0, p95_ms: null });
    expect(quiet.queries).toMatchObject({ total: durations.length, window_count: 0, window_p95_ms: null });
  });
});

describe('GET jobs/', () => {
  it('lists the jobs with their figures', async () => {
    const { m, base } = await start();
    const job = m.job('cleanup', () => undefined);
    job();
    m.recordJob('cleanup', 5, true, new Error('disk full'));
    const r = await getJson(`${base}/jobs/`);
    expect(r.status).toBe(200);
    expect(r.body.data.count).toBe(1);
    expect(r.body.data.jobs[0]).toMatchObject({
      name: 'cleanup',
      runs: 2,
      failures: 1,
      last_failure: { error: 'disk full' },
    });
    expect((await getJson(`${base}/jobs/?limit=-1`)).status).toBe(400);
  });
});

describe('queries in Prometheus (opt-in)', () => {
  it('exports nothing per fingerprint by default, a histogram per fingerprint when asked', async () => {
    const off = createMonitor({ sampleIntervalMs: 0 });
    const on = createMonitor({ sampleIntervalMs: 0, queries: { prometheus: true } });
    cleanups.push(
      () => off.close(),
      () => on.close(),
    );
    for (const m of [off, on]) {
      m.recordQuery('postgresql', 'SELECT * FROM t WHERE a = "x\\y"', 2, false);
      m.recordQuery('postgresql', 'SELECT * FROM t WHERE a = "x\\y"', 3, true);
    }
    expect(renderPrometheus(await collectPrometheusData(off))).not.toContain('db_query');
    const text = renderPrometheus(await collectPrometheusData(on));
    const label = 'system="postgresql",fingerprint="SELECT * FROM t WHERE a = \\"x\\\\y\\""';
    expect(text).toContain(`sysvitals_db_query_errors_total{${label}} 1`);
    expect(text).toContain(`sysvitals_db_query_duration_seconds_count{${label}} 2`);
    expect(text).toContain(`sysvitals_db_query_duration_seconds_sum{${label}} 0.005`);
  });
});

describe('db_query_p95 alert rule', () => {
  it('fires on the last minute of queries and clears when they are fast again', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = createMonitor({
      sampleIntervalMs: 0,
      clock,
      alerts: { db_query_p95: { warning: 100, critical: 400 } },
    });
    cleanups.push(() => m.close());
    for (let i = 0; i < 100; i++) m.recordQuery('postgresql', 'SELECT ?', i < 90 ? 5 : 250, false);
    await m.sample();
    // The host rules read this machine (a busy CPU may alert too): only the queries' alert is ours.
    const ours = () => m.alertSystem.getActiveAlerts().filter((a) => a.component === 'queries');
    expect(ours()).toEqual([
      expect.objectContaining({
        rule: 'db_query_p95',
        component: 'queries',
        severity: 'warning',
        value: 250,
      }),
    ]);
    clock.t += 61_000; // the window moves on
    for (let i = 0; i < 10; i++) m.recordQuery('postgresql', 'SELECT ?', 5, false);
    await m.sample();
    expect(ours()).toEqual([]);
  });

  it('a minute without queries is no reading: the alert stays until queries answer fast again (outside review F19)', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = createMonitor({ sampleIntervalMs: 0, clock, alerts: { db_query_p95: { warning: 500 } } });
    cleanups.push(() => m.close());
    for (let i = 0; i < 3; i++) m.recordQuery('postgresql', 'SELECT pg_sleep($1)', 623, false);
    await m.sample();
    const ours = () => m.alertSystem.getActiveAlerts().filter((a) => a.component === 'queries');
    expect(ours().map((a) => a.value)).toEqual([623]);
    clock.t += 61_000; // no query in the last minute
    const s = await m.sample();
    expect(s.queries?.count).toBe(0);
    expect(ours().map((a) => a.value)).toEqual([623]);
    m.recordQuery('postgresql', 'SELECT ?', 5, false);
    await m.sample();
    expect(ours()).toEqual([]);
  });
});
