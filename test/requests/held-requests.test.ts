import { describe, expect, it } from 'vitest';
import { PENDING_CAPACITY } from '../../src/requests/pending-requests.js';
import { RequestStats } from '../../src/requests/requests.js';

// RequestStats.record() holds requests in a ring and counts them in batches (pending-requests.ts, issue 18): every
// read must count what is held first. Oracle: the requests made, counted by hand. Each read is made on a fresh
// RequestStats holding fewer requests than a batch (nothing folded by record() itself), and again past one batch.
const ROUTES = ['/a', '/b/:id', '/c'];

function fill(n: number): { stats: RequestStats; fiveXx: number; maxMs: number } {
  const clock = { now: () => 1_700_000_000_000 };
  const stats = new RequestStats({ clock });
  let fiveXx = 0;
  let maxMs = 0;
  for (let i = 0; i < n; i++) {
    const status = i % 7 === 0 ? 503 : 200;
    const ms = 1 + (i % 11);
    if (status === 503) fiveXx++;
    maxMs = Math.max(maxMs, ms);
    stats.record('GET', ROUTES[i % 3] as string, status, ms);
  }
  return { stats, fiveXx, maxMs };
}

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

describe('requests held by record() are in every read', () => {
  for (const n of [5, PENDING_CAPACITY - 1, PENDING_CAPACITY + 3]) {
    it(`${n} requests`, () => {
      expect(fill(n).stats.total).toBe(n);
      expect(fill(n).stats.routeCount).toBe(Math.min(n, 3));
      expect(
        sum(
          fill(n)
            .stats.routeTotals()
            .map((r) => r.count),
        ),
      ).toBe(n);
      expect(sum([...fill(n).stats.routeStates()].map((s) => sum(s.classes)))).toBe(n);
      expect(fill(n).stats.cumulativeCounts().n).toBe(n);
      expect(fill(n).stats.cumulativeHistogram().totalCount).toBe(n);
      expect(fill(n).stats.windowHistogram().totalCount).toBe(n);
      const { stats, fiveXx, maxMs } = fill(n);
      const bucket = stats.takeBucket();
      expect([bucket.requests, bucket.count_5xx, bucket.latency?.max_ms]).toEqual([n, fiveXx, maxMs]);
      expect(
        sum(
          fill(n)
            .stats.endpointWindows()
            .map((e) => e.count),
        ),
      ).toBe(n);
      expect(fill(n).stats.groups().requests.total).toBe(n);
      // Route latency since start kept from the call on: the requests held before it are not in it (as before).
      const late = fill(n).stats;
      late.trackRouteLatency();
      expect(sum([...late.routeStates()].map((s) => s.latency?.n ?? 0))).toBe(0);
    });
  }
});
