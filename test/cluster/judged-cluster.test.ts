// node:cluster with 2 real workers (outside review 6, F7): the aggregator judges the merged window as one process
// does. 40 real requests, 20 of them 503, and 400 GETs of made-up URLs (404, `unmatched`) spread by the primary
// over both workers: the cluster's error rate stays 50 % of the 40 judged, one error_rate alert and one webhook for
// the cluster; the 404s are counted (requests, count_4xx, Prometheus). The oracle is what the client sent.

import { describe, expect, it } from 'vitest';
import { BASE, get, getJson, HOST_RULES_OFF, promValue, until, useCluster } from './helpers.js';

/** `paths` over fresh connections, 8 at a time (the primary spreads them over the workers). */
async function send(port: number, paths: string[], status: number): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < paths.length) expect((await get(port, paths[next++] as string)).status).toBe(status);
  };
  await Promise.all(Array.from({ length: 8 }, run));
}

describe('node:cluster, 2 workers: unmatched 4xx counted, not judged, in the merged window', () => {
  const c = useCluster<{ type: string; alert: { rule: string; severity: string; value: number } }>(
    (url) => ({
      WEBHOOK: url,
      SAMPLE_MS: '300',
      ALERTS: JSON.stringify({ error_rate: { warning: 5, critical: 10 }, ...HOST_RULES_OFF }),
    }),
    2,
    { readyMs: 20_000, setupMs: 60_000 },
  );

  it('400 404s beside 20 × 503 + 20 × 200: 50 % of 40 judged, one critical error_rate alert for the cluster', async () => {
    await send(
      c.port,
      Array.from({ length: 20 }, () => '/work?ms=1&status=503'),
      503,
    );
    await send(
      c.port,
      Array.from({ length: 20 }, () => '/work?ms=1'),
      200,
    );
    await send(
      c.port,
      Array.from({ length: 400 }, (_, i) => `/made-up/${i}`),
      404,
    );
    const m = await until(async () => {
      const r = (await getJson(c.port, `${BASE}/metrics`)).data.data;
      return r.requests.total === 440 && r;
    }, 20_000);
    expect(m.errors).toMatchObject({
      count_4xx: 400,
      count_5xx: 20,
      count_judged: 40,
      count_unmatched_4xx: 400,
      error_rate_percent: 50,
      status: 'critical',
    });
    const prom = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(prom, 'sysvitals_http_requests_total', 'route="unmatched"')).toBe(400); // all 404
    await until(async () => c.hooks.received.some((e) => e.alert.rule === 'error_rate'), 20_000);
    // Several more sample intervals on both workers: still one alert, one webhook, never cleared by the 404s.
    await new Promise((r) => setTimeout(r, 1500));
    const events = c.hooks.received.filter((e) => e.alert.rule === 'error_rate');
    expect(events.map((e) => [e.type, e.alert.severity])).toEqual([['raised', 'critical']]);
    const alerts = (await getJson(c.port, `${BASE}/alerts`)).data.data.alerts;
    expect(alerts.filter((a: { rule: string }) => a.rule === 'error_rate')).toHaveLength(1);
  }, 60_000);
});
