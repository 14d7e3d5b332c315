// The monitor's history writer: closes each resolution bucket into a point, scores and stores it, and keeps
// the route series and anomaly models in the store's state blobs.

import type { AlertSystem } from '../alerts/engine.js';
import type { Analytics } from '../analytics/analytics.js';
import type { MinuteHook } from '../cluster/minute-gate.js';
import type { CustomMetrics } from '../custom/index.js';
import { BucketAggregator } from '../history/bucket-aggregator.js';
import { readQuietly } from '../latency/coarse-clock.js';
import { hdrLoaded, warmHistogramSteps } from '../latency/histogram.js';
import { errorMessage } from '../logger.js';
import type { JobStats } from '../profiling/jobs.js';
import type { SeriesHistory } from '../profiling/series-history.js';
import type { RequestStats } from '../requests/requests.js';
import type { MetricsStore } from '../stores/store.js';
import type { Clock, Logger, MetricsSnapshot } from '../types.js';
import { BucketTimer } from './bucket-timer.js';
import { ALERTS_STATE } from './held-elsewhere.js';
import {
  hasCustomFigures,
  readCoverageClock,
  readEncodedOnce,
  routeSeriesTotals,
  settledWithin,
} from './history-writer-steps.js';
import { InstanceWatch } from './instance-watch.js';
import { JobsSaver } from './jobs-saver.js';
import {
  exportNotifications,
  NOTIFICATIONS_STATE,
  type NotificationStateParts,
  restoreNotifications,
} from './notification-state.js';
import { runInSlices } from './slices.js';
import { liveSpans, StallWatch, spansMiddle } from './stall-watch.js';

/** The store state blob holding the per-route and per-job one-minute series. */
const SERIES_STATE = 'route-history';
/** The longest a close waits for the start-up read of the saved state before its last saves (RT39-9). */
const CLOSE_LOAD_WAIT_MS = 2000;
/** The store's name for the anomaly models' state. */
const ANALYTICS_STATE = 'anomaly';
/** The store's name for each job's last success and first declaration (job staleness across a restart, RT46-12). */
const JOBS_STATE = 'jobs';

/** What the writer reads from the monitor that owns it. */
export interface HistoryWriterParts {
  readonly store: MetricsStore;
  readonly instanceId: string;
  readonly clock: Clock;
  /**
   * A monotonic clock (ms) that times how long each bucket was recorded (`covered_seconds`), so that a wall clock
   * stepped forward does not count the seconds it skipped; absent: the wall clock's own differences.
   */
  readonly coverageClock?: Clock;
  readonly logger: Logger;
  readonly resolutionMs: number;
  readonly requests: RequestStats;
  readonly custom: CustomMetrics;
  readonly jobs: JobStats;
  readonly series: SeriesHistory;
  readonly analytics: Analytics;
  /** Its active alerts, saved and restored; its fence (a deposed cluster aggregator writes no history). */
  readonly alertSystem: Pick<AlertSystem, 'exportActive' | 'restoreActive' | 'clearRemovedRules' | 'fenced'>;
  /** Its channels' deliveries, saved and restored with the alerts (absent in a cluster: the ledger has them). */
  readonly notificationState?: NotificationStateParts;
  /** True once the monitor is closing: the bucket timer is not rearmed. */
  readonly closing: () => boolean;
}

/** Buckets, points and saved state of one monitor (see `flush()` for how buckets partition time). */
export class HistoryWriter {
  private readonly aggregator = new BucketAggregator();
  private bucketStart: number;
  /** The wall clock's reading when the current bucket opened (the writer's start, then each flush's). */
  private openedWall: number;
  /** The coverage clock's reading then (NaN without one). */
  private openedMono: number;
  /** `t` of the last point written (-Infinity before the first). */
  private lastLabel = Number.NEGATIVE_INFINITY;
  /** Set by the close's flush: the monitor is down from there, so no later bucket is an idle one it was up for. */
  private ended = false;
  private readonly timer: BucketTimer;
  /** Stops the warm-up's remaining slices (stopTimer); set once it started. */
  private warmStop: (() => void) | undefined;
  /** Saved model state is read before the first save, so a restart does not overwrite it. */
  private stateLoaded = false;
  private stateLoadWarned = false;
  private stateLoading: Promise<void> | undefined;
  /** A cluster aggregator's: each bucket waits for what the workers recorded in it (cluster/minute-gate.ts). */
  gate: MinuteHook | undefined;
  /** Saves the jobs state soon after a job's success, between the minute's saves (jobs-saver.ts). */
  private readonly jobsSaver = new JobsSaver(() => this.saveJobs());
  /** Other live processes under the same instanceId: only the holder reads and saves the state (RT48-3). */
  readonly watch: InstanceWatch;
  /** The signs of life (sample timer ticks, flushes) and the open bucket's stalls (RTB-2). */
  private readonly stalls: StallWatch;

  constructor(private readonly m: HistoryWriterParts) {
    this.timer = new BucketTimer({
      clock: m.clock,
      logger: m.logger,
      resolutionMs: m.resolutionMs,
      closing: () => m.closing(),
      flush: (due) => this.flush(false, due),
      bucketStart: () => this.bucketStart,
    });
    this.watch = new InstanceWatch(m);
    this.openedWall = m.clock.now();
    this.openedMono = this.monotonic();
    this.stalls = new StallWatch(this.openedWall, this.openedMono);
    this.bucketStart = this.alignedBucketStart(this.openedWall);
    m.jobs.changed = () => this.jobsSaver.soon();
  }

  /** The sample timer's tick (every `intervalMs`, before its sample): a sign of life (stall-watch.ts). */
  tick(intervalMs: number): void {
    this.stalls.tick(this.m.clock.now(), this.monotonic(), intervalMs, this.bucketStart);
  }

  /**
   * The time history reads end at: `now`, or the end of the last bucket written when that is later (the
   * clock stepped back since): points keep the `t` they were written with, so a read window computed on
   * the stepped clock alone would leave them all out for the size of the step.
   */
  readNow(now: number): number {
    return Math.max(now, this.bucketStart);
  }

  /** Adds one sample to the current bucket. */
  add(snapshot: MetricsSnapshot): void {
    this.aggregator.add(snapshot);
    this.warmUp();
  }

  /**
   * At the first sample after the first request (a point will hold a latency histogram) while the
   * histogram code is not loaded yet: loads and compiles it one small step per loop turn (setImmediate), so
   * that the flush finds it ready (issue 18: the first point with requests loaded and compiled it inside the
   * flush, one stall of the host's loop, 140-185 ms at load 20 on 2 cores). What the steps did not load by the
   * flush (a boundary too near, a failed step) loads there as before; the point is the same either way. A
   * monitor that served no request still loads nothing (no timer of its own: the sample cycle's turn).
   */
  private warmUp(): void {
    if (this.warmStop !== undefined || hdrLoaded() || this.m.requests.total === 0) return;
    if (this.m.closing()) return;
    this.warmStop = runInSlices([...warmHistogramSteps(), readEncodedOnce]);
  }

  /**
   * Closes the current bucket into a history point now and writes it. Buckets partition time, whatever
   * the order of flushes, closes and clock steps: each one runs from the previous flush to this one, so
   * nothing is counted twice or lost, and each point's `t` (see bucketLabel) is later than the last
   * one's, so no bucket is written twice and none goes backwards. A clock that stands still or steps
   * back is taken as 1 ms later than the bucket's start. `last`: the close's flush (no later bucket was up).
   * `due`: the resolution boundary the bucket timer fired for. Stalls and a wall clock's forward steps (stall-watch.ts)
   * are no live time: the point's covered seconds and spans leave them out, its `t` is by the middle of its live time.
   */
  async flush(last = false, due?: number): Promise<void> {
    const m = this.m;
    // The close's: after the timer's flush under way (its point, then this one; both before the store closes).
    if (last) await this.timer.idle();
    const ended = this.ended;
    if (last) this.ended = true;
    // The workers' figures of this bucket first; a worker that did not send them makes the point incomplete.
    const missing = this.gate ? await this.gate.before().catch(() => ['sync']) : [];
    const start = this.bucketStart;
    const now = m.clock.now();
    const end = now > start ? now : start + 1;
    const { stalls, stalledMs } = this.stalls.close(now, this.monotonic(), start, due);
    this.bucketStart = end;
    const wholeMs = this.coveredMs(now);
    const coveredMs = wholeMs === undefined ? undefined : Math.max(0, wholeMs - stalledMs);
    const live = stalls.length > 0 ? liveSpans(start, end, stalls, coveredMs) : undefined;
    const liveMiddle = live === undefined ? Number.NaN : spansMiddle(live); // NaN: no live time (then its start)
    const middle =
      live === undefined ? start + (end - start) / 2 : Number.isFinite(liveMiddle) ? liveMiddle : start;
    const label = this.bucketLabel(start, middle);
    // A start-up read that failed is retried; not awaited, so that a store that hangs cannot hold the
    // minute up (its reads are bounded by the store's own timeout).
    if (!this.stateLoaded && !m.closing()) void this.loadSavedState();
    // Before the bucket closes: each route's window is then the minute just ended. Its reads leave a sleeping
    // coarse clock asleep (readQuietly: an idle minute's flush is not the hot path).
    const windows = readQuietly(() => m.requests.endpointWindows());
    m.series.addMinute(middle, middle, windows, routeSeriesTotals(m.requests), m.jobs.totalCounts()); // its `t` by `middle`
    // No await from the gate's sync to here: no worker's part comes in between the series and the bucket.
    const bucket = readQuietly(() => m.requests.takeBucket());
    const custom = m.custom.takeBucket(now);
    this.gate?.after(end);
    // A close before the start-up read of the saved state finished waits for it (bounded), so that this life's
    // route history is saved, merged into what it read, instead of not at all (outside review 39, RT39-9).
    if (last && !this.stateLoaded) await this.loadBeforeLastSave();
    // This process as a live writer of its instanceId, and whether it still holds the saved state (before the
    // load, its retry above claims). A claim the store did not answer keeps the role as it was. Not at the close:
    // its last writes share one bound, and the store's close releases the role (the last claim's answer stands).
    if (this.stateLoaded && !last && !m.alertSystem.fenced()) await this.watch.claim().catch(() => false);
    // Checked before each write (a deposed cluster aggregator's closing flush writes nothing to a shared
    // store after its successor took over: tenure.ts), after any await.
    if (this.savesState()) {
      await m.store.saveState?.(m.instanceId, SERIES_STATE, m.series.export()).catch(() => {});
      await m.store.saveState?.(m.instanceId, JOBS_STATE, m.jobs.exportSaved()).catch(() => {});
    }
    // A minute with values observed through analytics.observe() closes too (sampler off, no requests):
    // each minute's values are scored in their own minute, not folded into the next one. So does an idle
    // bucket (no sample: sampleIntervalMs 0): the monitor was up for it (this flush runs in the process that
    // opened it), for the seconds coveredMs timed, so it is a point with 0 requests, not a gap read as "down"
    // (outside review 33, RT33-1: each idle minute read covered_seconds 0 and its step's rates high). Not one
    // under 1 ms (a flush right after another), nor one after the close's flush (the monitor was down).
    if (
      this.aggregator.samples === 0 &&
      bucket.requests === 0 &&
      !hasCustomFigures(custom) &&
      !m.analytics.hasObserved() &&
      (ended || (coveredMs !== undefined && coveredMs < 1))
    )
      return;
    this.lastLabel = label;
    const point = this.aggregator.close(label, bucket, custom, coveredMs, now, live);
    if (missing.length > 0) point.missing = missing;
    try {
      const scores = m.analytics.scorePoint(point);
      if (Object.keys(scores).length > 0) point.anomaly = scores;
    } catch (err) {
      m.logger.warn({ err: errorMessage(err) }, 'sysvitals: anomaly scoring failed');
    }
    if (m.alertSystem.fenced()) return;
    try {
      await m.store.appendPoint(m.instanceId, point);
    } catch (err) {
      m.logger.warn({ err: errorMessage(err) }, 'sysvitals: could not write a history point');
    }
    // The models survive a restart with a shared store (RedisStore); a failed save is retried next minute.
    if (this.savesState()) {
      await m.store.saveState?.(m.instanceId, ANALYTICS_STATE, m.analytics.exportState()).catch(() => {});
    }
  }

  /** Arms the timer that flushes at each resolution boundary (bucket-timer.ts). */
  scheduleBucket(): void {
    this.timer.schedule();
  }

  /** Closes the open bucket now if its boundary passed before its timer fired (BucketTimer.closeDue()). */
  closeDue(): Promise<void> {
    return this.timer.closeDue();
  }

  /** Stops the bucket timer (the monitor's close flushes the last bucket itself). */
  stopTimer(): void {
    this.timer.stop();
    this.warmStop?.();
    this.jobsSaver.stop();
  }

  /** Saves each job's last success and first declaration (a success's, between the minute's saves). */
  private saveJobs(): void {
    const m = this.m;
    // Only the holder of the instanceId's saved state writes it (RT48-3).
    if (!this.savesState() || m.store.saveState === undefined || m.closing()) return;
    void m.store.saveState(m.instanceId, JOBS_STATE, m.jobs.exportSaved()).catch(() => {});
  }

  /** Initialises the store, then reads the saved route series and anomaly models. */
  async initStore(): Promise<void> {
    const m = this.m;
    try {
      await m.store.init?.();
    } catch (err) {
      m.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: store init failed; points are buffered until it answers',
      );
    }
    await this.loadSavedState();
  }

  /**
   * Reads the saved route series and anomaly models. Until a read succeeds nothing is saved, so that a
   * store that did not answer at start-up gets its models back when it does (retried each minute)
   * instead of having them overwritten by fresh ones. One read at a time.
   */
  private loadSavedState(): Promise<void> {
    this.stateLoading ??= this.readSavedState().finally(() => {
      this.stateLoading = undefined;
    });
    return this.stateLoading;
  }

  private async readSavedState(): Promise<void> {
    const m = this.m;
    let series: string | null | undefined;
    let saved: string | null | undefined;
    let alerts: string | null | undefined;
    let notifications: string | null | undefined;
    let jobs: string | null | undefined;
    try {
      // Another live process of this instanceId holds the state (a rolling deploy's old one, or a second process
      // given the same id): not read, so neither restored and cleared here while that one still raises them, nor
      // overwritten by this one's saves; read once it is gone (its close releases it), retried at each flush.
      if (!(await this.watch.claim())) return;
      series = await m.store.loadState?.(m.instanceId, SERIES_STATE);
      saved = await m.store.loadState?.(m.instanceId, ANALYTICS_STATE);
      alerts = await m.store.loadState?.(m.instanceId, ALERTS_STATE);
      jobs = await m.store.loadState?.(m.instanceId, JOBS_STATE);
      if (m.notificationState) notifications = await m.store.loadState?.(m.instanceId, NOTIFICATIONS_STATE);
    } catch (err) {
      // A read cut short by the close (the store's connection ended under it) is not a store that failed.
      if (!this.stateLoadWarned && !m.closing()) {
        this.stateLoadWarned = true;
        m.logger.warn(
          { err: errorMessage(err) },
          'sysvitals: anomaly model state could not be read from the store; retried each minute, nothing saved until then',
        );
      }
      return;
    }
    try {
      if (series) m.series.import(series);
    } catch {
      // route history is a cache: start fresh
    }
    if (saved) m.analytics.importState(saved);
    // Before the alerts: a restored job_stale alert is then judged on the job's saved last success.
    if (jobs) m.jobs.restoreSaved(jobs);
    try {
      // The previous process's active alerts, same ids: the next evaluation keeps or clears them.
      if (alerts) m.alertSystem.restoreActive(JSON.parse(alerts));
    } catch {
      // malformed: start without them
    }
    // What the receivers got of them, and what was owed (notification-state.ts).
    if (m.notificationState) restoreNotifications(m.notificationState, notifications);
    this.stateLoaded = true;
    // Those whose rule this deploy removed, renamed or disabled: nothing would evaluate them again. Cleared
    // now (against the rules parts.ts gave the alert system), after the channels got their deliveries back
    // (their resolved notices), and saved (loaded above).
    m.alertSystem.clearRemovedRules();
    // Those raised before the read (a store slow at start) were not saved then: saved now, with the restored ones.
    this.saveActiveAlerts();
  }

  /**
   * Saves the active alerts and their channels' deliveries (after each alert event and each notification a
   * receiver accepted), once the saved ones have been read.
   */
  saveActiveAlerts(): void {
    const m = this.m;
    if (!this.savesState() || m.store.saveState === undefined) return;
    void m.store
      .saveState(m.instanceId, ALERTS_STATE, JSON.stringify(m.alertSystem.exportActive()))
      .catch(() => {});
    if (m.notificationState) {
      void m.store
        .saveState(m.instanceId, NOTIFICATIONS_STATE, exportNotifications(m.notificationState))
        .catch(() => {});
    }
  }

  /** Whether this process saves the instance's state now: read once, not fenced, held (no other live holder). */
  private savesState(): boolean {
    return this.stateLoaded && !this.m.alertSystem.fenced() && this.watch.holds;
  }

  /**
   * At the close, the read of the saved state under way (or a new one when the last failed), for at most
   * CLOSE_LOAD_WAIT_MS: the store's own reads are bounded by its close bound, this bounds a store that has none.
   */
  private async loadBeforeLastSave(): Promise<void> {
    if (!this.m.alertSystem.fenced()) await settledWithin(this.loadSavedState(), CLOSE_LOAD_WAIT_MS);
  }

  // The `t` of the point for the bucket [start, end): the start of the resolution bucket holding its
  // middle (of the time it was live, when it stalled: flush; a timer a little late keeps its minute; a bucket
  // flushed a minute late gets the minute it mostly covers); when the last point already has that `t` (a flush inside a minute split it), the
  // bucket's own start, which is later. So `t` strictly increases from one written point to the next.
  private bucketLabel(start: number, middle: number): number {
    const minute = this.alignedBucketStart(middle);
    return minute > this.lastLabel ? minute : start;
  }

  private monotonic = (): number => readCoverageClock(this.m.coverageClock);

  /** The bucket's recorded time, its opening to `now` on the wall clock, at most the coverage clock's elapsed time (a
   * wall clock's forward step is no time recorded); 0 if opened this ms; undefined if the wall clock stepped back. */
  private coveredMs(now: number): number | undefined {
    const wall = now - this.openedWall;
    const mono = this.monotonic();
    const elapsed = mono - this.openedMono;
    this.openedWall = now;
    this.openedMono = mono;
    if (!(wall >= 0)) return undefined;
    return Number.isFinite(elapsed) ? Math.min(wall, Math.max(0, elapsed)) : wall;
  }

  private alignedBucketStart(now: number): number {
    return now - (now % this.m.resolutionMs);
  }
}
