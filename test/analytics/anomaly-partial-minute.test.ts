// Outside review 20, item 3: after a restart the first minute is short (the process ran only part of it), and its
// request count was scored as a whole minute's: a drop in request_rate, learned into the model. A restart inside
// minute 10:00 at several offsets, with seeded Poisson traffic (test/helpers/poisson-traffic.ts) after a week and
// 9 hours learned: the old process's last point covers the minute up to its close, the new one's first point the
// rest (after 5 s down, or none). Oracle: the same analytics on the uninterrupted series (every minute whole), the
// default anomaly rule on an injected clock for the alerts.

import { describe, expect, it } from 'vitest';
import { AlertSystem } from '../../src/alerts/engine.js';
import { decodeCountStates, decodeDetectorStates } from '../../src/analytics/saved-state.js';
import type { HistoryPoint } from '../../src/history/point.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { anomalyAnalytics } from '../helpers/anomaly-minutes.js';
import { type Learned, MIN, pointOf, type Request } from '../helpers/poisson-traffic.js';
import { learnedTo9 } from './anomaly-incident.js';

/** The restart's minute (10:00, an hour after the learned ones) and the minutes run after it. */
const RESTART = 60;
const AFTER = 120;

/** The points a minute's requests make: whole, or split by a restart at `offset` s down for `down` s. */
type Split = (t: number, reqs: Request[]) => HistoryPoint[];
const whole: Split = (t, reqs) => [pointOf(t, reqs, 60)];
/** Request i of n arrives at (i + 0.5) / n of the minute; those while the process was down are lost. */
const restartAt =
  (offset: number, down: number): Split =>
  (t, reqs) => {
    const at = (i: number) => ((i + 0.5) * 60) / reqs.length;
    const before = reqs.filter((_, i) => at(i) < offset);
    const after = reqs.filter((_, i) => at(i) >= offset + down);
    return [pointOf(t, before, offset), pointOf(t, after, 60 - offset - down)];
  };

interface Run {
  alerts: string[];
  /** request_rate's detector and count model states after each minute from the restart on. */
  states: string[];
  /** request_rate's reported score of each minute after the restart's. */
  scores: Array<number | undefined>;
}

/**
 * The minutes after `learned`: each one's requests and its whole point (frozen: scoring reads a point, never
 * changes it). Every run of a base goes through the same minutes, and only the restart's is split, so they are
 * generated and encoded once per learned state, not once per run (13 runs a base).
 */
const minutesAfter = new Map<Learned, Array<{ reqs: Request[]; point: HistoryPoint }>>();
function minutesOf(learned: Learned) {
  let minutes = minutesAfter.get(learned);
  if (!minutes) {
    const traffic = learned.traffic.clone();
    minutes = [];
    for (let minute = 0, t = learned.t; minute < RESTART + AFTER; minute++, t += MIN) {
      const reqs = traffic.minute(t);
      minutes.push({ reqs, point: Object.freeze(whole(t, reqs)[0] as HistoryPoint) });
    }
    minutesAfter.set(learned, minutes);
  }
  return minutes;
}

/** The learned analytics through RESTART + AFTER minutes, `split` making the restart minute's points. */
function run(learned: Learned, split: Split): Run {
  const a = anomalyAnalytics();
  a.importState(learned.state);
  const minutes = minutesOf(learned);
  let t = learned.t;
  const alerts: string[] = [];
  const engine = new AlertSystem({
    clock: { now: () => t },
    rules: { anomaly: { enabled: true } },
    onAlert: (e) => {
      if (e.alert.rule === 'anomaly') alerts.push(`${e.type} ${e.alert.component} ${e.alert.message}`);
    },
    logger: { warn: () => {}, error: () => {} },
  });
  engine.addObservationSource((s) => a.observations(s) as never);
  const states: string[] = [];
  const scores: Array<number | undefined> = [];
  for (let minute = 0; minute < RESTART + AFTER; minute++) {
    const { reqs, point } = minutes[minute] as (typeof minutes)[number];
    for (const p of minute === RESTART ? split(t, reqs) : [point]) a.scorePoint(p);
    t += MIN;
    engine.checkThresholds({} as MetricsSnapshot);
    if (minute >= RESTART) states.push(requestRateState(a.exportState()));
    if (minute > RESTART) scores.push(a.getScores().scores.request_rate);
  }
  return { alerts, states, scores };
}

function requestRateState(saved: string): string {
  const detector = decodeDetectorStates(saved).find(([name]) => name === 'request_rate')?.[1];
  const count = decodeCountStates(saved).find(([name]) => name === 'request_rate')?.[1];
  return JSON.stringify([[...(detector ?? [])], [...(count ?? [])]]);
}

describe('request_rate across a restart inside a minute (review 20)', () => {
  for (const base of [30, 600]) {
    it(`${base} requests a minute at the peak: no alert, the model as on the uninterrupted series`, () => {
      const learned = learnedTo9(base);
      const reference = run(learned, whole);
      expect(reference.alerts).toEqual([]);
      // No time down, the old process's part under 57 s: the two parts hold every request of the minute, so the
      // model is exactly the reference's.
      for (const offset of [1, 15, 30, 45, 56]) {
        const r = run(learned, restartAt(offset, 0));
        expect([offset, r.alerts]).toEqual([offset, []]);
        expect(r.states).toEqual(reference.states);
      }
      // 5 s down (the requests of those 5 s are lost), or a part of 57 s or more (it stands for the minute, and
      // the rest of the minute adds nothing): the counts seen, scaled to the minute, are learned instead.
      for (const [offset, down] of [
        [1, 5],
        [15, 5],
        [30, 5],
        [45, 5],
        [50, 5],
        [58, 0],
        [59, 0],
      ] as const) {
        const r = run(learned, restartAt(offset, down));
        expect([offset, down, r.alerts]).toEqual([offset, down, []]);
        // No drift: every later minute's request_rate score is the uninterrupted run's, to the last reported digit
        // or one off (the minute learned from its scaled count rather than its own).
        const thousandths = (v: number | undefined) => Math.round((v ?? -1) * 1000);
        const drift = Math.max(
          ...r.scores.map((v, i) => Math.abs(thousandths(v) - thousandths(reference.scores[i]))),
        );
        expect([offset, down, drift]).toEqual([offset, down, expect.toBeOneOf([0, 1])]);
      }
    }, 120_000);
  }
});
