// Count evidence for the two monitor series whose minute is a count: `request_rate` (requests: has the
// traffic fallen away?) and `error_rate` (failed requests among them: has the failure share risen?). At a
// few requests a minute the detector's features, built for values with a usual noise, read a total
// outage or a 30 % error burst as no larger than the quiet nights' noise (outside review 14, F4), while the
// counts themselves say it is beyond doubt: 0 requests for 10 minutes where 14 a minute are expected has a
// probability of e^-140. So while its counts are small, each count series also keeps a CUSUM of the exact
// log-likelihood ratio of its counts (Poisson for requests, binomial for failures), which accumulates the
// evidence over as many minutes as the traffic needs, and compares it with the decayed record of its own
// past excursions, as the detector compares its features (an excursion raises the record at most CAP_RATIO
// times, so a pattern must recur to become usual; one held episodeMax points is taken as usual at once).
// Its score joins the detector's in the monitor (the larger is reported); NAB does not see it.
//
// `latency_p95` is not a count, but at a few requests a minute its minute is a noisy order statistic (the
// p95 of 20 requests is their 19th, and a night minute's of 1 request is that request), so the detector's
// envelope of it is as wide as the nights make it, and a x4 step after a week of learning was never raised.
// Its count is the requests over the series' usual p95 (a threshold learned from the minutes' histograms
// by stochastic approximation, so that about 5 % of requests are over it): under the usual latency about 1
// in 20 is, and 15 of 20 over it is beyond doubt. The `tail` model keeps that threshold and the same
// binomial CUSUM as the failures'.

import { ratioScore } from './anomaly-detector.js';

/**
 * Which shift a count model looks for: a drop of the count, a rise of the failure share, or a rise of the
 * share of requests over the usual p95 latency (`tail`).
 */
export type CountKind = 'drop' | 'rise' | 'tail';

/** The alternative a drop is tested against: the rate falls to this share of the expected one. */
export const DROP_TO = 0.25;
/** The alternative a rise is tested against: the odds of a failure this many times the baseline's. */
export const RISE_ODDS = 10;
/** The evidence (nats) an excursion's record is taken as at least: a score at the alert level needs 2.34 times it. */
export const EVIDENCE_FLOOR = 7;
/** The evidence over its record that makes an onset (scores ONSET_SCORE); twice it scores 0.995. */
const ONSET_RATIO = 1.17;
/** The evidence is kept at most this many times its record (so that it falls below the clear level soon after a return). */
const CAP_RATIO = 2.5 * ONSET_RATIO;
/** Scores of a minute whose own count does not support the shift stay at or below this. */
const HELD = 0.98;
/** Per-point decay of the record of past excursions (as the detector's records). */
const RECORD_DECAY = 0.9999;
/** Smoothing of the expected request count (as the detector's slow baseline). */
const SLOW_ALPHA = 0.01;
/**
 * drop: the expected count learns a minute's count at most this many standard deviations of its noise (Poisson,
 * times the dispersion) above it. A surge pulled it up (10 a minute, then 15 minutes at 200: 36.6), so that the
 * return to 10 read as a drop to a quarter of it and was held as an outage for episodeMax, 6 h (outside review
 * 27, RT27-2); a drop after the same surge cleared 3 minutes after the return. Capped, the surge moves it by
 * 2.5, and a daily cycle's rise (a few requests a minute from one minute to the next) is learned as before; a
 * lower expected count only makes the drop test less eager (the count must fall further).
 */
const SURGE_SIGMAS = 4;
/** Smoothing of the recent level (as the detector's short mean). */
const RECENT_ALPHA = 0.05;
/** Smoothing of the baseline failure share: about 2 days (as the detector's drift baseline). */
const SHARE_ALPHA = 0.0003;
/** Smoothing of the dispersion estimate. */
const DISPERSION_ALPHA = 0.001;
/** Points learned before any score. */
const WARMUP = 150;
/** The counts are small (the model scores) while the expected requests a minute are at most this. */
export const SMALL_COUNTS = 50;
/** The failures are few (the rise model scores) while the expected failures a minute are at most this. */
export const SMALL_FAILURES = 5;
/**
 * The share of requests the tail model's threshold leaves above it: it is learned as the usual p95. The
 * tail model scores, as the rise model, while the expected requests over it are at most SMALL_FAILURES (up
 * to about 100 requests a minute: above, the minute's p95 is precise enough for the detector).
 */
export const TAIL_SHARE = 0.05;
/** The threshold's step gain (log ms per unit of share off TAIL_SHARE, per minute): a day or so of memory. */
const TAIL_GAIN = 0.004;
/**
 * tail: a request counts as over the usual p95 when it is over the threshold by more than this share (two of the
 * latency histogram's 0.78 % buckets, and the threshold's own dither). Latencies often sit on a few values (whole
 * ms, a cache's one answer time): the threshold then settles on the value the p95 is, dithering across it (no
 * threshold has 5 % above it), and that value's requests (a third of them for 20/21/22 ms) were counted over it
 * in the minutes it sat just below: at 200 requests a minute that made an excursion of a p95 that never moved, and
 * the threshold, frozen below the value, kept it going for 6 h (outside review 27, RT27-2). The threshold itself
 * still learns from the requests over it (`atThreshold`), as the p95's stochastic approximation.
 */
export const TAIL_MARGIN = 0.02;
/**
 * tail and rise: the evidence (nats) that ends an excursion at the onset by its return: a CUSUM of the minutes'
 * exact log-likelihood ratio for the baseline share (frozen at the onset) against the shift's (the odds RISE_ODDS
 * times the baseline's, or the recent share where higher), kept from the onset. The minutes since the return
 * are judged together, so that at a few requests a minute the evidence for the shift, capped at CAP_RATIO times
 * a record that grows with a recurring pattern, need not drain request by request (outside review 17, F4: held
 * 1-2 h after a nightly slow hour at 1-4 requests a minute, re-raised by one ordinary request over the usual
 * p95). A few ordinary requests end it after a shift of most requests over the threshold; about 400:1 against ending one while it lasts.
 * The failures' model had the same fault: half the requests failing 03:00-04:00 at about 2 a minute was held
 * 10-15 min past 04:00 the first night, 48-103 the second, 219-227 the third; now 2-7 (30 % failing: 32-66, now 5-14).
 */
const RETURN_NATS = 6;

// The state's slots.
const N = 0;
/** drop: the expected count (slow mean); rise: decayed failures. */
const BASE = 1;
/** rise: decayed requests (BASE / BASE_N is the baseline failure share). */
const BASE_N = 2;
/** The recent level, about 20 minutes (of the count; rise: of the failures and, in RECENT_N, of the requests). */
const RECENT = 3;
const RECENT_N = 4;
/** Dispersion: smoothed squared step of the count, and smoothed sum of two consecutive counts. */
const SQ = 5;
const PAIR = 6;
const PREV = 7;
/** The CUSUM (nats), the peak of its current excursion, and the decayed record of past peaks. */
const CUSUM = 8;
const PEAK = 9;
const RECORD = 10;
/** Points since the excursion reached the onset (0: not there), and the points left showing it was accepted. */
const AGE = 11;
const ACCEPTED = 12;
/** Points left of the hold-off after an excursion at the onset ended (the series is returning). */
const GUARD = 13;
/** The excursion's evidence without the cap, and its peak (an accepted excursion's record). */
const FULL = 14;
const FULL_PEAK = 15;
/** The baseline (drop: the expected count; rise: the failure share) as it stood when the excursion reached the onset. */
const FROZEN = 16;
/** tail: the log of the threshold (ms), and the recent level of the minutes' log p95 (about 20 minutes). */
const LEVEL = 17;
const RECENT_LEVEL = 18;
/** tail and rise: the CUSUM of the evidence for a return (RETURN_NATS), kept while an excursion is at the onset. */
const RETURN = 19;

/** Float64 slots of a count model's state. */
export const COUNT_STATE_SIZE = 20;
/** Float64 slots of a count model's state saved before the return CUSUM (its last slot 0). */
export const COUNT_STATE_SIZE_V2 = 19;
/** Float64 slots of a count model's state saved before the tail model (its last two slots 0). */
export const COUNT_STATE_SIZE_V1 = 17;

/** One count series' evidence model: `update` returns the score of the minute in [0, 1). */
export class CountModel {
  readonly kind: CountKind;
  /** The whole model (a Float64Array, so that it serialises exactly). */
  readonly state: Float64Array;
  private readonly episodeMax: number;
  private readonly holdOff: number;
  private lastReturning = false;

  /** `episodeMax`, `holdOff`: the detector's (an excursion at the onset longer than episodeMax is accepted). */
  constructor(kind: CountKind, episodeMax: number, holdOff: number, state?: Float64Array) {
    this.kind = kind;
    this.episodeMax = episodeMax;
    this.holdOff = holdOff;
    this.state = state && state.length === COUNT_STATE_SIZE ? state : new Float64Array(COUNT_STATE_SIZE);
  }

  /** tail: the latency (ms) whose share of requests above is counted, the usual p95 as learned (0: none yet). */
  get threshold(): number {
    return this.kind === 'tail' && (this.state[N] as number) > 0 ? Math.exp(this.state[LEVEL] as number) : 0;
  }

  /** Whether an excursion ended by lasting episodeMax points (its level taken as the usual one), in the hold-off after. */
  get accepted(): boolean {
    return (this.state[ACCEPTED] as number) > 0;
  }

  /**
   * Whether the last minute reads as a return: its own counts no longer supported an excursion at the onset,
   * or it fell in the hold-off after one ended. The detector then starts no episode on it (the jump back
   * is the return's, not a new anomaly: the detector may not have seen the shift, only the counts did).
   */
  get returning(): boolean {
    return this.lastReturning;
  }

  /**
   * Scores a minute, then learns it: `count` requests (drop), failed requests (rise) or requests over
   * `threshold` (tail) out of `requests`; `resolution` the failure share a rise must exceed the baseline by
   * to count at all (the error_rate series' resolution, as a share); `level` (tail) the minute's p95 (ms),
   * which the threshold starts from; `atThreshold` (tail) the requests over the threshold itself (`count`: over
   * it by TAIL_MARGIN), which it learns from. A minute with no requests is skipped by a rise or tail model (score 0).
   */
  update(count: number, requests: number, resolution = 0, level = Number.NaN, atThreshold = count): number {
    const s = this.state;
    const binomial = this.kind !== 'drop';
    if (!(Number.isFinite(count) && count >= 0) || (binomial && !(requests > 0))) return 0;
    if (this.kind === 'tail' && !(level > 0) && (s[N] as number) === 0) return 0;
    if (binomial) count = Math.min(count, requests);
    const n = s[N] as number;
    if (n === 0) {
      if (this.kind === 'tail') {
        s[LEVEL] = Math.log(level);
        s[RECENT_LEVEL] = s[LEVEL] as number;
      }
      s[BASE] = count;
      s[BASE_N] = requests;
      s[RECENT] = count;
      s[RECENT_N] = requests;
      s[PREV] = count;
    }
    const pair = s[PAIR] as number;
    const dispersion = pair > 0 ? Math.max(1, (s[SQ] as number) / pair) : 1;
    let score = 0;
    const guard = s[GUARD] as number;
    if (guard > 0) s[GUARD] = guard - 1;
    this.lastReturning = guard > 0;
    if (n >= WARMUP) {
      // Only where the counts are small (or an excursion at the onset goes on): above, the detector's
      // features see an outage or a burst themselves, and learn a daily pattern of the counts in a day.
      const expected =
        this.kind === 'drop'
          ? Math.min(s[BASE] as number, s[RECENT] as number)
          : (s[RECENT_N] as number) *
            ((s[BASE] as number) / Math.max(1e-300, s[BASE_N] as number) + resolution);
      const small =
        expected <= (this.kind === 'drop' ? SMALL_COUNTS : SMALL_FAILURES) || (s[AGE] as number) > 0;
      const llr = small ? this.llr(count, requests, resolution) / dispersion : Number.NEGATIVE_INFINITY;
      score = this.judge(llr, this.returned(llr));
    }
    if ((s[ACCEPTED] as number) > 0) s[ACCEPTED] = (s[ACCEPTED] as number) - 1;
    const at = Number.isFinite(atThreshold) ? Math.min(Math.max(0, atThreshold), requests) : count;
    this.learn(count, requests, n, level, at, dispersion);
    return score;
  }

  /** The log-likelihood ratio of the minute, the shift against the baseline (which it freezes: FROZEN). */
  private llr(count: number, requests: number, resolution: number): number {
    const s = this.state;
    // Once the excursion is at the onset, its baseline is the one it left (frozen), so that a shift that
    // stays is not learned away by the recent mean while it lasts (the alert clears when it ends).
    const at = (s[AGE] as number) > 0;
    // rise and tail: a binomial share (failures, or requests over the threshold, among the requests).
    if (this.kind === 'drop') {
      // The lower of the slow and the recent mean: on a falling daily cycle the slow mean lags above the
      // rate (by 60 % at night on the review's traffic), which would read as a drop.
      const expected = at ? (s[FROZEN] as number) : Math.min(s[BASE] as number, s[RECENT] as number);
      if (!at) s[FROZEN] = expected;
      return count * Math.log(DROP_TO) + expected * (1 - DROP_TO);
    }
    const share = (s[BASE] as number) / Math.max(1e-300, s[BASE_N] as number);
    // tail: the share over the threshold is TAIL_SHARE by construction; at least half of it (a share learned
    // lower is the threshold's early noise), and never 0 (whose log-likelihood ratio is not finite).
    const floor = this.kind === 'tail' ? TAIL_SHARE / 2 : 1e-9;
    const p0 = at ? (s[FROZEN] as number) : Math.min(0.5, Math.max(floor, share + resolution));
    if (!at) s[FROZEN] = p0;
    // The alternative: ten times the odds, or the recent share where it is higher (during a burst, so that
    // minutes back at the baseline are read against the burst's level and the evidence falls soon after it).
    const recent = (s[RECENT] as number) / Math.max(1e-300, s[RECENT_N] as number);
    const p1 = Math.min(0.999, Math.max((RISE_ODDS * p0) / (1 - p0 + RISE_ODDS * p0), recent));
    return count * Math.log(p1 / p0) + (requests - count) * Math.log((1 - p1) / (1 - p0));
  }

  /**
   * tail and rise: steps the return CUSUM with this minute (`llr` its evidence for the shift, as judged) and tells
   * whether the excursion at the onset has ended by it (RETURN_NATS).
   */
  private returned(llr: number): boolean {
    const s = this.state;
    if (this.kind === 'drop' || !((s[AGE] as number) > 0) || !Number.isFinite(llr)) return false;
    const r = Math.max(0, (s[RETURN] as number) - llr);
    s[RETURN] = r;
    return r >= RETURN_NATS;
  }

  /** Steps the CUSUM with `llr` (`ended`: the excursion is over whatever its evidence) and scores it against the record of past excursions. */
  private judge(llr: number, ended = false): number {
    const s = this.state;
    const against = Math.max(s[RECORD] as number, EVIDENCE_FLOOR);
    const c = ended ? 0 : Math.min(CAP_RATIO * against, Math.max(0, (s[CUSUM] as number) + llr));
    s[CUSUM] = c;
    if (c > (s[PEAK] as number)) s[PEAK] = c;
    const full = Math.max(0, (s[FULL] as number) + llr);
    s[FULL] = c === 0 ? 0 : full;
    if (full > (s[FULL_PEAK] as number)) s[FULL_PEAK] = full;
    let score = ratioScore(c / against, ONSET_RATIO);
    if (llr <= 0) score = Math.min(score, HELD);
    if (c === 0) {
      // The excursion is over: its peak (as kept, at most CAP_RATIO times the record) is what the next
      // ones are compared with, so that a pattern must recur to become usual (an outage repeated the next
      // day is still alerted).
      s[RECORD] = Math.max(s[RECORD] as number, s[PEAK] as number);
      s[PEAK] = 0;
      s[FULL_PEAK] = 0;
    }
    const wasAt = (s[AGE] as number) > 0;
    const age = c / against >= ONSET_RATIO ? (s[AGE] as number) + 1 : 0;
    s[AGE] = age;
    if (wasAt && (llr <= 0 || ended)) this.lastReturning = true;
    if (wasAt && age === 0) s[GUARD] = this.holdOff;
    if (age > this.episodeMax) {
      // Lasted episodeMax points: the level is the series' usual one now (the baseline takes the recent level).
      if (this.kind === 'drop') s[BASE] = s[RECENT] as number;
      else if (this.kind === 'tail') {
        // The threshold takes the recent p95, and the share over it is the usual one again.
        s[LEVEL] = s[RECENT_LEVEL] as number;
        s[BASE] = TAIL_SHARE * (s[BASE_N] as number);
      } else
        s[BASE] = ((s[RECENT] as number) / Math.max(1e-300, s[RECENT_N] as number)) * (s[BASE_N] as number);
      // Taken as usual: its whole evidence is the record (the same excursion tomorrow is not alerted).
      s[RECORD] = Math.max(s[RECORD] as number, s[FULL_PEAK] as number);
      s[CUSUM] = 0;
      s[PEAK] = 0;
      s[FULL] = 0;
      s[FULL_PEAK] = 0;
      s[AGE] = 0;
      s[ACCEPTED] = this.holdOff + 1;
      score = 0;
    }
    s[RECORD] = (s[RECORD] as number) * RECORD_DECAY;
    return score;
  }

  /** Learns the minute: baselines, recent level, dispersion; tail: the threshold, unless an excursion is at the onset. */
  private learn(
    count: number,
    requests: number,
    n: number,
    level: number,
    atThreshold: number,
    dispersion: number,
  ): void {
    const s = this.state;
    const slow = Math.max(SLOW_ALPHA, 1 / (n + 1));
    if (this.kind === 'drop') {
      // A surge is not the usual level: the expected count learns a count at most SURGE_SIGMAS of its noise above it.
      const base = s[BASE] as number;
      const usual =
        n >= WARMUP
          ? Math.min(count, base + SURGE_SIGMAS * Math.sqrt(Math.max(1, base) * dispersion))
          : count;
      s[BASE] = base + slow * (usual - base);
    } else {
      const keep = 1 - Math.max(SHARE_ALPHA, 1 / (n + 1));
      s[BASE] = (s[BASE] as number) * keep + count;
      s[BASE_N] = (s[BASE_N] as number) * keep + requests;
    }
    const recent = Math.max(RECENT_ALPHA, 1 / (n + 1));
    s[RECENT] = (s[RECENT] as number) + recent * (count - (s[RECENT] as number));
    s[RECENT_N] = (s[RECENT_N] as number) + recent * (requests - (s[RECENT_N] as number));
    if (n > 0) {
      const da = Math.max(DISPERSION_ALPHA, 1 / n);
      const step = count - (s[PREV] as number);
      s[SQ] = (s[SQ] as number) + da * (step * step - (s[SQ] as number));
      s[PAIR] = (s[PAIR] as number) + da * (count + (s[PREV] as number) - (s[PAIR] as number));
    }
    if (this.kind === 'tail') {
      // Stochastic approximation of the usual p95 (Robbins-Monro): up when more than TAIL_SHARE of the
      // minute's requests are over it, down when fewer; frozen while an excursion is at the onset, so that a
      // step that stays is not learned away while it lasts (accepted after episodeMax points: judge()).
      if ((s[AGE] as number) === 0)
        s[LEVEL] =
          (s[LEVEL] as number) + Math.max(TAIL_GAIN, 2 / (n + 10)) * (atThreshold / requests - TAIL_SHARE);
      if (level > 0)
        s[RECENT_LEVEL] =
          (s[RECENT_LEVEL] as number) + recent * (Math.log(level) - (s[RECENT_LEVEL] as number));
    }
    // The return CUSUM starts at each onset.
    if (this.kind !== 'drop' && (s[AGE] as number) === 0) s[RETURN] = 0;
    s[PREV] = count;
    s[N] = n + 1;
  }
}
