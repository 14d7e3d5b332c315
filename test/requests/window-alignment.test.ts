// The live request window: counts, error counts, rates, Apdex and latency percentiles are figures of the same requests.

import { describe, expect, it } from 'vitest';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';

const ALIGNED = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);

// Nearest-rank percentile of raw values (exact here: every duration is a whole µs under 256, which the HDR
// layout, 2 significant digits, holds one per slot).
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe('request window', () => {
  // Outside review: latency percentiles covered 45–60 s (four 15 s latency sub-windows) while counts and rates
  // covered 60 s, so a route could show requests with latency 0, or percentiles of fewer requests than its
  // count. Oracle: the requests recorded since the oldest latency sub-window's start, from the raw inputs.
  it('counts exactly the requests its percentiles are computed from', () => {
    const clock = { t: ALIGNED, now: () => clock.t };
    const stats = new RequestStats({ clock });
    const random = rng(7);
    const log: { t: number; us: number; status: number }[] = [];
    const recordUntil = (end: number) => {
      while (clock.t < end) {
        // Slow at first, fast later: a window that lost its oldest requests shows it in its percentiles.
        const us =
          clock.t - ALIGNED < 50_000 ? 200 + Math.floor(random() * 56) : 10 + Math.floor(random() * 50);
        const status = random() < 0.1 ? 500 : 200;
        stats.record('GET', '/users/:id', status, us / 1000);
        log.push({ t: clock.t, us, status });
        clock.t += 250;
      }
    };
    for (const at of [30_000, 61_200, 74_900, 75_000, 89_500, 119_900]) {
      recordUntil(ALIGNED + at);
      clock.t = ALIGNED + at;
      const windowStart = Math.max(ALIGNED, Math.floor(clock.t / 15_000) * 15_000 - 45_000);
      const inWindow = log.filter((r) => r.t >= windowStart && r.t <= clock.t);
      const sorted = inWindow.map((r) => r.us).sort((a, b) => a - b);
      const failed = inWindow.filter((r) => r.status === 500).length;
      const g = stats.groups();
      const route = g.routes[0];
      expect(route?.count, `at ${at}`).toBe(inWindow.length);
      expect(route?.count_5xx).toBe(failed);
      expect(g.errors.count_5xx).toBe(failed);
      expect(g.errors.error_rate_percent).toBe(Math.round((failed / inWindow.length) * 10_000) / 100);
      expect(route?.p50_ms).toBe(percentile(sorted, 50) / 1000);
      expect(route?.p95_ms).toBe(percentile(sorted, 95) / 1000);
      expect(route?.p99_ms).toBe(percentile(sorted, 99) / 1000);
      expect(route?.max_ms).toBe((sorted.at(-1) as number) / 1000);
      expect(g.latency.p99_ms).toBe(percentile(sorted, 99) / 1000);
      // Per minute: the count itself while the window holds everything since start, else scaled to 60 s.
      const perMinute =
        windowStart === ALIGNED ? inWindow.length : (inWindow.length * 60_000) / (clock.t - windowStart);
      expect(g.requests.per_minute).toBe(Math.round(perMinute * 100) / 100);
      const [endpoint] = stats.endpointWindows();
      expect(endpoint?.count).toBe(inWindow.length);
      expect(endpoint?.latency.count).toBe(inWindow.length);
      expect(stats.windowSpanMs()).toBe(clock.t - windowStart);
    }
  });
});
