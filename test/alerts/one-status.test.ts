// Regression (issue 12, figures 3): one function decides the errors component's status, so /metrics, /health
// and the alert engine never disagree. The oracle is the rule as the README states it, from raw counts.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { assertProperty } from '../helpers/property.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function make(options: Parameters<typeof createMonitor>[0] = {}): SystemMonitor {
  // A clock that stands still: every request lands in the current window.
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: () => 1_700_000_000_000 },
    ...options,
  });
  monitors.push(monitor);
  return monitor;
}

/** The documented rule, from the raw counts: below minRequests unknown (not judged), else by the error_rate levels. */
function expectedStatus(requests: number, failed: number, minRequests: number): string {
  if (requests < minRequests) return 'unknown';
  const rate = Math.round((failed / requests) * 100 * 100) / 100;
  const { warning, critical } = DEFAULT_LEVELS.error_rate;
  return rate >= critical ? 'critical' : rate >= warning ? 'warning' : 'healthy';
}

describe('the errors status is the same everywhere', () => {
  it('one request answered 500: not judged (unknown, with a reason) in /metrics and /health alike, and no error_rate alert', async () => {
    const monitor = make();
    monitor.recordRequest({ method: 'GET', route: '/x', status: 500, durationMs: 3 });
    const metrics = await monitor.getMetrics({ maxAgeMs: 0 });
    const health = await monitor.getHealth();
    expect(metrics.errors.status).toBe('unknown');
    expect(metrics.errors.reason).toMatch(/^1 requests in the window, fewer than minRequests \(20\)/);
    expect(health.components.errors).toBe('unknown');
    expect(monitor.alertSystem.getActiveAlerts().filter((a) => a.rule === 'error_rate')).toEqual([]);
  });

  it('property: for any mix of requests, metrics, health and the error_rate alert agree with the rule', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 30 }),
        async (ok, failed, minRequests) => {
          const monitor = make({ alerts: { error_rate: { minRequests } } });
          for (let i = 0; i < ok; i++)
            monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 1 });
          for (let i = 0; i < failed; i++)
            monitor.recordRequest({ method: 'GET', route: '/a', status: 503, durationMs: 1 });
          const metrics = await monitor.getMetrics({ maxAgeMs: 0 });
          const health = await monitor.getHealth();
          const expected = expectedStatus(ok + failed, failed, minRequests);
          expect(metrics.errors.status).toBe(expected);
          expect(health.components.errors).toBe(expected);
          const alert = monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate');
          expect(alert?.severity ?? (expected === 'unknown' ? 'unknown' : 'healthy')).toBe(expected);
          await monitor.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('below the minimum the status never claims health (red team figures F8)', () => {
  it('15 requests, all 500: error rate 100 %, status unknown with the reason, health not green-by-errors, no alert; an active alert clears when traffic drops below the minimum', async () => {
    let now = 1_700_000_000_000;
    const monitor = make({ clock: { now: () => now } });
    for (let i = 0; i < 15; i++)
      monitor.recordRequest({ method: 'GET', route: '/s', status: 500, durationMs: 2 });
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.errors).toMatchObject({ count_5xx: 15, error_rate_percent: 100, status: 'unknown' });
    expect(m.errors.reason).toBe(
      '15 requests in the window, fewer than minRequests (20): the error rate is not judged',
    );
    const health = await monitor.getHealth();
    expect(health.components.errors).toBe('unknown');
    expect(monitor.alertSystem.getActiveAlerts().filter((a) => a.rule === 'error_rate')).toEqual([]);
    // 5 more: 20 requests, 100 % -> critical and an alert; a minute later 3 requests (below the guard): cleared.
    for (let i = 0; i < 5; i++)
      monitor.recordRequest({ method: 'GET', route: '/s', status: 500, durationMs: 2 });
    now += 1; // a new snapshot (one taken at the same instant is reused)
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).errors.status).toBe('critical');
    expect(monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate')?.severity).toBe(
      'critical',
    );
    now += 61_000;
    for (let i = 0; i < 3; i++)
      monitor.recordRequest({ method: 'GET', route: '/s', status: 500, durationMs: 2 });
    const later = await monitor.getMetrics({ maxAgeMs: 0 });
    expect([later.errors.count_5xx, later.errors.status]).toEqual([3, 'unknown']);
    expect(later.requests.per_minute).toBeLessThan(20); // 3 over the 51 s the window covers: 3.53
    expect(monitor.alertSystem.getActiveAlerts().filter((a) => a.rule === 'error_rate')).toEqual([]);
  });
});
