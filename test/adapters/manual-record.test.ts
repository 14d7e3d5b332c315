// Regression (outside review 3, finding 4): `monitor.recordRequest()` without a response (work timed by hand
// beside an adapter: a gRPC handler, a queue consumer) never ends nor hides the adapter's requests in flight; it
// ends only a request admitted by hand with `admitRequest()`, the oldest first. Real servers on port 0; the
// monitor's clock is injected, so the ages are exact; the oracle is what the clients and the test did.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import { eventually, FRAMEWORKS, startGet, useWorkloadApps } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const HUNG = 3;
const HANG_MS = 6_000;
const MANUAL_MS = 4;
// A request admitted by hand, as admitRequest sees it (no socket, headers not sent).
const fakeReq = () => ({ socket: null }) as unknown as IncomingMessage;
const fakeRes = () => ({ headersSent: false, setHeader() {} }) as unknown as ServerResponse;

/** Nearest-rank percentile of sorted values (the monitor's definition). */
const rank = (sorted: number[], p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1];

const apps = useWorkloadApps();

describe.each(FRAMEWORKS)('%s: recordRequest() by hand beside hung requests', (framework) => {
  it('ends no adapter request: in flight, latency and Prometheus keep the hang', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await apps.start(framework, { clock });
    const monitor = app.monitor;
    const pending = apps.hold(Array.from({ length: HUNG }, () => startGet(`${app.url}/w/hung?ms=20000`)));
    await eventually(async () => app.received >= HUNG);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight).toBe(HUNG);

    // Work timed by hand, never admitted: recorded, and nothing in flight ends.
    const manual: number[] = [];
    for (let i = 0; i < 3; i++) {
      monitor.recordRequest({
        method: 'POST',
        route: 'grpc:/pkg.Svc/Call',
        status: 200,
        durationMs: MANUAL_MS,
      });
      manual.push(MANUAL_MS);
    }
    // A manual pair (admitRequest, then recordRequest without its response): the admitted one ends, and a
    // second record without a response finds no request admitted by hand left, so it ends nothing.
    expect(monitor.admitRequest(fakeReq(), fakeRes())).toBe(true);
    clock.t += 1;
    monitor.recordRequest({ method: 'GET', route: '/manual', status: 200, durationMs: 1 });
    manual.push(1);
    monitor.recordRequest({ method: 'GET', route: '/manual', status: 200, durationMs: 1 });
    manual.push(1);
    // A record given a response that was never admitted ends nothing either.
    monitor.recordRequest({ method: 'GET', route: '/manual', status: 200, durationMs: 1 }, fakeRes());
    manual.push(1);

    clock.t += HANG_MS - 1;
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(HUNG);
    expect(m.requests.total).toBe(manual.length);
    // Oracle: the manual durations, and the hung requests at their age (exactly HANG_MS on the injected clock).
    // Percentiles: the nearest rank, rounded up to the top of its slot (at most 0.78 % above: README, Precision).
    const all = [...manual, ...Array(HUNG).fill(HANG_MS)].sort((a, b) => a - b);
    expect(m.latency).toMatchObject({
      status: 'critical',
      in_flight_counted: HUNG,
      max_ms: HANG_MS,
      avg_ms: Math.round((all.reduce((s, v) => s + v, 0) / all.length) * 1000) / 1000,
    });
    for (const p of [50, 95, 99] as const) {
      const exact = rank(all, p) as number;
      const shown = m.latency[`p${p}_ms`] as number;
      expect(shown).toBeGreaterThanOrEqual(exact);
      expect(shown).toBeLessThanOrEqual(Math.min(exact * (1 + 2 ** -7), HANG_MS));
    }
    const text = await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text());
    expect(sampleValue(parseExposition(text), 'sysvitals_http_server_active_requests')).toBe(HUNG);

    // The clients give up: their requests end as aborted, each once; nothing is left in flight.
    for (const p of pending) p.abandon();
    await eventually(async () => monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) >= HUNG);
    clock.t += 1_000;
    const after = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(after.requests.in_flight).toBe(0);
    expect(after.errors.count_aborted).toBe(HUNG);
    expect(after.latency.in_flight_counted).toBe(0);
  });
});
