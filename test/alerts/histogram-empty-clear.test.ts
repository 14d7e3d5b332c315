// A rule on a custom histogram's window statistic (p99, max…) raised on a spike stayed active at its old value for
// as long as nothing was recorded: once the window (two slots of requestWindowMs) is empty the statistic is null,
// and a null reading neither fired nor cleared. Oracles: docs/custom-metrics.md ("a rule on `custom.<name>.p99` or
// `max` stays raised up to two minutes after a spike") and Prometheus (histogram_quantile over an empty rate is
// NaN, the comparison is false, the alert resolves). The clear comes at the first sample whose snapshot reads the
// statistic null, never before; a gauge rule, whose reading stays, keeps its alert as before.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';

const silent = { warn() {}, error() {} };
const HOST_OFF = {
  cpu: { enabled: false },
  memory: { enabled: false },
  disk: { enabled: false },
  event_loop_delay: { enabled: false },
} as const;

function setup(rules: object[]) {
  const clock = { t: Date.UTC(2026, 0, 1, 0, 0, 5), now: () => clock.t };
  const names = new Set(rules.map((r) => (r as { name: string }).name));
  const events: AlertEvent[] = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    alerts: { ...HOST_OFF, rules: rules as never },
    onAlert: (e) => {
      if (names.has(e.alert.rule)) events.push(e);
    },
  });
  return { clock, events, monitor };
}

describe('a rule on a custom histogram statistic clears once its window holds no value', () => {
  for (const field of ['p99', 'max', 'avg', 'min', 'p50'] as const) {
    it(`custom.job_ms.${field}: raised on a spike of 500, cleared at the first sample reading null, not before`, async () => {
      const { clock, events, monitor } = setup([
        { name: 'slow_jobs', metric: `custom.job_ms.${field}`, warning: 200, critical: 400 },
      ]);
      try {
        const h = monitor.histogram('job_ms', { help: 'Job time.' });
        h.observe(500);
        clock.t += 1000;
        await monitor.sample();
        const raised = events.filter((e) => e.type === 'raised');
        expect(raised).toHaveLength(1);
        expect(raised[0]?.alert.value).toBe(500);
        const spikeAt = clock.t;
        let clearedAt: number | undefined;
        // 20 silent minutes, a sample every 10 s.
        for (let i = 0; i < 120; i++) {
          clock.t += 10_000;
          await monitor.sample();
          const read = (await monitor.getMetrics()).custom?.job_ms as unknown as Record<string, unknown>;
          const cleared = events.some((e) => e.type === 'cleared');
          if (read[field] === null) {
            clearedAt ??= clock.t;
            expect(cleared, `cleared once ${field} reads null (t+${clock.t - spikeAt} ms)`).toBe(true);
          } else {
            expect(read[field]).toBe(500);
            expect(cleared, `not cleared while ${field} reads 500 (t+${clock.t - spikeAt} ms)`).toBe(false);
          }
        }
        expect(clearedAt).toBeDefined();
        // The documented time: the value leaves the window 60 to 120 s after it was recorded.
        expect((clearedAt as number) - spikeAt).toBeGreaterThan(60_000);
        expect((clearedAt as number) - spikeAt).toBeLessThanOrEqual(121_000);
        const cleared = events.filter((e) => e.type === 'cleared');
        expect(cleared).toHaveLength(1);
        // The last value measured, not a 0 nobody measured, and the reason.
        expect(cleared[0]?.alert.value).toBe(500);
        expect(cleared[0]?.alert.message).toMatch(/no reading/);
        expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
        expect(monitor.alertSystem.getActiveAlerts().map((a) => a.rule)).not.toContain('slow_jobs');
      } finally {
        await monitor.close();
      }
    });
  }

  it('a new spike after the clear raises again', async () => {
    const { clock, events, monitor } = setup([
      { name: 'slow_jobs', metric: 'custom.job_ms.p99', warning: 200 },
    ]);
    try {
      const h = monitor.histogram('job_ms', { help: 'Job time.' });
      h.observe(500);
      clock.t += 1000;
      await monitor.sample();
      clock.t += 5 * 60_000;
      await monitor.sample();
      h.observe(300);
      clock.t += 1000;
      await monitor.sample();
      expect(events.map((e) => [e.type, e.alert.value])).toEqual([
        ['raised', 500],
        ['cleared', 500],
        ['raised', 300],
      ]);
    } finally {
      await monitor.close();
    }
  });

  it('unchanged: a gauge rule keeps its alert through 20 silent minutes (its reading stays)', async () => {
    const { clock, events, monitor } = setup([{ name: 'backlog', metric: 'custom.depth', warning: 100 }]);
    try {
      monitor.gauge('depth', { help: 'Depth.' }).set(900);
      clock.t += 1000;
      await monitor.sample();
      for (let i = 0; i < 120; i++) {
        clock.t += 10_000;
        await monitor.sample();
      }
      expect(events.map((e) => e.type)).toEqual(['raised']);
      expect(monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'backlog')?.value).toBe(900);
    } finally {
      await monitor.close();
    }
  });

  it('unchanged: a rule on a histogram count reads 0 once the window is empty (a reading, not none)', async () => {
    const { clock, events, monitor } = setup([
      { name: 'few_jobs', metric: 'custom.job_ms.count', warning: 0, direction: 'below', for: 0 },
    ]);
    try {
      monitor.histogram('job_ms', { help: 'Job time.' }).observe(5);
      clock.t += 1000;
      await monitor.sample();
      expect(events).toHaveLength(0);
      clock.t += 5 * 60_000;
      await monitor.sample();
      expect(events.map((e) => [e.type, e.alert.value])).toEqual([['raised', 0]]);
    } finally {
      await monitor.close();
    }
  });
});
