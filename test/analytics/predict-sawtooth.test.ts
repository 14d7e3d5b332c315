// A forecast over a sawtooth (outside review 9b, F6 and F10): the trend is judged on the envelope on
// the level's side, not on a span that holds a fraction of a cycle. Injected clock, one sample a minute;
// the oracles are the generating functions' own arithmetic.
// - predict (F6): a queue falling 1/min from 200 with a partial recovery every P minutes (climbs 3/min,
//   drops back): its troughs are 200 − m, so `below 100` is reached at minute 100 and a 30 min forecast
//   is due at minute 70. Before, P = 10 or 20 gave no forecast (the last quarter was a rising edge) and
//   P = 5 raised, cleared and raised again.
// - disk_full_in (F10): retention deletes every 30 min, used oscillates 18.7–36.6 % with no net trend:
//   never full. Before, "full in 4 h 19 min" at minute 60 (a whole-window fit over two cycles).

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { diskEvents } from './analytics-of.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1);
const silent = { warn() {}, error() {} };

/** The predict events (raised, cleared, …) of a `below 100, predict 30m` rule on q(m), by minute. */
async function predictEvents(q: (m: number) => number, minutes: number) {
  const clock = { t: T0, now: () => clock.t };
  const ids = new Set<string>();
  const events: Array<{ min: number; type: string; message: string }> = [];
  const rule = {
    name: 'q',
    metric: 'custom.q',
    warning: 100,
    critical: 10,
    direction: 'below',
    predict: '30m',
  };
  const monitor = createMonitor({
    ...NO_HOST_FILES,
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    alerts: { rules: [rule] as never },
    onAlert: (e: AlertEvent) => {
      if (e.type === 'raised' && e.alert.message.includes('predicted')) ids.add(e.alert.id);
      if (ids.has(e.alert.id))
        events.push({ min: (clock.t - T0) / MIN, type: e.type, message: e.alert.message });
    },
  });
  const g = monitor.gauge('q', { help: 'q' });
  for (let m = 0; m <= minutes; m++) {
    clock.t = T0 + m * MIN;
    g.set(q(m));
    await monitor.sample();
  }
  await monitor.close();
  return events;
}

const saw = (period: number) => (m: number) => 200 - m + (m % period) * 3;
/** Oracle: the troughs 200 − m reach 100 at minute 100; a 30 min horizon is due at minute 70. */
const DUE = 70;

describe("predict: '30m' on a declining sawtooth (below 100)", () => {
  it('a straight decline raises at minute 70, as before (control)', async () => {
    const events = await predictEvents((m) => 200 - m, 110);
    expect(events[0]).toMatchObject({ min: DUE, type: 'raised' });
    expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
  });

  for (const period of [5, 10, 20]) {
    it(`a sawtooth of period ${period} min raises once, within 2 min of the oracle's minute 70, never clears before 100`, async () => {
      const events = await predictEvents(saw(period), 110);
      const raised = events.filter((e) => e.type === 'raised');
      expect(raised.map((e) => e.min)).toHaveLength(1);
      expect(Math.abs((raised[0] as { min: number }).min - DUE)).toBeLessThanOrEqual(2);
      expect(events.filter((e) => e.type === 'cleared' && e.min <= 100)).toEqual([]);
    });
  }
});

describe('disk_full_in on a retention sawtooth', () => {
  it('a disk oscillating 18.7–36.6 % (deletes every 30 min, no net trend) never alerts over 7 h', () => {
    const used = (m: number) => 18.7 + ((37.2 - 18.7) / 30) * (m % 30);
    expect(diskEvents(used, 7 * 60)).toEqual([]);
  });

  it('a steady fill (20 % + 15 points/h) forecasts within 5 % of the oracle (control)', () => {
    const used = (m: number) => 20 + m / 4;
    const events = diskEvents(used, 120);
    expect(events[0]?.e.type).toBe('raised');
    const { min, e } = events[0] as { min: number; e: AlertEvent };
    const oracle = (100 - used(min)) / 15;
    expect(Math.abs(e.alert.value - oracle) / oracle).toBeLessThanOrEqual(0.05);
  });

  it('a filling sawtooth (peaks +6 points/h, cleanup every 30 min) forecasts from its peaks, within 10 %', () => {
    const used = (m: number) => 60 + m / 10 + (m % 30) / 2;
    const events = diskEvents(used, 240);
    const raised = events.filter(({ e }) => e.type === 'raised');
    expect(raised).toHaveLength(1);
    const { min, e } = raised[0] as { min: number; e: AlertEvent };
    // oracle: the first time the generating function itself reaches 100 (on a ramp, before a cleanup)
    let full = min;
    while (used(full) < 100) full += 0.01;
    const oracle = (full - min) / 60;
    expect(Math.abs(e.alert.value - oracle) / oracle).toBeLessThanOrEqual(0.1);
    expect(e.alert.message).toContain(`(${used(min)} % used,`); // the reading, not the peak line
  });
});

describe('what is not a cycle', () => {
  it('a one-point spike on a steady fill keeps its alert: no clear, no second raise (a spike is not a jump)', () => {
    // 20 % + 15 points/h with a −10 point dip at minute 70 and a +10 spike at 90
    const used = (m: number) => 20 + m / 4 + (m === 70 ? -10 : m === 90 ? 10 : 0);
    const types = diskEvents(used, 120).map(({ min, e }) => `${min} ${e.type}`);
    expect(types).toEqual(['60 raised', '81 escalated']); // 4 h to full at minute 81: (100 − 40.25) / 15 < 4
  });
});
