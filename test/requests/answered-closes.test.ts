// Regression (the F10 `unanswered` verdict meeting outside review 6 F1): a client's close of a response the
// application had already ended (a slow reader of a large body) is an early close, but an answered one. A window of
// nothing but such closes (anonymous clients asking for a large download, never reading it) paged an idle service
// through F10 (errors critical, `unanswered`, an error_rate alert at 100 %). Now they are counted apart
// (`count_aborted_answered`, within count_aborted_early) and left out of that rule only; the F10 outage (sub-second
// closes of a hung service) still pages, and so does a mix once its unanswered closes reach minRequests. On an
// injected clock; the oracles are the closes recorded and the verdict the window had before F10 (errorRateVerdict
// of no judged request), health and the error_rate rule the real ones; the cluster's report and window wires
// round-trip through JSON.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { componentStatuses } from '../../src/alerts/health.js';
import { errorRateVerdict } from '../../src/alerts/status.js';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { applyWindow, decodeWindow, takeWindow } from '../../src/cluster/window-wire.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import type { RequestStatsOptions } from '../../src/requests/request-options.js';
import { RequestStats } from '../../src/requests/requests.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);
const MIN = 20; // minRequests (the default)
const EARLY = 500; // ms: a hung service's client deadline, under abortedFailureMs (1 s)

function setup(options: RequestStatsOptions = {}) {
  const clock = { t: ALIGNED + 1_000, now: () => clock.t };
  const stats = new RequestStats({ clock, ...options });
  return { clock, stats };
}

/** `n` slow readers closing a response the application had ended (request-ticket.ts settleCutOff). */
const answered = (stats: RequestStats, n: number, route = '/big') => {
  for (let i = 0; i < n; i++) stats.recordWaitedClose('GET', route);
};
/** `n` clients closing before abortedFailureMs on a handler that never answered (the F10 outage). */
const unanswered = (stats: RequestStats, n: number, route = '/hang') => {
  for (let i = 0; i < n; i++) stats.record('GET', route, 499, EARLY);
};

function snapshotOf(stats: RequestStats): MetricsSnapshot {
  const g = stats.groups();
  return makeSnapshot({
    requests: g.requests,
    errors: g.errors,
    latency: g.latency,
  } as Partial<MetricsSnapshot>);
}

/** The errors verdict of a window with no judged request, as it was before F10: errorRateVerdict(0, 0). */
const BEFORE_F10 = errorRateVerdict(0, 0, DEFAULT_LEVELS.error_rate, MIN);

describe('answered closes are early closes that do not make a window unanswered', () => {
  it(`an idle service, ${MIN} slow readers of a large body: not unanswered, errors as before F10, no alert, health not red`, () => {
    const { stats, clock } = setup();
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({ clock: testClock(clock.t), onAlert: (e) => void events.push(e) });
    answered(stats, MIN * 3);
    const { errors, requests, latency } = stats.groups();
    expect(errors.unanswered).toBeUndefined();
    expect(errors).toMatchObject({
      status: BEFORE_F10.status,
      reason: BEFORE_F10.reason,
      error_rate_percent: null,
      count_judged: 0,
      count_aborted: MIN * 3,
      count_aborted_early: MIN * 3,
      count_aborted_answered: MIN * 3,
      count_4xx: 0,
    });
    expect(BEFORE_F10.status).toBe('unknown');
    expect(requests.total).toBe(0); // not requests, as every early close
    expect(latency.status).toBe('unknown');
    expect(stats.abortedTotals()).toEqual([{ method: 'GET', route: '/big', count: MIN * 3, failed: 0 }]);
    const snapshot = snapshotOf(stats);
    expect(componentStatuses(snapshot).errors).toBe('unknown');
    alerts.checkThresholds(snapshot);
    alerts.checkThresholds(snapshotOf(stats));
    expect(events).toEqual([]);
    expect(alerts.getActiveAlerts()).toEqual([]);
  });

  it('the F10 outage still pages; a mix pages once its unanswered closes alone reach minRequests', () => {
    const hang = setup().stats;
    unanswered(hang, MIN);
    expect(hang.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      error_rate_percent: 100,
      count_aborted_early: MIN,
      count_aborted_answered: 0,
    });
    // 100 answered closes beside 19 unanswered ones: 19 < minRequests, not judged.
    const { stats } = setup();
    answered(stats, 100);
    unanswered(stats, MIN - 1);
    expect(stats.groups().errors).toMatchObject({
      status: BEFORE_F10.status,
      count_aborted_early: 100 + MIN - 1,
      count_aborted_answered: 100,
    });
    expect(stats.groups().errors.unanswered).toBeUndefined();
    unanswered(stats, 1);
    const { errors } = stats.groups();
    expect(errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      error_rate_percent: 100,
      count_aborted: 100 + MIN,
      count_aborted_early: 100 + MIN,
      count_aborted_answered: 100,
    });
    // The reason counts the unanswered closes only.
    expect(errors.reason).toMatch(/^no request completed in the window and 20 were closed unanswered \(/);
  });

  it('they leave the window with it (61 s), and abortedFailureMs 0 keeps every close a failed request', () => {
    const { stats, clock } = setup();
    answered(stats, 5);
    clock.t += 61_000;
    unanswered(stats, MIN);
    expect(stats.groups().errors).toMatchObject({
      unanswered: true,
      count_aborted_early: MIN,
      count_aborted_answered: 0,
    });
    expect(stats.abortedTotals()).toEqual([
      { method: 'GET', route: '/big', count: 5, failed: 0 },
      { method: 'GET', route: '/hang', count: MIN, failed: 0 },
    ]);
    const zero = setup({ abortedFailureMs: 0 }).stats;
    answered(zero, 3);
    expect(zero.groups().errors).toMatchObject({
      count_judged: 3,
      count_4xx: 3,
      count_aborted: 3,
      count_aborted_early: 0,
      count_aborted_answered: 0,
      error_rate_percent: 100,
    });
  });
});

describe('cluster: the answered closes travel with the early closes', () => {
  const node = (clock: { now: () => number }) => {
    const requests = new RequestStats({ clock });
    requests.trackRouteLatency();
    return { requests, functions: new FunctionTimings({ clock }) };
  };
  const json = <T>(w: T): T => JSON.parse(JSON.stringify(w)) as T;

  it('worker reports: two idle workers of slow readers merge to no outage; with hung clients, to one', () => {
    const clock = { now: () => ALIGNED + 1_000 };
    const [a, b, cluster] = [node(clock), node(clock), node(clock)];
    answered(a.requests, 15);
    answered(b.requests, 15);
    unanswered(b.requests, 12);
    for (const w of [a, b]) applyReport(cluster, decodeReport(json(new Reporter(w).take())), true);
    // 42 early closes, 30 answered: 12 unanswered, below minRequests.
    expect(cluster.requests.groups().errors).toMatchObject({
      status: BEFORE_F10.status,
      count_aborted_early: 42,
      count_aborted_answered: 30,
    });
    expect(cluster.requests.groups().errors.unanswered).toBeUndefined();
    // The next report carries what was recorded since: 8 more unanswered on a, 20 in all.
    const reporter = new Reporter(a);
    reporter.take();
    unanswered(a.requests, 8);
    const delta = reporter.take();
    expect(delta.r.find((r) => r.r === '/hang')?.x).toEqual([8, 0, 0, 0]); // no answered closes: as before
    applyReport(cluster, decodeReport(json(delta)), true);
    expect(cluster.requests.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      count_aborted_early: 50,
      count_aborted_answered: 30,
    });
  });

  it('a rebuilt window (a new aggregator) keeps them apart; a worker without any sends rows as before', () => {
    const clock = { now: () => ALIGNED + 1_000 };
    const [a, b] = [node(clock), node(clock)];
    answered(a.requests, 30);
    unanswered(b.requests, 5);
    const rebuilt = node(clock);
    for (const w of [a, b]) {
      const wire = takeWindow(w);
      expect(applyWindow(rebuilt, decodeWindow(json(wire)))).toBe(true);
    }
    expect(takeWindow(b)?.r[0]?.k[0]).toHaveLength(10); // no answered closes: the row an older aggregator reads
    expect(takeWindow(a)?.r[0]?.k[0]).toHaveLength(11);
    expect(rebuilt.requests.groups().errors).toMatchObject({
      status: BEFORE_F10.status,
      count_aborted: 35,
      count_aborted_early: 35,
      count_aborted_answered: 30,
    });
    expect(rebuilt.requests.groups().errors.unanswered).toBeUndefined();
    // Window only: the totals since start come with the reports, not with the window.
    expect(rebuilt.requests.abortedTotals()).toEqual([]);
  });
});
