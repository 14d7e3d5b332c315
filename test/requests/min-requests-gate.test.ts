// Regression (outside review, figures F9): the minRequests guard of the error rate counts the requests actually in
// the window, not the scaled per_minute (16 requests over a 47 s window read 20.43 a minute and were judged).

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe('minRequests guard', () => {
  it('does not judge 3 failures out of the 16 requests in a 47 s window', async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 0, 0, 0), now: () => clock.t };
    const m = createMonitor({ sampleIntervalMs: 0, clock, logger: quiet });
    try {
      clock.t += 50_000;
      for (let i = 0; i < 16; i++)
        m.recordRequest({ method: 'GET', route: '/z', status: i < 3 ? 500 : 200, durationMs: 5 });
      clock.t += 12_000; // the window now covers 15 s … 62 s: 47 s holding the 16 requests
      const s = await m.sample();
      expect(s.requests.per_minute).toBe(20.43); // 16 × 60 / 47, above minRequests (20)
      expect(s.errors.status).toBe('unknown');
      expect(s.errors.reason).toMatch(/^16 requests in the window/);
      expect((await m.getHealth()).components.errors).toBe('unknown');
      const alerts = (await m.getAlerts()) as { rule: string }[];
      expect(alerts.filter((a) => a.rule === 'error_rate')).toEqual([]);
    } finally {
      await m.close();
    }
  });
});
