// Regression (red team figures F3): durations above the histogram's 1 h ceiling were clamped to 3,600,000 ms in
// max, avg, time_ms and Prometheus _sum. The histogram slot may clamp (percentiles read the ceiling), the max and
// the sums may not: the oracle is the exact sum and max of the durations recorded.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const DURATIONS = [0.4, 1, 2, 3, 7_200_000, 86_400_000, 3_000_000_000];
const SUM = DURATIONS.reduce((a, b) => a + b, 0);
const MAX = Math.max(...DURATIONS);

describe('durations above an hour', () => {
  it('max, avg and sums are exact (requests and functions)', async () => {
    const m = createMonitor({ sampleIntervalMs: 0 });
    try {
      for (const d of DURATIONS) {
        m.recordRequest({ method: 'GET', route: '/long', status: 200, durationMs: d });
        m.recordFunction('long', d, false);
      }
      const s = await m.getMetrics({ maxAgeMs: 0 });
      expect(s.latency.max_ms).toBe(MAX);
      expect(s.latency.avg_ms).toBeCloseTo(SUM / DURATIONS.length, 3);
      const route = s.routes.find((r) => r.route === '/long')!;
      expect(route.max_ms).toBe(MAX);
      const fn = s.functions.long!;
      expect(fn.max_ms).toBe(MAX);
      expect(fn.avg_ms).toBeCloseTo(SUM / DURATIONS.length, 3);
    } finally {
      await m.close();
    }
  });
});
