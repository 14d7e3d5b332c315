// Setup errors of the alerts options (outside review 19, F5), each through createMonitor as a user writes it:
// the suggested fix of a fractional severityHoldMs, paths as written inside `alerts.rules[i]`, `rules` among the
// known keys, and whole ms for `for` and `predict` as for severityHoldMs.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

function errorOf(alerts: unknown): { code?: string; message: string } {
  try {
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, alerts: alerts as never });
    void m.close();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('accepted');
}

const rule = (extra: Record<string, unknown>) => ({
  rules: [
    { name: 'q', metric: 'custom.x', warning: 1 },
    { name: 'r', metric: 'custom.x', warning: 1, ...extra },
  ],
});

describe('alerts setup messages', () => {
  it.each([0.4, 1e-7])('severityHoldMs %s suggests a hold that is on (≥ 1), and says 0 is off', (v) => {
    const e = errorOf({ cpu: { severityHoldMs: v } });
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(e.message).toContain('`alerts.cpu.severityHoldMs`');
    expect(e.message).toContain('e.g. 1.');
    expect(e.message).toContain('0 turns the hold off');
  });

  it.each([
    [{ severityHoldMs: 0.5 }, 'severityHoldMs'],
    [{ warning: 'x' }, 'warning'],
    [{ for: -1 }, 'for'],
    [{ direction: 'up' }, 'direction'],
    [{ predict: 'soon' }, 'predict'],
  ])('alerts.rules[1] %j: the error names `alerts.rules[1].%s` and the rule', (extra, key) => {
    const e = errorOf(rule(extra));
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(e.message).toContain(`\`alerts.rules[1].${key}\` (rule \`r\`)`);
    expect(e.message).not.toContain('rule `r`:');
  });

  it('a typo of `rules` lists `rules` among the known keys and suggests it', () => {
    const e = errorOf({ rule: [] });
    expect(e.code).toBe('ERR_SYSVITALS_UNKNOWN_RULE');
    expect(e.message).toMatch(/Known rules: [^.]*\brules\b/);
    expect(e.message).toContain('`rules`?');
  });

  it.each([
    [{ cpu: { for: 1.5 } }, '`alerts.cpu.for`'],
    [{ cpu: { for: 1e-9 } }, '`alerts.cpu.for`'],
    [{ anomaly: { for: 1.5 } }, '`alerts.anomaly.for`'],
    [rule({ for: 1.5 }), '`alerts.rules[1].for`'],
    [{ cpu: { predict: 1_800_000.5 } }, '`alerts.cpu.predict`'],
    [rule({ predict: 1_800_000.5 }), '`alerts.rules[1].predict`'],
  ])('fractional ms %j refused, naming %s', (alerts, path) => {
    const e = errorOf(alerts);
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(e.message).toContain(path);
  });

  it('whole ms are still accepted', () => {
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      alerts: { cpu: { for: 2, predict: 1_800_000 }, ...rule({ for: 3, predict: '30m', severityHoldMs: 1 }) },
    });
    void m.close();
  });
});
