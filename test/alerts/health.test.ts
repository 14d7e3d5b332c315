import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert, AlertSeverity } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import {
  componentStatuses,
  getHealthStatus,
  HEALTH_COMPONENTS,
  healthColor,
  healthScore,
} from '../../src/alerts/health.js';
import type { ComponentStatus } from '../../src/types.js';
import { makeSnapshot, partition, testClock } from './snapshot.js';

const alert = (severity: AlertSeverity): Alert => ({
  id: 'x',
  rule: 'cpu',
  component: 'cpu',
  severity,
  message: '',
  timestamp: '',
  duration_seconds: 0,
  value: 0,
  threshold: 0,
  state: 'active',
  cleared_at: null,
});

describe('health bands', () => {
  it('is green with score 100 when everything is healthy', () => {
    const clock = testClock();
    const health = getHealthStatus(makeSnapshot(), [], clock);
    expect(health).toEqual({
      status: 'green',
      timestamp: new Date(clock.now()).toISOString(),
      health_score: 100,
      components: {
        cpu: 'healthy',
        memory: 'healthy',
        disk: 'healthy',
        database: 'healthy',
        redis: 'healthy',
        requests: 'healthy',
        errors: 'healthy',
        latency: 'healthy',
        process: 'healthy',
      },
      active_alerts: 0,
    });
    expect(Object.keys(health.components)).toEqual([...HEALTH_COMPONENTS]);
  });

  it.each([
    [69.99, 'green', 'healthy'],
    [70, 'yellow', 'warning'],
    [85, 'yellow', 'warning'],
    [85.01, 'red', 'critical'],
  ] as const)('cpu at %s%% is %s (70 inclusive, 85 inclusive for yellow)', (value, color, status) => {
    const health = getHealthStatus(makeSnapshot({ cpu: { current_percent: value } }), []);
    expect(health.status).toBe(color);
    expect(health.components.cpu).toBe(status);
  });

  it('applies the bands to memory and to the fullest disk partition', () => {
    expect(getHealthStatus(makeSnapshot({ memory: { used_percent: 75 } }), []).status).toBe('yellow');
    const disks = makeSnapshot({ disk: { partitions: [partition('/', 20), partition('/data', 86)] } });
    expect(getHealthStatus(disks, []).components.disk).toBe('critical');
    expect(getHealthStatus(disks, []).status).toBe('red');
  });

  it('follows the rule, not the seed example: a disk in warning makes the status yellow', () => {
    const health = getHealthStatus(makeSnapshot({ disk: { partitions: [partition('/', 80)] } }), [
      alert('warning'),
    ]);
    expect(health.components.disk).toBe('warning');
    expect(health.status).toBe('yellow');
    expect(health.active_alerts).toBe(1);
  });

  it('is red when a dependency does not answer', () => {
    const health = getHealthStatus(
      makeSnapshot({ database: { status: 'critical', response_time_ms: null, error: 'ECONNREFUSED' } }),
      [],
    );
    expect(health.components.database).toBe('critical');
    expect(health.status).toBe('red');
  });

  it('ignores unknown components (no probe configured)', () => {
    const health = getHealthStatus(
      makeSnapshot({
        database: { status: 'unknown', response_time_ms: null },
        redis: { status: 'unknown', response_time_ms: null, working: null },
        cpu: { status: 'unknown', current_percent: 99 },
      }),
      [],
    );
    expect(health.components).toMatchObject({ database: 'unknown', redis: 'unknown', cpu: 'unknown' });
    expect(health.status).toBe('green');
    expect(health.health_score).toBe(100);
  });

  it('reports error status only with enough requests (the error_rate rule guard)', () => {
    const failing = (perMinute: number) =>
      makeSnapshot({
        requests: { per_minute: perMinute },
        errors: { status: 'critical', error_rate_percent: 100 },
      });
    // Below the guard: not judged, `unknown` (never `healthy` beside a 100 % rate; red team figures F8).
    expect(componentStatuses(failing(1)).errors).toBe('unknown');
    expect(componentStatuses(failing(20)).errors).toBe('critical');
    expect(componentStatuses(failing(20), { minRequests: 50 }).errors).toBe('unknown');
  });

  it('takes latency, requests and process status from the snapshot', () => {
    const c = componentStatuses(
      makeSnapshot({
        latency: { status: 'warning' },
        requests: { status: 'critical' },
        process: { status: 'warning' },
      }),
    );
    expect([c.latency, c.requests, c.process]).toEqual(['warning', 'critical', 'warning']);
  });
});

describe('health score', () => {
  it('subtracts 10 / 30 per component in warning / critical and 5 / 15 per warning / critical alert', () => {
    expect(healthScore(['healthy', 'unknown'], [])).toBe(100);
    expect(healthScore(['warning'], [])).toBe(90);
    expect(healthScore(['critical'], [])).toBe(70);
    expect(healthScore(['warning'], [alert('warning')])).toBe(85);
    expect(healthScore(['critical', 'warning'], [alert('critical'), alert('warning')])).toBe(40);
    expect(healthScore(['critical', 'critical', 'critical', 'critical'], [alert('critical')])).toBe(0);
  });

  const status = fc.constantFrom<ComponentStatus>('unknown', 'healthy', 'warning', 'critical');
  const severity = fc.constantFrom<AlertSeverity>('warning', 'critical');
  const rank: Record<ComponentStatus, number> = { unknown: 0, healthy: 1, warning: 2, critical: 3 };

  it('is monotone: a worse component or one more alert never raises it, and stays within 0–100', () => {
    fc.assert(
      fc.property(
        fc.array(status, { minLength: 1, maxLength: 9 }),
        fc.nat(8),
        status,
        fc.array(severity, { maxLength: 10 }),
        severity,
        (statuses, index, replacement, severities, extra) => {
          const alerts = severities.map(alert);
          const base = healthScore(statuses, alerts);
          expect(base).toBeGreaterThanOrEqual(0);
          expect(base).toBeLessThanOrEqual(100);
          const i = index % statuses.length;
          const changed = statuses.map((s, j) => (j === i ? replacement : s));
          const after = healthScore(changed, alerts);
          if (rank[replacement] >= rank[statuses[i]!]) expect(after).toBeLessThanOrEqual(base);
          else expect(after).toBeGreaterThanOrEqual(base);
          expect(healthScore(statuses, [...alerts, alert(extra)])).toBeLessThanOrEqual(base);
        },
      ),
    );
  });

  it('agrees with the colour: green components and no alerts score 100', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<ComponentStatus>('unknown', 'healthy')), (statuses) => {
        expect(healthColor(statuses)).toBe('green');
        expect(healthScore(statuses, [])).toBe(100);
      }),
    );
  });
});

describe('AlertSystem.getHealthStatus', () => {
  it('counts the active alerts and uses the injected clock', () => {
    const clock = testClock();
    const system = new AlertSystem({ clock, logger: { warn() {}, error() {} } });
    const snapshot = makeSnapshot({
      cpu: { current_percent: 82 },
      disk: { partitions: [partition('/', 91)] },
    });
    system.checkThresholds(snapshot);
    clock.advance(60_000);
    const health = system.getHealthStatus(snapshot);
    expect(health.active_alerts).toBe(2);
    expect(health.timestamp).toBe(new Date(clock.now()).toISOString());
    // cpu 82 → warning band, disk 91 → critical band; two warning alerts.
    expect(health.status).toBe('red');
    expect(health.health_score).toBe(100 - 10 - 30 - 5 - 5);
  });
});
