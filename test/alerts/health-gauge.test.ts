// Regression (outside review rtD, brokengauge): a collect() gauge an alert rule reads whose callback fails is unknown
// in health as a failing collector plugin is: at least yellow, the same points, named with its redacted error.

import { afterEach, describe, expect, it } from 'vitest';
import { SCORE_PENALTIES } from '../../src/alerts/health.js';
import { redactCredentials } from '../../src/channels/credentials.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { HealthStatus, MetricsSnapshot } from '../../src/types.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

const REFUSED = 'connect ECONNREFUSED amqp://jobs:s3cret-pw@10.0.0.7:5672';

/** A monitor on an injected clock whose host groups fail alike on any machine (no such procfs). */
function monitorWith(options: { rules?: unknown[]; collectors?: unknown[] }) {
  const clock = { t: Date.UTC(2026, 11, 1, 12) };
  const monitor = createMonitor({
    clock: () => clock.t,
    sampleIntervalMs: 0,
    logger: silentLogger,
    procRoot: '/nonexistent-proc',
    alerts: { rules: options.rules ?? [] } as never,
    ...(options.collectors ? { collectors: options.collectors as never } : {}),
  });
  monitors.push(monitor);
  const sample = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      clock.t += 5000;
      await monitor.sample();
    }
  };
  return { monitor, sample };
}

/** The error a custom gauge's snapshot shows. */
const gaugeError = (m: MetricsSnapshot, name: string) =>
  (m.custom?.[name] as { error?: string } | undefined)?.error;

const backlog = { name: 'backlog', metric: 'custom.queue_depth', warning: 1000, critical: 10000 };

describe('a failing collect() gauge that a rule reads', () => {
  it('is unknown with its redacted error while it fails, costs a failed collector’s points, and recovers', async () => {
    let fail = false;
    const { monitor, sample } = monitorWith({ rules: [backlog] });
    monitor.gauge('queue_depth', {
      help: 'Jobs waiting.',
      collect: () => {
        if (fail) throw new Error(REFUSED);
        return 3;
      },
    });
    await sample();
    const before = await monitor.getHealth({ detailed: true });
    expect(before.components['custom.queue_depth']).toBeUndefined();
    expect(before.unknown_reasons?.['custom.queue_depth']).toBeUndefined();

    fail = true;
    await sample(20); // 100 s of failing samples
    const failing = await monitor.getHealth({ detailed: true });
    expect(gaugeError(await monitor.getMetrics(), 'queue_depth')).toBe(redactCredentials(REFUSED));
    expect(failing.components['custom.queue_depth']).toBe('unknown');
    expect(failing.unknown_reasons?.['custom.queue_depth']).toBe(redactCredentials(REFUSED));
    expect(failing.unknown_reasons?.['custom.queue_depth']).not.toContain('s3cret-pw');
    expect(failing.status).not.toBe('green');
    expect(failing.health_score).toBe(before.health_score - SCORE_PENALTIES.component.unmeasured);

    fail = false;
    await sample();
    const after = await monitor.getHealth({ detailed: true });
    expect(after.components['custom.queue_depth']).toBeUndefined();
    expect(after.unknown_reasons?.['custom.queue_depth']).toBeUndefined();
    expect([after.status, after.health_score]).toEqual([before.status, before.health_score]);
  });

  it('costs what a collector plugin failing with the same error costs', async () => {
    const refused = () => {
      throw new Error(REFUSED);
    };
    const gauge = monitorWith({ rules: [backlog] });
    gauge.monitor.gauge('queue_depth', { help: 'Jobs waiting.', collect: refused });
    const plugin = monitorWith({ collectors: [{ name: 'rabbit', collect: refused }] });
    const healthy = monitorWith({});
    await Promise.all([gauge.sample(20), plugin.sample(20), healthy.sample(20)]);
    const [g, p, h] = (await Promise.all(
      [gauge, plugin, healthy].map((x) => x.monitor.getHealth({ detailed: true })),
    )) as [HealthStatus, HealthStatus, HealthStatus];
    expect(g.health_score).toBe(p.health_score);
    expect(g.status).toBe(p.status);
    expect(h.health_score - g.health_score).toBe(SCORE_PENALTIES.component.unmeasured);
    expect(g.unknown_reasons?.['custom.queue_depth']).toBe(p.unknown_reasons?.['plugins.rabbit']);
  });

  it('a gauge no enabled rule reads costs nothing (its error stays in the snapshot)', async () => {
    const quiet = monitorWith({ rules: [{ ...backlog, enabled: false }] });
    const healthy = monitorWith({});
    quiet.monitor.gauge('queue_depth', {
      help: 'Jobs waiting.',
      collect: () => {
        throw new Error(REFUSED);
      },
    });
    quiet.monitor.gauge('other_depth', {
      help: 'No rule reads this.',
      collect: () => {
        throw new Error(REFUSED);
      },
    });
    await Promise.all([quiet.sample(3), healthy.sample(3)]);
    const q = await quiet.monitor.getHealth({ detailed: true });
    const h = await healthy.monitor.getHealth({ detailed: true });
    expect(gaugeError(await quiet.monitor.getMetrics(), 'other_depth')).toBe(redactCredentials(REFUSED));
    expect([q.status, q.health_score, q.unknown_reasons]).toEqual([
      h.status,
      h.health_score,
      h.unknown_reasons,
    ]);
  });
});

describe('a rule on a custom counter or histogram that records nothing for a long time (documented)', () => {
  it('a counter reads a real 0/s (its alert clears); a histogram statistic has no reading; neither is unknown', async () => {
    const { monitor, sample } = monitorWith({
      rules: [
        { name: 'jobs_rate', metric: 'custom.jobs_total', warning: 5 },
        { name: 'slow_jobs', metric: 'custom.job_ms.p99', warning: 100 },
      ],
    });
    const jobs = monitor.counter('jobs_total', { help: 'Jobs done.' });
    const took = monitor.histogram('job_ms', { help: 'Job time.' });
    for (let i = 0; i < 6; i++) {
      jobs.inc(100);
      for (let k = 0; k < 50; k++) took.observe(500);
      await sample();
    }
    const busy = await monitor.getHealth({ detailed: true });
    expect((await monitor.getAlerts()).map((a) => a.rule).sort()).toEqual(['jobs_rate', 'slow_jobs']);
    await sample(240); // 20 minutes with nothing recorded
    const m = await monitor.getMetrics();
    const counter = m.custom?.jobs_total as { rate_per_second: number; value: number };
    const histogram = m.custom?.job_ms as { count: number; p99: number | null };
    expect([counter.value, counter.rate_per_second, histogram.count, histogram.p99]).toEqual([
      600,
      0,
      0,
      null,
    ]);
    // The counter's 0/s is a measurement: its alert clears. The histogram's empty window is no reading: its rule
    // neither raises nor clears, so the alert raised on the last values stays active.
    expect((await monitor.getAlerts()).map((a) => a.rule)).toEqual(['slow_jobs']);
    const quiet = await monitor.getHealth({ detailed: true });
    // Neither is a failed measurement: no unknown component, no reason; the cleared alert gives its points back.
    expect(Object.keys(quiet.components).filter((c) => c.startsWith('custom.'))).toEqual([]);
    expect(quiet.unknown_reasons).toEqual(busy.unknown_reasons);
    expect(quiet.health_score - busy.health_score).toBe(SCORE_PENALTIES.alert.warning);
  });
});
