// request_rate of minutes a history point covers only part of (the first after a (re)start, one split by flush()
// or ended by close()): such points are held and added up per minute, then the minute is scored once, its count
// scaled to a whole minute by the seconds covered, so a short minute is not read as a drop in traffic.

import type { HistoryPoint } from '../history/point.js';

const MINUTE_SECONDS = 60;
/** Once this share of a minute is covered, its count stands for the minute (scaled): a bucket timer's jitter. */
export const WHOLE_SHARE = 0.95;
/** A minute left behind with less than this share covered is not scored: too little of it to stand for it. */
export const SCALED_SHARE = 0.25;

/** The minute held so far (one at a time: points come in time order) and the last minute scored. */
export class PartialMinutes {
  private t = Number.NaN;
  private requests = 0;
  private seconds = 0;
  private scoredT = Number.NaN;

  /**
   * The request counts to score for `point`, oldest first, one per minute: a held minute left behind (scaled, when
   * at least SCALED_SHARE of it was covered); then the point's own count when it covers its minute alone (at least
   * WHOLE_SHARE of it: scaled) or does not say (points of earlier versions, or written by hand: as it is); else,
   * once its minute's points together cover WHOLE_SHARE of it, their sum, scaled. The rest of a minute already
   * scored (the new process's part after a restart) adds nothing.
   */
  take(point: HistoryPoint): number[] {
    const out: number[] = [];
    if (!Number.isNaN(this.t) && point.t !== this.t) this.release(out);
    const held = !Number.isNaN(this.t);
    const covered = point.covered_seconds;
    const known = typeof covered === 'number' && Number.isFinite(covered);
    if (!known || (point.t !== this.scoredT && !held && covered >= WHOLE_SHARE * MINUTE_SECONDS)) {
      this.scoredT = point.t;
      out.push(known ? scaled(point.requests, covered) : point.requests);
      return out;
    }
    if (point.t === this.scoredT) return out;
    this.t = point.t;
    this.requests += point.requests;
    this.seconds += Math.max(0, covered);
    if (this.seconds >= WHOLE_SHARE * MINUTE_SECONDS) this.release(out);
    return out;
  }

  private release(out: number[]): void {
    if (this.seconds >= SCALED_SHARE * MINUTE_SECONDS) {
      out.push(scaled(this.requests, this.seconds));
      this.scoredT = this.t;
    }
    this.t = Number.NaN;
    this.requests = 0;
    this.seconds = 0;
  }
}

/**
 * A count over `seconds` as a whole minute's: scaled up when the minute was covered in part, as it is when it was
 * covered whole or longer (a bucket held open past its minute: its requests came in over that time, as before).
 */
function scaled(requests: number, seconds: number): number {
  return seconds < MINUTE_SECONDS ? Math.round((requests * MINUTE_SECONDS) / seconds) : requests;
}
