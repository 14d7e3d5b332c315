// Regression (issue 12, figures 2): a component that could not be measured lowers health; it is never read as healthy.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getHealthStatus, SCORE_PENALTIES } from '../../src/alerts/health.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { ComponentStatus } from '../../src/types.js';
import { assertProperty } from '../helpers/property.js';
import { makeSnapshot } from './snapshot.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('health when nothing could be measured', () => {
  it('a monitor whose host groups all fail is yellow, loses points, and says why', async () => {
    // A procfs root that does not exist: every host group fails to read, as on a locked-down container.
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      procRoot: '/nonexistent-proc',
    });
    monitors.push(monitor);
    const snapshot = await monitor.sample();
    const failed = ['cpu', 'memory', 'disk'].filter((g) => {
      const group = (snapshot as unknown as Record<string, { status: string; error?: string }>)[g];
      return group?.status === 'unknown' && typeof group.error === 'string';
    });
    expect(failed).toEqual(['cpu', 'memory', 'disk']);
    const health = await monitor.getHealth();
    expect(health.status).toBe('yellow');
    expect(health.health_score).toBe(100 - failed.length * SCORE_PENALTIES.component.unmeasured);
    expect(Object.keys(health.unknown_reasons ?? {}).sort()).toEqual([...failed].sort());
    expect(health.unknown_reasons?.cpu).toMatch(/ENOENT/);
    // Not configured is not a failure: no database probe, no penalty and no reason.
    expect(health.components.database).toBe('unknown');
    expect(health.unknown_reasons?.database).toBeUndefined();
  });

  it('a collector plugin whose collect() fails costs what any failed collector costs (outside review 29, RT29-6)', async () => {
    // With and without a status rule: a failed collect() is a failed collector; its component is plugins.<name>.
    for (const status of [(g: { up?: boolean }) => (g.up ? 'healthy' : 'critical'), undefined] as const) {
      let fail = false;
      const monitor = createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        // The host groups fail too (no such procfs): the same status and score on any machine's load.
        procRoot: '/nonexistent-proc',
        collectors: [
          {
            name: 'payments',
            collect: () => {
              if (fail) throw new Error('payments API unreachable');
              return { up: true };
            },
            ...(status ? { status } : {}),
          },
        ],
      });
      monitors.push(monitor);
      await monitor.sample();
      const before = await monitor.getHealth();
      expect(before.components['plugins.payments']).toBe('healthy');
      expect(before.unknown_reasons?.['plugins.payments']).toBeUndefined();
      fail = true;
      await monitor.sample();
      const after = await monitor.getHealth();
      expect(after.components['plugins.payments']).toBe('unknown');
      // The documented rule: at least yellow, 10 points, named with its error.
      expect(after.status).not.toBe('green');
      expect(after.health_score).toBe(before.health_score - SCORE_PENALTIES.component.unmeasured);
      expect(after.unknown_reasons?.['plugins.payments']).toBe('payments API unreachable');
    }
  });

  it('a plugin named like a built-in group is looked up among the plugins, not the snapshot', () => {
    const health = getHealthStatus(
      makeSnapshot({
        cpu: { status: 'unknown', error: 'cpu read failed' },
        plugins: { cpu: { status: 'unknown', error: 'plugin cpu failed' }, toString: { status: 'healthy' } },
      } as never),
      [],
    );
    expect(health.unknown_reasons).toEqual({ cpu: 'cpu read failed', 'plugins.cpu': 'plugin cpu failed' });
  });

  it('a component unknown only because nothing is configured costs nothing', () => {
    const health = getHealthStatus(
      makeSnapshot({ database: { status: 'unknown', response_time_ms: null } }),
      [],
    );
    expect([health.status, health.health_score, health.unknown_reasons]).toEqual(['green', 100, undefined]);
  });

  it('property: any failed group makes health at least yellow, and each one costs its penalty', async () => {
    const groups = ['cpu', 'memory', 'disk', 'process'] as const;
    await assertProperty(
      fc.property(fc.subarray([...groups]), (failing) => {
        const overrides: Record<string, unknown> = {};
        for (const g of failing) overrides[g] = { status: 'unknown', error: `${g} read failed` };
        const health = getHealthStatus(makeSnapshot(overrides as never), []);
        const statuses = Object.values(health.components) as ComponentStatus[];
        expect(statuses.filter((s) => s === 'unknown')).toHaveLength(failing.length);
        if (failing.length === 0) {
          expect(health.status).toBe('green');
        } else {
          expect(health.status).not.toBe('green');
          expect(health.unknown_reasons).toEqual(
            Object.fromEntries(failing.map((g) => [g, `${g} read failed`])),
          );
        }
        expect(health.health_score).toBe(100 - failing.length * SCORE_PENALTIES.component.unmeasured);
      }),
      { numRuns: 50 },
    );
  });
});
