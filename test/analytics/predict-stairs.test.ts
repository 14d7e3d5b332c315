// A forecast over a staircase (outside review 11, F4): a level that moves in steps with flat stretches
// between (a disk filled by hourly backups, a queue topped up by a batch job) is forecast on the trend
// through its steps, as a straight line of the same average rate is. Before, its jumps were taken for a
// sawtooth's: only the flat stretch since the last one was fitted and nothing was forecast until the
// level itself was crossed (30 min steps flapped). Injected clock, one sample a minute, real monitor.
// Oracle: the average-rate line of the generating function, `from ± rate·m`, crosses the level at a
// known minute; a 3 h forecast is due 180 min before that. The staircase's landings (the first point
// of each step) lie on that line, so the forecast is held to it within TOLERANCE minutes: the readings
// are a minute apart, the drift case's noise moves its landings by under 0.1, i.e. about a minute of the
// line. (A staircase itself sits up to one step, one period P, behind the line: its own crossing is up to
// P later; any tolerance under P shows the forecast follows the line, not the readings.)

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { windowShape } from '../../src/analytics/envelope.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { diskEvents } from './analytics-of.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1);
const silent = { warn() {}, error() {} };
const HORIZON = 180;
const TOLERANCE = 5;

/** The predict events of `warning: level, predict: '3h'` on used(m), `below` when falling. */
async function predictEvents(used: (m: number) => number, minutes: number, below: boolean) {
  const clock = { t: T0, now: () => clock.t };
  const ids = new Set<string>();
  const events: Array<{ min: number; type: string }> = [];
  const rule = below
    ? { name: 'fill', metric: 'custom.used', warning: 5, direction: 'below', predict: '3h' }
    : { name: 'fill', metric: 'custom.used', warning: 95, predict: '3h' };
  const monitor = createMonitor({
    ...NO_HOST_FILES,
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    alerts: { rules: [rule] as never },
    onAlert: (e: AlertEvent) => {
      if (e.type === 'raised' && e.alert.message.includes('predicted')) ids.add(e.alert.id);
      if (ids.has(e.alert.id)) events.push({ min: (clock.t - T0) / MIN, type: e.type });
    },
  });
  const g = monitor.gauge('used', { help: 'used' });
  for (let m = 0; m <= minutes; m++) {
    clock.t = T0 + m * MIN;
    g.set(used(m));
    await monitor.sample();
  }
  await monitor.close();
  return events;
}

/** The first minute f(m) reaches `level` (going up, or down when `below`). */
function crossing(f: (m: number) => number, level: number, below: boolean): number {
  let m = 0;
  while (below ? f(m) > level : f(m) < level) m++;
  return m;
}

const stairs = (p: number, step: number) => (m: number) => 40 + step * Math.floor(m / p);
/** 80 % of the growth in steps, 20 % steady, with a little noise (the review's `stairs+drift`). */
const drift = (p: number, step: number) => (m: number) =>
  40 + 0.8 * step * Math.floor(m / p) + (0.2 * step * m) / p + Math.sin(m * 7.3) * 0.05;

describe("predict: '3h' on a staircase rising to 95 from 40 (5 points an hour on average)", () => {
  // The average-rate line 40 + m/12 crosses 95 at minute 660: the forecast is due at minute 480.
  const line = (m: number) => 40 + m / 12;
  const due = crossing(line, 95, false) - HORIZON;

  it('the line itself raises at minute 480 (control)', async () => {
    const events = await predictEvents(line, 700, false);
    expect(due).toBe(480);
    expect(events[0]).toMatchObject({ min: due, type: 'raised' });
  });

  const cases: Array<[string, (m: number) => number]> = [
    ['+5 every hour', stairs(60, 5)],
    ['+10 every 2 h', stairs(120, 10)],
    ['+2.5 every 30 min (flapped: raised 494, cleared 506, raised 515)', stairs(30, 2.5)],
    ['+4 every hour and 1/h steady, noisy', drift(60, 5)],
    ['+8 every 2 h and 2 per 2 h steady, noisy (raised at 718)', drift(120, 10)],
  ];
  for (const [name, used] of cases) {
    it(`${name}: raised once, within ${TOLERANCE} min of the line's minute, no clear before the crossing`, async () => {
      const cross = crossing(used, 95, false);
      const events = await predictEvents(used, cross + 30, false);
      const raised = events.filter((e) => e.type === 'raised');
      expect(raised).toHaveLength(1);
      expect(Math.abs((raised[0] as { min: number }).min - due)).toBeLessThanOrEqual(TOLERANCE);
      expect(events.filter((e) => e.type === 'cleared' && e.min <= cross)).toEqual([]);
    });
  }

  it('a staircase that stops (no step after minute 480, flat at 80) clears within two periods', async () => {
    const used = (m: number) => stairs(60, 5)(Math.min(m, 480));
    const events = await predictEvents(used, 900, false);
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
    expect((events[1] as { min: number }).min).toBeLessThanOrEqual(480 + 2 * 60 + 5);
  });
});

describe("predict: '3h' on a staircase falling to 5 from 60 (below 5)", () => {
  const line = (m: number) => 60 - m / 12;
  const due = crossing(line, 5, true) - HORIZON;
  const cases: Array<[string, (m: number) => number]> = [
    ['−5 every hour', (m) => 60 - 5 * Math.floor(m / 60)],
    ['−10 every 2 h', (m) => 60 - 10 * Math.floor(m / 120)],
  ];
  for (const [name, used] of cases) {
    it(`${name}: raised once within ${TOLERANCE} min of the line's minute ${due}, no clear before the crossing`, async () => {
      const cross = crossing(used, 5, true);
      const events = await predictEvents(used, cross + 30, true);
      const raised = events.filter((e) => e.type === 'raised');
      expect(raised).toHaveLength(1);
      expect(Math.abs((raised[0] as { min: number }).min - due)).toBeLessThanOrEqual(TOLERANCE);
      expect(events.filter((e) => e.type === 'cleared' && e.min <= cross)).toEqual([]);
    });
  }
});

describe('disk_full_in on a disk filled by hourly backups', () => {
  it('+4 points every hour (a little noise): raised at the third step, full in the average-rate line hours (5 %), never cleared', () => {
    const used = (m: number) => 20 + 4 * Math.floor(m / 60) + Math.sin(m * 7.3) * 0.02;
    // Before: raised only the minute a step landed (the window read plain) and cleared the next.
    const disk = diskEvents(used, 480);
    expect(disk.map(({ e }) => e.type)).toEqual(['raised']);
    const { min: at, e } = disk[0] as { min: number; e: AlertEvent };
    // a staircase is recognised at its third step (minute 180); the line says full within 24 h throughout
    expect(at).toBe(180);
    // oracle: the average-rate line 20 + 4 points/h reaches 100 at hour 20
    const oracle = 20 - at / 60;
    expect(Math.abs(e.alert.value - oracle) / oracle).toBeLessThanOrEqual(0.05);
  });
});

describe('what is not a staircase', () => {
  // Fixed-seed noise: 300 windows of 360 points each way. A noise step past 5× the median one is followed
  // by steps back (the flat series gives back what it gained), so it never makes a staircase.
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const kinds: Array<[string, () => number[]]> = [
    ['Gaussian noise on a flat level', () => Array.from({ length: 360 }, () => 50 + gauss())],
    ['integer noise', () => Array.from({ length: 360 }, () => Math.round(50 + 2 * gauss()))],
    [
      'a random walk',
      () => {
        let v = 50;
        return Array.from({ length: 360 }, () => (v += gauss()));
      },
    ],
    ['a noisy line', () => Array.from({ length: 360 }, (_, m) => 20 + m / 10 + gauss())],
  ];
  for (const [name, series] of kinds) {
    it(`${name} is never a staircase, either way`, () => {
      for (let r = 0; r < 300; r++) {
        const v = series();
        expect(windowShape(v, 'up').kind).not.toBe('stairs');
        expect(windowShape(v, 'down').kind).not.toBe('stairs');
      }
    });
  }

  it('a batch written across two samples (+3 then +2 each hour) is one step: its landing is the second', () => {
    const v = Array.from(
      { length: 360 },
      (_, m) => 40 + 5 * Math.floor(m / 60) - (m % 60 === 0 && m > 0 ? 2 : 0),
    );
    expect(windowShape(v, 'up')).toEqual({ kind: 'stairs', turns: [61, 121, 181, 241, 301] });
  });
});
