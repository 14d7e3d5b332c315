// A built-in rule's setup error names the option as the user wrote it at each entry point: `rules.<rule>…` to an
// AlertSystem, `alerts.<rule>…` to createMonitor (an adapter's too, cluster mode too), at any depth, analytics
// rules included. The oracle is each case's own path: the test nests the bad value at that path under the entry
// point's option and expects the message to name exactly that path (README "Alerts", "Anomaly detection",
// "Predictive alerts" write them `alerts: { cpu: { … } }`, `alerts: { anomaly: { … } }`, …).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { SysvitalsError } from '../../src/errors.js';
import { createMonitor } from '../../src/monitor.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const dir = mkdtempSync(join(tmpdir(), 'sv-rulepath-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An entry point: the name of its rules option, and a setup that throws the rules' error. */
interface Entry {
  readonly name: string;
  readonly at: string;
  readonly setup: (rules: unknown) => { close?: () => unknown };
}

const ENTRIES: readonly Entry[] = [
  {
    name: 'new AlertSystem',
    at: 'rules',
    setup: (rules) => new AlertSystem({ rules: rules as never, logger: silent }),
  },
  {
    name: 'createMonitor',
    at: 'alerts',
    setup: (alerts) => createMonitor({ sampleIntervalMs: 0, logger: silent, alerts: alerts as never }),
  },
  {
    name: 'createMonitor in cluster mode',
    at: 'alerts',
    setup: (alerts) =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silent,
        cluster: { name: `rulepath-${process.pid}`, socketDir: join(dir, 'sock') },
        alerts: alerts as never,
      }),
  },
  {
    name: 'sysvitals/express createMonitor',
    at: 'alerts',
    setup: (alerts) => createExpressMonitor({ sampleIntervalMs: 0, logger: silent, alerts: alerts as never }),
  },
  {
    name: 'sysvitals/fastify createMonitor',
    at: 'alerts',
    setup: (alerts) => createFastifyMonitor({ sampleIntervalMs: 0, logger: silent, alerts: alerts as never }),
  },
  {
    name: 'sysvitals/koa createMonitor',
    at: 'alerts',
    setup: (alerts) => createKoaMonitor({ sampleIntervalMs: 0, logger: silent, alerts: alerts as never }),
  },
];

/** `value` nested at `path`: { cpu: { warning: 120 } } for ['cpu', 'warning']. */
function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

function setupError(entry: Entry, rules: unknown): SysvitalsError {
  let made: { close?: () => unknown } | undefined;
  try {
    made = entry.setup(rules);
  } catch (err) {
    expect(err).toBeInstanceOf(SysvitalsError);
    return err as SysvitalsError;
  }
  void made?.close?.();
  throw new Error(`${entry.name} accepted ${JSON.stringify(rules)}`);
}

const quoted = (parts: readonly string[]): string => `\`${parts.join('.')}\``;

// A bad value at a path: the error names the path. [path, value, code]
const BAD_VALUES: ReadonlyArray<readonly [readonly string[], unknown, string]> = [
  // thresholds of level rules
  [['cpu', 'warning'], 120, 'ERR_SYSVITALS_INVALID_RULE'],
  [['memory', 'critical'], -1, 'ERR_SYSVITALS_INVALID_RULE'],
  [['disk', 'clear'], 101, 'ERR_SYSVITALS_INVALID_RULE'],
  [['api_response_time', 'warning'], -5, 'ERR_SYSVITALS_INVALID_RULE'],
  [['db_query_p95', 'critical'], '900', 'ERR_SYSVITALS_INVALID_RULE'],
  [['error_rate', 'warning'], Number.NaN, 'ERR_SYSVITALS_INVALID_RULE'],
  // severityHoldMs, level and analytics rules
  [['cpu', 'severityHoldMs'], -1, 'ERR_SYSVITALS_INVALID_RULE'],
  [['db_latency', 'severityHoldMs'], null, 'ERR_SYSVITALS_INVALID_RULE'],
  [['anomaly', 'severityHoldMs'], 86_400_001, 'ERR_SYSVITALS_INVALID_RULE'],
  [['disk_full_in', 'severityHoldMs'], '1m', 'ERR_SYSVITALS_INVALID_RULE'],
  [['memory_leak', 'severityHoldMs'], -5, 'ERR_SYSVITALS_INVALID_RULE'],
  // the other options of the level and availability rules
  [['memory', 'for'], -1, 'ERR_SYSVITALS_INVALID_RULE'],
  [['redis', 'enabled'], 'no', 'ERR_SYSVITALS_INVALID_RULE'],
  [['job_stale', 'for'], '5s', 'ERR_SYSVITALS_INVALID_RULE'],
  [['error_rate', 'minRequests'], 2.5, 'ERR_SYSVITALS_INVALID_RULE'],
  [['error_rate', 'horizonMs'], 1500, 'ERR_SYSVITALS_INVALID_RULE'],
  [['cpu', 'predict'], 'soon', 'ERR_SYSVITALS_INVALID_RULE'],
  // the analytics rules' options
  [['anomaly', 'warning'], 2, 'ERR_SYSVITALS_INVALID_RULE'],
  [['anomaly', 'series'], 'latency_p95', 'ERR_SYSVITALS_INVALID_RULE'],
  [['anomaly', 'for'], 'soon', 'ERR_SYSVITALS_INVALID_RULE'],
  [['anomaly', 'enabled'], 1, 'ERR_SYSVITALS_INVALID_RULE'],
  [['disk_full_in', 'window'], '5m', 'ERR_SYSVITALS_INVALID_RULE'],
  [['disk_full_in', 'warning'], 'tomorrow', 'ERR_SYSVITALS_INVALID_RULE'],
  [['memory_leak', 'minGrowthPerHour'], 0, 'ERR_SYSVITALS_INVALID_RULE'],
  [['memory_leak', 'critical'], 'soon', 'ERR_SYSVITALS_INVALID_RULE'],
  // a rule that is not an object
  [['cpu'], 80, 'ERR_SYSVITALS_INVALID_RULE'],
  [['database'], true, 'ERR_SYSVITALS_INVALID_RULE'],
  [['anomaly'], 'on', 'ERR_SYSVITALS_INVALID_RULE'],
];

// An unknown key in a rule: the error names the rule's path, the key as written, and the suggestion.
const UNKNOWN_KEYS: ReadonlyArray<readonly [readonly string[], string, string]> = [
  [['cpu'], 'warn', 'warning'],
  [['error_rate'], 'severityHold', 'severityHoldMs'],
  [['database'], 'enable', 'enabled'],
  [['anomaly'], 'serie', 'series'],
  [['disk_full_in'], 'windw', 'window'],
  [['memory_leak'], 'minGrowthPerHr', 'minGrowthPerHour'],
];

// Levels in conflict: the error names both options. [rule, its options, the two keys named]
const CONFLICTS: ReadonlyArray<readonly [string, Record<string, unknown>, string, string]> = [
  ['cpu', { warning: 97 }, 'warning', 'critical'],
  ['api_response_time', { warning: 1000, clear: 1500 }, 'clear', 'warning'],
  ['anomaly', { warning: 0.999, critical: 0.99 }, 'warning', 'critical'],
  ['anomaly', { warning: 0.99, clear: 0.995 }, 'clear', 'warning'],
];

describe.each(ENTRIES)('$name: a rule error names the option as written', (entry) => {
  it.each(BAD_VALUES)('%j = %j', (path, value, code) => {
    const err = setupError(entry, nest(path, value));
    expect(err.code).toBe(code);
    expect(err.message).toContain(quoted([entry.at, ...path]));
    if (entry.at !== 'rules') expect(err.message).not.toContain('`rules');
  });

  it.each(UNKNOWN_KEYS)('an unknown key in %j: %s', (path, key, suggested) => {
    const err = setupError(entry, nest(path, { [key]: 1 }));
    expect(err.code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect(err.message).toContain(
      `${quoted([entry.at, ...path])} has an unsupported property, \`${key}\`. Did you mean \`${suggested}\`?`,
    );
  });

  it.each(CONFLICTS)('%s %j', (rule, options, a, b) => {
    const err = setupError(entry, { [rule]: options });
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toContain(quoted([entry.at, rule, a]));
    expect(err.message).toContain(quoted([entry.at, rule, b]));
  });

  it('disk_full_in: a critical time to full longer than warning', () => {
    const err = setupError(entry, { disk_full_in: { warning: '1h', critical: '4h' } });
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toContain(quoted([entry.at, 'disk_full_in', 'critical']));
  });

  it('an unknown rule, with its suggestion, in the rules option', () => {
    const err = setupError(entry, { memroy: { warning: 80 } });
    expect(err.code).toBe('ERR_SYSVITALS_UNKNOWN_RULE');
    expect(err.message).toContain(
      `unknown alert rule \`memroy\` in \`${entry.at}\`. Did you mean \`memory\`?`,
    );
  });

  it('rules that are not an object', () => {
    const err = setupError(entry, 'cpu');
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toContain(`\`${entry.at}\` must be an object`);
  });

  // `null` is no "alerts off" (README "Options": leave the option out for the defaults, `enabled: false` turns a
  // rule off): refused like any other value that is not an object, as AlertSystem's `rules: null` always was.
  it('rules that are null', () => {
    const err = setupError(entry, null);
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toBe(
      `sysvitals: \`${entry.at}\` must be an object such as { cpu: { warning: 80 } }, got null. ` +
        'Leave it out for the default rules; turn a rule off with { cpu: { enabled: false } }.',
    );
  });

  // User text quoted in a message is the user's: a key or rule named "rules.…" is not rewritten to "alerts.…".
  it('user text containing "`rules." is quoted as written', () => {
    const key = setupError(entry, { cpu: { 'rules.warning': 80 } });
    expect(key.code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect(key.message).toContain(
      `${quoted([entry.at, 'cpu'])} has an unsupported property, \`rules.warning\`.`,
    );
    const rule = setupError(entry, { 'rules.cpu': { warning: 80 } });
    expect(rule.code).toBe('ERR_SYSVITALS_UNKNOWN_RULE');
    expect(rule.message).toContain(`unknown alert rule \`rules.cpu\` in \`${entry.at}\`.`);
    const value = setupError(entry, { memory: { predict: '`rules.cpu' } });
    expect(value.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(value.message).toContain(`${quoted([entry.at, 'memory', 'predict'])} is how far ahead`);
    expect(value.message).toContain('got "`rules.cpu".');
  });
});
