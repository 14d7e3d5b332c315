// Test helper: the monitor's Analytics for a parsed rule set, as parts.ts builds it (without rules on any metric).

import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { predictRules } from '../../src/alerts/predict-rules.js';
import { type AlertRulesConfig, parseRules } from '../../src/alerts/rules.js';
import { Analytics } from '../../src/analytics/analytics.js';
import { makeSnapshot, partition, testClock } from '../alerts/snapshot.js';

const MIN = 60_000;

/** Analytics with the anomaly, disk_full_in and memory_leak rules and the level rules' predictions of `rules`. */
export function analyticsOf(rules: AlertRulesConfig): Analytics {
  return new Analytics({
    anomaly: rules.anomaly,
    diskFull: rules.disk_full_in,
    memoryLeak: rules.memory_leak,
    predict: predictRules(rules),
  });
}

/** disk_full_in events on /data over `minutes`, with the first raise's hours to full. */
export function diskEvents(used: (m: number) => number, minutes: number) {
  const rules = parseRules({ memory_leak: { enabled: false } });
  const a = analyticsOf(rules);
  const clock = testClock();
  const events: Array<{ min: number; e: AlertEvent }> = [];
  let min = 0;
  const alerts = new AlertSystem({
    clock,
    rules,
    onAlert: (e) => void events.push({ min, e: structuredClone(e) }),
  });
  alerts.addObservationSource((s) => a.observations(s) as never);
  for (min = 0; min <= minutes; min++) {
    const s = makeSnapshot({ disk: { partitions: [partition('/data', used(min))] } });
    a.sample(s, clock.now());
    alerts.checkThresholds(s);
    clock.advance(MIN);
  }
  return events.filter(({ e }) => e.alert.rule === 'disk_full_in');
}
