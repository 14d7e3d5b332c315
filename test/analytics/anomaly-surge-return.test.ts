// A traffic surge neither scores latency_p95 nor outlives its return (outside review 27, RT27-2). A day and an
// hour of 10 requests a minute, then 15 minutes of 200 (or of 0), then 10 again; every request 200 OK lasting
// 20, 21 or 22 ms in turn, so that every minute's p95 is 22 ms before, during and after. Before the fix
// latency_p95 scored 0.996 from the third minute of the surge and for hours after it (its tail model counted the
// third of the requests at 22 ms as over the usual p95 whenever its threshold dithered just below 22), the rule
// raised a latency anomaly, and request_rate stayed critical 6 h (its drop model's expected count had learned
// the surge: the return to 10 read as a drop to a quarter of it), while the same 15 minutes as a drop cleared
// 3 minutes after the return. The oracle is the series fed: a p95 that never moved, and the minute the
// traffic is back.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { testClock } from '../alerts/snapshot.js';
import { anomalyAlerts, anomalyAnalytics } from '../helpers/anomaly-minutes.js';
import { MIN, pointOf, type Request } from '../helpers/poisson-traffic.js';

/** The surge's first minute (a day and an hour in) and the return (15 minutes later). */
const FROM = 1440 + 60;
const BACK = FROM + 15;

/** `n` requests of 200 OK lasting 20, 21, 22 ms in turn. */
const requests = (n: number): Request[] =>
  Array.from({ length: n }, (_, i) => ({ status: 200, durationMs: 20 + (i % 3) }));

/** The run: `surge` requests a minute from FROM to BACK, 10 otherwise, `after` minutes after BACK. */
function run(surge: number, after: number) {
  const a = anomalyAnalytics();
  const clock = testClock(Date.UTC(2026, 10, 30));
  const alerts = anomalyAlerts(clock, a);
  const points: HistoryPoint[] = [];
  const scores: Array<Record<string, number>> = [];
  const events: Array<{ minute: number; type: AlertEvent['type']; series: string }> = [];
  for (let m = 0; m < BACK + after; m++) {
    const p = pointOf(clock.now(), requests(m >= FROM && m < BACK ? surge : 10));
    points.push(p);
    scores.push(a.scorePoint(p));
    clock.advance(MIN);
    const before = alerts.events.length;
    alerts.check();
    for (const e of alerts.events.slice(before))
      if (e.alert.rule === 'anomaly') events.push({ minute: m, type: e.type, series: e.alert.component });
  }
  return { points, scores, events };
}

describe('a traffic surge alone (RT27-2)', () => {
  const surge = run(200, 240);

  it('15 minutes of 200 requests: latency_p95, which never moved, scores low and is not alerted', () => {
    const { points, scores, events } = surge;
    // The oracle: the series fed reads 22 ms every minute.
    expect(new Set(points.map((p) => p.latency_p95_ms))).toEqual(new Set([22]));
    const latency = scores.slice(1441).map((s) => s.latency_p95 as number);
    expect(latency.length).toBe(points.length - 1441);
    // Was 0.996 from FROM + 3 to the end (4 h after the return). Below the documented 0.2 of a change within
    // a resolution.
    expect(Math.max(...latency)).toBeLessThan(0.2);
    expect(events.filter((e) => e.series !== 'request_rate')).toEqual([]);
  });

  it('15 minutes of 200 requests: request_rate is alerted and clears within 3 values of the return', () => {
    const { points, scores, events } = surge;
    // The surge is real, alerted; its episode ends at the third value back at the latest (BACK + 2), and the
    // alert clears then (was held to episodeMax, 6 h: the return read as a drop).
    const rate = events.filter((e) => e.series === 'request_rate');
    expect(rate.map((e) => e.type)).toEqual(['raised', 'cleared']);
    expect(rate[0]?.minute).toBeGreaterThanOrEqual(FROM);
    expect(rate[0]?.minute).toBeLessThan(BACK);
    expect(rate[1]?.minute).toBeGreaterThanOrEqual(BACK);
    expect(rate[1]?.minute).toBeLessThanOrEqual(BACK + 2);
    for (let m = BACK + 3; m < points.length; m++)
      expect(scores[m]?.request_rate, `minute ${m - BACK} after the return`).toBeLessThan(0.9);
  });

  it('the same 15 minutes as a drop to 0 still clears within 3 values of the return', () => {
    const { scores, events } = run(0, 120);
    const rate = events.filter((e) => e.series === 'request_rate');
    expect(rate.map((e) => e.type)).toEqual(['raised', 'cleared']);
    expect(rate[1]?.minute).toBeGreaterThanOrEqual(BACK);
    expect(rate[1]?.minute).toBeLessThanOrEqual(BACK + 3);
    for (let m = BACK + 3; m < scores.length; m++) expect(scores[m]?.request_rate).toBeLessThan(0.9);
    expect(events.filter((e) => e.series !== 'request_rate')).toEqual([]);
  });
});
