// The snapshot's `anomaly.minutes_to_first_score` (outside review 31, RT31-12: a harness of 400 minutes saw
// `scores: {}` and no sign that the detector was learning). Oracle: the README's rule that a series is scored from
// its 1,441st minute with a value, counted here by the test itself from the values it fed (a minute without
// requests gives latency_p95 and error_rate no value, a custom series counts only the minutes it was observed in):
// the field is 1,441 minus that count while the count is at most 1,440, the series is absent from it after, and it
// is in `scores` from the minute it leaves. Restart: a monitor importing another's exported state continues the count.

import { afterEach, describe, expect, it } from 'vitest';
import { ANOMALY_LEARNING_POINTS } from '../../src/analytics/analytics.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { minutePoint } from '../helpers/anomaly-minutes.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { prng } from '../helpers/random.js';

const T0 = Date.UTC(2026, 11, 1);
const MIN = 60_000;
const DEFAULTS = ['cpu', 'memory', 'event_loop_delay', 'request_rate', 'error_rate', 'latency_p95'];
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function newMonitor(clock: { now: () => number }): SystemMonitor {
  const m = createMonitor({ ...NO_HOST_FILES, sampleIntervalMs: 0, clock, logger: silentLogger });
  monitors.push(m);
  return m;
}

/** The oracle: 1,441 minus the minutes fed, for each series fed at most 1,440 (or never) minutes. */
function expected(fed: Map<string, number>): Record<string, number> {
  // fromEntries: an own key `__proto__` (an assignment would set the prototype).
  return Object.fromEntries(
    [...fed].filter(([, n]) => n <= ANOMALY_LEARNING_POINTS).map(([name, n]) => [name, 1441 - n]),
  );
}

/**
 * Feeds minute `m` (a point, and the custom series `q` from minute 100 on, every third minute) and counts, in
 * `fed`, the minutes each series got a value: every 4th minute has no requests (no latency_p95, no error_rate).
 */
function feedMinute(monitor: SystemMonitor, fed: Map<string, number>, m: number, r: () => number): void {
  const idle = m % 4 === 3;
  const figures: Parameters<typeof minutePoint>[1] = {
    cpu_avg_percent: 20 + 4 * r(),
    memory_avg_percent: 40 + r(),
    event_loop_p99_ms: 1 + r(),
    requests: idle ? 0 : 500 + Math.round(100 * r()),
    errors_5xx: idle ? 0 : Math.round(3 * r()),
    latency_p95_ms: 20 + 5 * r(),
  };
  if (m >= 100 && m % 3 === 0) {
    monitor.analytics.observe('q', 50 + r());
    fed.set('q', (fed.get('q') ?? 0) + 1);
  }
  const point: HistoryPoint = minutePoint(T0 + m * MIN, figures);
  monitor.analytics.scorePoint(point);
  for (const name of DEFAULTS) {
    if (idle && (name === 'latency_p95' || name === 'error_rate')) continue;
    fed.set(name, (fed.get(name) ?? 0) + 1);
  }
}

describe('anomaly.minutes_to_first_score', () => {
  it('counts down exactly from 1,441 per series fed, and a series leaves it as it enters scores', async () => {
    const clock = { t: T0, now: () => clock.t };
    const monitor = newMonitor(clock);
    const fed = new Map(DEFAULTS.map((n) => [n, 0]));
    // Before any minute: every default series needs 1,441 minutes with a value.
    const first = await monitor.getMetrics();
    expect(first.anomaly?.scored_at).toBeNull();
    expect(first.anomaly?.minutes_to_first_score).toEqual(expected(fed));
    expect(Object.values(first.anomaly?.minutes_to_first_score ?? {})).toEqual(DEFAULTS.map(() => 1441));
    const r = prng(11).u;
    const LAST = 1700;
    const left = new Set(DEFAULTS);
    for (let m = 0; m < LAST; m++) {
      clock.t = T0 + (m + 1) * MIN + 100;
      feedMinute(monitor, fed, m, r);
      const got = monitor.analytics.getScores();
      const want = expected(fed);
      // A loop of 1,700 minutes: one expect per minute would hide which minute; throw with it instead.
      if (JSON.stringify(got.minutes_to_first_score) !== JSON.stringify(want))
        throw new Error(
          `minute ${m}: ${JSON.stringify(got.minutes_to_first_score)} != ${JSON.stringify(want)}`,
        );
      for (const name of [...left]) {
        if (name in want) {
          if (name in got.scores) throw new Error(`minute ${m}: ${name} scored while learning`);
        } else {
          // Its learning ended this minute: it is in scores from this one.
          expect(fed.get(name), name).toBe(1441);
          expect(got.scores[name], `${name} at minute ${m}`).toBeTypeOf('number');
          left.delete(name);
        }
      }
      if (m === 399 || m === 1439 || m === 1440 || m === LAST - 1) {
        const s = await monitor.getMetrics();
        expect(s.anomaly?.minutes_to_first_score, `snapshot at minute ${m}`).toEqual(want);
      }
    }
    // The review's 400 minutes: cpu had 1,041 to go. cpu, memory, event_loop_delay and request_rate are scored by
    // now; latency_p95 and error_rate (no value every 4th minute) and q (every third minute from 100) still learn.
    expect(fed.get('cpu')).toBe(LAST);
    expect(left).toEqual(new Set(['error_rate', 'latency_p95']));
    const end = monitor.analytics.getScores().minutes_to_first_score;
    expect(Object.keys(end).sort()).toEqual(['error_rate', 'latency_p95', 'q']);
    expect(end.q).toBe(1441 - 533); // minutes 102, 105, ..., 1698
    expect(end.latency_p95).toBe(1441 - (LAST - 425)); // 425 idle minutes (3, 7, ..., 1699)
    expect(end.error_rate).toBe(166);
  });

  it('continues after a restart from exported state, and counts a custom series named __proto__', async () => {
    const clock = { t: T0, now: () => clock.t };
    const before = newMonitor(clock);
    const fed = new Map(DEFAULTS.map((n) => [n, 0]));
    const r = prng(5).u;
    before.analytics.observe('__proto__', 1);
    fed.set('__proto__', 1);
    for (let m = 0; m < 900; m++) {
      clock.t = T0 + (m + 1) * MIN + 100;
      feedMinute(before, fed, m, r);
    }
    expect(before.analytics.getScores().minutes_to_first_score).toEqual(expected(fed));
    expect(Object.hasOwn(before.analytics.getScores().minutes_to_first_score, '__proto__')).toBe(true);
    const saved = before.analytics.exportState();

    const after = newMonitor(clock);
    after.analytics.importState(saved);
    // At once, before the restarted monitor scores a minute: the restored models' counts.
    const restored = await after.getMetrics();
    expect(restored.anomaly?.scored_at).toBeNull();
    expect(restored.anomaly?.minutes_to_first_score).toEqual(expected(fed));
    expect(restored.anomaly?.minutes_to_first_score?.cpu).toBe(1441 - 900);
    for (let m = 900; m < 1500; m++) {
      clock.t = T0 + (m + 1) * MIN + 100;
      feedMinute(after, fed, m, r);
      const got = after.analytics.getScores();
      if (JSON.stringify(got.minutes_to_first_score) !== JSON.stringify(expected(fed)))
        throw new Error(`minute ${m}: ${JSON.stringify(got.minutes_to_first_score)}`);
      if (m === 1440) expect(got.scores.cpu).toBeTypeOf('number');
    }
    const end = await after.getMetrics();
    expect(end.anomaly?.minutes_to_first_score?.cpu).toBeUndefined();
    expect(end.anomaly?.scores.cpu).toBeTypeOf('number');
    // Observed once, then never again: an own key (not the prototype).
    const proto = Object.getOwnPropertyDescriptor(end.anomaly?.minutes_to_first_score ?? {}, '__proto__');
    expect(proto?.value).toBe(1440);
  });

  it("through the monitor's own minute (observe + flush on an injected clock): only minutes with a value count", async () => {
    const clock = { t: T0, now: () => clock.t };
    const monitor = newMonitor(clock);
    // q observed in minutes 0, 1, 2 and 4 (not 3): four minutes learned; request_rate gets every closed minute.
    for (let m = 0; m < 5; m++) {
      clock.t = T0 + m * MIN + 1000;
      if (m !== 3) monitor.analytics.observe('q', 50);
      clock.t = T0 + (m + 1) * MIN;
      await monitor.flush();
    }
    const left = (await monitor.getMetrics()).anomaly?.minutes_to_first_score;
    expect(left?.q).toBe(1441 - 4);
    expect(left?.cpu).toBe(1441); // no host sample (NO_HOST_FILES, no sampling): no value yet
  });
});
