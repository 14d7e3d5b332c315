// How long a client that closed its connection is known to have waited (outside review 10, F5). An early close counts
// toward `unanswered` only when its client waited `unansweredMinWaitMs` (100 ms); the wait measured is up to when the
// server noticed the close, which its own synchronous work delays: a client that reset its connection 1 ms into a
// route's 150 ms of synchronous work is noticed after that work and read as a 150 ms wait, so a health checker that
// resets at once paged a healthy, CPU-heavy route. The close came after the request started and no later than its
// notice, and the server notices a close at the first poll of the event loop after it (the poll returns a
// connection's reset or end as soon as it is there); so what is known of the client's wait is bounded from below
// by two figures, both sound:
//
// - the loop's idle time between the request's start and the notice. libuv counts as idle only a poll that waited
//   (a first poll without waiting found nothing ready: the close had not come), and a wait ends at the latest when
//   the close arrives; so every idle span after the start lies before the close. A loop busy the whole time (the
//   request's own synchronous work, or another's) gives 0: the client may have closed at once.
// - the second latest stamp of the load watch's lag timer, minus the start: that timer fires once per loop turn at
//   most, so between its two latest firings the loop polled, before the notice's own poll, and the close was not
//   there yet. This one sees a loop that polled without ever waiting (busy with other requests).
//
// The stamps are (performance.now(), eventLoopUtilization().idle) pairs the lag timer takes (load-watch.ts), one read
// per firing, and one taken as it is set: nothing on the request path. The close path reads them (64 pairs at most), and only for a close that
// the measured wait alone would count toward `unanswered` (between the floor and abortedFailureMs).

import { performance } from 'node:perf_hooks';

/** Stamps kept at every firing (the latest ones), and every COARSE_EVERY-th firing (older ones). */
const FINE = 32;
const COARSE = 32;
const COARSE_EVERY = 16;

/** The lag timer's (performance.now(), idle total) stamps, newest last, and what a close's client waited. */
export class LoopStamps {
  private readonly times = new Float64Array(FINE + COARSE);
  private readonly idles = new Float64Array(FINE + COARSE);
  private fine = 0; // the timer's stamps taken in all
  private coarse: number; // coarse stamps taken in all, the first one included

  /**
   * The first stamp, when the lag timer is set: an older one (for the idle bound only: unlike the timer's firings,
   * it may come after its loop turn's poll), so that the first closes, before the timer fired, are judged too.
   */
  constructor(now = performance.now(), idle = performance.eventLoopUtilization().idle) {
    this.times[FINE] = now;
    this.idles[FINE] = idle;
    this.coarse = 1;
  }

  /**
   * A stamp for the idle bound only, as the constructor's: when a lag timer that slept is set again (at the admission
   * of the request that woke it, so before its poll maybe). Kept among the older stamps; no request in flight is older
   * than it (the timer sleeps only when none is).
   */
  mark(now = performance.now(), idle = performance.eventLoopUtilization().idle): void {
    const j = FINE + (this.coarse++ % COARSE);
    this.times[j] = now;
    this.idles[j] = idle;
  }

  /** A stamp now: called by the lag timer (once per loop turn at most), never on the request path. */
  stamp(now = performance.now(), idle = performance.eventLoopUtilization().idle): void {
    const i = this.fine % FINE;
    this.times[i] = now;
    this.idles[i] = idle;
    if (this.fine++ % COARSE_EVERY === 0) {
      const j = FINE + (this.coarse++ % COARSE);
      this.times[j] = now;
      this.idles[j] = idle;
    }
  }

  /**
   * The time (ms) the client of a request that started at `start` (performance.now()) and whose close the server
   * noticed `measuredMs` later is known to have waited: at most `measuredMs`. `idle`: the loop's idle total now.
   */
  waited(start: number, measuredMs: number, idle = performance.eventLoopUtilization().idle): number {
    // The idle time since the start is at least idle − (the idle total at a stamp, plus the wall time from the stamp
    // to the start when it came before it: idle grows no faster than time).
    let known = 0;
    const n = this.fine;
    for (let at = 0; at < Math.min(n, FINE); at++) known = Math.max(known, this.idleSince(at, start, idle));
    for (let at = FINE; at < FINE + Math.min(this.coarse, COARSE); at++) {
      known = Math.max(known, this.idleSince(at, start, idle));
    }
    // The loop polled between the two latest firings, before the notice's poll: the close came after the older one.
    if (n >= 2) {
      const polled = (this.times[(n - 2) % FINE] as number) - start;
      if (polled > known) known = polled;
    }
    return Math.min(known, measuredMs);
  }

  /** The idle time since `start` that the stamp at `at` proves (idle: the total now). */
  private idleSince(at: number, start: number, idle: number): number {
    return idle - (this.idles[at] as number) - Math.max(0, start - (this.times[at] as number));
  }
}
