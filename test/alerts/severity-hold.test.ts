// Severity flapping on every level rule: the error_rate rule's severity hold (a minute, error-rate-severity.test.ts)
// now holds every level rule's severity (`severityHoldMs`, 60 s by default, 0 off). Before, a p95 latency or a CPU
// reading wobbling across the de-escalation level and back over critical de-escalated and escalated the alert at
// every sample, each change one more notification (critical, warning, critical, … to every receiver), where
// Alertmanager/Prometheus users expect a severity change to page once it holds.
//
// Real AlertSystem with a real webhook receiver (an HTTP server on an ephemeral port), and a real monitor with a
// webhook channel; an injected clock, a sample every 5 s. Oracle: the README's rules ("No flapping") applied to
// the raw value sequence (expectedCalls below: raise at the warning or critical level at once, a warning alert's
// first escalation at once, a fall back once every reading for the hold was under the de-escalation level, a
// re-escalation once every reading for the hold was critical, a clear at once under the clear level), and for the
// flapping cases the exact call list written out by hand.

import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { metricRuleSource, parseMetricRules } from '../../src/alerts/metric-rules.js';
import { parseRules } from '../../src/alerts/rules.js';
import type { RuleName } from '../../src/alerts/thresholds.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { alternate, code, holdCalls, lcg, repeat, expectedCalls as walk } from '../helpers/severity-walk.js';
import { makeSnapshot, partition, testClock } from './snapshot.js';

const STEP = 5_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A level rule's levels, pending time (`for`) and hold, as parseRules gives them. */
type Levels = Pick<
  ReturnType<typeof parseRules>['cpu'],
  'warning' | 'critical' | 'clear' | 'deescalate' | 'for' | 'severityHoldMs'
>;

/**
 * The webhook calls (`seconds type severity`, seconds from the first reading) the README's rules give on `values`,
 * one reading every 5 s, for a rule alerting above its levels (the walk: helpers/severity-walk.ts).
 */
const expectedCalls = (values: readonly number[], l: Levels): string[] =>
  walk(
    values.map((v) => ({
      warn: v >= l.warning,
      crit: v >= l.critical,
      clear: v < l.clear,
      down: v < l.deescalate,
    })),
    { step: STEP, hold: l.severityHoldMs, pending: l.for },
  );

/** Where each built-in level rule reads its value in a snapshot. */
const SNAPSHOT: Record<Exclude<RuleName, 'error_rate'>, (v: number) => MetricsSnapshot> = {
  cpu: (v) => makeSnapshot({ cpu: { current_percent: v } }),
  memory: (v) => makeSnapshot({ memory: { used_percent: v } }),
  disk: (v) => makeSnapshot({ disk: { partitions: [partition('/', v)] } }),
  db_latency: (v) => makeSnapshot({ database: { response_time_ms: v } }),
  api_response_time: (v) => makeSnapshot({ latency: { p95_ms: v } }),
  db_query_p95: (v) => ({ ...makeSnapshot(), queries: { count: 50, p95_ms: v } }),
  event_loop_delay: (v) => makeSnapshot({ process: { event_loop_delay_p99_ms: v } }),
};

/**
 * Drives `values` (one every 5 s) through an AlertSystem with `rules` and a webhook to a real receiver; the calls
 * the receiver got for `rule` (`seconds type severity`), each at the injected clock's time of the event it carries
 * (the webhook delivers the events in order, one evaluation's before the next: flushed after each).
 */
async function drive(
  rule: Exclude<RuleName, 'error_rate'>,
  values: readonly number[],
  rules: Record<string, unknown> = {},
): Promise<string[]> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const clock = testClock();
  const t0 = clock.now();
  const emitted: Array<{ t: number; type: string; id: string }> = [];
  const system = new AlertSystem({
    clock,
    logger: silentLogger,
    rules: rules as never,
    webhook: { url: `${rx.origin}/hook`, retries: 0 },
    onAlert: (e) => void emitted.push({ t: clock.now(), type: e.type, id: e.alert.id }),
  });
  cleanups.push(() => system.close());
  for (const v of values) {
    system.checkThresholds(SNAPSHOT[rule](v));
    await system.flush();
    clock.advance(STEP);
  }
  expect(rx.received).toHaveLength(emitted.length);
  const out: string[] = [];
  rx.received.forEach((r, i) => {
    const e = r.json as AlertEvent;
    const at = emitted[i] as { t: number; type: string; id: string };
    expect([e.type, e.alert.id]).toEqual([at.type, at.id]);
    if (e.alert.rule === rule) out.push(`${(at.t - t0) / 1000} ${e.type} ${e.alert.severity}`);
  });
  return out;
}

const levelsOf = (rule: RuleName, rules: Record<string, unknown> = {}): Levels =>
  parseRules(rules as never)[rule];

/** `n` readings alternating a, b, a, b, … */
const wobble = alternate;

// cpu: warning 80, critical 95, clear 75, de-escalation 90. api_response_time: 2000, 5000, 1800 and 4800 ms.
const CASES = [
  { rule: 'cpu', warn: 85, crit: 96, under: 89, clear: 70 },
  { rule: 'api_response_time', warn: 2500, crit: 5200, under: 4700, clear: 1000 },
] as const;

describe('every level rule holds its severity (severityHoldMs, a minute by default)', () => {
  for (const c of CASES) {
    describe(c.rule, () => {
      // Each case: its readings, the calls written out by hand, and its severityHoldMs (the default unless given).
      const held: Array<[name: string, values: number[], want: string[], hold?: number]> = [
        [
          'a value wobbling around critical from the first reading: one critical call, no ping-pong',
          // 3 minutes of readings alternating over critical and under the de-escalation level.
          wobble(c.crit, c.under, 36),
          ['0 raised critical'],
        ],
        [
          'a warning, then a wobble around critical: the first escalation at once, then nothing',
          [...repeat(c.warn, 3), ...wobble(c.crit, c.under, 36)],
          ['0 raised warning', '15 escalated critical'],
        ],
        [
          'a sustained fall back is reported once the hold has passed; a clear is at once',
          // Critical for 30 s, in the warning band for 2 minutes, then under the clear level.
          [...repeat(c.crit, 6), ...repeat(c.warn, 24), c.clear],
          // First reading under the de-escalation level at 30 s: every reading for 60 s under it at 90 s.
          ['0 raised critical', '90 deescalated warning', '150 cleared warning'],
        ],
        [
          'having fallen back, a critical spell under the hold does not escalate it; one of the hold does',
          [
            ...repeat(c.crit, 2),
            ...repeat(c.warn, 14), // fell back at 70 s
            ...repeat(c.crit, 6), // 80–105 s: 30 s critical
            ...repeat(c.warn, 4),
            ...repeat(c.crit, 14), // from 130 s: escalated at 190 s
          ],
          ['0 raised critical', '70 deescalated warning', '190 escalated critical'],
        ],
        [
          'a critical alert cleared, then critical again: raised at once (a new breach pages at once)',
          [c.crit, c.under, c.clear, c.crit, c.crit],
          ['0 raised critical', '10 cleared critical', '15 raised critical'],
        ],
        [
          'severityHoldMs: 0 changes the severity at once, as before',
          wobble(c.crit, c.under, 6),
          [
            '0 raised critical',
            '5 deescalated warning',
            '10 escalated critical',
            '15 deescalated warning',
            '20 escalated critical',
            '25 deescalated warning',
          ],
          0,
        ],
        [
          'severityHoldMs: 20000 holds 20 s',
          [...repeat(c.crit, 2), ...repeat(c.under, 6)],
          ['0 raised critical', '30 deescalated warning'],
          20_000,
        ],
      ];
      it.each(held)('%s', async (_name, values, want, hold) => {
        const rules = hold === undefined ? {} : { [c.rule]: { severityHoldMs: hold } };
        const got = await drive(c.rule, values, rules);
        expect(got).toEqual(expectedCalls(values, levelsOf(c.rule, rules)));
        expect(got).toEqual(want);
      });
    });
  }

  // Every built-in level rule on generated values around its critical level (a random walk that crosses the
  // warning, de-escalation and critical levels), with and without a pending time: the calls the rules give.
  const WALKS: Array<[Exclude<RuleName, 'error_rate'>, number]> = [
    ['cpu', 1],
    ['memory', 2],
    ['disk', 3],
    ['db_latency', 4],
    ['api_response_time', 5],
    ['db_query_p95', 6],
    ['event_loop_delay', 7],
  ];
  for (const [rule, seed] of WALKS) {
    for (const pending of [0, 15_000]) {
      it(`${rule}: generated values (seed ${seed}, for ${pending} ms) give the calls of the rules`, async () => {
        const rules = { [rule]: { for: pending } };
        const l = levelsOf(rule, rules);
        const rnd = lcg(seed);
        // Spells of 30 s to 2.5 min around one level each, in turn: over critical, critical, the de-escalation
        // level, between it and the clear level, over critical, between, critical, under the clear level; every
        // reading off it by up to a fifth of the band from clear to critical either way. The walk wobbles across
        // the levels and spends time in every band.
        const span = l.critical - l.clear;
        const over = l.critical + span / 4;
        const between = (l.clear + l.deescalate) / 2;
        const centres = [
          over,
          l.critical,
          l.deescalate,
          between,
          over,
          between,
          l.critical,
          l.clear - span / 4,
        ];
        const values: number[] = [];
        for (let k = 0; values.length < 360; k++) {
          const centre = centres[k % centres.length] as number;
          const n = 6 + Math.floor(rnd() * 25);
          for (let i = 0; i < n; i++)
            values.push(Math.round((centre + (rnd() - 0.5) * span * 0.4) * 100) / 100);
        }
        const got = await drive(rule, values, rules);
        const want = expectedCalls(values, l);
        expect(got).toEqual(want);
        // The walk does cross the levels: raises, falls back and escalates again.
        expect(want.some((w) => w.includes('deescalated'))).toBe(true);
        expect(want.some((w) => w.includes('escalated critical'))).toBe(true);
        // No two severity changes of one alert within the hold (a first escalation counts from the raise).
        let last = Number.NEGATIVE_INFINITY;
        for (const w of want) {
          const [sec, type] = w.split(' ') as [string, string];
          if (type === 'raised') last = Number.NEGATIVE_INFINITY;
          if (type !== 'escalated' && type !== 'deescalated') continue;
          expect(Number(sec) - last, w).toBeGreaterThanOrEqual(60);
          last = Number(sec);
        }
      });
    }
  }
});

describe('the health score while the severity holds', () => {
  it('a p95 wobbling at 5200 and 4700 ms: the component follows each reading, the alert costs a critical throughout', () => {
    // README "Health": 100 − 30 per critical component − 10 per warning one − 15 per critical alert − 5 per warning.
    const clock = testClock();
    const system = new AlertSystem({ clock, logger: silentLogger });
    const scores: number[] = [];
    const want: number[] = [];
    for (const v of wobble(5200, 4700, 24)) {
      // The latency component is the status the request statistics report (critical at 5000 ms, warning at 2000).
      const status = v >= 5000 ? 'critical' : 'warning';
      const snapshot = makeSnapshot({ latency: { p95_ms: v, status } });
      system.checkThresholds(snapshot);
      const health = system.getHealthStatus(snapshot);
      expect(health.components.latency).toBe(status);
      scores.push(health.health_score);
      want.push(100 - (status === 'critical' ? 30 : 10) - 15);
      clock.advance(STEP);
    }
    expect(scores).toEqual(want);
  });
});

describe('rules on any metric hold their severity too', () => {
  it('a custom metric rule (direction above and below) through AlertSystem: the calls of the rules', async () => {
    for (const direction of ['above', 'below'] as const) {
      const above = direction === 'above';
      const levels = above
        ? { critical: 90, clear: 40 }
        : { critical: 10, clear: 60, direction: 'below' as const };
      const rule = { name: 'r', metric: 'cpu.current_percent', warning: 50, ...levels };
      const source = metricRuleSource(
        parseMetricRules([rule], { template: makeSnapshot() as never, plugins: [], reserved: [] }),
      );
      // above: de-escalation at 90 − 10 = 80; below: at 10 + 10 = 20. Mirror the values for 'below' (v → 100 − v).
      // The wobble's last reading (75, at 115 s) is the first of a minute under it: back to warning at 175 s.
      const raw = [...wobble(95, 75, 24), ...repeat(70, 14), 30];
      const events = holdCalls({
        rules: { cpu: { enabled: false }, disk: { enabled: false } },
        n: raw.length,
        step: STEP,
        snapshot: (i) => makeSnapshot({ cpu: { current_percent: above ? raw[i]! : 100 - raw[i]! } }),
        observe: (_, s) => source(s),
      });
      // The oracle reads the values as written, against the levels of 'above'.
      const up = { warning: 50, critical: 90, clear: 40, deescalate: 80, for: 0, severityHoldMs: 60_000 };
      expect(events, direction).toEqual(expectedCalls(raw, up));
      expect(events, direction).toEqual([
        '0 raised critical',
        '175 deescalated warning',
        '190 cleared warning',
      ]);
    }
  });

  it('a custom gauge rule in a monitor, to a webhook channel: one critical notification, then the warning after the hold', async () => {
    const rx: Receiver = await startReceiver();
    cleanups.push(() => rx.close());
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const off = { enabled: false };
    const m = createMonitor({
      sampleIntervalMs: 0,
      clock,
      logger: silentLogger,
      alerts: {
        cpu: off,
        memory: off,
        disk: off,
        event_loop_delay: off,
        rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 100, critical: 500, clear: 80 }],
      } as never,
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', url: `${rx.origin}/wh`, retries: 0 }],
    });
    cleanups.push(() => m.close());
    const depth = m.gauge('queue_depth', { help: 'Depth.' });
    const notified = () =>
      rx.received.flatMap((r) => {
        const n = r.json as { status: string; alerts: Array<{ rule: string; severity: string }> };
        return n.alerts.filter((a) => a.rule === 'backlog').map((a) => `${n.status} ${a.severity}`);
      });
    const step = async (v: number) => {
      depth.set(v);
      await m.sample();
      m.notifications.tick();
      await m.notifications.idle();
      clock.t += STEP;
    };
    // 2 minutes wobbling over critical (500) and under the de-escalation level (500 − 20 = 480).
    for (const v of wobble(600, 300, 24)) await step(v);
    expect(notified()).toEqual(['firing critical']);
    // Then in the warning band for a minute and more: the warning is sent once it held.
    // The last wobble reading (300, at 115 s) was the first of them: 11 more (to 170 s) are under a minute.
    for (let i = 0; i < 11; i++) await step(300);
    expect(notified()).toEqual(['firing critical']);
    await step(300);
    expect(notified()).toEqual(['firing critical', 'firing warning']);
    await step(50);
    expect(notified()).toEqual(['firing critical', 'firing warning', 'resolved warning']);
  });
});

describe('severityHoldMs is validated at setup', () => {
  it('a level rule: ms from 0 to a day, else ERR_SYSVITALS_INVALID_RULE', () => {
    expect(parseRules({}).cpu.severityHoldMs).toBe(60_000);
    expect(parseRules({}).error_rate.severityHoldMs).toBe(60_000);
    expect(parseRules({ cpu: { severityHoldMs: 0 } }).cpu.severityHoldMs).toBe(0);
    expect(parseRules({ disk: { severityHoldMs: 86_400_000 } }).disk.severityHoldMs).toBe(86_400_000);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 86_400_001, '60s', null, true]) {
      const [c, message] =
        code(() => parseRules({ api_response_time: { severityHoldMs: bad as never } })) ?? [];
      expect(c, String(bad)).toBe('ERR_SYSVITALS_INVALID_RULE');
      expect(message).toContain('rules.api_response_time.severityHoldMs');
    }
    // A misspelling is reported as every unknown rule key is (README, CHANGELOG): UNKNOWN_OPTION with a did-you-mean.
    for (const key of ['severityHold', 'severityholdms', 'severityHoldMS']) {
      const [c, message] = code(() => parseRules({ cpu: { [key]: 1 } as never })) ?? [];
      expect(c, key).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
      expect(message).toContain('Did you mean `severityHoldMs`?');
    }
  });

  it('a rule on any metric, and through createMonitor', () => {
    const shape = { template: makeSnapshot() as never, plugins: [], reserved: [] };
    const rule = { name: 'r', metric: 'cpu.current_percent', warning: 50 };
    expect(parseMetricRules([rule], shape)[0]?.severityHoldMs).toBe(60_000);
    expect(parseMetricRules([{ ...rule, severityHoldMs: 5_000 }], shape)[0]?.severityHoldMs).toBe(5_000);
    // null is refused here as on the built-in rules (not taken as the default).
    for (const bad of [-5, Number.NaN, 1e12, '1m', null]) {
      const [c, message] = code(() => parseMetricRules([{ ...rule, severityHoldMs: bad }], shape)) ?? [];
      expect(c, String(bad)).toBe('ERR_SYSVITALS_INVALID_RULE');
      expect(message).toContain('severityHoldMs');
    }
    expect(
      code(() =>
        createMonitor({ sampleIntervalMs: 0, logger: silentLogger, alerts: { cpu: { severityHoldMs: -1 } } }),
      )?.[0],
    ).toBe('ERR_SYSVITALS_INVALID_RULE');
    // Through the monitor the built-in rules are `alerts.<rule>`, and its errors say so (review 17, F6).
    for (const [alerts, text] of [
      [{ cpu: { severityHoldMs: null } }, '`alerts.cpu.severityHoldMs`'],
      [{ error_rate: { severityHold: 1 } }, '`alerts.error_rate` has an unsupported property'],
      [{ anomaly: { severityHoldMs: -1 } }, '`alerts.anomaly.severityHoldMs`'],
    ] as const) {
      const [, message] =
        code(() => createMonitor({ sampleIntervalMs: 0, logger: silentLogger, alerts: alerts as never })) ??
        [];
      expect(message).toContain(text);
      expect(message).not.toContain('`rules.');
    }
  });
});
