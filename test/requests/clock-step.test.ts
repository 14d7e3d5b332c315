// Regression (red-team figures F1): a wall clock stepped back (NTP, VM restore) must not turn the window's
// count into a rate. Oracle: the same requests recorded on a clock that was never stepped (true time).

import { describe, expect, it } from 'vitest';
import { RequestStats } from '../../src/requests/requests.js';

const ALIGNED = Date.UTC(2026, 0, 1, 0, 0, 0);
const STEP = 3_600_000;

/**
 * Two RequestStats fed the same requests: `truth` on true time, `stepped` on a clock stepped back an hour
 * right after the reads at `stepAtMs` (so no time passes between its last reading before the step and its
 * first after: a step back reads as time standing still, here for 0 ms).
 */
function twin(stepAtMs: number) {
  let t = ALIGNED;
  let offset = 0;
  const truth = new RequestStats({ clock: { now: () => t } });
  const stepped = new RequestStats({ clock: { now: () => t - offset } });
  return {
    at(ms: number) {
      if (t === stepAtMs) {
        offset = STEP;
        stepped.windowSpanMs(); // read at the instant of the step
      }
      t = ALIGNED + ms;
    },
    record(route: string) {
      truth.record('GET', route, 200, 5);
      stepped.record('GET', route, 200, 5);
    },
    truth,
    stepped,
  };
}

describe('request rates across a wall clock stepped back (F1)', () => {
  it('per_second, per_minute and the window span are those of true time, not the window count over 1 s', () => {
    const w = twin(ALIGNED + 70_000);
    // 15 requests a second, 4 routes, for 3 minutes; the clock steps back an hour at 70 s.
    const sentAt: number[] = [];
    for (let ms = 0; ms < 180_000; ms += 200) {
      w.at(ms);
      for (let i = 0; i < 3; i++) {
        w.record(`/r${(ms / 200 + i) % 4}`);
        sentAt.push(ms);
      }
      if (ms % 1_000 !== 0 || ms < 71_000) continue;
      const a = w.truth.groups().requests;
      const b = w.stepped.groups().requests;
      // Exact: the last 5 complete seconds hold 15 × 5 requests (whatever the clock says).
      const last5 = sentAt.filter((s) => s >= ms - 5_000 && s < Math.floor(ms / 1000) * 1000).length;
      expect(last5).toBe(75);
      expect(b.per_second).toBe(last5 / 5);
      expect(b.per_minute).toBe(a.per_minute);
      expect(b.total).toBe(sentAt.length);
      expect(w.stepped.windowSpanMs()).toBe(w.truth.windowSpanMs());
      expect(w.stepped.endpointWindows().map((e) => [e.route, e.count])).toEqual(
        w.truth.endpointWindows().map((e) => [e.route, e.count]),
      );
    }
    w.at(180_000);
    expect(w.stepped.groups().requests.per_minute).toBeCloseTo(15 * 60, 9);
  });

  it('a clock stepped back within the first minute: rates are those of true time', () => {
    const w = twin(ALIGNED + 20_000);
    let sent = 0;
    for (let ms = 0; ms < 100_000; ms += 100) {
      w.at(ms);
      w.record('/a');
      sent++;
      const b = w.stepped.groups().requests;
      expect(b.per_minute).toBe(w.truth.groups().requests.per_minute);
      expect(b.per_second).toBe(w.truth.groups().requests.per_second);
      expect(b.total).toBe(sent);
    }
  });
});
