// Regression (outside review 31, RT31-8): `per_second` ("last 5 complete seconds") read 20 ms after a whole second
// left the newest complete second out: the read took the coarse request clock (cached, up to 50 ms stale) to decide
// which seconds were complete, so at a traffic step it was a whole second behind (29 % low). On fake timers, with
// the default (coarse) clock: requests recorded at known wall times, read 10, 20 and 40 ms after each second.
// Oracle: the requests recorded in the last 5 whole wall seconds before the read, ÷ 5 (README Metrics).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseClock } from '../../src/latency/coarse-clock.js';
import { RequestStats } from '../../src/requests/requests.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Requests a second: 10 for 5 s, then 30 for 5 s, then none (the review's traffic step). */
const PER = [10, 10, 10, 10, 10, 30, 30, 30, 30, 30, 0, 0, 0];
/** Time moves in 5 ms steps, each reading the coarse clock as a busy process's requests do: it stays awake. */
const STEP = 5;

/** Moves the fake time to `t` in STEP steps, reading the coarse clock at each (its refresh phase stays fixed). */
function runTo(t: number): void {
  while (Date.now() < t) {
    vi.advanceTimersByTime(Math.min(STEP, t - Date.now()));
    coarseClock.now();
  }
}

describe('per_second read just after a whole second', () => {
  for (const afterMs of [5, 10, 15, 45]) {
    it(`counts the newest complete second ${afterMs} ms after it ends (coarse clock, exact count)`, () => {
      const B0 = 1_800_000_000_000; // a whole second
      // Recording starts 30 ms before it: the coarse clock refreshes at 20 and 70 ms past each second, so a read
      // 5 to 15 ms after a second holds the time of 30 ms before it.
      vi.useFakeTimers({ now: B0 - 30 });
      const stats = new RequestStats({ minRequests: 1 });
      try {
        expect(stats.config.clock).toBe(coarseClock);
        const stamps: number[] = [];
        const misses: string[] = [];
        for (let s = 0; s < PER.length; s++) {
          const n = PER[s] as number;
          // Inside the second, 100 ms to 900 ms on the 5 ms grid: away from its ends by more than the clock's 50 ms,
          // so the second a request is stamped in is its wall second (a request's own stamp may be 50 ms stale).
          for (let i = 0; i < n; i++) {
            runTo(B0 + s * 1000 + 100 + STEP * Math.floor(160 * (i / Math.max(1, n - 1))));
            stamps.push(Date.now());
            stats.record('GET', '/x', 200, 5);
          }
          runTo(B0 + (s + 1) * 1000 + afterMs);
          const now = Date.now();
          const second = Math.floor(now / 1000) * 1000;
          if (second - 5000 < B0 - 30) continue; // the first 5 s: the average since start (not this case)
          const exact = stamps.filter((t) => t >= second - 5000 && t < second).length / 5;
          const got = stats.groups().requests.per_second;
          if (got !== exact) misses.push(`t=${(now - B0) / 1000} s: ${got}, exact ${exact}`);
        }
        expect(misses).toEqual([]);
      } finally {
        stats.close();
      }
    });
  }

  it('a request recorded after the read, on a clock not yet refreshed, is not filed in the second the read closed', () => {
    const B0 = 1_800_000_100_000;
    vi.useFakeTimers({ now: B0 - 30 });
    const stats = new RequestStats({ minRequests: 1 });
    try {
      // Seconds 0 … 5 hold 1 … 6 requests.
      for (let s = 0; s < 6; s++) {
        for (let i = 0; i <= s; i++) {
          runTo(B0 + s * 1000 + 100 + 100 * i);
          stats.record('GET', '/x', 200, 5);
        }
      }
      runTo(B0 + 6000 + 10); // 10 ms into second 6, the clock last refreshed at 5.97 s
      expect(stats.groups().requests.per_second).toBe((2 + 3 + 4 + 5 + 6) / 5); // seconds 1 … 5
      // Recorded now (wall second 6) with no refresh since the read: never in second 5, which the read counted
      // complete. At the next read (second 7) seconds 2 … 6 hold 3 + 4 + 5 + 6 and this one.
      stats.record('GET', '/x', 200, 5);
      runTo(B0 + 7000 + 10);
      expect(stats.groups().requests.per_second).toBe((3 + 4 + 5 + 6 + 1) / 5);
    } finally {
      stats.close();
    }
  });
});
