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
