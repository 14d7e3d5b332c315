// `predict` on rules on any metric (`alerts.rules`), in both directions (outside review A4: the
// option was rejected as unknown, so no 'below' series could be predicted). Exact lines on an injected
// clock, one sample a minute: the Theil–Sen fit of a line is the line, so the oracle is arithmetic.
// A rise of 1/min from 50 toward warning 100 is 30 min away at minute 20 (50 + 20 = 70); a fall of
// 1/min from 100 toward warning 50 likewise, and toward critical 10 at minute 60 (40 − 10 = 30).

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const silent = { warn() {}, error() {} };

async function run(rule: Record<string, unknown>, values: number[]) {
  const clock = { t: T0, now: () => clock.t };
  const events: Array<{ min: number; type: string; severity: string; message: string }> = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    // The oracle is a custom gauge's prediction: no host group read (no /proc per sample, and no real 250 ms CPU
    // window waited on the frozen clock by the first sample; test/helpers/hostless.ts).
    ...NO_HOST_FILES,
    alerts: { rules: [rule] as never },
    onAlert: (e: AlertEvent) => {
      if (e.alert.rule === rule.name && e.alert.message.includes('predicted'))
        events.push({
          min: (clock.t - T0) / MIN,
          type: e.type,
          severity: e.alert.severity,
          message: e.alert.message,
        });
    },
  });
  const q = monitor.gauge('q', { help: 'q' });
  for (let m = 0; m < values.length; m++) {
    clock.t = T0 + m * MIN;
    q.set(values[m] as number);
    await monitor.sample();
  }
  await monitor.close();
  return events;
}

describe('predict on alerts.rules', () => {
  it("an 'above' rule on a rising series predicts the exact crossing (raised at minute 20, 30 min ahead)", async () => {
    const events = await run(
      { name: 'q_rule', metric: 'custom.q', warning: 100, critical: 200, predict: '30m' },
      Array.from({ length: 41 }, (_, m) => 50 + m),
    );
    expect(events[0]).toEqual({
      min: 20,
      type: 'raised',
      severity: 'warning',
      message: 'q_rule: custom.q predicted to reach 100 in 30 min (now 70, +60/h)',
    });
    expect(events.some((e) => e.severity === 'critical')).toBe(false); // 200 is 130+ min away
  });

  it("a 'below' rule (free space falling) predicts the exact crossing of warning and critical", async () => {
    const events = await run(
      { name: 'free', metric: 'custom.q', warning: 50, critical: 10, direction: 'below', predict: '30m' },
      Array.from({ length: 61 }, (_, m) => 100 - m),
    );
    expect(events.map((e) => [e.min, e.type, e.severity])).toEqual([
      [20, 'raised', 'warning'],
      [60, 'escalated', 'critical'],
    ]);
    expect(events[0]?.message).toBe('free: custom.q predicted to fall to 50 in 30 min (now 80, -60/h)');
    expect(events[1]?.message).toBe('free: custom.q predicted to fall to 10 in 30 min (now 40, -60/h)');
  });

  it('a recovering series never predicts, in either direction', async () => {
    const above = await run(
      { name: 'q_rule', metric: 'custom.q', warning: 100, critical: 200, predict: '30m' },
      Array.from({ length: 71 }, (_, m) => 150 - m),
    );
    const below = await run(
      { name: 'free', metric: 'custom.q', warning: 50, critical: 10, direction: 'below', predict: '30m' },
      Array.from({ length: 60 }, (_, m) => 20 + m * 0.5),
    );
    expect(above).toEqual([]);
    expect(below).toEqual([]);
  });

  it('a bad predict value is a coded error at setup', () => {
    for (const predict of ['soon', 0, -5, '8d', Number.NaN]) {
      let err: { code?: string; message?: string } = {};
      try {
        createMonitor({
          sampleIntervalMs: 0,
          logger: silent,
          alerts: { rules: [{ name: 'q_rule', metric: 'custom.q', warning: 1, predict }] as never },
        });
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code, String(predict)).toBe('ERR_SYSVITALS_INVALID_RULE');
      expect(err.message).toContain('`alerts.rules[0].predict` (rule `q_rule`)');
    }
  });
});
