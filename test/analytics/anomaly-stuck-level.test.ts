// Outside review rtF, F2 (repro/anom.ts): a value that goes beyond the range ever seen and stays there (a cron-fed
// queue, 0 four minutes and 500 the fifth, whose consumer dies and leaves it stuck at 1000; an alternating batch
// 0/300 stuck at 900) paged only a warning, and on the sawtooth the warning CLEARED 31 minutes in while the value
// still read 1000. The range rule's 1 needed the first value beyond the range by more than 3 long mean steps
// (600 and 900 here) or a second record in a row, and a stuck value is a new record only once.
// Oracle: the generators themselves. From minute AT every value is 1000 (900), twice (three times) the highest
// value read before it, a level the series never reached: an incident for as long as it holds. Custom series on an
// injected clock, the default anomaly rule (warning 0.995, critical 1, clear 0.9, pending 3 minutes); the runner
// and generators are in test/helpers/routine-extremes.ts (shared with bench/anomaly-routine-extremes.ts).

import { describe, expect, it } from 'vitest';
import { runStuckLevel, STUCK_AT } from '../helpers/routine-extremes.js';

/** The incident's first minute (a day of learning, and the scored minutes after it). */
const AT = STUCK_AT;
const run = runStuckLevel;

describe('a level beyond the range ever seen, held, pages critical and holds (review rtF, F2)', () => {
  it.each([
    ['saw', 1000],
    ['saw', 1100],
    ['alt', 900],
  ] as const)(
    '%s stuck at %i for an hour: critical by minute AT + 6, no clear and no de-escalation while stuck, cleared within 5 minutes of the return',
    async (kind, stuck) => {
      const END = AT + 60;
      const r = await run(kind, stuck, END, END + 10);
      // The oracle: every stuck value is beyond the highest value read before, by at least 1.8 times it.
      expect(Math.min(...r.during.slice(0, 60))).toBeGreaterThan(1.8 * r.maxBefore);
      expect(r.events.filter((e) => e.minute < AT)).toEqual([]);
      const critical = r.events.find((e) => e.severity === 'critical' && e.type !== 'cleared');
      // Before the fix: saw 1000 and alt 900 never critical (warning 0.995 / 0.998), saw 1000 cleared at AT + 31.
      expect(critical?.minute).toBeDefined();
      expect((critical?.minute ?? Number.POSITIVE_INFINITY) - AT).toBeLessThanOrEqual(6);
      // From the critical page to the last stuck minute: the alert is active at critical every minute.
      for (let m = critical?.minute ?? AT; m < END; m++) expect(r.active[m], `minute ${m}`).toBe('critical');
      expect(
        r.events.filter((e) => e.minute < END && (e.type === 'cleared' || e.type === 'deescalated')),
      ).toEqual([]);
      // Back to the usual pattern: cleared within 5 minutes.
      const cleared = r.events.find((e) => e.type === 'cleared');
      expect((cleared?.minute ?? Number.POSITIVE_INFINITY) - END).toBeLessThanOrEqual(5);
      expect(cleared?.minute).toBeGreaterThanOrEqual(END);
    },
  );

  it('held 7 hours: critical until the level is taken as the usual one at 6 hours (the documented new-level rule), not raised again while it holds', async () => {
    const END = AT + 420;
    const r = await run('saw', 1000, END, END);
    const critical = r.events.find((e) => e.severity === 'critical' && e.type !== 'cleared');
    expect((critical?.minute ?? Number.POSITIVE_INFINITY) - AT).toBeLessThanOrEqual(6);
    const cleared = r.events.filter((e) => e.type === 'cleared');
    expect(cleared).toHaveLength(1);
    // episodeMax (360 readings) after the run's first score of 1, then the clear's own minutes.
    expect((cleared[0]?.minute ?? 0) - AT).toBeGreaterThanOrEqual(360);
    expect((cleared[0]?.minute ?? 0) - AT).toBeLessThanOrEqual(366);
    expect(cleared[0]?.message).toMatch(/taken as its usual level/);
    for (let m = critical?.minute ?? AT; m < (cleared[0]?.minute ?? 0); m++)
      expect(r.active[m], `minute ${m}`).toBe('critical');
    expect(r.events.filter((e) => e.minute > (cleared[0]?.minute ?? 0))).toEqual([]);
    expect(r.events.filter((e) => e.type === 'deescalated')).toEqual([]);
  });
});
