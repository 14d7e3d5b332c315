// With sampleIntervalMs: 0 (no periodic sample) an idle bucket is still a point: the monitor was up for it
// (outside review 33, RT33-1). Before, a minute in which no request was recorded wrote no point, so a fully-up
// 5-minute step holding one idle minute read covered_seconds 240 (its rate 25 % high) and the idle minute read as
// an outage. Injected clocks and fake timers; the oracle is the raw per-minute request counts and the time the
// monitor was up (every whole minute 60 s).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 7);
const silent = { info() {}, warn() {}, error() {}, debug() {} };

afterEach(() => {
  vi.useRealTimers();
});

/** Minute i's requests: every 7th minute (i % 7 === 3) idle, else 1 + (i * 13) % 17. */
const countAt = (i: number) => (i % 7 === 3 ? 0 : 1 + ((i * 13) % 17));

describe('history with sampleIntervalMs: 0: idle minutes are points', () => {
  it('flush() each minute: every minute a point, covered 60, requests as recorded; 5-minute steps cover 300', async () => {
    let t = T0;
    const m = createMonitor({ clock: () => t, sampleIntervalMs: 0, logger: silent });
    const minutes = 130;
    for (let i = 0; i < minutes; i++) {
      const n = countAt(i);
      for (let k = 0; k < n; k++) {
        t = T0 + i * MIN + Math.floor(((k + 0.5) * MIN) / (n + 1));
        m.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 5 });
      }
      t = T0 + (i + 1) * MIN;
      await m.flush();
    }
    t += 1000;
    // 1h: 60 one-minute steps aligned to the clock, the last holding now (minute 130, not closed): minutes 71-129.
    const h1 = await m.getHistory({ period: '1h' });
    const first = minutes - 59;
    expect(h1.points.map((p) => [(p.t - T0) / MIN, p.requests, p.covered_seconds])).toEqual(
      Array.from({ length: 59 }, (_, j) => [first + j, countAt(first + j), 60]),
    );
    // 24h: 5-minute steps; all 26 hold five whole minutes the monitor was up for: 300 s each.
    const h24 = await m.getHistory({ period: '24h' });
    expect(h24.points.map((p) => [(p.t - T0) / MIN, p.requests, p.covered_seconds])).toEqual(
      Array.from({ length: minutes / 5 }, (_, s) => {
        let sum = 0;
        for (let i = s * 5; i < s * 5 + 5; i++) sum += countAt(i);
        return [s * 5, sum, 300];
      }),
    );
    await m.close();
  });

  it("the monitor's own minute timer (no flush() call): idle minutes are points of 60 s with 0 requests", async () => {
    vi.useFakeTimers({ now: T0 });
    const m = createMonitor({ sampleIntervalMs: 0, monotonicClock: () => Date.now(), logger: silent });
    try {
      const served = [3, 0, 0, 2, 0, 1, 0, 0];
      for (const n of served) {
        for (let k = 0; k < n; k++) {
          await vi.advanceTimersByTimeAsync(1000);
          m.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 5 });
        }
        await vi.advanceTimersByTimeAsync(MIN - n * 1000);
      }
      const points = await m.store.readPoints(m.instanceId, T0, T0 + 20 * MIN);
      expect(points.map((p) => [(p.t - T0) / MIN, p.requests, p.covered_seconds])).toEqual(
        served.map((n, i) => [i, n, 60]),
      );
    } finally {
      vi.useRealTimers();
      await m.close();
    }
  });

  it('only for time the monitor was up: not a bucket under 1 ms, not past its close, not while the process stood still', async () => {
    let t = T0;
    let mono = 0;
    const m = createMonitor({
      clock: () => t,
      monotonicClock: () => mono,
      sampleIntervalMs: 0,
      logger: silent,
    });
    // Every point the monitor writes (the store's reads end with its close).
    const written: Array<{ t: number; requests: number; covered_seconds?: number }> = [];
    const append = m.store.appendPoint.bind(m.store);
    m.store.appendPoint = (id, point) => {
      written.push(point);
      return append(id, point);
    };
    const seen = () => written.map((p) => [(p.t - T0) / 1000, p.requests, p.covered_seconds]);
    t += MIN;
    mono += MIN;
    await m.flush(); // minute 0, idle, up: 60 s
    await m.flush(); // the same millisecond: nothing
    // The wall clock moves 2 minutes while the monotonic clock stands still (the host was suspended): not up.
    t += 2 * MIN;
    await m.flush();
    // 20 s up, then the close writes that tail.
    t += 20_000;
    mono += 20_000;
    expect(seen()).toEqual([[0, 0, 60]]);
    await m.close();
    expect(seen()).toEqual([
      [0, 0, 60],
      [180, 0, 20],
    ]);
    // A flush after the close is no time the monitor was up.
    t += MIN;
    mono += MIN;
    await m.flush();
    expect(seen()).toHaveLength(2);
  });
});
