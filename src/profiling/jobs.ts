// Background job statistics: runs, failures, duration percentiles, the last success and the last
// failure (time and message) per job name, and which jobs with `expectEvery` have gone stale.

import { invalidOption } from '../errors.js';
import {
  CumulativeCounts,
  microsOf,
  type SparseCounts,
  slotOf,
  summarizeView,
} from '../latency/latency-ring.js';
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';
import { ElapsedView } from '../requests/steady-clock.js';
import type { Clock } from '../types.js';
import { errorText } from './job-error.js';
import { parseJobOptions } from './job-options.js';
import { decodeSavedJobs, encodeSavedJobs, type SavedJob } from './jobs-saved.js';

export { errorText, MAX_ERROR_LENGTH } from './job-error.js';
export type { JobOptions } from './job-options.js';

import { MAX_KEY_NAME_LENGTH, wellFormed } from '../custom/well-formed.js';

/** A job's last outcomes and watch, as another process reports them (cluster mode). */
export interface JobMeta {
  lastSuccess: number | null;
  lastFailure: number | null;
  lastError: string;
  lastDurationUs: number;
  expectEveryMs: number | null;
  watchedSince: number;
  /** Runs started and not finished in that process (absent in older reports). */
  running?: number;
}

/** One job's figures since start (a row of `GET jobs/`). */
export interface JobRow {
  name: string;
  runs: number;
  failures: number;
  /** Runs started and not finished yet. */
  running: number;
  /** Duration figures of the finished runs; null before the first one (unknown, not 0 ms). */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  avg_ms: number | null;
  max_ms: number | null;
  last_duration_ms: number | null;
  last_success: { timestamp: string } | null;
  last_failure: { timestamp: string; error: string | null } | null;
  expect_every_ms: number | null;
  /** True while an `expectEvery` job has had no success for more than twice that. */
  stale: boolean;
}

/** The `jobs` group of a snapshot: what the `job_stale` rule reads. */
export interface JobsGroup {
  count: number;
  /** Names of the stale jobs. */
  stale: string[];
  /** Jobs with `expectEvery`: seconds since their last success (or registration) and the limit. */
  watched: Array<{ name: string; since_success_seconds: number; limit_seconds: number; stale: boolean }>;
}

export interface JobStatsOptions {
  /** Distinct job names tracked; later ones are counted under `other`. @defaultValue 100 */
  maxJobs?: number;
  /** @defaultValue Date.now */
  clock?: Clock;
}

/** The name runs of jobs beyond `maxJobs` are counted under. */
export const OTHER_JOB = 'other';
/** A job is stale after this many `expectEvery` periods without a success. */
export const STALE_FACTOR = 2;

interface Entry {
  readonly name: string;
  readonly total: CumulativeCounts;
  running: number;
  lastDurationUs: number;
  lastSuccess: number | null;
  lastFailure: number | null;
  lastError: string;
  expectEveryMs: number | null;
  /** When staleness counting started: the first registration with expectEvery. */
  watchedSince: number;
  /** lastSuccess (else watchedSince) on the steady view: what elapsed figures count from. */
  steadySince: number;
}

/** Statistics per job name. record() is O(1) and never throws. */
export class JobStats {
  /** Whether a job named over MAX_KEY_NAME_LENGTH characters folded into `other`. @internal */
  longNameFolded = false;
  /** Whether a job declared with `expectEvery` past `maxJobs` was warned of (once). @internal */
  foldWarned = false;
  private readonly clock: Clock;
  private readonly maxJobs: number;
  private readonly byName = new Map<string, Entry>();
  private other: Entry | null = null;
  /**
   * Elapsed figures (since_success_seconds, staleness) count real time: the monotonic clock's when given (a wall clock
   * stepped forward or back is neither time passed nor taken back), else the wall clock's with a step back not taken
   * back. The timestamps shown stay wall time.
   */
  private readonly steady: ElapsedView;
  /** Runs whose duration was ignored (NaN, negative, infinite); the run still counted as finished. */
  dropped = 0;
  /** The previous process's times per job name (restoreSaved), adopted by each job as it is declared. */
  private saved = new Map<string, SavedJob>();
  /** Told when what exportSaved() writes changed: a success, a first `expectEvery` (the monitor saves soon). @internal */
  changed: (() => void) | undefined;

  /** @internal `monotonic`: the monitor's monotonic clock (what staleness measures elapsed time on). */
  constructor(options: JobStatsOptions = {}, monotonic?: Clock) {
    if (options === null || typeof options !== 'object')
      throw invalidOption('sysvitals: `jobs` must be an object.');
    rejectUnknownOptions(options, ['maxJobs', 'clock'], 'sysvitals: jobs');
    checkInteger(options.maxJobs, 'jobs.maxJobs', 1, 10_000);
    this.maxJobs = options.maxJobs ?? 100;
    this.clock = options.clock ?? { now: Date.now };
    this.steady = new ElapsedView(monotonic);
  }

  /**
   * Declares a job (and its `expectEvery`) before its first run, so staleness counts from now. False when its
   * `expectEvery` is not watched: a job past `maxJobs` is counted under `other`, a mix of jobs, where another folded
   * job's success would hide it and the first folded job's period would judge the others (so `other` is never
   * watched).
   */
  register(name: string, expectEveryMs: number | null): boolean {
    const e = this.entryFor(name);
    if (e.name !== name && e.name !== wellFormed(name)) return expectEveryMs === null;
    if (expectEveryMs !== null && e.expectEveryMs === null) {
      e.expectEveryMs = expectEveryMs;
      e.watchedSince = this.clock.now();
      if (e.lastSuccess === null) e.steadySince = this.steady.view(e.watchedSince);
      this.adopt(e);
      this.changed?.();
    }
    return true;
  }

  /**
   * What staleness needs across a restart (RT46-12): each job's last success and first declaration, this
   * process's jobs first, then those saved by the previous one and not declared here; at most `maxJobs`. @internal
   */
  exportSaved(): string {
    const rows = new Map<string, SavedJob>();
    for (const e of this.byName.values()) {
      const before = this.saved.get(e.name);
      const watchedSince = e.expectEveryMs === null ? (before?.watchedSince ?? null) : e.watchedSince;
      rows.set(e.name, { lastSuccess: e.lastSuccess ?? before?.lastSuccess ?? null, watchedSince });
    }
    for (const [name, s] of this.saved) if (!rows.has(name)) rows.set(name, s);
    return encodeSavedJobs(rows, this.maxJobs);
  }

  /** Reads what exportSaved() wrote (the previous process): the jobs declared so far and later adopt it. @internal */
  restoreSaved(json: string): void {
    try {
      this.saved = decodeSavedJobs(json, this.maxJobs, this.clock.now());
      for (const e of this.byName.values()) this.adopt(e);
    } catch {
      // malformed: start without it
    }
  }

  /** A job's saved times: the later success, the earlier declaration (the steady view's elapsed counts from it). */
  private adopt(e: Entry): void {
    const s = this.saved.get(e.name);
    if (s === undefined) return;
    const raw = this.clock.now();
    const stepped = this.steady.view(raw) - raw;
    if (s.lastSuccess !== null && s.lastSuccess > (e.lastSuccess ?? -1)) {
      e.lastSuccess = s.lastSuccess;
      e.steadySince = s.lastSuccess + stepped;
    }
    if (e.expectEveryMs !== null && s.watchedSince !== null && s.watchedSince < e.watchedSince) {
      e.watchedSince = s.watchedSince;
      if (e.lastSuccess === null) e.steadySince = s.watchedSince + stepped;
    }
  }

  /** A run started (shown as `running` until it finishes). */
  started(name: string): void {
    try {
      this.entryFor(name).running++;
    } catch {
      // never breaks the job
    }
  }

  /** A run finished: its duration, and the error when it failed (`undefined` on success). */
  record(name: string, durationMs: number, failed: boolean, error?: unknown, wasStarted = false): void {
    try {
      const e = this.entryFor(name);
      if (wasStarted && e.running > 0) e.running--;
      const us = microsOf(durationMs);
      if (us < 0) {
        this.dropped++;
        return;
      }
      e.total.add(slotOf(us), us, failed);
      e.lastDurationUs = us;
      const now = this.clock.now();
      if (failed) {
        e.lastFailure = now;
        e.lastError = errorText(error);
      } else {
        e.lastSuccess = now;
        e.steadySince = this.steady.view(now);
        this.changed?.();
      }
    } catch {
      // never breaks the job
    }
  }

  /** Whether `jobs/` lists this job (declared, running or run); it creates nothing. */
  has(name: string): boolean {
    if (typeof name !== 'string') return false;
    if (this.byName.has(name) || this.byName.has(wellFormed(name))) return true;
    return name === OTHER_JOB && this.other !== null;
  }

  /** Every job, busiest first. */
  rows(): JobRow[] {
    const now = this.steady.view(this.clock.now());
    const out: JobRow[] = [];
    for (const e of this.entries()) {
      const s = summarizeView(e.total);
      const ran = e.total.n > 0;
      out.push({
        name: e.name,
        runs: e.total.n,
        failures: e.total.errors,
        running: e.running,
        p50_ms: ran ? s.p50_ms : null,
        p95_ms: ran ? s.p95_ms : null,
        p99_ms: ran ? s.p99_ms : null,
        avg_ms: ran ? s.avg_ms : null,
        max_ms: ran ? s.max_ms : null,
        last_duration_ms: e.total.n > 0 ? e.lastDurationUs / 1000 : null,
        last_success: e.lastSuccess === null ? null : { timestamp: new Date(e.lastSuccess).toISOString() },
        last_failure:
          e.lastFailure === null
            ? null
            : {
                timestamp: new Date(e.lastFailure).toISOString(),
                error: e.lastError === '' ? null : e.lastError,
              },
        expect_every_ms: e.expectEveryMs,
        stale: this.isStale(e, now),
      });
    }
    return out.sort((a, b) => b.runs - a.runs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The snapshot group the `job_stale` rule reads. */
  group(): JobsGroup {
    const now = this.steady.view(this.clock.now());
    const watched: JobsGroup['watched'] = [];
    const stale: string[] = [];
    let count = 0;
    for (const e of this.entries()) {
      count++;
      if (e.expectEveryMs === null) continue;
      const since = e.steadySince;
      const isStale = this.isStale(e, now);
      if (isStale) stale.push(e.name);
      watched.push({
        name: e.name,
        since_success_seconds: Math.max(0, Math.round((now - since) / 1000)),
        limit_seconds: Math.round((STALE_FACTOR * e.expectEveryMs) / 1000),
        stale: isStale,
      });
    }
    return { count, stale, watched };
  }

  /** Each job's live cumulative counts (Prometheus, cluster reports); read each synchronously. @internal */
  *totalCounts(): Generator<
    {
      name: string;
      runs: number;
      failures: number;
      lastSuccess: number | null;
      lastFailure: number | null;
      histogram: CumulativeCounts;
    } & JobMeta
  > {
    for (const e of this.entries()) {
      yield {
        name: e.name,
        runs: e.total.n,
        failures: e.total.errors,
        lastSuccess: e.lastSuccess,
        lastFailure: e.lastFailure,
        lastError: e.lastError,
        lastDurationUs: e.lastDurationUs,
        expectEveryMs: e.expectEveryMs,
        watchedSince: e.watchedSince,
        running: e.running,
        histogram: e.total,
      };
    }
  }

  /**
   * Cluster mode: runs recorded by another process (their durations as counts) and its last outcomes,
   * merged here: counts add up, the latest success and failure win, `expectEvery` is adopted.
   * @internal
   */
  absorb(name: string, latency: SparseCounts | null, meta: JobMeta): void {
    try {
      const e = this.entryFor(name);
      if (latency !== null && latency.n > 0) e.total.addSparse(latency);
      const ours = Math.max(e.lastSuccess ?? -1, e.lastFailure ?? -1);
      const theirs = Math.max(meta.lastSuccess ?? -1, meta.lastFailure ?? -1);
      if (theirs >= 0 && theirs >= ours) e.lastDurationUs = meta.lastDurationUs;
      const raw = this.clock.now();
      const stepped = this.steady.view(raw) - raw; // another process's wall readings, on this view
      if (meta.lastSuccess !== null && meta.lastSuccess > (e.lastSuccess ?? -1)) {
        e.lastSuccess = meta.lastSuccess;
        e.steadySince = meta.lastSuccess + stepped;
      }
      if (meta.lastFailure !== null && meta.lastFailure > (e.lastFailure ?? -1)) {
        e.lastFailure = meta.lastFailure;
        e.lastError = meta.lastError;
      }
      if (meta.expectEveryMs !== null && e.expectEveryMs === null) {
        e.expectEveryMs = meta.expectEveryMs;
        e.watchedSince = meta.watchedSince;
        if (e.lastSuccess === null) e.steadySince = meta.watchedSince + stepped;
      }
    } catch {
      // never breaks the aggregator
    }
  }

  /** Cluster mode: the runs in progress of a job over the live workers (set by the aggregator). */
  setRunning(name: string, running: number): void {
    try {
      this.entryFor(name).running = running;
    } catch {
      // never breaks the aggregator
    }
  }

  /** Distinct job names tracked (`other` not included). */
  get size(): number {
    return this.byName.size;
  }

  private isStale(e: Entry, now: number): boolean {
    if (e.expectEveryMs === null) return false;
    return now - e.steadySince > STALE_FACTOR * e.expectEveryMs;
  }

  private *entries(): Generator<Entry> {
    yield* this.byName.values();
    if (this.other && !this.byName.has(OTHER_JOB)) yield this.other;
  }

  private entryFor(name: string): Entry {
    const found = this.byName.get(name);
    if (found !== undefined) return found;
    // Names are filed well-formed (a lone surrogate as U+FFFD: the scrape's UTF-8 has one spelling for both).
    const filed = wellFormed(name);
    if (filed !== name) return this.entryFor(filed);
    if (typeof name === 'string' && name.length > MAX_KEY_NAME_LENGTH) this.longNameFolded = true;
    else if (typeof name === 'string' && this.byName.size < this.maxJobs) {
      const created = createEntry(name, this.clock.now(), this.steady);
      this.byName.set(name, created);
      this.adopt(created);
      return created;
    }
    this.other ??= this.byName.get(OTHER_JOB) ?? createEntry(OTHER_JOB, this.clock.now(), this.steady);
    return this.other;
  }
}

function createEntry(name: string, now: number, steady: ElapsedView): Entry {
  return {
    name,
    total: new CumulativeCounts(),
    running: 0,
    lastDurationUs: 0,
    lastSuccess: null,
    lastFailure: null,
    lastError: '',
    expectEveryMs: null,
    watchedSince: now,
    steadySince: steady.view(now),
  };
}
