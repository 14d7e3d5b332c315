// Requests answered before the middleware, in cluster mode: the cluster's `requests.unseen_total` and Prometheus
// `http_unseen_requests_total` are the sum over the workers (each sends its count in its reports). Real node:cluster
// processes (fixtures/app.ts, PRE=1: a handler at /pre mounted before monitor.middleware()); the oracle is the
// requests the client sent there, on fresh connections spread over the workers, 100 at once.

import { describe, expect, it } from 'vitest';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import { BASE, get, HOST_RULES_OFF, metricsOf, promValue, until, useCluster } from './helpers.js';

describe('node:cluster: requests the middleware never saw', () => {
  // Start-up guard only, no timed assertion.
  const c = useCluster({ PRE: '1', ALERTS: JSON.stringify(HOST_RULES_OFF) }, 3);

  it('the cluster counts every worker’s, exactly (100 at once), and nothing for the requests the workers saw', async () => {
    const pre = await Promise.all(Array.from({ length: 100 }, () => get(c.port, '/pre')));
    expect(pre.every((r) => r.status === 204)).toBe(true);
    const seen = await Promise.all(Array.from({ length: 40 }, () => get(c.port, '/work')));
    expect(seen.every((r) => r.status === 200)).toBe(true);
    const m = await until(async () => {
      const m = await metricsOf(c.port);
      return m.requests.unseen_total === 100 && m.requests.total >= 40 && m;
    }, 30_000);
    expect(m.requests.unseen_total).toBe(100);
    const text = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(text, 'sysvitals_http_unseen_requests_total')).toBe(100);
    expectPromtoolAccepts(text);
    // More seen requests (and the admin reads above): still 100.
    await Promise.all(Array.from({ length: 40 }, () => get(c.port, '/work')));
    const after = await until(async () => {
      const a = await metricsOf(c.port);
      return a.requests.total >= 80 && a;
    }, 30_000);
    expect(after.requests.unseen_total).toBe(100);
  });

  it('the 503s a handler before the middleware answers are the cluster’s failed requests on `unseen` (RT39-4)', async () => {
    const before = await metricsOf(c.port);
    const down = await Promise.all(Array.from({ length: 30 }, () => get(c.port, '/down')));
    expect(down.every((r) => r.status === 503)).toBe(true);
    const m = await until(async () => {
      const m = await metricsOf(c.port);
      return m.requests.unseen_total === before.requests.unseen_total + 30 && m.errors.count_5xx >= 30 && m;
    }, 30_000);
    expect(m.errors.count_5xx - before.errors.count_5xx).toBe(30);
    const text = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    const line = text
      .split('\n')
      .filter((l) => l.startsWith('sysvitals_http_requests_total{') && l.includes('route="unseen"'));
    expect(line.reduce((n, l) => n + Number(l.split(' ').pop()), 0)).toBe(30);
  });
});
