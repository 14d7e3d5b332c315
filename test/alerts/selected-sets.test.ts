// RT37-10: a rule's selected label set keeps a slot past the metric's maxLabelSets (it never folds into `other`
// and leaves the rule blind); a set it selects that folds for its values is warned about once; a selected value
// no set can keep (over 128 characters) is refused at setup.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor } from '../../src/monitor.js';

function setup(rule: Record<string, unknown>) {
  const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
  const events: AlertEvent[] = [];
  const warnings: string[] = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: { warn: (_o: unknown, m: string) => warnings.push(m), error() {} },
    alerts: { rules: [rule] },
    onAlert: (e: AlertEvent) => {
      if (e.alert.rule === rule.name) events.push(e);
    },
  } as never);
  return { clock, events, warnings, monitor };
}

const seriesOf = async (monitor: ReturnType<typeof createMonitor>, name: string) =>
  (
    (await monitor.getMetrics()) as unknown as {
      custom: Record<string, { series: Array<{ labels: Record<string, string>; value: number }> }>;
    }
  ).custom[name]!.series;

describe("a rule's selected label set past maxLabelSets (RT37-10)", () => {
  it('arriving after maxLabelSets others, it keeps its own set and raises at 5x critical', async () => {
    const { clock, events, monitor } = setup({
      name: 'sms_backlog',
      metric: 'custom.backlog',
      labels: { queue: 'sms' },
      warning: 100,
      critical: 1000,
    });
    try {
      const backlog = monitor.gauge('backlog', { labels: ['queue'], maxLabelSets: 3 });
      for (const q of ['a', 'b', 'c', 'd']) backlog.set({ queue: q }, 1);
      backlog.set({ queue: 'sms' }, 5000);
      clock.t += 1000;
      await monitor.sample();
      const raised = events.filter((e) => e.type === 'raised').map((e) => [e.alert.severity, e.alert.value]);
      expect(raised).toEqual([['critical', 5000]]);
      const series = await seriesOf(monitor, 'backlog');
      expect(series.find((s) => s.labels.queue === 'sms')?.value).toBe(5000);
      // Sets nobody selects still fold past the bound: `d` is in `other`.
      expect(series.map((s) => s.labels.queue)).toEqual(['a', 'b', 'c', 'other', 'sms']);
      expect(series.find((s) => s.labels.queue === 'other')?.value).toBe(1);
    } finally {
      await monitor.close();
    }
  });

  it('a selected set that folds for an over-long value of a label the rule leaves open is warned once', async () => {
    const { clock, events, warnings, monitor } = setup({
      name: 'sms_backlog',
      metric: 'custom.backlog',
      labels: { queue: 'sms' },
      warning: 100,
    });
    try {
      const backlog = monitor.gauge('backlog', { labels: ['queue', 'host'] });
      const long = 'x'.repeat(130);
      backlog.set({ queue: 'sms', host: long }, 500);
      backlog.set({ queue: 'sms', host: long }, 600);
      clock.t += 1000;
      await monitor.sample();
      expect(events).toEqual([]);
      const folded = warnings.filter((w) => w.includes('folds into `other`'));
      expect(folded).toHaveLength(1);
      expect(folded[0]).toContain('sms_backlog');
      expect(folded[0]).toContain('maxLabelSets 100');
    } finally {
      await monitor.close();
    }
  });

  it('a selected value over 128 characters is refused at setup', () => {
    let err: { code?: string; message?: string } | undefined;
    try {
      createMonitor({
        sampleIntervalMs: 0,
        alerts: {
          rules: [{ name: 'k', metric: 'custom.k', labels: { k: 'x'.repeat(130) }, warning: 1 }],
        },
      } as never);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err?.message).toContain('over 128 characters');
  });
});
