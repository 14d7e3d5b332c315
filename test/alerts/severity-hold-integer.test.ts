// `severityHoldMs` is a whole number of ms, as the monitor's other ms options are (sampleIntervalMs,
// retentionMs, abortedFailureMs, … through checkInteger; the error_rate rule's horizonMs): before, 1500.5,
// 0.5 or Number.MIN_VALUE were taken as a hold on every rule kind. A fraction is now refused at setup with
// the code the option's other bad values have (ERR_SYSVITALS_INVALID_RULE) and a message naming the option.
// Assertions are on the code and on the option's final key (the path prefix is not this test's concern).
//
// Oracle: the README (severityHoldMs "in ms ... 0 to a day", now "a whole number of ms") and the monitor's own
// integer ms options, whose refusal of the same values is asserted alongside.

import { describe, expect, it } from 'vitest';
import { parseMetricRules } from '../../src/alerts/metric-rules.js';
import { parseRules } from '../../src/alerts/rules.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { makeSnapshot } from './snapshot.js';

const FRACTIONS = [1500.5, 0.5, 60_000.25, 86_399_999.5, Number.MIN_VALUE, 1e-7];
const WHOLE = [0, 1, 1500, 60_000, 86_400_000];

/** The code and message `f` throws (undefined: it did not throw). */
function thrown(f: () => unknown): { code?: string; message: string } | undefined {
  try {
    f();
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  return undefined;
}

function expectRefused(f: () => unknown, label: string): void {
  const err = thrown(f);
  expect(err, label).toBeDefined();
  expect(err?.code, label).toBe('ERR_SYSVITALS_INVALID_RULE');
  expect(err?.message, label).toMatch(/severityHoldMs/);
  expect(err?.message, label).toMatch(/whole number of ms/);
}

const monitor = (alerts: Record<string, unknown>) => () => {
  const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, alerts: alerts as never });
  void m.close();
  return m;
};

describe('severityHoldMs is a whole number of ms, as the other ms options', () => {
  it('the oracle: the monitor refuses a fractional ms option (sampleIntervalMs, retentionMs)', () => {
    for (const options of [{ sampleIntervalMs: 1500.5 }, { retentionMs: 86_400_000.5 }]) {
      const err = thrown(() => createMonitor({ logger: silentLogger, ...options }));
      expect(err?.code, JSON.stringify(options)).toBe('ERR_SYSVITALS_INVALID_OPTION');
    }
  });

  it('built-in level rules (and their predictions): a fraction is ERR_SYSVITALS_INVALID_RULE, whole ms kept', () => {
    for (const rule of ['cpu', 'memory', 'disk', 'api_response_time', 'error_rate'] as const) {
      for (const v of FRACTIONS) {
        expectRefused(() => parseRules({ [rule]: { severityHoldMs: v } }), `${rule} ${v}`);
        expectRefused(
          () => parseRules({ [rule]: { predict: '30m', severityHoldMs: v } }),
          `${rule} predict ${v}`,
        );
      }
      for (const v of WHOLE)
        expect(parseRules({ [rule]: { severityHoldMs: v } })[rule].severityHoldMs).toBe(v);
    }
    expectRefused(monitor({ cpu: { severityHoldMs: 1500.5 } }), 'createMonitor cpu');
    expectRefused(monitor({ cpu: { predict: '30m', severityHoldMs: 0.5 } }), 'createMonitor cpu predict');
  });

  it('rules on any metric (and their predictions): the same', () => {
    const shape = { template: makeSnapshot() as never, plugins: [], reserved: [] };
    const rule = { name: 'r', metric: 'cpu.current_percent', warning: 50 };
    for (const v of FRACTIONS) {
      expectRefused(() => parseMetricRules([{ ...rule, severityHoldMs: v }], shape), `metric ${v}`);
      expectRefused(
        () => parseMetricRules([{ ...rule, predict: '30m', severityHoldMs: v }], shape),
        `metric predict ${v}`,
      );
    }
    for (const v of WHOLE)
      expect(parseMetricRules([{ ...rule, severityHoldMs: v }], shape)[0]?.severityHoldMs).toBe(v);
    expectRefused(monitor({ rules: [{ ...rule, severityHoldMs: 1500.5 }] }), 'createMonitor alerts.rules');
  });

  it('the analytics rules (anomaly, disk_full_in, memory_leak): the same', () => {
    for (const rule of ['anomaly', 'disk_full_in', 'memory_leak'] as const) {
      for (const v of FRACTIONS)
        expectRefused(() => parseRules({ [rule]: { severityHoldMs: v } }), `${rule} ${v}`);
      for (const v of WHOLE)
        expect(parseRules({ [rule]: { severityHoldMs: v } })[rule].severityHoldMs).toBe(v);
      expectRefused(monitor({ [rule]: { severityHoldMs: 1500.5 } }), `createMonitor ${rule}`);
    }
  });

  it('the other bad values keep their message (range, type), a fraction out of range too', () => {
    for (const v of [-0.5, 86_400_000.5, Number.NaN, '1500', null]) {
      const err = thrown(() => parseRules({ cpu: { severityHoldMs: v as never } }));
      expect(err?.code, String(v)).toBe('ERR_SYSVITALS_INVALID_RULE');
      expect(err?.message, String(v)).toMatch(/severityHoldMs/);
      expect(err?.message, String(v)).toMatch(/from 0 \(off\) to 86400000/);
    }
  });
});
