// Rules on custom metrics that could never read anything (outside review 31, RT31-13): the declaration a rule cannot
// read is refused with a coded error, and a rule whose metric is not declared at the first sample is warned about once.

import { afterEach, describe, expect, it } from 'vitest';
import type { MetricRuleOptions } from '../../src/alerts/metric-rules.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup(rules: MetricRuleOptions[]) {
  const warnings: { obj: unknown; msg: string }[] = [];
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: { warn: (obj, msg) => warnings.push({ obj, msg: String(msg) }), error() {} },
    alerts: { cpu: { enabled: false }, memory: { enabled: false }, disk: { enabled: false }, rules },
  });
  monitors.push(monitor);
  return { monitor, warnings };
}

function refusal(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e as { code?: string; message: string };
  }
}

// Oracle: README "Rules on any metric" ("a histogram needs a field") and the snapshot shapes of custom/types.ts:
// a gauge's reading is `value` (no percentiles), labels select a series by a declared label name.
describe('a declaration a rule could never read', () => {
  it.each([
    [
      'a histogram read without a field',
      { metric: 'custom.h' },
      (m: SystemMonitor) => m.histogram('h'),
      /pick a field.*custom\.h\.p99/s,
    ],
    [
      'a histogram field on a gauge',
      { metric: 'custom.g.p99' },
      (m: SystemMonitor) => m.gauge('g'),
      /gauge has no `p99`/,
    ],
    [
      'a gauge field on a histogram',
      { metric: 'custom.h.value' },
      (m: SystemMonitor) => m.histogram('h'),
      /histogram has no `value`/,
    ],
    [
      'a percentile of a counter',
      { metric: 'custom.c.p95' },
      (m: SystemMonitor) => m.counter('c'),
      /counter has no `p95`/,
    ],
    [
      'an undeclared label name',
      { metric: 'custom.g', labels: { queu: 'a' } },
      (m: SystemMonitor) => m.gauge('g', { labels: ['queue'] }),
      /`queu`.*its labels are queue/s,
    ],
    [
      'labels on a metric without labels',
      { metric: 'custom.g', labels: { queue: 'a' } },
      (m: SystemMonitor) => m.gauge('g'),
      /`queue`.*it has no labels/s,
    ],
  ] as const)(
    '%s: ERR_SYSVITALS_UNKNOWN_METRIC naming the rule, and nothing registered',
    (_l, rule, declare, says) => {
      const { monitor } = setup([{ name: 'r', warning: 1, ...rule }]);
      const error = refusal(() => declare(monitor));
      expect(error?.code).toBe('ERR_SYSVITALS_UNKNOWN_METRIC');
      expect(error?.message).toMatch(/alert rule `r`/);
      expect(error?.message).toMatch(says);
      expect(monitor.custom.names()).toEqual([]);
    },
  );

  it('declarations every rule can read are accepted, and their rules fire', async () => {
    const { monitor, warnings } = setup([
      { name: 'hist', metric: 'custom.h.p99', warning: 1 },
      { name: 'gauge', metric: 'custom.g', warning: 1 },
      { name: 'labelled', metric: 'custom.g', labels: { queue: 'a' }, warning: 1 },
      { name: 'later_value', metric: 'custom.g', labels: { queue: 'b' }, warning: 1 },
      { name: 'rate', metric: 'custom.c.value', warning: 1 },
    ]);
    const h = monitor.histogram('h');
    for (let i = 0; i < 100; i++) h.observe(50);
    monitor
      .gauge('g', { labels: ['queue'] })
      .labels({ queue: 'a' })
      .set(50);
    monitor.counter('c').inc(5);
    await monitor.sample();
    const active = (await monitor.getAlerts()).map((a) => a.rule).sort();
    expect(active).toEqual(['gauge', 'hist', 'labelled', 'rate']);
    expect(warnings.filter((w) => /not declared/.test(w.msg))).toEqual([]);
  });
});

describe('a rule whose metric is never declared', () => {
  it('logs one warning at the first sample naming it, and none after', async () => {
    const { monitor, warnings } = setup([
      { name: 'r_missing', metric: 'custom.never_declared', warning: 1 },
      { name: 'r_ok', metric: 'custom.g', warning: 1 },
    ]);
    monitor.gauge('g').set(50);
    expect(warnings.filter((w) => /not declared/.test(w.msg))).toEqual([]);
    await monitor.sample();
    await monitor.sample();
    const found = warnings.filter((w) => /not declared/.test(w.msg));
    expect(found).toHaveLength(1);
    expect(found[0]?.msg).toContain('`r_missing` (custom.never_declared)');
    expect(found[0]?.msg).not.toContain('r_ok');
    expect(found[0]?.obj).toEqual({ rules: ['r_missing'], metrics: ['never_declared'] });
  });

  it("says nothing when every rule's metric is declared before the first sample", async () => {
    const { monitor, warnings } = setup([{ name: 'r', metric: 'custom.g', warning: 1 }]);
    monitor.gauge('g').set(0);
    await monitor.sample();
    expect(warnings.filter((w) => /not declared/.test(w.msg))).toEqual([]);
  });
});
