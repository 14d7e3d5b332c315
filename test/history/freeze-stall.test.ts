// A process stopped across a minute boundary (SIGSTOP, a paused VM) and resumed (outside review B, RTB-2): the
// bucket open across the stop was closed late by the overdue timer, placed at its span's middle (the minute after the
// one its requests were served in) and claimed the stopped time as covered (16:06, requests 98, covered_seconds 175 on
// a 60 s step). Now the stall (no sign of life for far longer than the sample interval) is not covered, and the point
// is that of the minute its requests were served in. Injected wall and monotonic clocks, fake timers; the stop is both
// clocks moving on while no timer runs, then each overdue timer firing once (as on SIGCONT). Oracle: the minute each
// request was recorded in, and the time the process ran.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 7, 16, 4, 15); // mid-minute, as a process started at any time
const FROZEN_MS = 150_000;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

afterEach(() => {
  vi.useRealTimers();
});

async function frozenRun(sampleIntervalMs: number) {
  vi.useFakeTimers({ now: T0 });
  let t = T0;
  let mono = 0;
  const m = createMonitor({ clock: () => t, monotonicClock: () => mono, sampleIntervalMs, logger: silent });
  const byMinute = new Map<number, number>();
  // 4 requests a second for `ms`, the clocks and the timers moving on together.
  const serve = async (ms: number) => {
    for (let step = 0; step < ms; step += 250) {
      m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 3 });
      const minute = t - (t % MIN);
      byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
      t += 250;
      mono += 250;
      await vi.advanceTimersByTimeAsync(250);
    }
  };
  await serve(70_000); // to 16:05:25, just after the sample timer's tick there (every 5 s since 16:04:15)
  t += FROZEN_MS; // stopped: both clocks move on, no timer runs
  mono += FROZEN_MS;
  await vi.runOnlyPendingTimersAsync(); // resumed: each overdue timer fires once
  await serve(75_000);
  const end = t;
  await m.flush(); // closes the last bucket
  const points = await m.store.readPoints(m.instanceId, T0 - MIN, end + MIN);
  await m.close();
  return { points, byMinute, ranMs: end - T0 - FROZEN_MS };
}

describe('a process stopped across a minute boundary (RTB-2)', () => {
  it('sample timer on: each point holds the requests of its minute, the stopped time is not covered', async () => {
    const { points, byMinute, ranMs } = await frozenRun(5000);
    const minutes = [...byMinute.keys()].sort((a, b) => a - b);
    // One point per minute requests were served in, each holding exactly that minute's requests (16:05: 100).
    expect(points.map((p) => [new Date(p.t).toISOString().slice(11, 16), p.requests])).toEqual(
      minutes.map((mm) => [new Date(mm).toISOString().slice(11, 16), byMinute.get(mm)]),
    );
    expect(byMinute.get(Date.UTC(2026, 11, 7, 16, 5))).toBe(100);
    // Covered: the time the process ran, all of it and only it (the stop began at a tick: the last sign of life).
    const covered = points.reduce((n, p) => n + (p.covered_seconds ?? 0), 0);
    expect(covered).toBeCloseTo(ranMs / 1000, 3);
    for (const p of points) expect(p.covered_seconds).toBeLessThanOrEqual(60);
    const stopped = points.find((p) => p.t === Date.UTC(2026, 11, 7, 16, 5));
    expect(stopped?.covered_seconds).toBe(25); // 16:05:00 to the stop at 16:05:25
    expect(stopped?.covered_spans).toEqual([Date.UTC(2026, 11, 7, 16, 5), Date.UTC(2026, 11, 7, 16, 5, 25)]);
  });

  it('sample timer off: the overdue minute timer bounds the stall; the point stays in its minute, at most 60 s', async () => {
    const { points, byMinute } = await frozenRun(0);
    const minutes = [...byMinute.keys()].sort((a, b) => a - b);
    expect(points.map((p) => [new Date(p.t).toISOString().slice(11, 16), p.requests])).toEqual(
      minutes.map((mm) => [new Date(mm).toISOString().slice(11, 16), byMinute.get(mm)]),
    );
    // Without ticks the stop is known from the boundary the timer missed (16:06) on: the minute it was due is covered.
    for (const p of points) expect(p.covered_seconds).toBeLessThanOrEqual(60);
    expect(points.find((p) => p.t === Date.UTC(2026, 11, 7, 16, 5))?.covered_seconds).toBe(60);
  });
});
