// The monitor's episode of an anomaly detector (anomaly-detector.ts): after an onset, the series keeps
// the onset's score while the shift lasts, so that it reads as one stretch, an alert's pending time can
// pass and the alert clears when the value returns (not when a fixed hold-off ends: outside review 14,
// F2). NAB scores the detector's own output, which the episode does not change. It works on the
// detector's Float64Array state, so that it serialises with it.

import type { DetectorParams } from './detector-params.js';

/** The score of an onset: a feature `onsetRatio` times its record. */
export const ONSET_SCORE = 0.99;
/** The monitor's score of a return to the usual level, in the hold-off after an episode, is at most this. */
export const RETURN_SCORE = 0.5;
/**
 * An episode whose onset scored at least this (the anomaly rule's default warning: twice the onset ratio,
 * or outside the range), its value LONG_DISTANCE from the baseline (a level shift), lasts while its shift
 * does (a long episode); another one, the hold-off at most.
 */
export const LONG_HOLD = 0.995;
/** Points a long episode lasts before it is settled (the default pending time): see stepEpisode. */
const SETTLE = 3;
/**
 * A long episode's onset stands at least this many standard deviations of the slow baseline from it (a
 * level shift; a record of a series with a daily cycle that is no further from its baseline than the
 * cycle takes it would otherwise be held for hours by the cycle itself).
 */
const LONG_DISTANCE = 3;

// The slots of the detector's state the episode keeps (anomaly-detector.ts lays the state out).
/** The onset's score. */
export const ONSET = 10;
/** At the onset: the baseline and the value's signed distance from it (the episode's reference). */
const ONSET_MEAN = 11;
const ONSET_DIST = 12;
/** The episode's phase (OVER, IN, ACCEPTED, DIPPED, DIPPED2), plus LONG if it may outlast the hold-off. */
const PERSISTS = 13;
/** Points left in the episode (a second onset inside it restarts it), then in the guard after it ends. */
export const EPISODE = 27;

const OVER = 0;
/** Its values stand on the onset's side of the baseline at least half the reference distance from it. */
const IN = 1;
/** Lasted episodeMax points: its level is taken as the usual one (the guard reads against it). */
const ACCEPTED = 2;
/** In the episode, its last value (DIPPED) or last two values (DIPPED2) back (a settled long one ends at the third). */
const DIPPED = 3;
const DIPPED2 = 4;
const LONG = 8;

const phaseOf = (s: Float64Array): number => (s[PERSISTS] as number) % LONG;
const isLong = (s: Float64Array): boolean => (s[PERSISTS] as number) >= LONG;
const setPhase = (s: Float64Array, phase: number): void => {
  s[PERSISTS] = phase + (isLong(s) ? LONG : 0);
};

/** Whether the state is in an episode (its values still on the onset's side, or in the dips of a settled one). */
function inEpisode(s: Float64Array): boolean {
  const phase = phaseOf(s);
  return phase === IN || phase === DIPPED || phase === DIPPED2;
}

/** Whether an episode is running: in it, with points left. */
export function episodeRunning(s: Float64Array): boolean {
  return inEpisode(s) && (s[EPISODE] as number) > 0;
}

/** Whether the last episode ended by lasting episodeMax points, in the hold-off after. */
export function episodeAccepted(s: Float64Array): boolean {
  return s[PERSISTS] === ACCEPTED && (s[EPISODE] as number) > 0;
}

/** What one point gives the episode. */
export interface EpisodePoint {
  value: number;
  /** The slow baseline before the value. */
  mean: number;
  /** The detector's score of the value, before the hold-off's cap. */
  raw: number;
  /** The detector's output (NAB's: capped in the hold-off after an onset). */
  score: number;
  /** The value's distance from the slow baseline, in its standard deviations. */
  distance: number;
  /** The caller knows the value is a return (count-model.ts): no episode starts on it. */
  returning: boolean;
  /** The onset score from which an episode may outlast the hold-off. */
  longHold: number;
}

/**
 * Steps the episode with a point and returns the monitor's score of it. An onset (raw 0.99 or more)
 * starts an episode: the baseline it left and its distance from it are the reference. While the values
 * stay on the onset's side at least half the reference distance from that baseline, the series keeps the
 * onset's score: for the hold-off, or, for a long episode (LONG_HOLD, LONG_DISTANCE), up to episodeMax
 * points, and then its level is accepted as the usual one. An episode ends at its first value back, a
 * long one older than SETTLE points at the third in a row (the dips of a noisy series, such as a p95 of
 * a few requests a minute, are not its return). A second onset inside it (the first one over, or a
 * stronger one) starts a new episode. For the hold-off after an episode a value back (not on the
 * episode's side at least half its distance: a daily cycle may have carried the usual level past the
 * baseline) is a return: it starts no episode and scores at most RETURN_SCORE.
 */
export function stepEpisode(s: Float64Array, p: DetectorParams, x: EpisodePoint): number {
  let monitor = x.score;
  const left = s[EPISODE] as number;
  let start = left <= 0 && x.raw >= ONSET_SCORE;
  if (left > 0) {
    s[EPISODE] = left - 1;
    const dist = s[ONSET_DIST] as number;
    const d = x.value - (s[ONSET_MEAN] as number);
    const long = isLong(s);
    // Points since the onset, this one included.
    const settled = long && p.episodeMax - left + 1 > SETTLE;
    if (inEpisode(s)) {
      if (!(dist > 0 ? d >= dist / 2 : d <= dist / 2)) {
        if (phaseOf(s) === IN && settled) setPhase(s, DIPPED);
        else if (phaseOf(s) === DIPPED) setPhase(s, DIPPED2);
        else {
          s[PERSISTS] = OVER;
          s[EPISODE] = p.holdOff;
        }
      } else {
        setPhase(s, IN);
      }
      if (inEpisode(s) && left === 1 && long) {
        s[PERSISTS] = ACCEPTED;
        s[ONSET_MEAN] = x.mean;
        s[EPISODE] = p.holdOff;
      }
    }
    const ref = s[ONSET_DIST] as number;
    const dd = x.value - (s[ONSET_MEAN] as number);
    const back = p.returnGuard > 0 && (ref > 0 ? dd < ref / 2 : dd > ref / 2);
    if (back && !inEpisode(s)) monitor = Math.min(monitor, RETURN_SCORE);
    start = x.raw >= ONSET_SCORE && !back && (!inEpisode(s) || x.raw > (s[ONSET] as number));
  }
  if (x.returning && !episodeRunning(s)) {
    start = false;
    monitor = Math.min(monitor, RETURN_SCORE);
  }
  if (start) {
    const long = x.raw >= x.longHold && x.distance >= LONG_DISTANCE;
    s[EPISODE] = long ? p.episodeMax : p.holdOff;
    s[ONSET] = x.raw;
    s[ONSET_MEAN] = x.mean;
    s[ONSET_DIST] = x.value - x.mean;
    s[PERSISTS] = IN + (long ? LONG : 0);
  }
  if (episodeRunning(s)) monitor = Math.max(monitor, s[ONSET] as number);
  return monitor;
}
