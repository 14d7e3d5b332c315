// Regression (outside review F7): a quiet service that answered 19 requests, all 500, read errors `unknown`,
// health green 100 and no alert (the 20-request minimum). Below minRequests the error rate is now judged on the
// lower end of its 95 % Wilson score interval, with at least 5 failures. Real Express, Fastify and Koa servers on
// port 0; the oracle is the Wilson bound computed here from the requests the client sent (closed formula) and the
// documented error_rate levels, read through metrics/, health/, Prometheus and the alert events alike.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { DEFAULT_LEVELS, DEFAULT_MIN_REQUESTS } from '../../src/alerts/thresholds.js';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import { FRAMEWORKS, get, useWorkloadApps, type WorkloadApp } from './workload-apps.js';

const apps = useWorkloadApps();
const { warning, critical } = DEFAULT_LEVELS.error_rate;

/** The lower end of the 95 % Wilson score interval of failed ÷ n, percent (closed formula, z = 1.96). */
function wilsonLower(failed: number, n: number): number {
  const z = 1.96;
  const p = failed / n;
  const lower =
    (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return Math.round(lower * 10_000) / 100 + 0; // + 0: 0 of n is exactly 0, not -0 from rounding noise
}

async function send(app: WorkloadApp, ok: number, failed: number): Promise<void> {
  for (let i = 0; i < failed; i++) expect(await get(`${app.url}/w/fail?status=500`)).toBe(500);
  for (let i = 0; i < ok; i++) expect(await get(`${app.url}/w/ok?status=200`)).toBe(200);
}

async function read(app: WorkloadApp) {
  const base = `${app.url}/api/core/admin/system`;
  const metrics = (await fetch(`${base}/metrics/`).then((r) => r.json())) as {
    data: { errors: { status: string; error_rate_percent: number; error_rate_lower_percent?: number } };
  };
  const health = await fetch(`${base}/health/`);
  const healthBody = (await health.json()) as {
    data: { status: string; health_score: number; components: { errors: string } };
  };
  const families = parseExposition(await fetch(`${base}/metrics/prometheus`).then((r) => r.text()));
  return { errors: metrics.data.errors, healthStatus: health.status, health: healthBody.data, families };
}

describe.each(FRAMEWORKS)('%s: a low-traffic service below minRequests (outside review F7)', (framework) => {
  it('19 requests, all 500: errors critical on the Wilson bound, health red (503), Prometheus agrees, one error_rate alert', async () => {
    const app = await apps.start(framework);
    const events: AlertEvent[] = [];
    app.monitor.on('alert', (e: AlertEvent) => events.push(e));
    const n = DEFAULT_MIN_REQUESTS - 1;
    await send(app, 0, n);
    const bound = wilsonLower(n, n); // 83.18
    expect(bound).toBeGreaterThanOrEqual(critical);
    // Several evaluations of the same window: the alert is raised once and stays.
    for (let i = 0; i < 3; i++) await app.monitor.sample();
    const { errors, healthStatus, health, families } = await read(app);
    expect(errors).toMatchObject({
      status: 'critical',
      error_rate_percent: 100,
      error_rate_lower_percent: bound,
    });
    expect(health.components.errors).toBe('critical');
    expect(health.status).toBe('red');
    expect(healthStatus).toBe(503);
    expect(health.health_score).toBeLessThanOrEqual(100 - 30 - 15); // critical component, critical alert
    expect(
      sampleValue(families, 'sysvitals_component_status', { component: 'errors', status: 'critical' }),
    ).toBe(1);
    expect(sampleValue(families, 'sysvitals_health_status', { status: 'red' })).toBe(1);
    expect(sampleValue(families, 'sysvitals_alerts', { alertname: 'error_rate', severity: 'critical' })).toBe(
      1,
    );
    const raised = events.filter((e) => e.alert.rule === 'error_rate');
    expect(raised.map((e) => [e.type, e.alert.severity, e.alert.value, e.alert.threshold])).toEqual([
      ['raised', 'critical', bound, critical],
    ]);
  });

  it('1 of 2 failing, then 4 of 5: fewer than 5 failures, not judged: errors unknown, no alert', async () => {
    const app = await apps.start(framework);
    const events: AlertEvent[] = [];
    app.monitor.on('alert', (e: AlertEvent) => events.push(e));
    await send(app, 1, 1);
    // The bound alone (9.45 %) would be a warning at 5 %: the 5-failure minimum keeps one failure from paging.
    expect(wilsonLower(1, 2)).toBeGreaterThanOrEqual(warning);
    let { errors, health, families } = await read(app);
    expect(errors).toMatchObject({ status: 'unknown', error_rate_lower_percent: wilsonLower(1, 2) });
    expect(health.components.errors).toBe('unknown');
    expect(
      sampleValue(families, 'sysvitals_component_status', { component: 'errors', status: 'unknown' }),
    ).toBe(1);
    await send(app, 0, 3); // 4 failed of 5
    await app.monitor.sample();
    ({ errors, health } = await read(app));
    expect(errors).toMatchObject({ status: 'unknown', error_rate_lower_percent: wilsonLower(4, 5) });
    expect(health.components.errors).toBe('unknown');
    expect(events.filter((e) => e.alert.rule === 'error_rate')).toEqual([]);
  });
});
