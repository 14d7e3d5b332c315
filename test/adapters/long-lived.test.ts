// Regression (outside review, figures 1): long-lived responses (server-sent events, long polls) made health read
// critical on a healthy app: open 5 s or more they counted in latency at their age, and ended as huge latencies.
// Event streams (Content-Type text/event-stream) are left out of the request figures by default; `excludeRoutes`
// leaves any path out entirely (not counted, not in flight). Real Express, Fastify and Koa servers on port 0; the
// monitor's clock is injected (the ages are exact); the oracle is what the clients did.

import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import {
  eventually,
  FRAMEWORKS,
  get,
  startGet,
  startWorkloadApp,
  useWorkloadApps,
  type WorkloadApp,
} from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const ANSWERED = 4;
/** Held open past STREAM_CHECK_MS (1 s, real time): the adapters time requests with performance.now(). */
const OPEN_MS = 1_300;
const AGE_MS = 75_000;

const apps = useWorkloadApps();

/** Requests since start as Prometheus counts them (every status class). */
async function promRequests(app: WorkloadApp): Promise<number> {
  const text = await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text());
  const f = parseExposition(text);
  let n = 0;
  for (const s of f.get('sysvitals_http_requests_total')?.samples ?? []) n += s.value;
  expect(sampleValue(f, 'sysvitals_component_status', { component: 'latency', status: 'critical' })).toBe(0);
  return n;
}

describe.each(FRAMEWORKS)('%s: long-lived responses', (framework) => {
  it('an event stream open 75 s is no slow request while open, and is not recorded when it ends', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await apps.start(framework, { clock });
    for (let i = 0; i < ANSWERED; i++) expect(await get(`${app.url}/w/fast`)).toBe(200);
    const streams = Array.from({ length: 2 }, () => startGet(`${app.url}/w/events?sse=1&ms=${OPEN_MS}`));
    apps.hold(streams);
    await eventually(async () => app.received >= ANSWERED + 2);
    clock.t += AGE_MS;
    const open = await app.monitor.getMetrics({ maxAgeMs: 0 });
    // In flight (they are), but their age is no latency: nothing measured in the window, not critical.
    expect(open.requests.in_flight).toBe(2);
    expect(open.latency).toMatchObject({ status: 'unknown', in_flight_counted: 0, p95_ms: null });
    expect((await app.monitor.getHealth()).components.latency).not.toBe('critical');

    expect(await Promise.all(streams.map((s) => s.done))).toEqual([200, 200]);
    await eventually(async () => app.monitor.lifecycle.inFlight === 0);
    clock.t += 1_000;
    const ended = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(ended.requests.in_flight).toBe(0);
    expect(ended.requests.total).toBe(ANSWERED);
    expect(app.monitor.requests.cumulativeCounts().n).toBe(ANSWERED);
    expect(await promRequests(app)).toBe(ANSWERED);
  });

  it('excludeRoutes: a long poll on an excluded path is neither counted, nor in flight, nor timed', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await apps.start(framework, { clock, excludeRoutes: ['/w/poll', /^\/w\/feed-\d+$/] });
    for (let i = 0; i < ANSWERED; i++) expect(await get(`${app.url}/w/fast`)).toBe(200);
    const polls = [
      startGet(`${app.url}/w/poll?ms=${OPEN_MS}`),
      startGet(`${app.url}/w/feed-7?ms=${OPEN_MS}&status=500`),
    ];
    apps.hold(polls);
    await eventually(async () => app.received >= ANSWERED + 2);
    clock.t += AGE_MS;
    const open = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(open.requests.in_flight).toBe(0);
    expect(open.latency).toMatchObject({ status: 'unknown', in_flight_counted: 0 });
    expect(await Promise.all(polls.map((p) => p.done))).toEqual([200, 500]);
    expect(await get(`${app.url}/w/feed-x`)).toBe(200); // not matched by the RegExp: counted
    await eventually(async () => app.monitor.requests.total >= ANSWERED + 1);
    clock.t += 1_000;
    const ended = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(ended.requests.total).toBe(ANSWERED + 1);
    expect(ended.errors.count_5xx).toBe(0);
    expect(await promRequests(app)).toBe(ANSWERED + 1);
  });

  it('refuses an excludeRoutes entry that is not a path or a RegExp, at setup', async () => {
    await expect(startWorkloadApp(framework, { excludeRoutes: ['poll' as string] })).rejects.toMatchObject({
      code: 'ERR_SYSVITALS_INVALID_OPTION',
    });
  });
});
