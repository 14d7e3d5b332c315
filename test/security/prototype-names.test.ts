// Names that are Object.prototype members (`__proto__`, `constructor`, `prototype`, `toString`, `hasOwnProperty`)
// given as data: job, function, route, query and custom series names, custom metric label values and label names
// left out of a call, plugin (health) names. Each shows as given (an own key, or a value) in the JSON answers of a
// real server and in its Prometheus scrape. Found by this audit (they failed before): a custom series named
// `__proto__`, `constructor`, `toString` or `hasOwnProperty` was never scored (`POINT_SERIES[name]` read the
// inherited member), a `__proto__` score was dropped from history points, and a label named `toString` left out
// of a call was recorded as "function toString() { [native code] }", not ''.

import { afterEach, describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/analytics.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { parsePoint, serializePoint } from '../../src/history/point-codec.js';
import { PointMerger } from '../../src/history/point-merger.js';
import { serveMonitor } from '../custom/served-monitor.js';
import { anomalyAnalytics, MIN, minutePoint, normalFigures, START } from '../helpers/anomaly-minutes.js';
import { prng } from '../helpers/random.js';

const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

const served: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of served.splice(0)) await s.close();
});

async function serve(options: Parameters<typeof serveMonitor>[0] = {}) {
  const s = await serveMonitor(options);
  served.push(s);
  const scrape = async () => (await fetch(`${s.base}/metrics/prometheus/`)).text();
  return { ...s, scrape };
}

describe('Object.prototype member names over HTTP (a real server)', () => {
  it('jobs: each name is its own job in jobs/ and in Prometheus', async () => {
    const s = await serve();
    for (const [i, name] of NAMES.entries()) {
      const run = s.monitor.job(name, () => {
        if (i % 2 === 1) throw new Error(`failed ${name}`);
      });
      for (let k = 0; k <= i; k++) {
        try {
          run();
        } catch {}
      }
    }
    const { jobs } = (await s.getJson('jobs/')).data as {
      jobs: Array<{ name: string; runs: number; failures: number }>;
    };
    const got = Object.fromEntries(jobs.map((j) => [j.name, [j.runs, j.failures]]));
    expect(Object.keys(got).sort()).toEqual([...NAMES].sort());
    for (const [i, name] of NAMES.entries()) expect(got[name]).toEqual([i + 1, i % 2 === 1 ? i + 1 : 0]);
    const text = await s.scrape();
    for (const [i, name] of NAMES.entries())
      expect(text).toContain(`sysvitals_job_runs_total{job="${name}"} ${i + 1}`);
  });

  it('custom metric label values: one series each, in metrics/ and Prometheus', async () => {
    const s = await serve();
    const counter = s.monitor.counter('orders', { help: 'Orders.', labels: ['kind'] });
    const gauge = s.monitor.gauge('depth', { help: 'Depth.', labels: ['kind'] });
    const hist = s.monitor.histogram('size', { help: 'Size.', labels: ['kind'] });
    for (const [i, kind] of NAMES.entries()) {
      counter.inc({ kind }, i + 1);
      gauge.set({ kind }, 10 + i);
      hist.observe({ kind }, 100 * (i + 1));
    }
    const { custom } = (await s.getJson('metrics/')).data as {
      custom: Record<
        string,
        { series: Array<{ labels: Record<string, string>; value?: number; count?: number }> }
      >;
    };
    const byKind = (name: string, field: 'value' | 'count') =>
      Object.fromEntries(custom[name]?.series.map((x) => [x.labels.kind, x[field]]) ?? []);
    expect(byKind('orders', 'value')).toEqual(Object.fromEntries(NAMES.map((n, i) => [n, i + 1])));
    expect(byKind('depth', 'value')).toEqual(Object.fromEntries(NAMES.map((n, i) => [n, 10 + i])));
    expect(byKind('size', 'count')).toEqual(Object.fromEntries(NAMES.map((n) => [n, 1])));
    const text = await s.scrape();
    for (const [i, kind] of NAMES.entries()) {
      expect(text).toContain(`sysvitals_orders_total{kind="${kind}"} ${i + 1}`);
      expect(text).toContain(`sysvitals_depth{kind="${kind}"} ${10 + i}`);
      expect(text).toContain(`sysvitals_size_count{kind="${kind}"} 1`);
    }
  });

  it("a label named like an Object.prototype member, left out of the call, is '' (was the member's source text)", async () => {
    const s = await serve();
    const counter = s.monitor.counter('calls', { help: 'Calls.', labels: ['constructor', 'toString'] });
    const gauge = s.monitor.gauge('level', { help: 'Level.', labels: ['valueOf'] });
    counter.inc();
    counter.inc({ constructor: 'a' });
    counter.labels({ toString: 'b' }).inc();
    gauge.set({}, 2);
    const { custom } = (await s.getJson('metrics/')).data as {
      custom: Record<string, { series: Array<{ labels: Record<string, string>; value: number }> }>;
    };
    expect(custom.calls?.series.map((x) => [x.labels, x.value])).toEqual([
      [{ constructor: '', toString: '' }, 1],
      [{ constructor: 'a', toString: '' }, 1],
      [{ constructor: '', toString: 'b' }, 1],
    ]);
    expect(custom.level?.series.map((x) => [x.labels, x.value])).toEqual([[{ valueOf: '' }, 2]]);
    const text = await s.scrape();
    expect(text).not.toContain('native code');
    expect(text).toContain('sysvitals_calls_total{constructor="",toString=""} 1');
    expect(text).toContain('sysvitals_calls_total{constructor="a",toString=""} 1');
    expect(text).toContain('sysvitals_level{valueOf=""} 2');
  });

  it('health: plugins named constructor, toString and hasOwnProperty are health components (health/)', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty'];
    const s = await serve({
      collectors: names.map((name, i) => ({
        name,
        collect: () => ({ depth: i }),
        status: () => (i === 1 ? 'warning' : 'healthy'),
      })),
    });
    await s.monitor.sample();
    const health = (await s.getJson('health/')).data as {
      status: string;
      components: Record<string, string>;
    };
    expect(Object.keys(health.components).filter((c) => c.startsWith('plugins.'))).toEqual(
      names.map((n) => `plugins.${n}`),
    );
    expect(health.components['plugins.toString']).toBe('warning');
    expect(health.components['plugins.constructor']).toBe('healthy');
    const text = await s.scrape();
    for (const name of names) expect(text).toContain(`sysvitals_plugin_up{plugin="${name}"} 1`);
  });

  it('routes, functions (recordFunction, as @timed records) and query fingerprints keep each name', async () => {
    const s = await serve();
    for (const name of NAMES) {
      s.monitor.recordRequest({ method: 'GET', route: name, status: 200, durationMs: 3 });
      s.monitor.recordFunction(name, 5, false);
      s.monitor.recordQuery('postgresql', name, 7, false);
    }
    const routes = (await s.getJson('routes/')).data.routes as Array<{ route: string; count: number }>;
    expect(routes.map((r) => r.route).sort()).toEqual([...NAMES].sort());
    const functions = (await s.getJson('metrics/')).data.functions as Record<string, { count: number }>;
    // JSON.parse keeps `"__proto__"` as an own key.
    expect(Object.keys(functions).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(Object.hasOwn(functions, name) && functions[name]?.count).toBe(1);
    const queries = (await s.getJson('queries/')).data.fingerprints as Array<{ fingerprint: string }>;
    expect(queries.map((q) => q.fingerprint).sort()).toEqual([...NAMES].sort());
  });
});

describe('history keys named like Object.prototype members (a real server)', () => {
  it("history/?route= and ?job=: each name's one-minute points", async () => {
    const s = await serve();
    for (let k = 0; k < 3; k++) {
      for (const name of NAMES) {
        s.monitor.recordRequest({ method: 'GET', route: name, status: 200, durationMs: 30 });
        s.monitor.recordJob(name, 4, false);
      }
      await s.monitor.sample();
      s.clock.t += 61_000;
    }
    await s.monitor.sample();
    await s.monitor.flush();
    for (const name of NAMES) {
      const route = (await s.getJson(`history/?route=${encodeURIComponent(name)}&method=GET`)).data as {
        route: string;
        points: Array<{ count: number }>;
      };
      expect(route.route).toBe(name);
      expect(route.points.reduce((n, p) => n + p.count, 0)).toBe(3);
      const job = (await s.getJson(`history/?job=${encodeURIComponent(name)}`)).data as {
        job: string;
        points: Array<{ runs: number }>;
      };
      expect(job.job).toBe(name);
      expect(job.points.reduce((n, p) => n + p.runs, 0)).toBe(3);
    }
  });
});

describe('custom anomaly series named like Object.prototype members', () => {
  it('are scored, saved and restored (were never scored: the built-in series lookup read the inherited member)', () => {
    const a = anomalyAnalytics();
    const r = prng(17);
    let scores: Record<string, number> = {};
    for (let m = 0; m < 1500; m++) {
      for (const [i, name] of NAMES.entries()) a.observe(name, 40 + i + r.n());
      scores = a.scorePoint(minutePoint(START + m * MIN, normalFigures(START + m * MIN, r)));
    }
    for (const name of NAMES) expect(Object.hasOwn(scores, name)).toBe(true);
    const saved = a.exportState();
    expect(Object.keys(JSON.parse(saved).series)).toEqual(expect.arrayContaining(NAMES));
    const b = new Analytics(a.config);
    // The 6 built-in series and the 5 custom ones.
    expect(b.importState(saved)).toBe(6 + NAMES.length);
    expect(b.exportState()).toBe(saved);
  });

  it('a `__proto__` score is kept by the point codec and the merge of points (history, rollups, fleet view)', () => {
    const scores = JSON.parse('{"__proto__":0.97,"constructor":0.5,"latency_p95":0.2}') as Record<
      string,
      number
    >;
    const point: HistoryPoint = { ...minutePoint(START, normalFigures(START, prng(1))), anomaly: scores };
    const back = parsePoint(serializePoint(point)) as HistoryPoint;
    expect(Object.entries(back.anomaly ?? {})).toEqual(Object.entries(scores));
    const merger = new PointMerger();
    merger.add(back, 'a');
    merger.add({ ...back, anomaly: JSON.parse('{"__proto__":0.4,"constructor":0.9}') }, 'b');
    const merged = merger.toPoint(START);
    expect(Object.entries(merged.anomaly ?? {})).toEqual([
      ['__proto__', 0.97],
      ['constructor', 0.9],
      ['latency_p95', 0.2],
    ]);
    expect(JSON.parse(JSON.stringify(merged.anomaly))).toEqual(
      JSON.parse('{"__proto__":0.97,"constructor":0.9,"latency_p95":0.2}'),
    );
  });
});
