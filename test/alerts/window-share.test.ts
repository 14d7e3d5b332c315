// Outside review F8: after a cluster aggregator is SIGKILLed, its successor's last-minute window lacks the dead
// aggregator's share (`cluster.missing: ['aggregator-window']`). The rules on windowed figures take that window as
// no reading: an alert neither raised nor cleared on it (its state holds), judged again once the window is whole.
// Engine level, injected clock; the real-process false raise is test/cluster/window-alerts.test.ts.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { metricRuleSource, parseMetricRules, readsWindow } from '../../src/alerts/metric-rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';
import type { ClusterSummary, MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, type Overrides, testClock } from './snapshot.js';

const silent = { warn: () => {}, error: () => {}, info: () => {} };

/** The cluster section of an aggregator's snapshot: whole, or lacking the dead aggregator's share. */
function cluster(missing: string[]): ClusterSummary {
  return {
    name: 'c',
    aggregator: 'w2',
    complete: missing.length === 0,
    missing,
    workers_connected: 1,
    workers: [],
  };
}

function setup() {
  const clock = testClock();
  const events: AlertEvent[] = [];
  const system = new AlertSystem({
    clock,
    logger: silent,
    onAlert: (e) => void events.push(e),
    rules: {
      api_response_time: { warning: 1000, critical: 2000 },
      error_rate: { warning: 5, critical: 20, minRequests: 5 },
      db_query_p95: { warning: 100, critical: 500 },
    },
  });
  const rules = parseMetricRules(
    [
      { name: 'rpm_low', metric: 'requests.per_minute', warning: 50, direction: 'below' },
      { name: 'rss_high', metric: 'process.rss_mb', warning: 500 },
    ],
    snapshotShape([], []),
  );
  system.addObservationSource(metricRuleSource(rules));
  const check = (o: Overrides, missing: string[] = []) => {
    const s: MetricsSnapshot = { ...makeSnapshot(o), cluster: cluster(missing) };
    const active = system.checkThresholds(s);
    clock.advance(1000);
    return active.map((a) => `${a.rule}:${a.severity}`).sort();
  };
  return { check, events };
}

const kinds = (events: AlertEvent[]) => events.map((e) => `${e.type} ${e.alert.rule}`);

// The windowed figures of the reviewer's runs: a breach in every windowed rule, and none.
const breached: Overrides = {
  latency: { status: 'critical', p95_ms: 6497.9 },
  errors: { status: 'critical', error_rate_percent: 30, count_5xx: 30 },
  requests: { per_minute: 10, per_second: 10 / 60 },
  queries: { count: 20, p95_ms: 900 },
};
const healthy: Overrides = {
  latency: { status: 'healthy', p95_ms: 12.2 },
  errors: { status: 'healthy', error_rate_percent: 0, count_5xx: 0 },
  requests: { per_minute: 100, per_second: 100 / 60 },
  queries: { count: 20, p95_ms: 5 },
};

describe("alerts on a cluster window that lacks the dead aggregator's share (F8)", () => {
  it('a breach read only on the truncated window raises nothing (the false page); a whole window raises it', () => {
    const { check, events } = setup();
    expect(check(healthy)).toEqual([]);
    expect(check(breached, ['aggregator-window'])).toEqual([]);
    expect(check(breached, ['aggregator-window'])).toEqual([]);
    expect(events).toEqual([]);
    // A rule that does not read the window is judged as before.
    expect(check({ ...breached, process: { rss_mb: 900 } }, ['aggregator-window'])).toEqual([
      'rss_high:warning',
    ]);
    // The window whole again (the marker gone): judged on it.
    expect(check(breached)).toEqual([
      'api_response_time:critical',
      'db_query_p95:critical',
      'error_rate:critical',
      'rpm_low:warning',
    ]);
  });

  it('an active alert is not cleared by the truncated window (no resolved notice); cleared once the window is whole and healthy', () => {
    const { check, events } = setup();
    const raised = check(breached);
    expect(raised).toHaveLength(4);
    expect(check(healthy, ['aggregator-window'])).toEqual(raised);
    expect(check(healthy, ['aggregator-window', 'shed:w3'])).toEqual(raised);
    expect(kinds(events).filter((k) => k.startsWith('cleared'))).toEqual([]);
    expect(check(healthy)).toEqual([]);
    expect(
      kinds(events)
        .filter((k) => k.startsWith('cleared'))
        .sort(),
    ).toEqual(['cleared api_response_time', 'cleared db_query_p95', 'cleared error_rate', 'cleared rpm_low']);
  });

  it('other missing entries (a worker that did not answer the sync round) leave the window judged', () => {
    const { check } = setup();
    expect(check(breached, ['w3'])).toHaveLength(4);
  });

  it('readsWindow: the request, query and histogram window figures; not totals, gauges or host figures', () => {
    for (const p of [
      ['latency', 'p95_ms'],
      ['errors', 'error_rate_percent'],
      ['requests', 'per_minute'],
      ['requests', 'per_second'],
      ['routes', 'GET /x', 'p95_ms'],
      ['functions', 'render', 'p99_ms'],
      ['queries', 'p95_ms'],
      ['apdex', 'score'],
      ['custom', 'order_size', 'p99'],
    ])
      expect(readsWindow(p)).toBe(true);
    for (const p of [
      ['requests', 'total'],
      ['requests', 'in_flight'],
      ['process', 'rss_mb'],
      ['custom', 'queue_depth'],
      ['custom', 'orders_total', 'value'],
      ['cpu', 'current_percent'],
    ])
      expect(readsWindow(p)).toBe(false);
  });
});
