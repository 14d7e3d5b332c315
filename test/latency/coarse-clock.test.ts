import { afterEach, describe, expect, it, vi } from 'vitest';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import {
  acquireCoarseClock,
  COARSE_CLOCK_RESOLUTION_MS,
  coarseClock,
  readQuietly,
  releaseCoarseClock,
} from '../../src/latency/coarse-clock.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarse clock', () => {
  it('follows Date.now() within its resolution while read, with one shared timer', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const before = vi.getTimerCount();
    const clock = acquireCoarseClock();
    acquireCoarseClock();
    expect(vi.getTimerCount()).toBe(before + 1);
    expect(clock.now()).toBe(1_000_000);
    // Read every 10 ms (a steady request rate): the refreshes run at every multiple of the resolution since
    // the acquisition, so each read is exactly the last one, never Date.now() itself, and at most 49 ms old.
    for (let elapsed = 10; elapsed <= 1_230; elapsed += 10) {
      vi.advanceTimersByTime(10);
      const lastRefresh =
        1_000_000 + Math.floor(elapsed / COARSE_CLOCK_RESOLUTION_MS) * COARSE_CLOCK_RESOLUTION_MS;
      expect(clock.now()).toBe(lastRefresh);
      expect(Date.now() - clock.now()).toBeLessThan(COARSE_CLOCK_RESOLUTION_MS);
      expect(vi.getTimerCount()).toBe(before + 1); // still one timer
    }
    releaseCoarseClock();
    expect(vi.getTimerCount()).toBe(before + 1);
    releaseCoarseClock();
    releaseCoarseClock(); // extra releases are ignored
    expect(vi.getTimerCount()).toBe(before);
    // Nobody holds it: a read is Date.now() itself, and starts no timer.
    vi.advanceTimersByTime(5_000);
    expect(coarseClock.now()).toBe(Date.now());
    expect(vi.getTimerCount()).toBe(before);
  });

  it('sleeps after a resolution without a read; the first read after idling is fresh and wakes it', () => {
    vi.useFakeTimers({ now: 2_000_000 });
    const before = vi.getTimerCount();
    const clock = acquireCoarseClock();
    expect(clock.now()).toBe(2_000_000);
    vi.advanceTimersByTime(COARSE_CLOCK_RESOLUTION_MS); // read since the last refresh: refreshed, re-armed
    expect(vi.getTimerCount()).toBe(before + 1);
    vi.advanceTimersByTime(COARSE_CLOCK_RESOLUTION_MS); // unread for a whole resolution: asleep, nothing pending
    expect(vi.getTimerCount()).toBe(before);
    // An idle minute: no timer runs (advanceTimersByTime would run any; none is pending).
    vi.advanceTimersByTime(60_000 + 37);
    expect(vi.getTimerCount()).toBe(before);
    // The first read after idling is Date.now() itself, and re-arms the one timer.
    const woke = Date.now();
    expect(clock.now()).toBe(woke);
    expect(vi.getTimerCount()).toBe(before + 1);
    // From there on, reads are within the resolution again, as while it ran.
    vi.advanceTimersByTime(30);
    expect(clock.now()).toBe(woke); // 30 ms stale
    vi.advanceTimersByTime(20); // the refresh at +50 ms saw that read: refreshed, re-armed
    expect(clock.now()).toBe(woke + 50);
    vi.advanceTimersByTime(100); // +100: refreshed (the read at +50); +150: unread since, asleep
    expect(vi.getTimerCount()).toBe(before);
    expect(clock.now()).toBe(woke + 150); // Date.now() itself
    expect(vi.getTimerCount()).toBe(before + 1);
    releaseCoarseClock();
    expect(vi.getTimerCount()).toBe(before);
  });

  it('readQuietly: a sleeping clock read off the hot path is Date.now() and stays asleep; a running one is unchanged', () => {
    vi.useFakeTimers({ now: 3_000_000 });
    const before = vi.getTimerCount();
    const clock = acquireCoarseClock();
    vi.advanceTimersByTime(2 * COARSE_CLOCK_RESOLUTION_MS); // unread: asleep
    expect(vi.getTimerCount()).toBe(before);
    vi.advanceTimersByTime(5_000 - 2 * COARSE_CLOCK_RESOLUTION_MS + 7); // an idle sample's time
    // The sample cycle's reads: exact, and no timer armed (each woke it for a resolution or two before).
    expect(readQuietly(() => [clock.now(), clock.now()])).toEqual([Date.now(), Date.now()]);
    expect(vi.getTimerCount()).toBe(before);
    // What it returns is passed on; what it throws too, and the next read is the hot path's again.
    expect(() =>
      readQuietly(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const woke = Date.now();
    expect(clock.now()).toBe(woke); // a request's read wakes it, as before
    expect(vi.getTimerCount()).toBe(before + 1);
    // Running: a quiet read is the cached value, as any read (30 ms stale here), and keeps it running as any read.
    vi.advanceTimersByTime(30);
    expect(readQuietly(() => clock.now())).toBe(woke);
    vi.advanceTimersByTime(20);
    expect(vi.getTimerCount()).toBe(before + 1);
    releaseCoarseClock();
    expect(vi.getTimerCount()).toBe(before);
  });

  it('requests recorded after idling land in the second they happen (the exact clock as oracle)', () => {
    const t0 = Date.UTC(2026, 11, 4, 12);
    vi.useFakeTimers({ now: t0 });
    const coarse = new RequestStats();
    const exact = new RequestStats({ clock: { now: () => Date.now() } });
    const both = (status: number, ms: number) => {
      coarse.record('GET', '/a', status, ms);
      exact.record('GET', '/a', status, ms);
    };
    both(200, 5);
    vi.advanceTimersByTime(990);
    both(200, 7); // unread since 50 ms on, the clock slept at 100 ms: this read is Date.now() itself
    // Idle for 61.5 s: the clock sleeps, and a stale read would put the next requests a minute back.
    vi.advanceTimersByTime(61_500);
    both(500, 9);
    both(200, 11);
    vi.advanceTimersByTime(980);
    both(404, 3); // the clock slept again after the refresh at +50 ms: this read is exact too
    expect(coarse.groups()).toEqual(exact.groups());
    expect(coarse.total).toBe(5);
    coarse.close();
    exact.close();
  });

  it('is what RequestStats and FunctionTimings read without an injected clock, and close() lets go of it', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 12) });
    const before = vi.getTimerCount();
    const requests = new RequestStats();
    const functions = new FunctionTimings();
    expect(vi.getTimerCount()).toBe(before + 1);
    requests.record('GET', '/', 200, 5);
    functions.record('f', 1, false); // the timer is shared: still one
    expect(vi.getTimerCount()).toBe(before + 1);
    // Requests age out of the per-second rate as the coarse clock moves on.
    expect(requests.groups().requests.total).toBe(1);
    vi.advanceTimersByTime(120_000);
    expect(requests.groups().requests.per_minute).toBe(0);
    requests.close();
    expect(vi.getTimerCount()).toBe(before + 1);
    functions.close();
    expect(vi.getTimerCount()).toBe(before);
  });

  it('a monitor without an injected clock stops the timer when it closes', async () => {
    vi.useFakeTimers({
      now: Date.UTC(2026, 10, 27, 12),
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    const before = vi.getTimerCount();
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
    monitor.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 3 });
    // The coarse clock's, plus the load watch's two (its reading and its lag timer, for probes and shedding),
    // plus the history writer's bucket timer (a minute's).
    expect(vi.getTimerCount()).toBe(before + 4);
    await monitor.close(); // every timer of the monitor stops
    expect(vi.getTimerCount()).toBe(before);
  });
});
