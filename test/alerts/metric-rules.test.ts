import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { SCORE_PENALTIES } from '../../src/alerts/health.js';
import { parseMetricPath, resolveMetric } from '../../src/alerts/metric-path.js';
import { metricRuleSource, parseMetricRules } from '../../src/alerts/metric-rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';
import { createMonitor } from '../../src/monitor.js';
import { makeSnapshot, partition, testClock } from './snapshot.js';

const silent = { warn() {}, error() {} };
const codeOf = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return { message: 'no error' };
};

describe('metric paths', () => {
  it('parses dotted fields and quoted keys', () => {
    expect(parseMetricPath('routes["GET /users/:id"].p95_ms')).toEqual([
      'routes',
      'GET /users/:id',
      'p95_ms',
    ]);
    expect(parseMetricPath("plugins.rabbitmq.queues['jobs'].messages")).toEqual([
      'plugins',
      'rabbitmq',
      'queues',
      'jobs',
      'messages',
    ]);
    expect(typeof parseMetricPath('routes["unclosed')).toBe('string');
    expect(typeof parseMetricPath('cpu..x')).toBe('string');
  });

  it('resolves routes by "METHOD route", custom metrics to their value or a label set, unknown to nothing', () => {
    const s = {
      routes: [{ method: 'GET', route: '/users/:id', p95_ms: 42 }],
      custom: { depth: { type: 'gauge', value: 9, series: [{ labels: { queue: 'a' }, value: 4 }] } },
      plugins: { mq: { status: 'unknown', error: 'down' } },
    };
    expect(resolveMetric(s, ['routes', 'GET /users/:id', 'p95_ms'])).toBe(42);
    expect(resolveMetric(s, ['custom', 'depth'])).toBe(9);
    expect(resolveMetric(s, ['custom', 'depth'], { queue: 'a' })).toBe(4);
    expect(resolveMetric(s, ['custom', 'depth'], { queue: 'zz' })).toBeUndefined();
    expect(resolveMetric(s, ['plugins', 'mq', 'queues', 'jobs', 'messages'])).toBeUndefined();
  });

  it('resolves a custom counter to its rate per second (its total only by `.value`)', () => {
    const s = {
      custom: {
        failed: {
          type: 'counter',
          value: 500,
          rate_per_second: 2.5,
          series: [{ labels: { queue: 'sms' }, value: 300, rate_per_second: 0.5 }],
        },
        fresh: { type: 'counter', value: 3, rate_per_second: null, series: [] },
      },
    };
    expect(resolveMetric(s, ['custom', 'failed'])).toBe(2.5);
    expect(resolveMetric(s, ['custom', 'failed'], { queue: 'sms' })).toBe(0.5);
    expect(resolveMetric(s, ['custom', 'failed', 'value'])).toBe(500);
    expect(resolveMetric(s, ['custom', 'fresh'])).toBeUndefined(); // no interval yet: no reading
  });
});

describe('alert rules on any metric: setup', () => {
  it('checks the path against the snapshot shape with did-you-mean, and the levels', () => {
    const bad = (rule: object, collectors: never[] = []) =>
      codeOf(() =>
        createMonitor({
          sampleIntervalMs: 0,
          logger: silent,
          collectors,
          alerts: { rules: [rule as never] },
        }),
      );
    const e1 = bad({ name: 'r', metric: 'process.event_loop_delay_p99', warning: 1 });
    expect(e1.code).toBe('ERR_SYSVITALS_UNKNOWN_METRIC');
    expect(e1.message).toContain('Did you mean `event_loop_delay_p99_ms`?');
    expect(bad({ name: 'r', metric: 'proces.rss_mb', warning: 1 }).message).toContain(
      'Did you mean `process`?',
    );
    expect(bad({ name: 'r', metric: 'routes["GET /x"].p95', warning: 1 }).message).toContain(
      'Did you mean `p95_ms`?',
    );
    expect(
      bad({ name: 'r', metric: 'plugins.rabitmq.queues["jobs"].messages', warning: 1 }, [
        { name: 'rabbitmq', collect: () => ({}) } as never,
      ]).message,
    ).toContain('Did you mean `rabbitmq`?');
    expect(bad({ name: 'r', metric: 'custom.x.p999', warning: 1 }).code).toBe('ERR_SYSVITALS_UNKNOWN_METRIC');
    expect(bad({ name: 'r', metric: 'cpu', warning: 1 }).code).toBe('ERR_SYSVITALS_UNKNOWN_METRIC');
    expect(bad({ name: 'r', metric: 'cpu.current_percent', warning: 90, critical: 80 }).code).toBe(
      'ERR_SYSVITALS_INVALID_RULE',
    );
    expect(
      bad({ name: 'r', metric: 'cpu.current_percent', warning: 10, critical: 20, direction: 'below' }).code,
    ).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(bad({ name: 'cpu', metric: 'cpu.current_percent', warning: 10 }).code).toBe(
      'ERR_SYSVITALS_INVALID_RULE',
    );
    expect(bad({ name: 'r', metric: 'cpu.current_percent', warning: 10, critcal: 20 }).message).toContain(
      'Did you mean `critical`?',
    );
    expect(bad({ name: 'r', metric: 'cpu.current_percent', warning: 10, type: 'magic' }).code).toBe(
      'ERR_SYSVITALS_INVALID_RULE',
    );
  });
});

describe('alert rules on any metric: raising and clearing on an injected clock', () => {
  function setup(rules: object[], collectors: never[] = []) {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const names = new Set(rules.map((r) => (r as { name: string }).name));
    const events: AlertEvent[] = [];
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      clock,
      logger: silent,
      collectors,
      alerts: { rules: rules as never },
      // Only this test's rules: a busy machine's real CPU or memory may alert meanwhile.
      onAlert: (e) => {
        if (names.has(e.alert.rule)) events.push(e);
      },
    });
    return { clock, events, monitor };
  }

  it('a custom gauge: pending `for`, escalation, de-escalation and clearing with hysteresis', async () => {
    const { clock, events, monitor } = setup([
      { name: 'backlog', metric: 'custom.queue_depth', warning: 100, critical: 500, clear: 80, for: 10_000 },
    ]);
    const depth = monitor.gauge('queue_depth', { help: 'Depth.' });
    const step = async (v: number, ms = 5_000) => {
      depth.set(v);
      clock.t += ms;
      await monitor.sample();
    };
    await step(150); // breached, pending
    await step(150); // 5 s
    expect(events).toEqual([]);
    await step(150); // 10 s: raised
    expect(events.map((e) => [e.type, e.alert.rule, e.alert.severity, e.alert.component])).toEqual([
      ['raised', 'backlog', 'warning', 'custom'],
    ]);
    await step(600);
    await step(600);
    await step(600); // critical held 10 s
    expect(events.at(-1)?.type).toBe('escalated');
    await step(90); // below critical − (warning − clear) = 480, not cleared (≥ 80): held critical
    expect(events.at(-1)?.type).toBe('escalated');
    await step(90, 60_000); // under it for the severity hold (a minute): back to warning
    expect(events.at(-1)?.type).toBe('deescalated');
    await step(85);
    expect(events.at(-1)?.type).toBe('deescalated');
    await step(70);
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'cleared' }));
    const history = (await monitor.getAlerts({ history: true, limit: 50 })) as {
      rule: string;
      event: string;
    }[];
    expect(history.filter((a) => a.rule === 'backlog').map((a) => a.event)).toEqual([
      'cleared',
      'deescalated',
      'escalated',
      'raised',
    ]);
    await monitor.close();
  });

  it('a custom counter label set, a plugin figure and a route p95', async () => {
    let messages = 0;
    const names = new Set(['sms_failures', 'jobs_backlog', 'user_p95']);
    const { clock, events, monitor } = setup(
      [
        { name: 'sms_failures', metric: 'custom.failures', labels: { queue: 'sms' }, warning: 5 },
        {
          name: 'jobs_backlog',
          metric: 'plugins.broker.queues["jobs"].messages',
          warning: 1000,
          critical: 5000,
        },
        { name: 'user_p95', metric: 'routes["GET /users/:id"].p95_ms', warning: 200 },
      ],
      [{ name: 'broker', collect: () => ({ queues: { jobs: { messages } } }) } as never],
    );
    const failures = monitor.counter('failures', { labels: ['queue'] });
    failures.inc({ queue: 'email' }, 50); // another label set: does not count
    failures.inc({ queue: 'sms' }, 6);
    messages = 6000;
    for (let i = 0; i < 30; i++)
      monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 300 });
    clock.t += 1000;
    await monitor.sample();
    const raised = events
      .filter((e) => e.type === 'raised')
      .map((e) => [e.alert.rule, e.alert.severity, e.alert.value]);
    expect(raised).toEqual(
      expect.arrayContaining([
        ['sms_failures', 'warning', 6],
        ['jobs_backlog', 'critical', 6000],
        ['user_p95', 'warning', expect.any(Number)],
      ]),
    );
    expect(raised).toHaveLength(3);
    const active = monitor.alertSystem.getActiveAlerts().filter((a) => names.has(a.rule));
    expect(active).toHaveLength(3);
    messages = 10;
    clock.t += 1000;
    await monitor.sample();
    // No more sms failures: the counter's rate falls to 0 and its alert clears too (it read the total, 6 for ever).
    expect(events.filter((e) => e.type === 'cleared').map((e) => e.alert.rule)).toEqual([
      'sms_failures',
      'jobs_backlog',
    ]);
    await monitor.close();
  });

  it('a route p95 and a plugin figure: pending `for`, raised, held between clear and warning, then cleared', async () => {
    let messages = 0;
    const { clock, events, monitor } = setup(
      [
        {
          name: 'user_p95',
          metric: 'routes["GET /users/:id"].p95_ms',
          warning: 200,
          clear: 150,
          for: 10_000,
        },
        {
          name: 'jobs_backlog',
          metric: 'plugins.broker.queues["jobs"].messages',
          warning: 1000,
          clear: 800,
          for: 10_000,
        },
      ],
      [{ name: 'broker', collect: () => ({ queues: { jobs: { messages } } }) } as never],
    );
    const requests = (ms: number) => {
      for (let i = 0; i < 30; i++)
        monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: ms });
    };
    const step = async (ms: number) => {
      clock.t += ms;
      await monitor.sample();
    };
    const seen = () => events.map((e) => `${e.type} ${e.alert.rule}`);
    requests(300);
    messages = 1200;
    await step(1000); // both breached: pending
    await step(5000);
    expect(seen()).toEqual([]);
    await step(5000); // 10 s: raised
    expect(seen().sort()).toEqual(['raised jobs_backlog', 'raised user_p95']);
    // Between clear and warning: held, not cleared (hysteresis).
    clock.t += 61_000; // the 300 ms requests leave the latency window
    requests(180);
    messages = 900;
    await step(1000);
    expect(seen()).toHaveLength(2);
    const mine = new Set(['jobs_backlog', 'user_p95']); // the machine's own CPU may alert meanwhile
    expect(
      monitor.alertSystem
        .getActiveAlerts()
        .map((a) => a.rule)
        .filter((r) => mine.has(r))
        .sort(),
    ).toEqual(['jobs_backlog', 'user_p95']);
    // Under clear: cleared at once (no pending time for clearing).
    clock.t += 61_000;
    requests(100);
    messages = 700;
    await step(1000);
    expect(seen().slice(2).sort()).toEqual(['cleared jobs_backlog', 'cleared user_p95']);
    await monitor.close();
  });

  it('a metric rule is delivered to the webhook and counted in the health score like a built-in rule', async () => {
    const { startReceiver } = await import('../channels/receiver.js');
    const receiver = await startReceiver();
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      clock,
      logger: silent,
      webhook: { url: `${receiver.origin}/hook`, retries: 0 },
      alerts: { rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 100, critical: 500 }] },
    });
    try {
      const depth = monitor.gauge('queue_depth', { help: 'Depth.' });
      depth.set(10);
      clock.t += 1000;
      await monitor.sample();
      depth.set(900);
      clock.t += 1000;
      await monitor.sample();
      const mine = () =>
        receiver.received
          .map((r) => r.json as { type: string; alert: { rule: string; severity: string } })
          .filter((b) => b.alert?.rule === 'backlog');
      await expect.poll(() => mine().length, { timeout: 5000 }).toBe(1);
      expect(mine()[0]).toMatchObject({ type: 'raised', alert: { rule: 'backlog', severity: 'critical' } });
      // The health score takes the alert's penalty (other alerts of this busy machine can only lower it more).
      const health = await monitor.getHealth();
      expect(monitor.alertSystem.getActiveAlerts().map((a) => a.rule)).toContain('backlog');
      expect(health.health_score).toBeLessThanOrEqual(100 - SCORE_PENALTIES.alert.critical);
    } finally {
      await monitor.close();
      await receiver.close();
    }
  });

  // Outside review: a rule on a counter read its total, which never decreases, so the alert never cleared.
  // Oracle: the rate is the increase over the sample interval ÷ its length.
  it('a rule on a custom counter reads its rate, and clears once the failures stop', async () => {
    const { clock, events, monitor } = setup([{ name: 'failing', metric: 'custom.failed_jobs', warning: 5 }]);
    const failed = monitor.counter('failed_jobs', { help: 'Failed jobs.' });
    const step = async (n: number) => {
      failed.inc(n);
      clock.t += 10_000;
      await monitor.sample();
    };
    await step(100); // 100 in 10 s: 10/s
    expect(events.map((e) => [e.type, e.alert.value])).toEqual([['raised', 10]]);
    expect(events[0]?.alert.message).toContain('custom.failed_jobs is 10/s');
    await step(0); // the total stays 100; the rate is 0
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
    await monitor.close();
  });

  it('direction below: no requests in 5 minutes', async () => {
    const { clock, events, monitor } = setup([
      { name: 'no_traffic', metric: 'requests.per_minute', warning: 0, direction: 'below', for: 300_000 },
    ]);
    for (let i = 0; i < 5; i++) {
      clock.t += 60_000;
      await monitor.sample();
    }
    expect(events).toEqual([]);
    clock.t += 60_000;
    await monitor.sample(); // 5 minutes at 0 since the first sample
    expect(events.map((e) => [e.type, e.alert.rule])).toEqual([['raised', 'no_traffic']]);
    monitor.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 1 });
    clock.t += 1000;
    await monitor.sample();
    expect(events.at(-1)?.type).toBe('cleared');
    await monitor.close();
  });
});

describe('direction below on a disk figure (AlertSystem, injected clock)', () => {
  it('free disk under 10 GB: warning after `for`, critical under 2 GB, back to warning, cleared only above 11 GB', () => {
    const clock = testClock();
    const events: AlertEvent[] = [];
    const system = new AlertSystem({ clock, logger: silent, onAlert: (e) => void events.push(e) });
    // As the monitor wires them: the rule checked against the snapshot's shape, then observed each check.
    const rules = parseMetricRules(
      [
        {
          name: 'disk_free',
          metric: 'disk.partitions["/"].free_gb',
          warning: 10,
          critical: 2,
          direction: 'below',
          for: 60_000,
        },
      ],
      snapshotShape([], []),
    );
    system.addObservationSource(metricRuleSource(rules));
    // partition('/', used) has 100 GB with `100 - used` free.
    const free = (gb: number) => {
      system.checkThresholds(makeSnapshot({ disk: { partitions: [partition('/', 100 - gb)] } }));
      clock.advance(30_000);
    };
    const seen = () =>
      events.filter((e) => e.alert.rule === 'disk_free').map((e) => [e.type, e.alert.severity]);
    free(50);
    free(9.5); // pending
    free(9.5); // 30 s
    expect(seen()).toEqual([]);
    free(9.5); // 60 s: raised
    expect(seen()).toEqual([['raised', 'warning']]);
    free(1.5);
    free(1.5);
    free(1.5); // critical held 60 s
    expect(seen().at(-1)).toEqual(['escalated', 'critical']);
    free(5); // above critical + the 1 GB gap: held critical for the severity hold (a minute)
    free(5);
    expect(seen().at(-1)).toEqual(['escalated', 'critical']);
    free(5); // 60 s above it: back to warning
    expect(seen().at(-1)).toEqual(['deescalated', 'warning']);
    free(10.5); // above warning, under clear (11): still active
    expect(seen()).toHaveLength(3);
    free(12);
    expect(seen().at(-1)?.[0]).toBe('cleared');
  });
});
