import { describe, expect, it, vi } from 'vitest';
import type { AlertEvent, AlertRecord } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import type { AlertSystemOptions } from '../../src/alerts/engine-options.js';
import { SysvitalsError } from '../../src/errors.js';
import type { Logger } from '../../src/types.js';
import { makeSnapshot, type Overrides, partition, testClock } from './snapshot.js';

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    warn: (_obj, msg) => lines.push(`warn ${msg ?? ''}`),
    error: (_obj, msg) => lines.push(`error ${msg ?? ''}`),
    info: (_obj, msg) => lines.push(`info ${msg ?? ''}`),
  };
  return { logger, lines };
}

function setup(options: AlertSystemOptions = {}) {
  const clock = testClock();
  const events: AlertEvent[] = [];
  const { logger, lines } = recordingLogger();
  const system = new AlertSystem({ clock, logger, onAlert: (e) => void events.push(e), ...options });
  return { system, clock, events, lines };
}

describe('AlertSystem rules', () => {
  it('raises nothing for a healthy snapshot', () => {
    const { system, events } = setup();
    expect(system.checkThresholds(makeSnapshot())).toEqual([]);
    expect(events).toEqual([]);
  });

  it.each([
    ['cpu', 'cpu', { cpu: { current_percent: 82 } }, 82, 80, 'CPU usage warning'],
    ['memory', 'memory', { memory: { used_percent: 96 } }, 96, 95, 'Memory usage critical'],
    ['disk', 'disk', { disk: { partitions: [partition('/', 91)] } }, 91, 90, 'Disk usage warning on: /'],
    [
      'db_latency',
      'database',
      { database: { response_time_ms: 1200 } },
      1200,
      1000,
      'Database latency warning',
    ],
    [
      'api_response_time',
      'latency',
      { latency: { p95_ms: 6000 } },
      6000,
      5000,
      'API response time (p95) critical',
    ],
    ['error_rate', 'errors', { errors: { error_rate_percent: 7.5 } }, 7.5, 5, 'Error rate warning'],
  ] satisfies Array<[string, string, Overrides, number, number, string]>)(
    'raises the %s rule',
    (rule, component, overrides, value, threshold, message) => {
      const { system, clock, events } = setup();
      const active = system.checkThresholds(makeSnapshot(overrides));
      expect(active).toHaveLength(1);
      expect(active[0]).toMatchObject({
        rule,
        component,
        message,
        value,
        threshold,
        state: 'active',
        cleared_at: null,
        duration_seconds: 0,
        timestamp: new Date(clock.now()).toISOString(),
      });
      expect(active[0]!.severity).toBe(message.includes('critical') ? 'critical' : 'warning');
      expect(active[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(events.map((e) => e.type)).toEqual(['raised']);
    },
  );

  it('raises at exactly the warning level (at or above)', () => {
    const { system } = setup();
    expect(system.checkThresholds(makeSnapshot({ cpu: { current_percent: 79.99 } }))).toHaveLength(0);
    expect(system.checkThresholds(makeSnapshot({ cpu: { current_percent: 80 } }))).toHaveLength(1);
  });

  it('raises one disk alert per partition, each named by its mount', () => {
    const { system } = setup();
    const active = system.checkThresholds(
      makeSnapshot({
        disk: { partitions: [partition('/', 92), partition('/data', 97), partition('/boot', 30)] },
      }),
    );
    expect(active.map((a) => [a.message, a.severity])).toEqual([
      ['Disk usage critical on: /data', 'critical'],
      ['Disk usage warning on: /', 'warning'],
    ]);
    expect(new Set(active.map((a) => a.id)).size).toBe(2);
  });

  it('clears the alert of a partition that is no longer mounted', () => {
    const { system, events } = setup();
    system.checkThresholds(
      makeSnapshot({ disk: { partitions: [partition('/', 40), partition('/mnt/usb', 99)] } }),
    );
    expect(system.getActiveAlerts()).toHaveLength(1);
    system.checkThresholds(makeSnapshot({ disk: { partitions: [partition('/', 40)] } }));
    expect(system.getActiveAlerts()).toHaveLength(0);
    expect(events.map((e) => [e.type, e.alert.message])).toEqual([
      ['raised', 'Disk usage critical on: /mnt/usb'],
      ['cleared', 'Disk usage critical on: /mnt/usb'],
    ]);
  });

  it('skips a rule whose input is unknown, and keeps an active alert as it is while its input is unknown', () => {
    const { system } = setup();
    expect(
      system.checkThresholds(
        makeSnapshot({
          cpu: { status: 'unknown', current_percent: 99 },
          database: { status: 'unknown', response_time_ms: null },
          latency: { p95_ms: Number.NaN },
        }),
      ),
    ).toEqual([]);
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }));
    const [alert] = system.checkThresholds(makeSnapshot({ cpu: { status: 'unknown', current_percent: 0 } }));
    expect(alert).toMatchObject({ rule: 'cpu', state: 'active', value: 90 });
  });

  it('does not fire the error-rate rule below minRequests, and clears it when traffic falls below', () => {
    const { system, events } = setup({ rules: { error_rate: { minRequests: 50 } } });
    const failing = (perMinute: number) =>
      makeSnapshot({
        requests: { per_minute: perMinute },
        errors: { error_rate_percent: 100, count_5xx: perMinute },
      });
    expect(system.checkThresholds(failing(1))).toEqual([]);
    expect(system.checkThresholds(failing(49))).toEqual([]);
    expect(system.checkThresholds(failing(50))).toMatchObject([{ rule: 'error_rate', severity: 'critical' }]);
    expect(system.checkThresholds(failing(3))).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
  });

  it('uses the default minRequests of 20', () => {
    const { system } = setup();
    const snap = (n: number) =>
      makeSnapshot({ requests: { per_minute: n }, errors: { error_rate_percent: 50 } });
    expect(system.checkThresholds(snap(19))).toHaveLength(0);
    expect(system.checkThresholds(snap(20))).toHaveLength(1);
  });

  it('raises a critical availability alert when the database or redis probe fails, with its error', () => {
    const { system, events } = setup();
    const active = system.checkThresholds(
      makeSnapshot({
        database: {
          status: 'critical',
          response_time_ms: null,
          error: 'connect ECONNREFUSED 127.0.0.1:5432',
        },
        redis: {
          status: 'critical',
          response_time_ms: null,
          working: false,
          error: 'timed out after 2000 ms',
        },
      }),
    );
    expect(active.map((a) => [a.rule, a.component, a.severity, a.message, a.value, a.threshold])).toEqual([
      ['database', 'database', 'critical', 'Database unavailable: connect ECONNREFUSED 127.0.0.1:5432', 0, 1],
      ['redis', 'redis', 'critical', 'Redis unavailable: timed out after 2000 ms', 0, 1],
    ]);
    system.checkThresholds(makeSnapshot());
    expect(system.getActiveAlerts()).toEqual([]);
    expect(events.map((e) => `${e.type} ${e.alert.rule}`)).toEqual([
      'raised database',
      'raised redis',
      'cleared database',
      'cleared redis',
    ]);
  });

  it('treats a slow but answering database as latency, not unavailability', () => {
    const { system } = setup();
    const active = system.checkThresholds(
      makeSnapshot({ database: { status: 'critical', response_time_ms: 3500 } }),
    );
    expect(active.map((a) => [a.rule, a.severity])).toEqual([['db_latency', 'critical']]);
  });

  it('ignores disabled rules', () => {
    const { system } = setup({ rules: { cpu: { enabled: false }, database: { enabled: false } } });
    expect(
      system.checkThresholds(
        makeSnapshot({
          cpu: { current_percent: 99 },
          database: { status: 'critical', response_time_ms: null },
        }),
      ),
    ).toEqual([]);
  });
});

describe('AlertSystem lifecycle', () => {
  it('waits for the pending time before raising, and restarts it when the breach stops', () => {
    const { system, clock, events } = setup({ rules: { memory: { for: 60_000 } } });
    const high = makeSnapshot({ memory: { used_percent: 90 } });
    expect(system.checkThresholds(high)).toEqual([]);
    clock.advance(59_999);
    expect(system.checkThresholds(high)).toEqual([]);
    clock.advance(1);
    expect(system.checkThresholds(high)).toMatchObject([{ rule: 'memory', severity: 'warning' }]);
    expect(system.getActiveAlerts()[0]!.timestamp).toBe(new Date(clock.now()).toISOString());

    const other = setup({ rules: { memory: { for: 60_000 } } });
    other.system.checkThresholds(high);
    other.clock.advance(40_000);
    other.system.checkThresholds(makeSnapshot({ memory: { used_percent: 50 } }));
    other.clock.advance(40_000);
    expect(other.system.checkThresholds(high)).toEqual([]);
    other.clock.advance(60_000);
    expect(other.system.checkThresholds(high)).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['raised']);
  });

  it('restarts the pending time after a gap in the data', () => {
    const { system, clock } = setup({ rules: { cpu: { for: 10_000 } } });
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }));
    clock.advance(5_000);
    system.checkThresholds(makeSnapshot({ cpu: { status: 'unknown' } }));
    clock.advance(5_000);
    expect(system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }))).toEqual([]);
    clock.advance(10_000);
    expect(system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }))).toHaveLength(1);
  });

  it('escalates warning to critical and de-escalates back after the severity hold, keeping the alert id', () => {
    const { system, events, clock } = setup();
    const cpu = (v: number) => system.checkThresholds(makeSnapshot({ cpu: { current_percent: v } }));
    const [raised] = cpu(85);
    expect(raised).toMatchObject({ severity: 'warning', threshold: 80, message: 'CPU usage warning' });
    const [escalated] = cpu(96);
    expect(escalated).toMatchObject({
      id: raised!.id,
      severity: 'critical',
      threshold: 95,
      message: 'CPU usage critical',
    });
    // Between the de-escalation level (95 − 5 = 90) and critical: stays critical, no flapping.
    expect(cpu(92)[0]).toMatchObject({ severity: 'critical', value: 92 });
    expect(cpu(96)[0]).toMatchObject({ severity: 'critical' });
    // Under it: still critical until every reading for the hold (a minute by default) was under it.
    expect(cpu(89)[0]).toMatchObject({ severity: 'critical', value: 89 });
    clock.advance(59_999);
    expect(cpu(89)[0]).toMatchObject({ severity: 'critical' });
    clock.advance(1);
    const [deescalated] = cpu(89);
    expect(deescalated).toMatchObject({
      id: raised!.id,
      severity: 'warning',
      threshold: 80,
      message: 'CPU usage warning',
    });
    expect(events.map((e) => e.type)).toEqual(['raised', 'escalated', 'deescalated']);
    expect(new Set(events.map((e) => e.alert.id)).size).toBe(1);
  });

  it('applies the pending time to escalation too', () => {
    const { system, clock } = setup({ rules: { cpu: { for: 30_000 } } });
    const cpu = (v: number) => system.checkThresholds(makeSnapshot({ cpu: { current_percent: v } }));
    cpu(85);
    clock.advance(30_000);
    expect(cpu(99)[0]!.severity).toBe('warning');
    clock.advance(29_000);
    expect(cpu(99)[0]!.severity).toBe('warning');
    clock.advance(1_000);
    expect(cpu(99)[0]!.severity).toBe('critical');
  });

  it('raises straight to critical when the value is already critical', () => {
    const { system, events } = setup();
    system.checkThresholds(makeSnapshot({ disk: { partitions: [partition('/', 99)] } }));
    expect(events.map((e) => [e.type, e.alert.severity])).toEqual([['raised', 'critical']]);
  });

  it('clears only below the clear level (hysteresis): a value hovering at the threshold does not flap', () => {
    const { system, clock, events } = setup();
    // cpu: warning 80, clear 75.
    for (const v of [80, 79, 80.5, 78, 81, 75, 79.9, 80]) {
      system.checkThresholds(makeSnapshot({ cpu: { current_percent: v } }));
      clock.advance(5_000);
    }
    expect(events.map((e) => e.type)).toEqual(['raised']);
    const [alert] = system.checkThresholds(makeSnapshot({ cpu: { current_percent: 74.9 } }));
    expect(alert).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
    const cleared = events[1]!.alert;
    expect(cleared).toMatchObject({
      state: 'cleared',
      value: 74.9,
      cleared_at: new Date(clock.now()).toISOString(),
    });
    expect(cleared.duration_seconds).toBe(40);
  });

  it('honours a configured clear level', () => {
    const { system, events } = setup({
      rules: { api_response_time: { warning: 500, critical: 1000, clear: 300 } },
    });
    for (const p95 of [600, 400, 301, 300, 299])
      system.checkThresholds(makeSnapshot({ latency: { p95_ms: p95 } }));
    expect(events.map((e) => [e.type, e.alert.value])).toEqual([
      ['raised', 600],
      ['cleared', 299],
    ]);
  });

  it('keeps duration_seconds and value fresh on reads', () => {
    const { system, clock } = setup();
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 } }));
    clock.advance(240_000);
    expect(system.getActiveAlerts()[0]!.duration_seconds).toBe(240);
    clock.advance(1_400);
    const [alert] = system.checkThresholds(makeSnapshot({ cpu: { current_percent: 86.456 } }));
    // 241.4 s, to the nearest second.
    expect(alert).toMatchObject({ duration_seconds: Math.round(241_400 / 1000), value: 86.46 });
  });

  it('returns copies: mutating a returned alert does not change the system', () => {
    const { system } = setup();
    const [alert] = system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 } }));
    alert!.severity = 'critical';
    alert!.message = 'changed';
    expect(system.getActiveAlerts()[0]).toMatchObject({ severity: 'warning', message: 'CPU usage warning' });
    expect(Object.isFrozen(system.getAlertHistory()[0])).toBe(true);
  });

  it('lists critical alerts first, then the longest-running', () => {
    const { system, clock } = setup();
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 } }));
    clock.advance(1000);
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 }, memory: { used_percent: 90 } }));
    clock.advance(1000);
    const active = system.checkThresholds(
      makeSnapshot({ cpu: { current_percent: 85 }, memory: { used_percent: 90 }, latency: { p95_ms: 9000 } }),
    );
    expect(active.map((a) => a.rule)).toEqual(['api_response_time', 'cpu', 'memory']);
  });
});

describe('AlertSystem history', () => {
  it('records each raise, escalation and clear, newest first, as the alert was at that event', () => {
    const { system, clock } = setup();
    const cpu = (v: number) => system.checkThresholds(makeSnapshot({ cpu: { current_percent: v } }));
    cpu(85);
    clock.advance(10_000);
    cpu(97);
    clock.advance(20_000);
    cpu(10);
    const history = system.getAlertHistory();
    expect(history.map((h) => [h.event, h.severity, h.state, h.duration_seconds, h.value])).toEqual([
      ['cleared', 'critical', 'cleared', 30, 10],
      ['escalated', 'critical', 'active', 10, 97],
      ['raised', 'warning', 'active', 0, 85],
    ]);
    expect(new Set(history.map((h) => h.id)).size).toBe(1);
    expect(history[0]!.cleared_at).toBe(new Date(clock.now()).toISOString());
    expect(history[2]!.cleared_at).toBeNull();
  });

  it('respects the read limit (default 100) and the history bound', () => {
    const { system, clock } = setup({ historyLimit: 150 });
    for (let i = 0; i < 100; i++) {
      system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 + (i % 5) } }));
      clock.advance(1000);
      system.checkThresholds(makeSnapshot({ cpu: { current_percent: 10 } }));
      clock.advance(1000);
    }
    expect(system.getAlertHistory()).toHaveLength(100);
    expect(system.getAlertHistory(1000)).toHaveLength(150);
    expect(system.getAlertHistory(3).map((h) => h.event)).toEqual(['cleared', 'raised', 'cleared']);
    expect(system.getAlertHistory(0)).toEqual([]);
    expect(system.getAlertHistory(-4)).toEqual([]);
    expect(system.getAlertHistory(Number.NaN)).toHaveLength(100);
    const all = system.getAlertHistory(1000);
    // Newest first, and the oldest 50 entries dropped.
    const times = all.map((h) => Date.parse(h.cleared_at ?? h.timestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.at(-1)!.timestamp).toBe(
      new Date(Date.parse('2025-12-27T12:00:00.000Z') + 50_000).toISOString(),
    );
  });

  it('keeps 1000 entries by default', () => {
    const { system, clock } = setup();
    for (let i = 0; i < 600; i++) {
      system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }));
      clock.advance(1000);
      system.checkThresholds(makeSnapshot({ cpu: { current_percent: 10 } }));
    }
    expect(system.historyLimit).toBe(1000);
    expect(system.getAlertHistory(5000)).toHaveLength(1000);
  });

  it('hands every history entry to the recorder', async () => {
    const { system } = setup();
    const recorded: AlertRecord[] = [];
    system.setRecorder(async (r) => {
      recorded.push(r);
    });
    system.checkThresholds(makeSnapshot({ memory: { used_percent: 88 } }));
    system.checkThresholds(makeSnapshot());
    expect(recorded.map((r) => r.event)).toEqual(['raised', 'cleared']);
    expect(recorded).toEqual([...system.getAlertHistory()].reverse());
    system.setRecorder(undefined);
    system.checkThresholds(makeSnapshot({ memory: { used_percent: 88 } }));
    expect(recorded).toHaveLength(2);
  });
});

describe('AlertSystem notifications', () => {
  it('calls onAlert and on("alert") listeners with each event; off() removes a listener', () => {
    const { system, events } = setup();
    const seen: string[] = [];
    const listener = (e: AlertEvent) => void seen.push(`${e.type}:${e.alert.rule}`);
    system.on('alert', listener);
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 } }));
    system.off('alert', listener);
    system.checkThresholds(makeSnapshot());
    expect(seen).toEqual(['raised:cpu']);
    expect(events.map((e) => `${e.type}:${e.alert.rule}`)).toEqual(['raised:cpu', 'cleared:cpu']);
  });

  it('contains callbacks that throw or reject, logs once per outage, and keeps evaluating', async () => {
    const throwing = vi.fn(() => {
      throw new Error('listener bug');
    });
    const { system, lines } = setup({ onAlert: throwing });
    const rejecting = vi.fn(async () => {
      throw new Error('store down');
    });
    system.setRecorder(rejecting);
    const other: string[] = [];
    system.on('alert', (e) => void other.push(e.type));
    for (let i = 0; i < 3; i++) {
      expect(system.checkThresholds(makeSnapshot({ cpu: { current_percent: 90 } }))).toHaveLength(1);
      expect(system.checkThresholds(makeSnapshot())).toHaveLength(0);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(throwing).toHaveBeenCalledTimes(6);
    expect(rejecting).toHaveBeenCalledTimes(6);
    expect(other).toHaveLength(6);
    expect(lines).toEqual([
      'warn sysvitals: onAlert callback is failing: listener bug',
      'warn sysvitals: alert recorder is failing: store down',
    ]);
  });

  it('never throws on a malformed snapshot', () => {
    const { system, lines } = setup();
    expect(system.checkThresholds({} as never)).toEqual([]);
    expect(system.checkThresholds(null as never)).toEqual([]);
    expect(system.checkThresholds(makeSnapshot({ disk: { partitions: null as never } }))).toEqual([]);
    expect(lines).toEqual([]);
  });
});

describe('AlertSystem options', () => {
  it('rejects unknown and invalid options with coded errors', () => {
    const expectError = (options: unknown, code: string, message: RegExp) => {
      let error: unknown;
      try {
        new AlertSystem(options as AlertSystemOptions);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SysvitalsError);
      expect((error as SysvitalsError).code).toBe(code);
      expect((error as SysvitalsError).message).toMatch(message);
    };
    expectError({ histroyLimit: 10 }, 'ERR_SYSVITALS_UNKNOWN_OPTION', /Did you mean `historyLimit`\?/);
    expectError({ historyLimit: 0 }, 'ERR_SYSVITALS_INVALID_OPTION', /historyLimit/);
    expectError({ historyLimit: 1.5 }, 'ERR_SYSVITALS_INVALID_OPTION', /historyLimit/);
    expectError({ clock: {} }, 'ERR_SYSVITALS_INVALID_OPTION', /clock/);
    expectError({ onAlert: 'http://x' }, 'ERR_SYSVITALS_INVALID_OPTION', /onAlert/);
    expectError({ logger: console.log }, 'ERR_SYSVITALS_INVALID_OPTION', /logger/);
    expectError({ rules: { cpu: { warning: 101 } } }, 'ERR_SYSVITALS_INVALID_RULE', /between 0 and 100/);
    expectError({ rules: { cpuu: {} } }, 'ERR_SYSVITALS_UNKNOWN_RULE', /Did you mean `cpu`\?/);
    expectError({ webhook: 'not a url' }, 'ERR_SYSVITALS_INVALID_OPTION', /webhook\.url/);
    expectError({ webhook: { url: 'ftp://x/' } }, 'ERR_SYSVITALS_INVALID_OPTION', /http or https/);
  });

  it('works with no options, like the seed', () => {
    const system = new AlertSystem({ logger: { warn() {}, error() {} } });
    const active = system.checkThresholds(makeSnapshot());
    expect(active).toHaveLength(0);
    expect(system.getHealthStatus(makeSnapshot()).status).toBe('green');
    expect(system.rules.cpu.warning).toBe(80);
  });
});
