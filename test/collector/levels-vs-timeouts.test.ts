// Regression (issue 12, figures 7): a db_latency level at or above the database probe's timeout can never
// be reached (the probe gives up first and reports the database down), so it is refused at setup.

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../../src/collector/probes.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const probe = (timeoutMs?: number) => ({ check: () => Promise.resolve(), timeoutMs });
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('levels that contradict timeouts', () => {
  it('the defaults agree: both db_latency levels are below the default probe timeout', () => {
    expect(DEFAULT_LEVELS.db_latency.warning).toBeLessThan(DEFAULT_PROBE_TIMEOUT_MS);
    expect(DEFAULT_LEVELS.db_latency.critical).toBeLessThan(DEFAULT_PROBE_TIMEOUT_MS);
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      probes: { database: probe() },
    });
    monitors.push(monitor);
  });

  it('a critical level above the default timeout is refused, naming both options and what to change', () => {
    expect(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        alerts: { db_latency: { critical: 3000 } },
        probes: { database: probe() },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_CONFLICTING_OPTIONS',
        message: expect.stringMatching(
          /`alerts\.db_latency\.critical` \(3000 ms\).*`probes\.database\.timeoutMs` \(2000 ms, the default\).*below 2000 ms.*above 3000 ms/,
        ),
      }),
    );
  });

  it('a level equal to the timeout is refused too (the check is cut off at the timeout)', () => {
    expect(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        alerts: { db_latency: { warning: 300, critical: 500 } },
        probes: { database: probe(500) },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_CONFLICTING_OPTIONS',
        message: expect.stringContaining('`alerts.db_latency.critical` (500 ms)'),
      }),
    );
  });

  it('a longer probe timeout makes the same levels valid; the collector checks its own options alike', () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { db_latency: { critical: 3000 } },
      probes: { database: probe(5000) },
    });
    monitors.push(monitor);
    expect(
      () =>
        new MetricsCollector({
          levels: { db_latency: { warning: 100, critical: 300 } },
          probes: { database: probe(200) },
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_CONFLICTING_OPTIONS',
        message: expect.stringContaining('`levels.db_latency.critical` (300 ms)'),
      }),
    );
  });

  it('setProbe() at runtime is held to the same rule, and a refused probe changes nothing', async () => {
    const c = new MetricsCollector({
      logger: silentLogger,
      levels: { db_latency: { warning: 100, critical: 300 } },
    });
    expect(() => c.setProbe('database', probe(250))).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_CONFLICTING_OPTIONS' }),
    );
    expect((await c.collect()).database.status).toBe('unknown');
    c.close();
  });
});
