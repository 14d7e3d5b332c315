// Regression (outside review rtF, F3): a low-traffic service that hangs, its 15 clients giving up at 800 ms (under
// abortedFailureMs, past unansweredMinWaitMs), read errors `unknown` with `error_rate_percent: 0` and
// `count_judged: 0`, a reason about "0 requests in the window", and cost health nothing. Now the rate of no judged
// request is null (0 ÷ 0 is no reading, as latency's figures and history points' rate), the reason says every request
// was closed unanswered, and health counts the component as not measured (yellow, 10 points, `unknown_reasons`)
// from 5 such closes on; fewer than minRequests (20) closes are still not judged (no alert, never red). On an injected
// clock; the oracles are the closes recorded (15 of 15 unanswered) and the documented score: 100 − 10 per component
// that could not be measured.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { getHealthStatus, SCORE_PENALTIES } from '../../src/alerts/health.js';
import { shownErrorRatePercent } from '../../src/alerts/shown-error-rate.js';
import { RequestStats } from '../../src/requests/requests.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);
const DEADLINE = 800; // ms: the clients' timeout, past unansweredMinWaitMs (100), under abortedFailureMs (1000)

function setup() {
  const clock = { t: ALIGNED + 1_000, now: () => clock.t };
  return new RequestStats({ clock });
}

/** `n` clients closing a request the service never answered, after `ms`. */
const giveUp = (stats: RequestStats, n: number, ms = DEADLINE) => {
  for (let i = 0; i < n; i++) stats.record('GET', '/hang', 499, ms);
};

function snapshotOf(stats: RequestStats): MetricsSnapshot {
  const g = stats.groups();
  return makeSnapshot({
    requests: g.requests,
    errors: g.errors,
    latency: g.latency,
  } as Partial<MetricsSnapshot>);
}

const REASON_15 =
  '15 requests, all closed unanswered (after unansweredMinWaitMs, before abortedFailureMs): no request completed in ' +
  'the window; fewer than minRequests (20) closes, not judged; ';

describe('a low-traffic service whose few requests were all closed unanswered (rtF F3)', () => {
  it('15 of 15 closed at 800 ms: rate null, the reason says so, health yellow and 10 points down, no alert', () => {
    const stats = setup();
    giveUp(stats, 15);
    const { errors, latency } = stats.groups();
    expect(errors).toMatchObject({
      status: 'unknown',
      error_rate_percent: null,
      count_judged: 0,
      count_aborted: 15,
      count_aborted_early: 15,
      count_aborted_answered: 0,
      count_aborted_body: 0,
      count_aborted_quick: 0,
    });
    expect(errors.unanswered).toBeUndefined();
    expect(errors.reason?.startsWith(REASON_15)).toBe(true);
    expect(latency).toMatchObject({ status: 'unknown', p95_ms: null });
    expect(shownErrorRatePercent(errors)).toBeNull();

    const snapshot = snapshotOf(stats);
    const health = getHealthStatus(snapshot, []);
    expect(health.components.errors).toBe('unknown');
    expect(health.unknown_reasons).toEqual({ errors: errors.reason });
    expect(health.status).toBe('yellow');
    expect(health.health_score).toBe(100 - SCORE_PENALTIES.component.unmeasured);
    expect(health.health_score).toBe(90);

    // Fewer than minRequests closes are not judged: the error_rate rule does not fire.
    const events: AlertEvent[] = [];
    const alerts = new AlertSystem({ clock: testClock(ALIGNED), onAlert: (e) => void events.push(e) });
    alerts.checkThresholds(snapshot);
    alerts.checkThresholds(snapshotOf(stats));
    expect(events).toEqual([]);
  });

  it('4 closes (fewer than 5): the reason says so, no penalty; an empty window: rate null, no penalty', () => {
    const stats = setup();
    giveUp(stats, 4);
    const { errors } = stats.groups();
    expect(errors.error_rate_percent).toBeNull();
    expect(errors.reason?.startsWith('4 requests, all closed unanswered (')).toBe(true);
    const health = getHealthStatus(snapshotOf(stats), []);
    expect(health.components.errors).toBe('unknown');
    expect(health.unknown_reasons).toBeUndefined();
    expect(health.health_score).toBe(100);

    const empty = setup().groups().errors;
    expect(empty).toMatchObject({ status: 'unknown', error_rate_percent: null, count_judged: 0 });
    expect(empty.reason?.startsWith('0 requests in the window, fewer than minRequests (20)')).toBe(true);
    expect(getHealthStatus(snapshotOf(setup()), []).health_score).toBe(100);
  });

  it('closes beside judged requests: the rate is the judged ones (1 failed of 2: 50 %), the reason names the closes, no penalty', () => {
    const stats = setup();
    giveUp(stats, 6);
    stats.record('GET', '/ok', 200, 5);
    stats.record('GET', '/ok', 500, 5);
    const { errors } = stats.groups();
    expect(errors).toMatchObject({ status: 'unknown', error_rate_percent: 50, count_judged: 2 });
    expect(
      errors.reason?.startsWith(
        '6 requests closed unanswered in the window (after unansweredMinWaitMs, before abortedFailureMs), beside 2 judged: ',
      ),
    ).toBe(true);
    const health = getHealthStatus(snapshotOf(stats), []);
    expect(health.unknown_reasons).toBeUndefined();
  });

  it('minRequests (20) closes are still the documented outage: critical, unanswered, rate 100', () => {
    const stats = setup();
    giveUp(stats, 20);
    expect(stats.groups().errors).toMatchObject({
      status: 'critical',
      unanswered: true,
      error_rate_percent: 100,
    });
  });
});
