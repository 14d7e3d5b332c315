// Regression (outside review, figures F4): a hang (requests the route never answers, clients still waiting)
// reads critical on every adapter, before any of them completes: latency counts the requests in flight past
// the critical level at their age. Real servers on port 0; the clock of the monitor is injected, so the ages
// are exact; the oracle is what the clients did.

import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import { eventually, FRAMEWORKS, get, startGet, useWorkloadApps } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const ANSWERED = 3;
const HUNG = 6;
const HANG_MS = 75_000;

const apps = useWorkloadApps();

describe.each(FRAMEWORKS)('%s: a hang', (framework) => {
  it(`${HUNG} requests in flight for ${HANG_MS / 1000} s read critical before any completes`, async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await apps.start(framework, { clock });
    expect(await Promise.all(Array.from({ length: ANSWERED }, () => get(`${app.url}/w/fast`)))).toEqual(
      Array(ANSWERED).fill(200),
    );
    // The route stops answering (the handler waits 20 s, real time); the clients wait without a timeout.
    const pending = apps.hold(Array.from({ length: HUNG }, () => startGet(`${app.url}/w/hung?ms=20000`)));
    await eventually(async () => app.received >= ANSWERED + HUNG);
    expect(app.received).toBe(ANSWERED + HUNG);

    clock.t += HANG_MS;
    const m = await app.monitor.sample();
    expect(m.requests.in_flight).toBe(HUNG);
    expect(m.requests.total).toBe(ANSWERED);
    // The 3 answered requests left the window; the 6 hung ones count at their age, exactly 75 s.
    expect(m.latency).toMatchObject({
      status: 'critical',
      p50_ms: HANG_MS,
      p95_ms: HANG_MS,
      max_ms: HANG_MS,
      in_flight_counted: HUNG,
    });
    const health = await app.monitor.getHealth();
    expect(health.components.latency).toBe('critical');
    expect(health.status).toBe('red');
    const alerts = (await app.monitor.getAlerts()) as { rule: string; severity: string }[];
    expect(alerts.filter((a) => a.rule === 'api_response_time').map((a) => a.severity)).toEqual(['critical']);
    const text = await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text());
    const f = parseExposition(text);
    expect(sampleValue(f, 'sysvitals_component_status', { component: 'latency', status: 'critical' })).toBe(
      1,
    );
    expect(sampleValue(f, 'sysvitals_http_server_active_requests')).toBe(HUNG);

    // The clients give up: the requests end as aborted (499), nothing is in flight, none counted twice.
    for (const p of pending) p.abandon();
    await eventually(
      async () => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) >= HUNG,
    );
    clock.t += 1_000; // a new snapshot (the last one is younger than maxAgeMs on the injected clock)
    const after = await app.monitor.sample();
    expect(after.requests.in_flight).toBe(0);
    expect(after.errors.count_aborted).toBe(HUNG);
    expect(after.latency.in_flight_counted).toBe(0);
  });
});
