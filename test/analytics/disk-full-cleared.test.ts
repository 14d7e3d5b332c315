// disk_full_in's cleared alert carries the last hours to full it read, never a placeholder: a trend
// with no time to full used to write -1 into the alert's value (webhooks, JSON) as it cleared.
// Injected clock, one sample a minute, through the real AlertSystem.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { parseRules } from '../../src/alerts/rules.js';
import { makeSnapshot, partition, testClock } from '../alerts/snapshot.js';
import { analyticsOf } from './analytics-of.js';

const MIN = 60_000;

describe('disk_full_in cleared', () => {
  it('keeps the last hours to full as its value when the disk stops filling (was -1)', () => {
    const rules = parseRules({ memory_leak: { enabled: false } });
    const a = analyticsOf(rules);
    const clock = testClock();
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({ clock, rules, onAlert: (e) => void events.push(structuredClone(e)) });
    alerts.addObservationSource((s) => a.observations(s) as never);
    // 70 % + 10 points an hour for 90 min (full in 3 h at the start), then emptied to 20 % and flat: the
    // trend turns down, there is no time to full, and the alert clears on a reading that has no number.
    const used = (m: number) => (m <= 90 ? 70 + m / 6 : 20);
    const values: number[] = [];
    for (let m = 0; m <= 400; m++) {
      const s = makeSnapshot({ disk: { partitions: [partition('/data', used(m))] } });
      a.sample(s, clock.now());
      alerts.checkThresholds(s);
      clock.advance(MIN);
      const active = alerts.getActiveAlerts().find((x) => x.rule === 'disk_full_in');
      if (active) values.push(active.value);
    }
    const disk = events.filter((e) => e.alert.rule === 'disk_full_in');
    expect(disk.map((e) => e.type)).toEqual(['raised', 'cleared']);
    const cleared = disk[1]!.alert;
    // oracle: the value is the last hours to full read while active ((100 - level) / slope > 0), not -1
    expect(cleared.value).toBeGreaterThan(0);
    expect(Number.isFinite(cleared.value)).toBe(true);
    expect(JSON.parse(JSON.stringify(cleared)).value).toBe(cleared.value);
    expect(cleared.value).toBe(values.at(-1));
  });
});
