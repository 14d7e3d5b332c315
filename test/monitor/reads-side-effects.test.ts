// Reads change nothing (outside review 11, F6): with sampling on, a read (getMetrics(), getHealth(), a Prometheus
// scrape, `metrics/`, `health/`) calls none of the application's callbacks — gauges' collect(), the dependency
// probes' check() and poolSize(), collector plugins' collect() — it shows what the last sample collected. Oracles:
// the calls the test counts itself, and the alert history of the same traffic without any reader.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/alerts/alert.js';
import { answer, fresh } from '../../src/cluster/answers.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { BASE, body, open, serveAdmin } from '../http/stream-helpers.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
/**
 * The rules on the machine's own figures off: the oracles are the test's own rules. A loaded test machine's event
 * loop is late by 100+ ms at times (event_loop_delay's warning): it raised and cleared that alert in one run's
 * history at load 20, whoever read.
 */
const HOST_RULES_OFF = {
  cpu: { enabled: false },
  memory: { enabled: false },
  disk: { enabled: false },
  event_loop_delay: { enabled: false },
} as const;
/** A periodic sample a day away: sampling is on, the test takes every sample itself. */
const SAMPLING_ON = 86_400_000;

const monitors: SystemMonitor[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A monitor on a clock the test moves, counting every call of its gauge, probe and plugin callbacks. */
function counted(options: Partial<MonitorOptions> = {}) {
  const clock = { t: T0, now: () => clock.t };
  const calls = { gauge: 0, check: 0, pool: 0, plugin: 0 };
  const monitor = createMonitor({
    sampleIntervalMs: SAMPLING_ON,
    clock,
    logger: quiet,
    probes: {
      database: {
        check: async () => {
          calls.check++;
        },
        poolSize: () => {
          calls.pool++;
          return { total: 10, idle: 10 - calls.pool, waiting: 0 };
        },
      },
    },
    collectors: [{ name: 'broker', collect: () => ({ status: 'healthy', run: ++calls.plugin }) }],
    ...options,
  });
  monitors.push(monitor);
  monitor.gauge('depth', {
    help: 'Depth.',
    collect: () => {
      calls.gauge++;
      return 100 * calls.gauge;
    },
  });
  return { monitor, clock, calls };
}

/** Every in-process read a user or the admin API makes, each fresh (maxAgeMs 0). */
async function readAll(monitor: SystemMonitor): Promise<MetricsSnapshot> {
  const snapshot = await monitor.getMetrics({ maxAgeMs: 0 });
  await monitor.getHealth({ detailed: true });
  renderPrometheus(await collectPrometheusData(monitor, 0));
  // What a cluster worker answers the aggregator's reads with (fresh: maxAgeMs 0).
  await answer(monitor as never, fresh({ op: 'metrics', maxAgeMs: 1000 }));
  await answer(monitor as never, fresh({ op: 'prometheus', maxAgeMs: 1000 }));
  return snapshot;
}

const depthOf = (s: MetricsSnapshot) =>
  (s.custom as unknown as Record<string, { value: number | null }>).depth?.value;

describe('reads with sampling on call no application callback', () => {
  it.each([
    ["gauges' collect()", 'gauge'],
    ["the database probe's check()", 'check'],
    ["the database probe's poolSize()", 'pool'],
    ["collector plugins' collect()", 'plugin'],
  ] as const)('a read calls none of %s, before or after the first sample', async (_, kind) => {
    const { monitor, clock, calls } = counted();
    for (let sample = 0; sample < 3; sample++) {
      for (let i = 0; i < 10; i++) {
        clock.t += 500;
        await readAll(monitor);
      }
      expect(calls[kind]).toBe(sample);
      await monitor.sample();
      expect(calls[kind]).toBe(sample + 1);
    }
  });

  it('a read shows what the last sample collected, and not measured yet before the first', async () => {
    const { monitor, clock, calls } = counted();
    // Before the first sample: nothing sampled yet, nothing called; the groups read as not measured.
    const before = await readAll(monitor);
    expect(calls).toEqual({ gauge: 0, check: 0, pool: 0, plugin: 0 });
    expect(before.sampled_at).toBeNull();
    expect(before.database).toMatchObject({ status: 'unknown', response_time_ms: null, pool_size: null });
    expect(before.plugins).toEqual({ broker: { status: 'unknown' } });
    // Nothing collected: no reading (null), not 0 (outside review 11, F10).
    expect(depthOf(before)).toBeNull();

    const sampled = await monitor.sample();
    expect(calls).toEqual({ gauge: 1, check: 1, pool: 1, plugin: 1 });
    expect(sampled.sampled_at).toBe(sampled.timestamp);
    for (let i = 0; i < 30; i++) {
      clock.t += 100; // past metricsMaxAgeMs and any maxAgeMs: every read collects a snapshot
      const read = await readAll(monitor);
      expect(read.sampled_at).toBe(sampled.timestamp);
      expect(depthOf(read)).toBe(100);
      expect(read.database).toEqual(sampled.database);
      expect(read.plugins).toEqual({ broker: { status: 'healthy', run: 1 } });
    }
    const text = renderPrometheus(await collectPrometheusData(monitor, 0));
    expect(text).toContain('\nsysvitals_depth 100\n');
    expect(calls).toEqual({ gauge: 1, check: 1, pool: 1, plugin: 1 });

    const second = await monitor.sample();
    expect(calls).toEqual({ gauge: 2, check: 2, pool: 2, plugin: 2 });
    expect(depthOf(second)).toBe(200);
    expect(second.plugins).toEqual({ broker: { status: 'healthy', run: 2 } });
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).database.pool_idle).toBe(8);
  });

  it('what a reader does to its snapshot reaches no later read', async () => {
    const { monitor, clock } = counted();
    const sampled = await monitor.sample();
    const poke = (s: MetricsSnapshot) => {
      (s.plugins as unknown as { broker: { run: number } }).broker.run = 99;
      s.database.status = 'critical';
    };
    poke(sampled);
    for (let i = 0; i < 2; i++) {
      clock.t += 10;
      const read = await monitor.getMetrics({ maxAgeMs: 0 });
      expect(read.plugins).toEqual({ broker: { status: 'healthy', run: 1 } });
      expect(read.database.status).toBe('healthy');
      poke(read);
    }
  });
});

describe('reads with sampling off (sampleIntervalMs 0)', () => {
  it('collect on read, at most once per maxAgeMs, and evaluate no rule', async () => {
    const { monitor, clock, calls } = counted({
      sampleIntervalMs: 0,
      alerts: {
        ...HOST_RULES_OFF,
        rules: [{ name: 'deep', metric: 'custom.depth', warning: 1 }],
      },
    });
    const first = await monitor.getMetrics({ maxAgeMs: 1000 });
    expect(calls).toEqual({ gauge: 1, check: 1, pool: 1, plugin: 1 });
    expect(first.sampled_at).toBeNull();
    expect(depthOf(first)).toBe(100);
    clock.t += 1000;
    await monitor.getMetrics({ maxAgeMs: 1000 });
    // The scrape reads the snapshot in hand: the gauge's value it collected, no call of its own.
    expect(renderPrometheus(await collectPrometheusData(monitor, 1000))).toContain('\nsysvitals_depth 100\n');
    expect(calls).toEqual({ gauge: 1, check: 1, pool: 1, plugin: 1 });
    clock.t += 1;
    expect(depthOf(await monitor.getMetrics({ maxAgeMs: 1000 }))).toBe(200);
    expect(calls).toEqual({ gauge: 2, check: 2, pool: 2, plugin: 2 });
    // Depth 200 against warning 1: only a sample raises it.
    expect(await monitor.getAlerts({ history: true })).toEqual([]);
    await monitor.sample();
    expect((await monitor.getAlerts()).map((a) => a.rule)).toEqual(['deep']);
  });
});

/**
 * A delta gauge (events since its last collect(), prom-client's `collect(){ set(n - last); last = n }`), 50 events
 * a simulated second, a sample every 2 s (100 events each), warning at 60, over 6 samples; `read` runs after every
 * simulated 100 ms. Returns the alert history and the number of collect() calls.
 */
async function deltaRun(read?: (monitor: SystemMonitor) => Promise<unknown>) {
  const clock = { t: T0, now: () => clock.t };
  const monitor = createMonitor({
    sampleIntervalMs: SAMPLING_ON,
    clock,
    logger: quiet,
    alerts: {
      ...HOST_RULES_OFF,
      rules: [{ name: 'burst', metric: 'custom.events_since_last', warning: 60 }],
    },
  });
  monitors.push(monitor);
  let n = 0;
  let last = 0;
  let collects = 0;
  monitor.gauge('events_since_last', {
    help: 'Events since the last collection.',
    collect: () => {
      collects++;
      const d = n - last;
      last = n;
      return d;
    },
  });
  for (let s = 0; s < 6; s++) {
    for (let tick = 0; tick < 20; tick++) {
      clock.t += 100;
      n += 5;
      if (read) await read(monitor);
    }
    await monitor.sample();
  }
  const history = (await monitor.getAlerts({ history: true })) as AlertRecord[];
  return {
    collects,
    history: history.map((a) => ({
      rule: a.rule,
      event: a.event,
      severity: a.severity,
      value: a.value,
      at: a.timestamp,
    })),
  };
}

describe('the alert on a delta gauge does not depend on who reads', () => {
  it('in process: the same history with a reader every 100 ms as with none', async () => {
    const alone = await deltaRun();
    // Oracle of the traffic itself: 100 events per sample against warning 60, raised at the first sample.
    expect(alone.collects).toBe(6);
    expect(alone.history).toEqual([
      {
        rule: 'burst',
        event: 'raised',
        severity: 'warning',
        value: 100,
        at: new Date(T0 + 2000).toISOString(),
      },
    ]);
    const watched = await deltaRun(readAll);
    expect(watched).toEqual(alone);
  });

  it('on a real server polled over HTTP (metrics/, health/, Prometheus), fresh at every read', async () => {
    let served: Awaited<ReturnType<typeof serveAdmin>> | undefined;
    let polls = 0;
    const poll = async () => {
      const base = `${served?.url}${BASE}`;
      for (const path of ['metrics', 'health?detailed=true', 'metrics/prometheus']) {
        const reply = await open(`${base}/${path}`);
        // health/ answers 503 while an alert makes the status red: either way a figure was read.
        expect([200, 503], path).toContain(reply.statusCode);
        await body(reply);
      }
      polls++;
    };
    const watched = await deltaRun(async (monitor) => {
      if (!served) {
        served = await serveAdmin(monitor, { metricsMaxAgeMs: 0 });
        closers.push(() => (served as { close: () => Promise<void> }).close());
      }
      await poll();
    });
    expect(polls).toBe(120);
    expect(watched).toEqual(await deltaRun());
  });
});
