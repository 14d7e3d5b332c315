// Outside review F8 (issue #13): after a cluster takeover, the successor's window lacks the dead aggregator's share.
// The level rules on windowed figures hold their state for a bounded time from the takeover (holdWindowedRules,
// window-hold.ts): no false clear and no false raise on the partial window, and a real breach is judged once the
// hold ends, whatever `cluster.missing` says (an unbounded hold hid a breach during a hung aggregator: 44f22df).
// Engine level with an injected clock; the real processes: test/cluster/window-hold.test.ts.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { metricRuleSource, parseMetricRules, readsWindow } from '../../src/alerts/metric-rules.js';
import { snapshotShape } from '../../src/alerts/snapshot-shape.js';
import { windowHoldMs } from '../../src/alerts/window-hold.js';
import { RequestStats } from '../../src/requests/requests.js';
import type { ClusterSummary, MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, type Overrides, testClock } from './snapshot.js';

const silent = { warn: () => {}, error: () => {}, info: () => {} };
const HOLD = 45_000;
const MARKED = ['aggregator-window'];

/** The cluster section of an aggregator's snapshot: whole, or lacking the dead aggregator's share. */
function cluster(missing: string[]): ClusterSummary {
  return {
    name: 'c',
    aggregator: 'w2',
    complete: missing.length === 0,
    missing,
    workers_connected: 1,
    requests_lost: 0,
    workers: [],
  };
}

function setup(errorRateFor = 0) {
  const clock = testClock();
  const events: AlertEvent[] = [];
  const system = new AlertSystem({
    clock,
    logger: silent,
    onAlert: (e) => void events.push(e),
    rules: {
      api_response_time: { warning: 1000, critical: 2000 },
      error_rate: { warning: 5, critical: 20, minRequests: 5, for: errorRateFor },
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
  const start = clock.now();
  /** Evaluates `o` at `at` ms from the start (marked aggregator-window unless told); the active alerts. */
  const at = (ms: number, o: Overrides, missing: string[] = MARKED) => {
    clock.set(start + ms);
    const s: MetricsSnapshot = { ...makeSnapshot(o), cluster: cluster(missing) };
    return system
      .checkThresholds(s)
      .map((a) => `${a.rule}:${a.severity}`)
      .sort();
  };
  return { at, events, system, clock, start };
}

const kinds = (events: AlertEvent[]) => events.map((e) => `${e.type} ${e.alert.rule}`).sort();

// A breach of every windowed rule (the survivors' share of a cluster that did not have it), and none.
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
const ALL_RAISED = [
  'api_response_time:critical',
  'db_query_p95:critical',
  'error_rate:critical',
  'rpm_low:warning',
];

describe('the bounded hold of windowed level rules after a cluster takeover (F8)', () => {
  it('an active alert is neither cleared nor changed by the partial window during the hold; cleared at its end', () => {
    const { at, events, system } = setup();
    expect(at(0, breached, [])).toEqual(ALL_RAISED);
    system.holdWindowedRules(HOLD); // the takeover, at 0
    // The survivors' share reads healthy (the errors were the dead aggregator's): no clear, no resolved notice.
    for (let ms = 0; ms < HOLD; ms += 5000) expect(at(ms, healthy)).toEqual(ALL_RAISED);
    expect(at(HOLD - 1, healthy)).toEqual(ALL_RAISED);
    expect(kinds(events)).toEqual([
      'raised api_response_time',
      'raised db_query_p95',
      'raised error_rate',
      'raised rpm_low',
    ]);
    // The hold ends one HOLD after the takeover, marker or not: judged again, cleared.
    expect(at(HOLD, healthy)).toEqual([]);
    expect(kinds(events).filter((k) => k.startsWith('cleared'))).toEqual([
      'cleared api_response_time',
      'cleared db_query_p95',
      'cleared error_rate',
      'cleared rpm_low',
    ]);
  });

  it('no escalation or de-escalation on the partial window either', () => {
    const { at, system } = setup();
    const warning: Overrides = { errors: { status: 'warning', error_rate_percent: 10, count_5xx: 10 } };
    const critical: Overrides = { errors: { status: 'critical', error_rate_percent: 40, count_5xx: 40 } };
    expect(at(0, warning, [])).toEqual(['error_rate:warning']);
    system.holdWindowedRules(HOLD);
    expect(at(1000, critical)).toEqual(['error_rate:warning']);
    expect(at(HOLD, critical)).toEqual(['error_rate:critical']);
  });

  it('a rule with no state raises nothing on the partial window; rules on other figures are judged as usual', () => {
    const { at, events, system } = setup();
    expect(at(0, healthy, [])).toEqual([]);
    system.holdWindowedRules(HOLD);
    expect(at(0, breached)).toEqual([]);
    // process.rss_mb is no window figure: raised and cleared during the hold as ever.
    expect(at(10_000, { ...breached, process: { rss_mb: 900 } })).toEqual(['rss_high:warning']);
    expect(at(20_000, breached)).toEqual([]);
    expect(kinds(events)).toEqual(['cleared rss_high', 'raised rss_high']);
    // The survivors' partial breach ended before the hold did: nothing was ever raised for it.
    expect(at(HOLD, healthy)).toEqual([]);
    expect(kinds(events)).toEqual(['cleared rss_high', 'raised rss_high']);
  });

  it('a breach that starts during the hold is raised when it ends, while the marker stays (a hung aggregator)', () => {
    const { at, events, system, start } = setup();
    expect(at(0, healthy, [])).toEqual([]);
    system.holdWindowedRules(HOLD);
    expect(at(10_000, breached)).toEqual([]);
    expect(at(HOLD - 1, breached)).toEqual([]);
    // Still marked aggregator-window: the bound is the clock's, not the marker's.
    expect(at(HOLD, breached)).toEqual(ALL_RAISED);
    const raised = events.find((e) => e.alert.rule === 'error_rate');
    expect(raised?.alert.timestamp).toBe(new Date(start + HOLD).toISOString());
    expect(at(150_000, breached)).toEqual(ALL_RAISED);
  });

  it('pending time (`for`) counts from the end of the hold: the hold is no reading', () => {
    const { at, system } = setup(10_000);
    system.holdWindowedRules(HOLD);
    for (let ms = 0; ms < HOLD; ms += 5000) expect(at(ms, breached)).not.toContain('error_rate:critical');
    expect(at(HOLD, breached)).not.toContain('error_rate:critical');
    expect(at(HOLD + 9_999, breached)).not.toContain('error_rate:critical');
    expect(at(HOLD + 10_000, breached)).toContain('error_rate:critical');
  });

  it('its length in elapsed time: a clock stepped back neither ends nor lengthens it (rtF F4)', () => {
    // Before rtF F4 a step back ended the hold at once (its times were wall readings). The engine now measures it
    // on elapsed time: with no monotonic clock injected, a step back is time standing still (ElapsedView), so the
    // hold lasts HOLD ms of the clock's advance after the step, not HOLD plus the step, and not zero.
    const { at, system } = setup();
    expect(at(60_000, healthy, [])).toEqual([]);
    system.holdWindowedRules(HOLD);
    expect(at(61_000, breached)).toEqual([]);
    // Stepped back 2 s: 1 s of the hold elapsed so far, whatever the wall says.
    expect(at(59_000, breached)).toEqual([]);
    expect(at(59_000 + HOLD - 1_000 - 1, breached)).toEqual([]);
    expect(at(59_000 + HOLD - 1_000, breached)).toEqual(ALL_RAISED);
  });

  it('without a takeover nothing is held, marker or not', () => {
    const { at } = setup();
    expect(at(0, breached)).toEqual(ALL_RAISED);
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
      expect(readsWindow(p), p.join('.')).toBe(true);
    for (const p of [
      ['requests', 'total'],
      ['requests', 'in_flight'],
      ['process', 'rss_mb'],
      ['custom', 'queue_depth'],
      ['custom', 'orders_total', 'value'],
      ['cpu', 'current_percent'],
    ])
      expect(readsWindow(p), p.join('.')).toBe(false);
  });
});

describe('the hold length: never over a window, and a breach within it is still in the window when it ends', () => {
  it('windowMs × (latencySlots − 1) / latencySlots', () => {
    expect(windowHoldMs(undefined)).toBe(45_000);
    expect(windowHoldMs({ windowMs: 60_000, latencySlots: 4 })).toBe(45_000);
    expect(windowHoldMs({ windowMs: 120_000, latencySlots: 6 })).toBe(100_000);
    expect(windowHoldMs({ windowMs: 60_000, latencySlots: 1 })).toBe(0);
  });

  // Oracle: the real request window (RequestStats, injected clock). A 500 recorded at any time from the takeover
  // until the hold ends is still counted when it ends, whatever the takeover's phase against the 15 s latency
  // sub-windows; a hold of a whole window (60 s) loses some (the reverted hold's failure in hung-aggregator).
  it('the request window at the end of the hold still holds every request of the hold', () => {
    const lost60: string[] = [];
    for (const phase of [0, 1, 7_500, 14_999]) {
      for (const b of [0, 1, 5_000, 14_999, 15_000, 30_000, HOLD - 1]) {
        const takeover = 1_700_000_040_000 - (1_700_000_040_000 % 15_000) + phase;
        const clock = { t: takeover - 120_000, now: () => clock.t };
        const stats = new RequestStats({ clock });
        for (; clock.t < takeover; clock.t += 500) stats.record('GET', '/a', 200, 1);
        clock.t = takeover + b;
        stats.record('GET', '/a', 500, 1);
        clock.t = takeover + windowHoldMs(stats.config);
        expect(stats.groups().errors.count_5xx, `phase ${phase}, +${b} ms`).toBe(1);
        clock.t = takeover + 60_000;
        if (stats.groups().errors.count_5xx === 0) lost60.push(`${phase}/${b}`);
      }
    }
    expect(lost60.length).toBeGreaterThan(0);
  });
});
