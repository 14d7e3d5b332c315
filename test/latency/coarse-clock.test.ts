import { afterEach, describe, expect, it, vi } from 'vitest';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import {
  acquireCoarseClock,
  COARSE_CLOCK_RESOLUTION_MS,
  coarseClock,
  releaseCoarseClock,
} from '../../src/latency/coarse-clock.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarse clock', () => {
  it('follows Date.now() within its resolution while held, with one shared timer', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const before = vi.getTimerCount();
    const clock = acquireCoarseClock();
    acquireCoarseClock();
    expect(vi.getTimerCount()).toBe(before + 1);
    expect(clock.now()).toBe(1_000_000);
    // Fake time: the refreshes run at every multiple of the resolution since the acquisition, so the clock
    // reads exactly the last one (1 234 ms on: the 24th refresh, at 1 200 ms), never Date.now() itself.
    vi.advanceTimersByTime(1_234);
    const lastRefresh =
      1_000_000 + Math.floor(1_234 / COARSE_CLOCK_RESOLUTION_MS) * COARSE_CLOCK_RESOLUTION_MS;
    expect(clock.now()).toBe(lastRefresh);
    vi.advanceTimersByTime(lastRefresh + COARSE_CLOCK_RESOLUTION_MS - 1 - Date.now()); // 1 ms short of the next
    expect(clock.now()).toBe(lastRefresh);
    vi.advanceTimersByTime(1);
    expect(clock.now()).toBe(lastRefresh + COARSE_CLOCK_RESOLUTION_MS);
    releaseCoarseClock();
    expect(vi.getTimerCount()).toBe(before + 1);
    releaseCoarseClock();
    releaseCoarseClock(); // extra releases are ignored
    expect(vi.getTimerCount()).toBe(before);
    const frozen = coarseClock.now();
    vi.advanceTimersByTime(5_000);
    expect(coarseClock.now()).toBe(frozen);
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
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 12), toFake: ['setInterval', 'clearInterval', 'Date'] });
    const before = vi.getTimerCount();
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
    monitor.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 3 });
    // The coarse clock's, plus the load watch's two (its reading and its lag timer, for probes and shedding).
    expect(vi.getTimerCount()).toBe(before + 3);
    await monitor.close(); // every timer of the monitor stops
    expect(vi.getTimerCount()).toBe(before);
  });
});
