// disk_full_in and `predict:` through the real AlertSystem on an injected clock, one sample a minute.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { parseRules } from '../../src/alerts/rules.js';
import { SysvitalsError } from '../../src/errors.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, partition, testClock } from '../alerts/snapshot.js';
import { analyticsOf } from './analytics-of.js';

const MIN = 60_000;

function setup(alertRules: Parameters<typeof parseRules>[0]) {
  const rules = parseRules(alertRules);
  const a = analyticsOf(rules);
  const clock = testClock();
  const events: AlertEvent[] = [];
  const alerts = new AlertSystem({ clock, rules, onAlert: (e) => void events.push(e) });
  alerts.addObservationSource((s) => a.observations(s) as never);
  const step = (s: MetricsSnapshot) => {
    a.sample(s, clock.now());
    alerts.checkThresholds(s);
    clock.advance(MIN);
  };
  return { events, step };
}

const raised = (events: AlertEvent[], rule: string) =>
  events.filter((e) => e.alert.rule === rule && e.type !== 'cleared');

describe('disk_full_in', () => {
  it('warns when a partition fills within 24 h and escalates under 4 h, with the time to full', () => {
    const { events, step } = setup({ memory_leak: { enabled: false } });
    // /data: 70 % + 2 points an hour = full in 15 h; / stays flat.
    for (let m = 0; m <= 90; m++) {
      step(makeSnapshot({ disk: { partitions: [partition('/', 40), partition('/data', 70 + m / 30)] } }));
    }
    const warn = raised(events, 'disk_full_in');
    expect(warn).toHaveLength(1);
    expect(warn[0]!.alert).toMatchObject({ severity: 'warning', component: 'disk' });
    // raised once the trend spans an hour (minute 60): 72 % used, 28 points at 2/h = 14 h
    expect(warn[0]!.alert.message).toMatch(/^Disk \/data full in 14 h/);
    // Then the fill speeds up to 10 points an hour: under 4 h to full -> critical.
    for (let m = 91; m <= 200; m++) {
      step(
        makeSnapshot({ disk: { partitions: [partition('/', 40), partition('/data', 73 + (m - 90) / 6)] } }),
      );
    }
    expect(events.some((e) => e.type === 'escalated' && e.alert.rule === 'disk_full_in')).toBe(true);
  });

  it('stays quiet on a noisy flat disk and on a shrinking one (seeded)', () => {
    const { events, step } = setup({});
    let seed = 5;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    for (let m = 0; m < 6 * 60; m++) {
      step(
        makeSnapshot({
          disk: { partitions: [partition('/', 85 + noise() * 2), partition('/tmp', 80 - m / 100)] },
        }),
      );
    }
    expect(raised(events, 'disk_full_in')).toEqual([]);
  });
});

describe("predict: '30m' on a level rule", () => {
  it('raises cpu (key predict) when the trend reaches the warning within 30 min, before the level itself', () => {
    const { events, step } = setup({ cpu: { warning: 80, critical: 95, predict: '30m' } });
    // 40 % + 1 point a minute: 80 % at minute 40; the forecast sees it 30 min ahead.
    let predictedAt = -1;
    let levelAt = -1;
    for (let m = 0; m <= 45; m++) {
      step(makeSnapshot({ cpu: { current_percent: 40 + m } }));
      for (const e of events.splice(0)) {
        if (e.type !== 'raised') continue;
        if (e.alert.message.includes('predicted')) predictedAt = m;
        else if (e.alert.rule === 'cpu') levelAt = m;
      }
    }
    expect(predictedAt).toBeGreaterThanOrEqual(10); // 10 points over 10 minutes first
    expect(predictedAt).toBeLessThanOrEqual(11);
    expect(levelAt).toBe(40);
  });

  it('a noisy CPU around 60 % predicts nothing (seeded)', () => {
    const { events, step } = setup({ cpu: { warning: 80, critical: 95, predict: '30m' } });
    let seed = 9;
    for (let m = 0; m < 240; m++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      step(makeSnapshot({ cpu: { current_percent: 60 + (seed / 2 ** 31 - 0.5) * 30 } }));
    }
    expect(events.filter((e) => e.alert.message.includes('predicted'))).toEqual([]);
  });

  it('refuses a bad predict or rule option at setup with a coded error', () => {
    expect(() => parseRules({ cpu: { predict: 'soon' } })).toThrow(SysvitalsError);
    expect(() => parseRules({ disk_full_in: { warning: '1h', critical: '4h' } })).toThrow(/≤ warning/);
    expect(() => parseRules({ anomaly: { warning: 2 } })).toThrow(/between 0 and 1/);
    expect(() => parseRules({ memory_leak: { windw: '1h' } } as never)).toThrow(/Did you mean `window`/);
  });
});
