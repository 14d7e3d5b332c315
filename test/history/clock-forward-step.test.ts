// Outside review A (t27, t7): a wall clock stepped forward (an NTP correction, a VM resume) put the requests of the
// bucket open across the step in the wrong history minute. t27: 3 requests, the step (+2 h), 12 requests, flush()
// (what close() does): all 15 were filed at the middle of the bucket's wall span, an hour back inside the skipped
// time, and history ?period=1h held none of them. t7: with the bucket timer, the timer that fired after the step
// looked 2 h late on the wall clock and the bucket was taken as a stalled process: its post-step requests went 2 h
// back. The wall time the monotonic clock did not see pass is now no live time: the point is placed by its live
// time, as a stall's is. A step back (the same two paths) files no request in a past minute.
// Injected wall and monotonic clocks, fake timers (the step moves the wall clock alone, no timer runs). Oracle: when
// each request was made on the monotonic clock (real time before the read) and the wall clock the test set.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 16, 4, 15);
const silent = { info() {}, warn() {}, error() {}, debug() {} };

afterEach(() => {
  vi.useRealTimers();
});

/** A monitor on clocks the test moves: `wall` (steps: `step()`) and `mono` (real time), fake timers with them. */
function clocks(options: { resolutionMs?: number; sampleIntervalMs: number }) {
  vi.useFakeTimers({ now: T0 });
  const c = { wall: T0, mono: 1_000 };
  const m = createMonitor({
    clock: () => c.wall,
    monotonicClock: () => c.mono,
    logger: silent,
    ...options,
  });
  /** Requests made: the monotonic time each was made at. */
  const made: number[] = [];
  const request = () => {
    m.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 2 });
    made.push(c.mono);
  };
  // Real time passing, 100 ms at a time: both clocks and the timers move on together.
  const pass = async (ms: number) => {
    for (let k = 0; k < ms; k += 100) {
      c.wall += 100;
      c.mono += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
  };
  return { c, m, made, request, pass };
}

/** Requests in `points` whose `t` is in the minute (resolution) of a wall time in [from, to]. */
function heldBetween(points: { t: number; requests: number }[], from: number, to: number, res = MIN): number {
  return points.filter((p) => p.t >= from - (from % res) && p.t <= to).reduce((n, p) => n + p.requests, 0);
}

describe('a wall clock stepped forward (outside review A, t27/t7)', () => {
  it('t27: requests around a +2 h step, then flush() (no sample timer): in the current minute', async () => {
    const { c, m, made, request, pass } = clocks({ sampleIntervalMs: 0 });
    await pass(10_000); // 16:04:25
    for (let i = 0; i < 3; i++) request();
    await pass(300);
    c.wall += 2 * HOUR; // the step: the wall clock alone, no time passes
    for (let i = 0; i < 12; i++) request();
    await pass(200);
    await m.flush();
    const now = c.wall;
    // All 15 were made in the last 0.5 s of real time: the hour before now holds them, in the minute of now (with no
    // sign of life between the bucket's opening and its close, its live time is the last 10.5 s before the close).
    expect(made.every((at) => c.mono - at <= 500)).toBe(true);
    const h = await m.getHistory({ period: '1h' });
    expect(h.points.filter((p) => p.requests > 0).map((p) => [p.t, p.requests])).toEqual([
      [now - (now % MIN), 15],
    ]);
    // Covered: the 10.5 s the monitor ran, none of the 2 h skipped.
    const all = await m.store.readPoints(m.instanceId, T0 - 3 * HOUR, now + MIN);
    expect(all.reduce((n, p) => n + (p.covered_seconds ?? 0), 0)).toBeCloseTo(10.5, 6);
    await m.close();
  });

  it('t27 with the sample timer on: the point is at the middle of its live time, located by the ticks', async () => {
    const { c, m, request, pass } = clocks({ sampleIntervalMs: 5000 });
    await pass(10_000); // ticks at 16:04:20 and 16:04:25
    for (let i = 0; i < 3; i++) request();
    await pass(300);
    c.wall += 2 * HOUR;
    for (let i = 0; i < 12; i++) request();
    await pass(200);
    await m.flush();
    const now = c.wall;
    // Live: 16:04:15-16:04:25.3 and 18:04:25.3-18:04:25.5 (10.5 s); its middle, 5.25 s in, is 16:04:20.25, in 16:04.
    const all = await m.store.readPoints(m.instanceId, T0 - 3 * HOUR, now + MIN);
    const held = all.filter((p) => p.requests > 0);
    expect(held.map((p) => [p.t, p.requests, p.covered_seconds])).toEqual([[T0 - (T0 % MIN), 15, 10.5]]);
    // Not an hour back inside the skipped time (before: 17:04, the middle of the wall span).
    await m.close();
  });

  it('t7: bucket timer at 1 s, requests after a +2 h step are filed in the seconds they were made in', async () => {
    const { c, m, request, pass } = clocks({ sampleIntervalMs: 0, resolutionMs: 1000 });
    for (let i = 0; i < 5; i++) request();
    await pass(2200);
    c.wall += 2 * HOUR;
    const stepAt = c.wall;
    const after: number[] = []; // wall time of each request after the step
    for (let i = 0; i < 12; i++) {
      request();
      after.push(c.wall);
      await pass(100);
    }
    await pass(2500);
    const now = c.wall;
    await m.flush();
    const points = await m.store.readPoints(m.instanceId, T0 - 3 * HOUR, now + MIN);
    // The 5 before the step at their own second (16:04:15); the 12 after it in the seconds after the step, none back:
    // each point holds exactly the requests made in its second on the wall clock (before: 8 at 16:04:17).
    expect(heldBetween(points, T0 - HOUR, T0 + HOUR, 1000)).toBe(5);
    const bySecond = new Map<number, number>();
    for (const w of after) bySecond.set(w - (w % 1000), (bySecond.get(w - (w % 1000)) ?? 0) + 1);
    const later = points.filter((p) => p.t >= stepAt - (stepAt % 1000) && p.requests > 0);
    expect(later.map((p) => [p.t, p.requests])).toEqual([...bySecond]);
    const h = await m.getHistory({ period: '1h' });
    expect(h.points.reduce((n, p) => n + p.requests, 0)).toBe(12);
    // Covered: the real time the monitor ran (5.9 s), none of the 2 h skipped.
    expect(points.reduce((n, p) => n + (p.covered_seconds ?? 0), 0)).toBeCloseTo(5.9, 6);
    await m.close();
  });
});

describe('a wall clock stepped back (outside review A: the same two paths)', () => {
  it('requests after a -2 h step are not filed in a past minute: the last hour holds them all', async () => {
    const { c, m, made, request, pass } = clocks({ sampleIntervalMs: 0, resolutionMs: 1000 });
    for (let i = 0; i < 5; i++) request();
    await pass(2200);
    const before = await m.store.readPoints(m.instanceId, T0 - MIN, T0 + MIN);
    const lastT = Math.max(...before.map((p) => p.t));
    c.wall -= 2 * HOUR;
    for (let i = 0; i < 12; i++) {
      request();
      await pass(100);
    }
    await pass(2500);
    await m.flush();
    const points = await m.store.readPoints(m.instanceId, T0 - 3 * HOUR, T0 + HOUR);
    expect(points.reduce((n, p) => n + p.requests, 0)).toBe(made.length);
    // Nothing went back behind the points written before the step.
    for (const p of points) if (!before.some((q) => q.t === p.t)) expect(p.t).toBeGreaterThan(lastT);
    const h = await m.getHistory({ period: '1h' });
    expect(h.points.reduce((n, p) => n + p.requests, 0)).toBe(17);
    await m.close();
  });
});
