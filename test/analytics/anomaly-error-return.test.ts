// An error_rate anomaly at a few requests a minute clears within minutes of the errors' end. The failure
// model's evidence (count-model.ts, a binomial CUSUM capped at CAP_RATIO times its record) drained request by
// request at 1 to 4 requests a minute, so an hour of errors at night was held long after they stopped: half
// the requests failing from 03:00 to 04:00 every night cleared 10-15 min after 04:00 on the first night, then
// 48-103 min on the second and 219-227 min on the third (seeds 7, 8, 9, 12345); 30 % failing once, 32-66 min
// (seeds 7, 8, 9); 10 % failing for 3 hours at about 7 a minute, 15-25 min.
// The latency tail model had the same fault and got a return check (a CUSUM of the minutes' evidence for the
// baseline share against the excursion's since the onset, RETURN_NATS end it); the failure model now has it.
//
// Seeded Poisson traffic (test/helpers/poisson-traffic.ts: peak 20 a minute at 15:00, about 2 a minute at
// 03:00), a week learned, then the default anomaly rule on an injected clock. The oracle is the incident's
// end, 04:00: the alert may not clear before it (the errors last until then), and clears within minutes after.

import { describe, expect, it } from 'vitest';
import { type Event, type Incident, learn, runAfter } from '../helpers/poisson-traffic.js';

/** 03:00 and 04:00 of the first day run (minutes from its 00:00). */
const FROM = 180;
const END = 240;

/** For each night (0: the first) raised during the error hour: the minutes from its 04:00 to the clear. */
function clearsAfterEnd(events: Event[], nights: number): Array<[night: number, after: number | undefined]> {
  const out: Array<[number, number | undefined]> = [];
  const errors = events.filter((e) => e.series === 'error_rate');
  for (let night = 0; night < nights; night++) {
    const from = night * 1440 + FROM;
    const end = night * 1440 + END;
    const raised = errors.find((e) => e.type === 'raised' && e.minute >= from && e.minute < end);
    if (!raised) continue;
    const cleared = errors.find((e) => e.type === 'cleared' && e.minute > raised.minute);
    out.push([night, cleared === undefined ? undefined : cleared.minute - end]);
  }
  return out;
}

const errorHour =
  (failing: number, nightly: boolean) =>
  (m: number): Incident =>
    (nightly || m < 1440) && m % 1440 >= FROM && m % 1440 < END ? { failing } : {};

describe('an error_rate anomaly at 1-4 requests a minute clears within minutes of the return', () => {
  it.each([7, 8, 9, 12345])(
    'seed %i: half the requests failing 03:00-04:00 every night: each raise clears 0-10 minutes after 04:00',
    (seed) => {
      const nights = 3;
      const events = runAfter(learn(20, 7 * 1440, seed), nights * 1440 + 360, errorHour(0.5, true));
      const clears = clearsAfterEnd(events, nights);
      // The hour is raised (on its first nights at least: a recurring pattern is learned).
      expect(clears.length).toBeGreaterThan(0);
      for (const [night, after] of clears) {
        expect(after, `night ${night + 1}`).toBeDefined();
        expect(after, `night ${night + 1}`).toBeGreaterThanOrEqual(0);
        expect(after, `night ${night + 1}`).toBeLessThanOrEqual(10);
      }
      // Nothing else: one raise a night at most, error_rate only.
      expect(events.filter((e) => e.type === 'raised').length).toBeLessThanOrEqual(nights);
      expect(events.every((e) => e.series === 'error_rate')).toBe(true);
    },
  );

  it.each([7, 8, 9])(
    'seed %i: 30 percent of the requests failing 03:00-04:00 once: cleared 0-15 minutes after 04:00',
    (seed) => {
      const events = runAfter(learn(20, 7 * 1440, seed), 1440, errorHour(0.3, false));
      const clears = clearsAfterEnd(events, 1);
      expect(clears).toHaveLength(1);
      const [, after] = clears[0] as [number, number | undefined];
      expect(after).toBeGreaterThanOrEqual(0);
      expect(after).toBeLessThanOrEqual(15);
      expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
    },
  );

  it.each([7, 8, 9])(
    'seed %i: 10 percent failing for 3 hours at about 7 a minute (peak 10): held to the end, cleared within 10 minutes of it',
    (seed) => {
      // The return check ends no excursion while its failures last (the alert is not cleared mid-incident):
      // cleared +24, +15, +25 after the end before, raised at the same minutes.
      const from = 600;
      const end = from + 180;
      const events = runAfter(learn(10, 7 * 1440, seed), end + 120, (m) =>
        m >= from && m < end ? { failing: 0.1 } : {},
      );
      expect(events.map((e) => [e.series, e.type])).toEqual([
        ['error_rate', 'raised'],
        ['error_rate', 'cleared'],
      ]);
      const [raised, cleared] = events as [Event, Event];
      expect(raised.minute).toBeGreaterThanOrEqual(from);
      expect(cleared.minute - end).toBeGreaterThanOrEqual(0);
      expect(cleared.minute - end).toBeLessThanOrEqual(10);
    },
  );

  it('a normal week after the learned one raises nothing (the return check ends no excursion that is not there)', () => {
    expect(runAfter(learn(20, 7 * 1440, 8), 7 * 1440, () => ({}))).toEqual([]);
  });
});
