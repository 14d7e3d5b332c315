// The app's `probeRules.liveness()` behind `/livez`: one call shared by every probe request, its answer reused for a
// second, a call that never settles abandoned with backoff (outside review 39, RT39-6: every anonymous GET /livez ran
// the check again, 300 requests → 300 calls, a hanging check → 300 unsettled).

import { abandonAfterMs } from '../collector/probes.js';
import { errorMessage } from '../logger.js';
import { SteadyClock } from '../requests/steady-clock.js';
import type { Clock } from '../types.js';

/** A probe fails when the check has not answered within this. */
export const LIVENESS_CHECK_TIMEOUT_MS = 1000;
/** An answer serves the probes of this long after it came: at most one call started per second. */
export const LIVENESS_REUSE_MS = 1000;

/** What the check said: pass, or fail with why. */
export interface LivenessOutcome {
  readonly ok: boolean;
  readonly output?: string;
}

interface Pending {
  readonly promise: Promise<LivenessOutcome>;
  readonly startedAt: number;
}

/**
 * Single flight: while a call is pending no other starts, and every probe waits on that one (each at most until
 * LIVENESS_CHECK_TIMEOUT_MS after its start, then fails). A settled answer is reused for LIVENESS_REUSE_MS; one that
 * came LIVENESS_CHECK_TIMEOUT_MS or more after its call started is a failure, for every probe it answers. A call
 * still pending past the timeout fails each probe at once, and is abandoned (the next probe starts a new call) once
 * pending for the timeout plus a backoff: the timeout for the first abandoned since the last answer, doubling,
 * at most ABANDON_BACKOFF_CAP_MS, the dependency probes' own rule (abandonAfterMs). So a flood of probes costs at most one call a second,
 * and a check that never settles leaves at most about one unsettled call a minute.
 */
export class SharedLivenessCheck {
  private pending: Pending | undefined;
  private last: { readonly outcome: LivenessOutcome; readonly at: number } | undefined;
  private abandoned = 0;
  /**
   * The time a call takes and an answer's age are read on a monotonic view of `clock` (a step back taken as standing
   * still, SteadyClock): on the wall clock, a step back during a slow call made its lateness negative and its late
   * `true` a pass for the next second (outside review 46, RT46-2).
   */
  private readonly clock: SteadyClock;

  /** `clock`: a monotonic source (performance.now, the monitor's `monotonicClock`), or the injected wall clock. */
  constructor(
    private readonly check: () => boolean | Promise<boolean>,
    clock: Clock = { now: () => performance.now() },
  ) {
    this.clock = new SteadyClock(clock);
  }

  /** The check's verdict for one probe request; never rejects. */
  read(): Promise<LivenessOutcome> {
    const now = this.clock.now();
    const pending = this.pending;
    if (pending !== undefined) {
      const age = Math.max(0, now - pending.startedAt);
      if (age < LIVENESS_CHECK_TIMEOUT_MS) return bounded(pending.promise, LIVENESS_CHECK_TIMEOUT_MS - age);
      if (age < abandonAfterMs(LIVENESS_CHECK_TIMEOUT_MS, this.abandoned)) {
        return Promise.resolve({
          ok: false,
          output: `the liveness check still pending after ${Math.round(age)} ms`,
        });
      }
      this.abandoned++;
      this.pending = undefined;
    }
    const last = this.last;
    if (last !== undefined && now >= last.at && now - last.at < LIVENESS_REUSE_MS)
      return Promise.resolve(last.outcome);
    return bounded(this.start(now), LIVENESS_CHECK_TIMEOUT_MS);
  }

  private start(now: number): Promise<LivenessOutcome> {
    const check = this.check;
    const promise = Promise.resolve()
      .then(check)
      .then(
        (ok: unknown): LivenessOutcome => (ok === true ? { ok: true } : { ok: false, output: notTrue(ok) }),
        (err: unknown): LivenessOutcome => ({ ok: false, output: errorMessage(err) }),
      )
      .then((outcome): LivenessOutcome => {
        // Past the limit the verdict is a failure whatever it says: for the probes waiting on it and for the
        // second it is reused (outside review 42, RT42-6: a check always taking 1.5 s passed 56 % of the probes).
        const took = this.clock.now() - now;
        if (!outcome.ok || !(took >= LIVENESS_CHECK_TIMEOUT_MS)) return outcome;
        return {
          ok: false,
          output: `the liveness check answered after ${Math.round(took)} ms (the limit is ${LIVENESS_CHECK_TIMEOUT_MS} ms)`,
        };
      });
    const entry: Pending = { promise, startedAt: now };
    this.pending = entry;
    void promise.then((outcome) => {
      if (this.pending !== entry) return; // abandoned: a newer call is the one that counts
      this.pending = undefined;
      this.abandoned = 0;
      this.last = { outcome, at: this.clock.now() };
    });
    return promise;
  }
}

/**
 * Why an answer other than `true` fails, by its type and never its value (a string or an object may hold a secret):
 * `async () => { await db.ping(); }` answers undefined, which was reported as "returned false" (RT46-6).
 */
function notTrue(value: unknown): string {
  if (value === false) return 'the liveness check returned false';
  const what =
    value === undefined
      ? 'undefined (nothing)'
      : value === null
        ? 'null'
        : typeof value === 'object'
          ? Array.isArray(value)
            ? 'an array'
            : 'an object'
          : `a ${typeof value}`; // number, string, bigint, symbol, function
  return `the liveness check returned ${what}, not true (only true passes)`;
}

/** The outcome, or a failure once `ms` have passed without one. */
function bounded(promise: Promise<LivenessOutcome>, ms: number): Promise<LivenessOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          ok: false,
          output: `the liveness check did not answer within ${LIVENESS_CHECK_TIMEOUT_MS} ms`,
        }),
      ms,
    );
    timer.unref();
    void promise.then((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
}
