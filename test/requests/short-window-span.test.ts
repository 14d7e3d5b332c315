// Regression (outside review 33, RT33-6): with `requestWindowMs: 1000` (four 250 ms sub-windows, so the window covers
// the last 750–1000 ms) the rates were divided by a 1 s floor long after the first second: a steady 100 req/s read
// as 76. The oracle is the raw request list on an injected clock: the count of requests since the start of the
// window's oldest sub-window, over the time from that start to now (README: "the window's count over the time it
// covers"; the 1 s floor only in a process's first window).

import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const BASE = Date.UTC(2026, 11, 7, 0, 0, 0);
const quiet = { warn() {}, error() {} };
let monitor: SystemMonitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

/** The covered span and the exact rates at `now` for a window of `windowMs` over the request instants `times`. */
function exact(times: readonly number[], now: number, windowMs: number) {
  const quarter = windowMs / 4;
  const from = (Math.floor(now / quarter) - 3) * quarter;
  const count = times.filter((t) => t >= from && t <= now).length;
  const spanMs = now - from;
  return { count, spanMs, perSecond: (count * 1000) / spanMs, perMinute: (count * 60_000) / spanMs };
}

describe('requestWindowMs 1000: rates over the time the window covers', () => {
  for (const offset of [10, 123, 240]) {
    it(`steady 100 req/s read ${offset} ms after a sub-window boundary`, async () => {
      let t = BASE;
      monitor = createMonitor({
        requestWindowMs: 1000,
        clock: () => t,
        monotonicClock: () => t,
        sampleIntervalMs: 0,
        logger: quiet,
      });
      const times: number[] = [];
      for (let i = 0; i * 10 + 5 <= 120_000 + offset; i++) {
        t = BASE + i * 10 + 5;
        monitor.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 5 });
        times.push(t);
      }
      t = BASE + 120_000 + offset;
      const want = exact(times, t, 1000);
      expect(want.spanMs).toBeLessThan(1000); // the case the floor got wrong
      const table = monitor.endpoints('rate', 5);
      expect(table.window_seconds).toBeCloseTo(want.spanMs / 1000, 6);
      expect(table.routes[0]?.count).toBe(want.count);
      expect(table.routes[0]?.rate_per_second).toBeCloseTo(want.perSecond, 2);
      await monitor.sample();
      const m = await monitor.getMetrics();
      expect(m.requests.per_minute).toBeCloseTo(want.perMinute, 1);
    });
  }
});
