// Which restored alerts are cleared at start (outside review 2, F3): ruleExists() against parsed configurations,
// and AlertSystem.clearRemovedRules() against the engine's own event log (a `cleared` per alert whose rule is
// gone, the others kept). The end-to-end case (RedisStore, channels) is test/channels/restart-removed-rule.test.ts.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem, type PersistedAlert } from '../../src/alerts/engine.js';
import { parseMetricRules } from '../../src/alerts/metric-rules.js';
import { ruleExists } from '../../src/alerts/restored.js';
import { parseRules } from '../../src/alerts/rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';

const T0 = Date.UTC(2026, 0, 5);

function check(builtIn: Record<string, unknown>, metric: unknown[]) {
  const rules = parseRules(builtIn);
  return ruleExists(rules, parseMetricRules(metric, snapshotShape([], Object.keys(rules))));
}

describe('ruleExists', () => {
  it('built-in rules: enabled ones exist, disabled ones and unknown names do not', () => {
    const exists = check({ cpu: { enabled: false } }, []);
    expect(exists('memory', '')).toBe(true);
    expect(exists('disk', '/')).toBe(true);
    expect(exists('cpu', '')).toBe(false);
    expect(exists('gg_high', '')).toBe(false);
  });

  it('rules on any metric: present and enabled; a prediction only while the rule predicts', () => {
    const g = { name: 'gg_high', metric: 'custom.gg', warning: 5 };
    expect(check({}, [g])('gg_high', '')).toBe(true);
    expect(check({}, [g])('gg_high', 'predict')).toBe(false);
    expect(check({}, [{ ...g, predict: '30m' }])('gg_high', 'predict')).toBe(true);
    expect(check({}, [{ ...g, enabled: false }])('gg_high', '')).toBe(false);
    expect(check({}, [{ ...g, name: 'gg_hi' }])('gg_high', '')).toBe(false);
    expect(check({ memory: { predict: '30m' } }, [])('memory', 'predict')).toBe(true);
    expect(check({}, [])('memory', 'predict')).toBe(false);
    expect(check({}, [])('disk', 'predict:/')).toBe(false);
  });

  it('analytics rules: by their own `enabled` (an anomaly series may be named anything)', () => {
    expect(check({}, [])('anomaly', 'predict')).toBe(false);
    expect(check({ anomaly: { enabled: true } }, [])('anomaly', 'predict')).toBe(true);
    expect(check({}, [])('memory_leak', 'heap')).toBe(true);
    expect(check({ memory_leak: { enabled: false } }, [])('memory_leak', 'heap')).toBe(false);
  });
});

const alert = (id: string, rule: string): PersistedAlert['alert'] => ({
  id,
  rule,
  component: 'custom',
  severity: 'warning',
  message: `${rule} high`,
  timestamp: new Date(T0).toISOString(),
  duration_seconds: 0,
  value: 10,
  threshold: 5,
  state: 'active',
  cleared_at: null,
  raisedAt: T0,
});

describe('AlertSystem.clearRemovedRules', () => {
  it('clears only the alerts whose rule is gone, with a cleared event for the same id and cleared_at', () => {
    const clock = { now: () => T0 + 90_000 };
    const sys = new AlertSystem({ clock });
    const events: AlertEvent[] = [];
    sys.on('alert', (e) => void events.push(e));
    sys.restoreActive([
      { key: 'gg_high\u0000', alert: alert('a', 'gg_high') },
      { key: 'memory\u0000', alert: alert('b', 'memory') },
    ]);
    expect(sys.clearRemovedRules((rule) => rule === 'memory')).toBe(1);
    expect(events.map((e) => [e.type, e.alert.id, e.alert.cleared_at, e.alert.duration_seconds])).toEqual([
      ['cleared', 'a', new Date(T0 + 90_000).toISOString(), 90],
    ]);
    expect(sys.getActiveAlerts().map((a) => a.id)).toEqual(['b']);
    expect(sys.clearRemovedRules((rule) => rule === 'memory')).toBe(0);
  });

  // A cluster aggregator restores its ledger's alerts and clears those whose rule is gone (merger.ts), then its
  // monitor reads the store's saved state (history-writer.ts), which may still hold them: not restored again, so
  // not cleared (and notified) twice.
  it("without an argument reads the monitor's own rules; an id it cleared is never restored again", () => {
    const sys = new AlertSystem({ clock: { now: () => T0 + 90_000 } });
    const events: AlertEvent[] = [];
    sys.on('alert', (e) => void events.push(e));
    const saved = [
      { key: 'gg_high\u0000', alert: alert('a', 'gg_high') },
      { key: 'memory\u0000', alert: alert('b', 'memory') },
    ];
    sys.restoreActive(saved);
    expect(sys.clearRemovedRules()).toBe(0); // no rules given: nothing is known to be gone
    sys.ruleExists = check({}, []);
    expect(sys.clearRemovedRules()).toBe(1);
    expect(sys.restoreActive(saved)).toBe(0);
    expect(sys.clearRemovedRules()).toBe(0);
    expect(events.map((e) => [e.type, e.alert.id])).toEqual([['cleared', 'a']]);
    expect(sys.getActiveAlerts().map((a) => a.id)).toEqual(['b']);
  });
});
