// Regression (outside review, figures F4): a window in which nothing was measured never reads healthy, and a
// hang (requests in flight past the critical level, none completing) reads critical. Injected clock, no sampler.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
// A request as admitRequest sees it (no socket, headers not sent).
const fakeReq = () => ({ socket: null }) as unknown as IncomingMessage;
const fakeRes = () => ({ headersSent: false, setHeader() {} }) as unknown as ServerResponse;

let monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.map((m) => m.close()));
  monitors = [];
});

function start() {
  const clock = { t: T0, now: () => clock.t };
  const monitor = createMonitor({ sampleIntervalMs: 0, clock, logger: quiet });
  monitors.push(monitor);
  return { clock, monitor };
}

const renderMonitorPrometheus = async (m: SystemMonitor) =>
  renderPrometheus(await collectPrometheusData(m, 0));
// The request rules' active alerts (host rules may fire on a loaded machine; they are not under test).
const requestAlerts = async (m: SystemMonitor) =>
  ((await m.getAlerts()) as { rule: string; severity: string }[])
    .filter((a) => a.rule === 'api_response_time' || a.rule === 'error_rate')
    .map((a) => [a.rule, a.severity]);
const NULL_FIGURES = { p50_ms: null, p95_ms: null, p99_ms: null, avg_ms: null, max_ms: null };

describe('latency when nothing was measured', () => {
  it('is unknown with null figures before any request and after the window empties', async () => {
    const { clock, monitor } = start();
    let m = await monitor.sample();
    expect(m.latency).toMatchObject({ status: 'unknown', ...NULL_FIGURES });
    expect(m.latency.reason).toMatch(/no request/);
    expect((await monitor.getHealth()).components.latency).toBe('unknown');

    clock.t += 2_000;
    for (let i = 1; i <= 100; i++) {
      monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: i });
    }
    m = await monitor.sample();
    // Oracle: durations 1 … 100 ms; max and avg are exact.
    expect(m.latency.status).toBe('healthy');
    expect(m.latency.max_ms).toBe(100);
    expect(m.latency.avg_ms).toBe(50.5);

    // 62 s later nothing is in the window any more: unknown again, never "healthy, 0 ms".
    clock.t += 62_000;
    m = await monitor.sample();
    expect(m.latency).toMatchObject({ status: 'unknown', ...NULL_FIGURES });
    expect((await monitor.getHealth()).components.latency).toBe('unknown');
    const prom = await renderMonitorPrometheus(monitor);
    expect(prom).toMatch(/component_status\{component="latency",status="unknown"\} 1/);
    expect(await requestAlerts(monitor)).toEqual([]);
  });
});

describe('latency during a hang', () => {
  it('counts requests in flight past the critical level at their age: a total hang reads critical', async () => {
    const { clock, monitor } = start();
    // 30 requests of 10 ms, then the route stops answering: 40 requests admitted and never ended.
    for (let i = 0; i < 30; i++)
      monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 10 });
    const hung = Array.from({ length: 40 }, () => fakeRes());
    clock.t += 1_000;
    for (const res of hung) expect(monitor.admitRequest(fakeReq(), res)).toBe(true);

    // 4 s in: in flight for less than the critical level (5000 ms) — not counted; the 30 are in the window.
    clock.t += 4_000;
    let m = await monitor.sample();
    expect(m.requests.in_flight).toBe(40);
    expect(m.latency).toMatchObject({ status: 'healthy', p95_ms: 10, max_ms: 10, in_flight_counted: 0 });

    // 75 s in: the 30 have left the window; the 40 are counted at their age, exactly 75 s.
    clock.t += 71_000;
    m = await monitor.sample();
    expect(m.requests.in_flight).toBe(40);
    expect(m.latency).toMatchObject({
      status: 'critical',
      p50_ms: 75_000,
      p95_ms: 75_000,
      p99_ms: 75_000,
      avg_ms: 75_000,
      max_ms: 75_000,
      in_flight_counted: 40,
    });
    const health = await monitor.getHealth();
    expect(health.components.latency).toBe('critical');
    expect(health.status).toBe('red');
    expect(await requestAlerts(monitor)).toEqual([['api_response_time', 'critical']]);
    const prom = await renderMonitorPrometheus(monitor);
    expect(prom).toMatch(/component_status\{component="latency",status="critical"\} 1/);

    // The clients give up 5 s later: 40 aborted requests of 80 s complete; nothing is in flight any more.
    clock.t += 5_000;
    for (const res of hung) {
      monitor.recordRequest({ method: 'GET', route: '/a', status: 499, durationMs: 80_000 }, res);
    }
    m = await monitor.sample();
    expect(m.requests.in_flight).toBe(0);
    expect(m.latency).toMatchObject({
      status: 'critical',
      max_ms: 80_000,
      avg_ms: 80_000,
      in_flight_counted: 0,
    });
    expect(m.errors.error_rate_percent).toBe(100);

    // A minute later the window is empty: latency unknown, and its alert clears. The 40 failed requests stay in the
    // error horizon (the last 15 min: 40 failed of 70, outside review 9, F4): errors stays critical on its bound.
    clock.t += 61_000;
    m = await monitor.sample();
    expect(m.latency).toMatchObject({ status: 'unknown', ...NULL_FIGURES });
    expect(m.errors).toMatchObject({ status: 'critical', count_judged: 0 });
    expect(m.errors.horizon).toMatchObject({ count_judged: 70, count_failed: 40, status: 'critical' });
    expect(await requestAlerts(monitor)).toEqual([['error_rate', 'critical']]);
  });

  it('an end reported without its response releases the oldest age, never a phantom hang', async () => {
    const { clock, monitor } = start();
    monitor.admitRequest(fakeReq(), fakeRes());
    clock.t += 1_000;
    monitor.admitRequest(fakeReq(), fakeRes());
    // recordRequest without the response (a caller of the public method): one fewer in flight, the oldest goes.
    monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 1_000 });
    clock.t += 9_000;
    const m = await monitor.sample();
    expect(m.requests.in_flight).toBe(1);
    expect(m.latency).toMatchObject({ in_flight_counted: 1, max_ms: 9_000 });
    monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 9_000 });
    clock.t += 61_000;
    expect((await monitor.sample()).latency).toMatchObject({
      status: 'unknown',
      in_flight_counted: 0,
    });
  });
});
