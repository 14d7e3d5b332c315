// Values fed only through analytics.observe() with the sampler off close their own minute (outside
// review A5): before, a minute without a host sample or a request wrote no point and its values were
// folded into the next one (with sampleIntervalMs: 0 nothing was ever scored). Injected clock.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2);
const silent = { warn() {}, error() {} };

afterEach(() => {
  vi.useRealTimers();
});

describe('analytics.observe() with the sampler off', () => {
  it('30 minutes of observe() are 30 closed minutes, each its own point', async () => {
    const clock = { t: T0, now: () => clock.t };
    const m = createMonitor({ clock, sampleIntervalMs: 0, logger: silent });
    for (let i = 0; i < 30; i++) {
      clock.t = T0 + i * MIN + 30_000;
      m.analytics.observe('x', 100 + (i % 7));
      clock.t = T0 + (i + 1) * MIN;
      await m.flush();
    }
    const h = await m.getHistory({ period: '1h' });
    expect(h.points.map((p) => (p.t - T0) / MIN)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await m.close();
  });

  it('the minute timer is armed with sampleIntervalMs: 0: each minute closes with no flush() call', async () => {
    // Fake timers (Date included): the monitor's own bucket timer, not a flush() of the test, closes each
    // minute. 20 minutes of one observe() each at mid-minute: 20 points, one per minute, each its own value.
    vi.useFakeTimers({ now: T0 });
    const m = createMonitor({ sampleIntervalMs: 0, logger: silent });
    try {
      for (let i = 0; i < 20; i++) {
        await vi.advanceTimersByTimeAsync(30_000);
        m.analytics.observe('x', 100 + i);
        await vi.advanceTimersByTimeAsync(30_000);
      }
      const points = await m.store.readPoints(m.instanceId, T0, T0 + 21 * MIN);
      expect(points.map((p) => (p.t - T0) / MIN)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(m.analytics.hasObserved()).toBe(false);
    } finally {
      vi.useRealTimers();
      await m.close();
    }
  });
});
