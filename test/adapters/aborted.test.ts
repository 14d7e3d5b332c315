// Regression (issue 12, figures 1): a request whose client gives up before the response ends is counted, with
// its duration, as aborted (status 499, as nginx logs it), in requests, errors, routes and Prometheus, on every
// adapter. Real servers on port 0; the oracle is what the clients did.

import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import {
  eventually,
  FRAMEWORKS,
  get,
  startGet,
  startWorkloadApp,
  WORK_ROUTE,
  type WorkloadApp,
} from './workload-apps.js';

const ABANDONED = 20;
const COMPLETED = 5;
const ABANDON_AFTER_MS = 50;
const SLOW_MS = 3_000;

let apps: WorkloadApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

describe.each(FRAMEWORKS)('%s: aborted requests', (framework) => {
  it(`${ABANDONED} requests abandoned after ${ABANDON_AFTER_MS} ms are counted as aborted, with their duration`, async () => {
    const app = await startWorkloadApp(framework);
    apps.push(app);
    const started = Date.now();
    const slow = Array.from({ length: ABANDONED }, (_, i) =>
      startGet(`${app.url}/w/slow${i % 2}?ms=${SLOW_MS}`),
    );
    const fast = Array.from({ length: COMPLETED }, () => get(`${app.url}/w/fast?status=200`));
    // The clients give up 50 ms after the server has read every request (a request it never read is not
    // one the application saw, and on a loaded machine connecting alone can take 50 ms).
    await eventually(async () => app.received >= ABANDONED + COMPLETED);
    expect(app.received).toBe(ABANDONED + COMPLETED);
    await new Promise((resolve) => setTimeout(resolve, ABANDON_AFTER_MS));
    for (const s of slow) s.abandon();
    expect(await Promise.all(fast)).toEqual(Array(COMPLETED).fill(200));
    await eventually(async () => app.monitor.requests.total >= ABANDONED + COMPLETED);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    // Every request counted once: the abandoned ones were never answered, so none can have finished.
    expect(m.requests.total).toBe(ABANDONED + COMPLETED);
    expect(m.errors.count_aborted).toBe(ABANDONED);
    expect(m.errors.count_4xx).toBe(ABANDONED);
    expect(m.errors.count_5xx).toBe(0);
    const route = m.routes.find((r) => r.route === WORK_ROUTE);
    expect(route).toMatchObject({ method: 'GET', count: ABANDONED + COMPLETED, count_aborted: ABANDONED });
    // Durations run to the client's close: at least the 50 ms the clients waited (most requests here are
    // aborted ones, so the median too), below the 3 s handler, and within the wall time the test has taken.
    const elapsed = Date.now() - started;
    expect(m.latency.max_ms).toBeLessThan(Math.min(SLOW_MS, elapsed + 1));
    expect(m.latency.p50_ms).toBeGreaterThanOrEqual(ABANDON_AFTER_MS);

    const text = await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text());
    const families = parseExposition(text);
    expect(
      sampleValue(families, 'sysvitals_http_requests_aborted_total', { method: 'GET', route: WORK_ROUTE }),
    ).toBe(ABANDONED);
    expect(
      sampleValue(families, 'sysvitals_http_requests_total', {
        method: 'GET',
        route: WORK_ROUTE,
        status_class: '4xx',
      }),
    ).toBe(ABANDONED);
    expect(
      sampleValue(families, 'sysvitals_http_requests_total', {
        method: 'GET',
        route: WORK_ROUTE,
        status_class: '2xx',
      }),
    ).toBe(COMPLETED);
  });

  it('a request answered in full is never counted as aborted, even when the client closes right after', async () => {
    const app = await startWorkloadApp(framework);
    apps.push(app);
    for (let i = 0; i < 5; i++) expect(await get(`${app.url}/w/fast?status=201`)).toBe(201);
    await eventually(async () => app.monitor.requests.total >= 5);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.total, m.errors.count_aborted, m.errors.count_4xx]).toEqual([5, 0, 0]);
  });
});
