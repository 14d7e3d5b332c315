// Dependency probes: a check the collector times, with a timeout, never overlapping itself; and
// ready-made probes for node-postgres, mysql2 and ioredis, duck-typed so sysvitals needs no driver.

import { round } from '../alerts/status.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import { errorMessage, type OutageLog } from '../logger.js';
import { catchRejection } from '../options/callback-result.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import type { Logger } from '../types.js';

/** A connection pool's connection counts, shown in the `database` group. */
export interface PoolSize {
  total?: number;
  idle?: number;
  waiting?: number;
}

/** A dependency check (database or Redis): timed on each sample, its failure raises the availability alert. */
export interface Probe {
  /** Resolves when the dependency answered; rejects (or hangs) when it did not. */
  check: () => Promise<unknown>;
  /** A check that takes longer counts as failed. @defaultValue 2000 */
  timeoutMs?: number;
  /** Connection pool figures, read after each check (a number means the total). */
  poolSize?: () => PoolSize | number | undefined;
}

/** The dependencies probed: `database` and `redis`. */
export type ProbeName = 'database' | 'redis';

export const DEFAULT_PROBE_TIMEOUT_MS = 2000;

export interface ProbeOutcome {
  ok: boolean;
  /** How long the check took; null when it failed or timed out. */
  latencyMs: number | null;
  error?: string;
  /**
   * Set when the check could not run because the application holds every pool connection (it waited for one
   * past its timeout): why, in words. The dependency is not known to be down; `ok` is false.
   */
  poolExhausted?: string;
  /**
   * Set when the pool has freed the check no connection (or refused every check) for poolStuckAfterMs(): critical,
   * as a failed check, but what was seen is a pool out of reach of this process, not the database failing
   * (`error` says so). Never set with poolExhausted.
   */
  poolStuck?: true;
}

/**
 * What a ready-made probe's check resolves with when the time that counts is not the whole check's: pgProbe and
 * mysqlProbe on a pool time the statement on the connection, not the wait for a free one.
 */
export class ProbeTiming {
  constructor(readonly latencyMs: number) {}
}

/**
 * A ready-made probe's check refused by its pool at once because every connection is busy and it may not wait
 * (mysql2's `queueLimit` reached, or `waitForConnections: false`): the pool is saturated, the database not known to
 * be down. Read as pool exhaustion (warning), and past poolStuckAfterMs() of refusals in a row as the failure.
 */
export class PoolSaturated extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolSaturated';
  }
}

/** Ready-made probes on a pool: while their check waits for a free connection, why (else undefined). */
const heldUp = new WeakMap<Probe, () => string | undefined>();

/**
 * How long a check may wait for a pool connection before the pool reads stuck: the check waits first in the pool's
 * queue, so a pool the application keeps busy frees it a connection within its statements' time; one that frees
 * none for this long is stuck, whatever holds it (a database that hangs holds every connection and answers nothing:
 * outside review 10, F6, read "pool exhausted", warning, with no alert).
 */
export function poolStuckAfterMs(timeoutMs: number): number {
  return Math.max(30_000, 10 * timeoutMs);
}

/**
 * A pool-exhausted outcome, or past poolStuckAfterMs() the check's failure (critical: the dependency is out of reach).
 * The message says what was seen, not who is to blame: one legitimate long statement (a report, COPY, a migration)
 * holds a small pool while the database answers others at once (outside review 11, F3).
 */
function stuckPool(
  exhausted: ProbeOutcome,
  pendingFor: number,
  timeoutMs: number,
  what = 'no connection freed',
): ProbeOutcome {
  if (pendingFor < poolStuckAfterMs(timeoutMs)) return exhausted;
  const s = Math.round(pendingFor / 1000);
  return {
    ok: false,
    latencyMs: null,
    // What was measured first (the alert reads `Database pool: <this>`), then the pool's state, then why it is not
    // a verdict on the database.
    error: `${what} for ${s} s; ${exhausted.error} (the database may be answering: long statements hold the pool)`,
    poolStuck: true,
  };
}

/** Registers how `probe` tells that its pending check waits for a pool connection (see ProbeOutcome.poolExhausted). */
export function setHeldUp(probe: Probe, reason: () => string | undefined): Probe {
  heldUp.set(probe, reason);
  return probe;
}

/** The outcome of a check still waiting for a pool connection; undefined when it is not. Never throws. */
function poolExhausted(probe: Probe): ProbeOutcome | undefined {
  let reason: string | undefined;
  try {
    reason = heldUp.get(probe)?.();
  } catch {
    return undefined;
  }
  return reason === undefined
    ? undefined
    : { ok: false, latencyMs: null, error: reason, poolExhausted: reason };
}

/** Throws a SysvitalsError unless `probe` has the generic probe's shape. */
export function validateProbe(probe: unknown, where: string): Probe {
  if (typeof probe !== 'object' || probe === null || typeof (probe as Probe).check !== 'function') {
    throw invalidOption(
      `${where} must be a probe: { check: () => Promise, timeoutMs?, poolSize? }, or pgProbe(pool), mysqlProbe(pool), redisProbe(client)`,
    );
  }
  const { timeoutMs, poolSize } = probe as Probe;
  // At most setTimeout's 2^31-1 ms: above it Node fires after 1 ms, and every check "timed out" at once (RT47-4).
  // Whole ms as the monitor's other ms options (outside review A, RTA-4).
  if (
    timeoutMs !== undefined &&
    !(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)
  ) {
    throw invalidOption(
      `${where}.timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (got ${timeoutMs})`,
    );
  }
  if (poolSize !== undefined && typeof poolSize !== 'function') {
    throw invalidOption(
      `${where}.poolSize must be a function returning { total, idle, waiting } or a number`,
    );
  }
  return probe as Probe;
}

/**
 * Refuses db_latency levels that a probe can never report: a check that takes longer than the probe's
 * timeout is cut off and reported as a failure (no response time), so a level at or above the timeout
 * could never be reached. `names` are the option names as the caller's user wrote them.
 */
export function checkLevelsAgainstProbe(
  levels: { warning: number; critical: number },
  probe: Probe | undefined,
  names: { levels: string; probe: string },
): void {
  if (probe === undefined) return;
  const timeoutMs = probe.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) return; // validateProbe() refuses it with its own message
  const origin = probe.timeoutMs === undefined ? ', the default' : '';
  for (const level of ['critical', 'warning'] as const) {
    const value = levels[level];
    if (value < timeoutMs) continue;
    throw new SysvitalsError(
      'ERR_SYSVITALS_CONFLICTING_OPTIONS',
      `sysvitals: \`${names.levels}.${level}\` (${value} ms) can never be reached: the probe gives up after ` +
        `\`${names.probe}.timeoutMs\` (${timeoutMs} ms${origin}) and reports the dependency as down instead. ` +
        `Set \`${names.levels}.${level}\` below ${timeoutMs} ms, or \`${names.probe}.timeoutMs\` above ${value} ms.`,
    );
  }
}

/** The longest backoff before a check still pending past its timeout is abandoned. */
export const ABANDON_BACKOFF_CAP_MS = 60_000;

/**
 * How long after its start a check still pending past its timeout is abandoned, so that a new one may
 * start: its timeout plus a backoff of the timeout doubled for each check abandoned in a row before it
 * (`abandonedBefore`), at most ABANDON_BACKOFF_CAP_MS. A single lost promise costs twice the timeout; a
 * dependency that keeps swallowing checks gets one new check per timeout + 60 s at most, so the promises
 * left unsettled grow by about one a minute, and a recovery shows within timeout + 60 s + a sample.
 */
export function abandonAfterMs(timeoutMs: number, abandonedBefore = 0): number {
  const backoff = Math.min(timeoutMs * 2 ** Math.min(abandonedBefore, 32), ABANDON_BACKOFF_CAP_MS);
  return timeoutMs + backoff;
}

/** What a runner tells when it abandons a check still pending (once per outage). */
export interface AbandonedCheck {
  pendingMs: number;
  timeoutMs: number;
  /** The backoff before the next abandonment, should the new check hang too. */
  nextAbandonAfterMs: number;
}

/** The collector's report of an abandoned check: one warning per outage, saying what happens next. */
export function logAbandoned(logger: Logger, name: string): (info: AbandonedCheck) => void {
  return ({ pendingMs, timeoutMs, nextAbandonAfterMs }) =>
    logger.warn(
      { component: name, pending_ms: pendingMs, timeout_ms: timeoutMs },
      `sysvitals: ${name} probe: a check still pending ${pendingMs} ms after it started (timeout ${timeoutMs} ms) ` +
        'was abandoned and a new one started; while checks keep hanging, each is abandoned after a backoff ' +
        `that doubles (next: ${nextAbandonAfterMs} ms after its start, at most timeout + 60 s)`,
    );
}

interface InFlight {
  startedAt: number;
  /** Settles at the check's result or its timeout, whichever is first. */
  outcome: Promise<ProbeOutcome>;
  timedOut: boolean;
}

/**
 * Runs one probe: times it, bounds it, and never starts a check while the previous one is pending,
 * unless that one has been pending past abandonAfterMs(): then it is abandoned and a new one starts.
 */
export class ProbeRunner {
  readonly timeoutMs: number;
  private inflight: InFlight | undefined;
  /** Checks abandoned since the last one that answered (a failure does not reset it). */
  private abandoned = 0;
  /** An abandonment was reported since the last check that answered (logged once per outage). */
  private reported = false;
  /** When the first of the checks its pool refused in a row (PoolSaturated) started; undefined: the last was not. */
  private refusedSince: number | undefined;

  constructor(
    readonly probe: Probe,
    private readonly now: () => number = () => performance.now(),
    private readonly onAbandon: (info: AbandonedCheck) => void = () => {},
  ) {
    this.timeoutMs = probe.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  }

  run(): Promise<ProbeOutcome> {
    const current = this.inflight;
    if (current) {
      const pendingFor = this.now() - current.startedAt;
      if (!current.timedOut) return current.outcome; // share the check under way
      // Still waiting for a pool connection: say so, and keep that one wait rather than queue another.
      const exhausted = poolExhausted(this.probe);
      if (exhausted) return Promise.resolve(stuckPool(exhausted, pendingFor, this.timeoutMs));
      const abandonAt = abandonAfterMs(this.timeoutMs, this.abandoned);
      if (pendingFor < abandonAt) {
        return Promise.resolve({
          ok: false,
          latencyMs: null,
          error:
            `previous check still pending after ${Math.round(pendingFor)} ms (timeout ${this.timeoutMs} ms; ` +
            `abandoned at ${Math.round(abandonAt)} ms)`,
        });
      }
      this.inflight = undefined;
      this.abandoned++;
      if (!this.reported) {
        this.reported = true;
        this.report(pendingFor);
      }
    }
    return this.start();
  }

  private report(pendingFor: number): void {
    try {
      this.onAbandon({
        pendingMs: Math.round(pendingFor),
        timeoutMs: this.timeoutMs,
        nextAbandonAfterMs: abandonAfterMs(this.timeoutMs, this.abandoned),
      });
    } catch {
      // A logger that throws must not fail the probe.
    }
  }

  private start(): Promise<ProbeOutcome> {
    const startedAt = this.now();
    let check: Promise<unknown>;
    try {
      check = Promise.resolve(this.probe.check());
    } catch (err) {
      return Promise.resolve({ ok: false, latencyMs: null, error: errorMessage(err) });
    }
    let timer: NodeJS.Timeout | undefined;
    const flight: InFlight = {
      startedAt,
      outcome: undefined as unknown as Promise<ProbeOutcome>,
      timedOut: false,
    };
    const settled = check.then(
      (value: unknown): ProbeOutcome => {
        this.refusedSince = undefined;
        return {
          ok: true,
          latencyMs: round(isInstance(value, ProbeTiming) ? value.latencyMs : this.now() - startedAt, 2),
        };
      },
      (err: unknown): ProbeOutcome => {
        if (isInstance(err, PoolSaturated)) {
          // Refused by a saturated pool: exhaustion, as a check waiting for a connection reads, bounded the same way.
          this.refusedSince ??= startedAt;
          const exhausted = { ok: false, latencyMs: null, error: err.message, poolExhausted: err.message };
          return stuckPool(exhausted, this.now() - this.refusedSince, this.timeoutMs, 'every check refused');
        }
        this.refusedSince = undefined;
        return { ok: false, latencyMs: null, error: errorMessage(err) || 'check failed' };
      },
    );
    settled.then((outcome) => {
      clearTimeout(timer);
      if (this.inflight !== flight) return; // an abandoned check settling late changes nothing
      this.inflight = undefined;
      if (!outcome.ok) return;
      this.abandoned = 0;
      this.reported = false;
    });
    const timeout = new Promise<ProbeOutcome>((resolve) => {
      timer = setTimeout(() => {
        flight.timedOut = true;
        resolve(
          poolExhausted(this.probe) ?? {
            ok: false,
            latencyMs: null,
            error: `timed out after ${this.timeoutMs} ms`,
          },
        );
      }, this.timeoutMs);
    });
    flight.outcome = Promise.race([settled, timeout]);
    this.inflight = flight;
    return flight.outcome;
  }
}

/**
 * Logs a probe's outage start and end; a pool the application holds entirely, or that freed no connection for
 * poolStuckAfterMs(), is logged under its own key (`database_pool`), never as the dependency failing.
 */
export function logOutcome(outages: OutageLog, name: string, outcome: ProbeOutcome): void {
  const pool = outcome.poolExhausted ?? (outcome.poolStuck ? outcome.error : undefined);
  if (pool !== undefined) outages.failed(`${name}_pool`, pool);
  else outages.recovered(`${name}_pool`);
  if (outcome.ok || pool !== undefined) outages.recovered(name);
  else outages.failed(name, outcome.error);
}

/**
 * `value instanceof C`, false where the test itself throws: a revoked Proxy, or one whose getPrototypeOf trap throws, as
 * a check's rejection value ended the host from the sample timer (outside review 38, RT38-7).
 */
function isInstance<T>(value: unknown, C: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof C;
  } catch {
    return false;
  }
}

/** Reads a probe's pool figures; a throwing or odd poolSize() gives nulls, never an error. */
export function readPoolSize(probe: Probe | undefined): {
  total: number | null;
  idle: number | null;
  waiting: number | null;
} {
  const none = { total: null, idle: null, waiting: null };
  if (!probe?.poolSize) return none;
  let size: PoolSize | number | undefined;
  try {
    size = probe.poolSize();
  } catch {
    return none;
  }
  // An async poolSize(): nothing to read now, and its rejection handled (unhandled, it would end the host: RT36-2).
  if (catchRejection(size, () => {})) return none;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (typeof size === 'number') return { ...none, total: num(size) };
  if (typeof size !== 'object' || size === null) return none;
  try {
    return { total: num(size.total), idle: num(size.idle), waiting: num(size.waiting) };
  } catch {
    return none; // a throwing getter or a revoked Proxy: no figures, the check's own outcome kept (RT38-8)
  }
}

/** Options of the ready probe's dependency checks (timeout in ms). */
export interface ReadyProbeOptions {
  /** @defaultValue 2000 */
  timeoutMs?: number;
}
