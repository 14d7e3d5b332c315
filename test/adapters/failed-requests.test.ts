// Regression (red team "figures" F1 + F14): a request whose response did not complete (aborted, status 499,
// whether the client gave up or the server destroyed the connection) after at least `abortedFailureMs` (1 s by
// default) is a FAILED request: a total outage where every request hangs until the client gives up reads
// error_rate 100 %, errors critical, an error_rate alert, routes/ error_percent 100 and the health score down, on
// every adapter. And (red team "doors" F1) an anonymous flood of requests closed after a few ms is counted as
// aborted but never pages while real requests are answered: no error rate, no alert, health not red. Real servers on port 0; the oracle is what
// the clients and the handler did (counts known exactly, durations bounded by the clients' own clocks).

import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import {
  eventually,
  FRAMEWORKS,
  get,
  startGet,
  useWorkloadApps,
  WORK_ROUTE,
  type WorkloadApp,
} from './workload-apps.js';

const HUNG = 40;
const SLOW_MS = 3_000;
/**
 * The first two cases' abortedFailureMs, and their clients' give-up and the server's destroy past it: the rule is
 * the same at any length (1 s by default, 1.1 s waited 6 times before 7 December). Clients and proxies that time out
 * give up after seconds.
 */
const FAILURE_MS = 300;
const TIMEOUT_MS = 400;
const FLOOD = 40;

const apps = useWorkloadApps();

/** Aborted requests the monitor holds since start, and of them the failed ones (closed after abortedFailureMs). */
function abortedOf(app: WorkloadApp): { count: number; failed: number } {
  const rows = app.monitor.requests.abortedTotals();
  return { count: rows.reduce((n, t) => n + t.count, 0), failed: rows.reduce((n, t) => n + t.failed, 0) };
}

async function figures(app: WorkloadApp) {
  const m = await app.monitor.sample();
  const health = await app.monitor.getHealth();
  const alert = app.monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate');
  const body = await fetch(`${app.url}/api/core/admin/system/routes/`).then(
    (r) =>
      r.json() as Promise<{ data: { routes: { route: string; error_percent: number; count: number }[] } }>,
  );
  return { m, health, alert, route: body.data.routes.find((r) => r.route === WORK_ROUTE) };
}

describe.each(FRAMEWORKS)('%s: requests whose response did not complete are failed', (framework) => {
  it(`a timeout storm: ${HUNG} hung requests abandoned by their clients after ${TIMEOUT_MS} ms (abortedFailureMs ${FAILURE_MS}): error rate 100 %, errors critical, an error_rate alert`, async () => {
    const app = await apps.start(framework, { abortedFailureMs: FAILURE_MS });
    const hung = Array.from({ length: HUNG }, () => startGet(`${app.url}/w/hang?ms=${SLOW_MS}`));
    await eventually(async () => app.received >= HUNG);
    // Every request is in the handler: from here each has lasted at least the clients' wait.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS));
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

  it(`connections the server destroys after ${TIMEOUT_MS} ms (abortedFailureMs ${FAILURE_MS}) count as failed too: 25 killed + 5 × 500 + 10 × 200 = 75 %`, async () => {
    const app = await apps.start(framework, { abortedFailureMs: FAILURE_MS });
    const killed = await Promise.all(
      Array.from({ length: 25 }, () => startGet(`${app.url}/w/kill?ms=${TIMEOUT_MS}&kill=1`).done),
    );
    expect(killed).toEqual(Array(25).fill(0)); // the client saw a reset, no answer
    for (let i = 0; i < 5; i++) expect(await get(`${app.url}/w/err?status=500`)).toBe(500);
    for (let i = 0; i < 10; i++) expect(await get(`${app.url}/w/ok?status=200`)).toBe(200);
    await eventually(async () => app.monitor.requests.total >= 40);
    const { m, alert, route } = await figures(app);
    expect(m.requests.total).toBe(40);
    // The server destroyed those connections itself: failed requests in the 5xx class, as `res.destroy()`, not
    // aborted ones (outside review 16, F4: test/adapters/server-cuts.test.ts); the error rate reads the same.
    expect(m.errors).toMatchObject({ count_5xx: 30, count_aborted: 0, error_rate_percent: 75 });
    expect(alert).toMatchObject({ severity: 'critical', value: 75 });
    expect(route).toMatchObject({ count: 40, error_percent: 75 });
  });

  it(`an anonymous flood of ${FLOOD} requests closed after a few ms beside one answered request: counted as aborted, not as requests: no error rate, no alert (red team doors F1, outside review figures 2)`, async () => {
    // The floor at abortedFailureMs: no early close counts toward `unanswered`, whatever the machine's load made the
    // clients wait. Closes that each waited past the default floor (100 ms) and outnumber the answered requests read
    // as an outage (outside review 46, RT46-5: test/adapters/outnumbered-closes.test.ts; README Aborted requests).
    const app = await apps.start(framework, { unansweredMinWaitMs: 1_000 });
    expect(await get(`${app.url}/w/ok?status=200`)).toBe(200);
    const flood = Array.from({ length: FLOOD }, () => startGet(`${app.url}/w/slow?ms=${SLOW_MS}`));
    await eventually(async () => app.received >= FLOOD + 1);
    for (const f of flood) f.abandon();
    await eventually(async () => abortedOf(app).count >= FLOOD);
    // The oracle: the clients' closes. One that reached abortedFailureMs on a loaded machine is a failed request.
    const late = abortedOf(app).failed;
    const { m, health, alert } = await figures(app);
    expect(m.requests.total).toBe(1 + late);
    expect(m.errors).toMatchObject({
      count_4xx: late,
      count_5xx: 0,
      count_aborted: FLOOD,
      count_aborted_early: FLOOD - late,
    });
    const text = await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text());
    const families = parseExposition(text);
    const labels = { method: 'GET', route: WORK_ROUTE };
    expect(sampleValue(families, 'sysvitals_http_requests_aborted_total', labels)).toBe(FLOOD);
    expect(sampleValue(families, 'sysvitals_http_requests_aborted_early_total', labels)).toBe(FLOOD - late);
    if (late === 0) {
      // One request answered, none failed: the error rate is not judged (fewer than minRequests), never a page.
      expect(m.errors).toMatchObject({ error_rate_percent: 0, status: 'unknown', count_judged: 1 });
      expect(m.errors.unanswered).toBeUndefined();
      expect(m.errors.reason).toMatch(/^1 requests in the window/);
      expect(health.components.errors).toBe('unknown');
      expect(alert).toBeUndefined();
    }
  });

  it('early closes do not dilute the error rate: 20 × 200 + 5 × 500 beside 75 early closes read 20 %, critical, on JSON, health and Prometheus (outside review figures 2)', async () => {
    // The floor at abortedFailureMs, as above: the error rate of the answered requests decides, whatever the closes
    // waited (75 closes past 100 ms outnumbering the 25 would read as an outage, RT46-5).
    const app = await apps.start(framework, { unansweredMinWaitMs: 1_000 });
    for (let i = 0; i < 20; i++) expect(await get(`${app.url}/w/ok?status=200`)).toBe(200);
    for (let i = 0; i < 5; i++) expect(await get(`${app.url}/w/bad?status=500`)).toBe(500);
    const flood = Array.from({ length: 75 }, () => startGet(`${app.url}/w/slow?ms=${SLOW_MS}`));
    await eventually(async () => app.received >= 100);
    for (const f of flood) f.abandon();
    await eventually(async () => abortedOf(app).count >= 75);
    const late = abortedOf(app).failed; // closed after 1 s on a loaded machine: failed requests
    const requests = 25 + late;
    const failedPct = Math.round(((5 + late) / requests) * 10_000) / 100;
    const { m, health, alert, route } = await figures(app);
    expect(m.requests.total).toBe(requests);
    expect(m.errors).toMatchObject({
      count_5xx: 5,
      count_aborted: 75,
      count_aborted_early: 75 - late,
      error_rate_percent: failedPct,
      status: 'critical',
    });
    expect(health.components.errors).toBe('critical');
    expect(alert?.severity).toBe('critical');
    expect(route).toMatchObject({ count: requests, error_percent: failedPct });
    const families = parseExposition(
      await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text()),
    );
    const labels = { method: 'GET', route: WORK_ROUTE };
    const byClass = (c: string) =>
      sampleValue(families, 'sysvitals_http_requests_total', { ...labels, status_class: c }) ?? 0;
    expect(byClass('2xx') + byClass('4xx') + byClass('5xx')).toBe(requests);
    expect(byClass('5xx')).toBe(5);
    expect(sampleValue(families, 'sysvitals_http_requests_aborted_early_total', labels)).toBe(75 - late);
  });
});
