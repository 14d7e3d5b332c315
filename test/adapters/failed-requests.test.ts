// Regression (red team "figures" F1 + F14): a request whose response did not complete (aborted, status 499,
// whether the client gave up or the server destroyed the connection) is a FAILED request: a total outage where
// every request hangs until the client gives up reads error_rate 100 %, errors critical, an error_rate alert,
// routes/ error_percent 100 and the health score down, on every adapter. Real servers on port 0; the oracle is
// what the clients and the handler did (counts known exactly).

import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  FRAMEWORKS,
  get,
  startGet,
  startWorkloadApp,
  WORK_ROUTE,
  type WorkloadApp,
} from './workload-apps.js';

const HUNG = 40;
const SLOW_MS = 3_000;

let apps: WorkloadApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function figures(app: WorkloadApp) {
  const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
  const health = await app.monitor.getHealth();
  const alert = app.monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate');
  const body = await fetch(`${app.url}/api/core/admin/system/routes/`).then(
    (r) =>
      r.json() as Promise<{ data: { routes: { route: string; error_percent: number; count: number }[] } }>,
  );
  return { m, health, alert, route: body.data.routes.find((r) => r.route === WORK_ROUTE) };
}

describe.each(FRAMEWORKS)('%s: requests whose response did not complete are failed', (framework) => {
  it(`${HUNG} hung requests abandoned by their clients: error rate 100 %, errors critical, an error_rate alert`, async () => {
    const app = await startWorkloadApp(framework);
    apps.push(app);
    const hung = Array.from({ length: HUNG }, () => startGet(`${app.url}/w/hang?ms=${SLOW_MS}`));
    await eventually(async () => app.received >= HUNG);
    for (const h of hung) h.abandon();
    await eventually(async () => app.monitor.requests.total >= HUNG);
    const { m, health, alert, route } = await figures(app);
    expect(m.requests.total).toBe(HUNG);
    expect(m.errors).toMatchObject({
      count_4xx: HUNG,
      count_5xx: 0,
      count_aborted: HUNG,
      error_rate_percent: 100,
      status: 'critical',
    });
    expect(health.components.errors).toBe('critical');
    expect(health.status).toBe('red');
    expect(alert).toMatchObject({ severity: 'critical', value: 100 });
    expect(route).toMatchObject({ count: HUNG, error_percent: 100 });
  });

  it('connections the server destroys count as failed too: 25 killed + 5 × 500 + 10 × 200 = 75 %', async () => {
    const app = await startWorkloadApp(framework);
    apps.push(app);
    const killed = await Promise.all(
      Array.from({ length: 25 }, () => startGet(`${app.url}/w/kill?ms=5&kill=1`).done),
    );
    expect(killed).toEqual(Array(25).fill(0)); // the client saw a reset, no answer
    for (let i = 0; i < 5; i++) expect(await get(`${app.url}/w/err?status=500`)).toBe(500);
    for (let i = 0; i < 10; i++) expect(await get(`${app.url}/w/ok?status=200`)).toBe(200);
    await eventually(async () => app.monitor.requests.total >= 40);
    const { m, alert, route } = await figures(app);
    expect(m.requests.total).toBe(40);
    expect(m.errors).toMatchObject({ count_5xx: 5, count_aborted: 25, error_rate_percent: 75 });
    expect(alert).toMatchObject({ severity: 'critical', value: 75 });
    expect(route).toMatchObject({ count: 40, error_percent: 75 });
  });
});
