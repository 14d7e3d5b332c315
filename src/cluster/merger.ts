// How the aggregator merges what workers send into the cluster's monitor: deltas, full reports
// (totals since start, compared with what is known so nothing counts twice), windows rebuilt at a
// takeover, and the ledger a new aggregator starts from.

import { handedOverAlert } from '../alerts/active-alert.js';
import { type WindowShape, windowHoldMs } from '../alerts/window-hold.js';
import { DROPPED_SOURCES, type DroppedObservations } from '../collector/dropped.js';
import { errorMessage } from '../logger.js';
import { type RouteTotals, routeKey } from '../profiling/series-history.js';
import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { ClusterProcess, Logger } from '../types.js';
import type { ClusterMonitor } from './cluster-monitor.js';
import { CustomMerger } from './custom-merge.js';
import { applyCustomWindows, type CustomWindow } from './custom-window.js';
import { frameParts } from './cuts.js';
import { admitWorkerRoutes, clusterSpilled, markAnswer, markFolded } from './folded-routes.js';
import { decodeInFlight } from './in-flight-wire.js';
import { KnownTotals } from './known-totals.js';
import { type Handover, readLedger } from './ledger.js';
import { alive } from './leftovers.js';
import { lostReport, requestsOf, watchLost } from './lost.js';
import { gateMinutes, type MinuteGate } from './minute-gate.js';
import { restorePendingOf } from './pending.js';
import { applyReport, decodeReport, type Report, type ReportWire } from './report.js';
import { noteRoutesInFlight } from './routes-in-flight.js';
import { noteShed, shedOfCluster } from './shed-merge.js';
import { applyWindow, decodeWindow, type WindowReport } from './window-wire.js';
import { newEntry, type WorkerEntry, type WorkerTable } from './workers.js';

export class Merger {
  /** Workers whose reports this aggregator has counted in its window (a rebuild is for the others). */
  private readonly windowed = new Set<string>();
  /**
   * Until then the window lacks what only the previous aggregator held (its own process's last
   * minute, workers that died within it, unsent intervals): `missing: ['aggregator-window']`.
   */
  private windowGapUntil = Number.NEGATIVE_INFINITY;
  private readonly custom: CustomMerger;
  /** A graceful predecessor's custom windows, added once the ledger's totals created their metrics. */
  private handedCustom: CustomWindow[] | undefined;
  /** Files deltas into the history minute they were recorded in (minute-gate.ts); none once closing. */
  gate: MinuteGate | undefined;

  constructor(
    private readonly monitor: ClusterMonitor,
    private readonly workers: WorkerTable,
    private readonly deps: {
      logger: Logger;
      now(): number;
      /** A total changed: the ledger must be written before the next figure is served. */
      changed(): void;
      /** The aggregator's sync round: with it, deltas are filed into the history minute they were recorded in. */
      sync?: () => Promise<string[]>;
    },
  ) {
    if (deps.sync) this.gate = gateMinutes(monitor, deps, deps.sync, deps.logger);
    admitWorkerRoutes(monitor); // a row for every route a worker tracks (RT22-2)
    this.custom = new CustomMerger(monitor.custom, () => workers.live(), deps.logger);
    monitor.decorateSnapshots((s, sample) => {
      s.dropped_observations = this.dropped();
      shedOfCluster(s.requests, workers, sample);
      markFolded(s.routes, workers, clusterSpilled(monitor)); // rows a worker's `* other` may hold requests of
      return s;
    });
  }

  /**
   * The cluster's observations dropped for bad input: the sum of every worker's totals as known (live, gone
   * and retired ones, the ledger's included), so that the sum never goes back when a worker restarts.
   */
  private dropped(): DroppedObservations {
    const sum = [0, 0, 0, 0, 0];
    for (const w of this.workers.values())
      for (let k = 0; k < 5; k++) sum[k]! += w.known.dropped[k] as number;
    const out = {} as DroppedObservations;
    DROPPED_SOURCES.forEach((source, k) => {
      out[source] = sum[k] as number;
    });
    return out;
  }

  /** routes/ and Prometheus: marks the rows a worker's `* other` may hold requests of (folded-routes.ts). */
  folded(op: string, out: unknown): unknown {
    return markAnswer(op, out, this.workers, clusterSpilled(this.monitor));
  }

  /** True while the window lacks what only a previous aggregator held. */
  windowGap(): boolean {
    return this.deps.now() < this.windowGapUntil;
  }

  /**
   * Merges one report of a worker: a delta (`full` false), or totals since start (a hello, or the
   * aggregator's own first report) of which only what is not known yet is added.
   */
  merge(
    entry: WorkerEntry,
    wire: ReportWire,
    proc: ClusterProcess | null,
    full: boolean,
    window?: unknown,
    /** When a delta's figures were recorded (a paced frame's span, a part cut at a window's turn: cuts.ts). */
    span?: AbsorbSpan,
  ): void {
    let report: Report;
    try {
      report = decodeReport(wire);
    } catch (err) {
      this.deps.logger.warn(
        { worker: entry.id, err: errorMessage(err) },
        'sysvitals: malformed cluster report dropped',
      );
      return;
    }
    if (proc && typeof proc === 'object') entry.process = proc;
    // A frame's is taken as it arrives (mergeFrame); a hello's here.
    if (full && report.inFlight !== undefined) entry.inFlight = report.inFlight;
    if (report.jobs && report.jobs.length > 0) {
      for (const j of report.jobs) entry.running.set(j.name, j.meta.running ?? 0);
      this.refreshRunning(report.jobs.map((j) => j.name));
    }
    entry.lastReportAt = this.deps.now();
    if (
      report.routes.length > 0 ||
      report.functions.length > 0 ||
      (report.jobs?.length ?? 0) > 0 ||
      (report.queries?.length ?? 0) > 0 ||
      (report.custom?.some((c) => c.type !== 'gauge' && c.series.length > 0) ?? false) ||
      (report.dropped?.some((v) => v > 0) ?? false) ||
      (report.shed ?? 0) + (report.unseen ?? 0) > 0
    )
      this.deps.changed();
    if (full) {
      // Known from the ledger or an earlier connection: the difference happened while unreported,
      // recently, so it counts in the windows too. A first sight counts in totals only.
      const seen = entry.known.taken;
      const difference = entry.known.replace(report);
      // Shed while unreported, recently (a reconnection); a first sight's are old news.
      noteShed(entry, difference, seen);
      // Not yet in this aggregator's window (a takeover, or a first sight): the worker's own window,
      // sub-window by sub-window, is the exact last minute; the difference then counts in totals only
      // (it is in that window already).
      const rebuilt =
        !this.windowed.has(entry.id) && window !== undefined && window !== null
          ? this.rebuild(entry, window)
          : null;
      if (rebuilt) {
        this.apply(entry, difference, false);
        // After the report: its definitions create the cluster's histograms the windows go into.
        if (rebuilt.custom) applyCustomWindows(this.monitor.custom, rebuilt.custom, this.deps.now());
      } else {
        this.apply(entry, difference, seen);
      }
      this.windowed.add(entry.id);
    } else {
      this.windowed.add(entry.id);
      entry.known.add(report);
      noteShed(entry, report, true);
      this.apply(entry, report, true, span);
    }
  }

  /**
   * Merges a frame (a worker's message, or the aggregator's own take()): the parts its worker cut where its
   * windows turned, each into its own sub-window, then its report (request counts in the seconds `ps` names: report-apply.ts).
   */
  mergeFrame(
    entry: WorkerEntry,
    msg: { readonly [key: string]: unknown },
    proc: ClusterProcess | null,
    full = false,
    window?: unknown,
  ): void {
    noteRoutesInFlight(entry, msg.ir, this.deps.now()); // its requests in flight by route, when they changed
    // Its requests in flight (a state, not a delta): as it arrives, though its part waits for its minute (the gate
    // below), so that what a dead worker held (lost.ts) and the cluster's in_flight are its latest report's.
    noteInFlight(entry, (msg.report as { i?: unknown } | null | undefined)?.i);
    if (msg.x === 1) entry.exited = true; // written as its process exited (exit-frame.ts)
    for (const part of frameParts(msg, this.deps.now())) {
      const merge = () => this.merge(entry, part.report, proc, full, window, part.span);
      // A delta goes into the history minute it was recorded in (minute-gate.ts); totals since start at once.
      if (!full && this.gate) this.gate.file(part.span, merge);
      else merge();
    }
  }

  /**
   * Merges a report into the cluster's monitor and its custom metrics. Figures in totals only (`window` false:
   * counted before, by a predecessor or in a rebuilt window) are no minute's requests in the route series either.
   */
  private apply(entry: WorkerEntry | null, report: Report, window: boolean, span?: AbsorbSpan): void {
    applyReport(this.monitor, report, window, span);
    if (!window) {
      for (const r of report.routes)
        this.monitor.series.skipTotals(routeKey(r.method, r.route), routeTotalsOf(r));
      // The job runs taken over too: the job series' next minute counts only runs since (history/?job=).
      for (const j of report.jobs ?? [])
        if (j.latency) this.monitor.series.skipJobTotals(j.name, j.latency.n, j.latency.errors);
    }
    if (report.custom && report.custom.length > 0) {
      // A part cut where its worker's windows turned: its histogram values go into the slot of their sub-window.
      const at = window && span?.s !== undefined && span.ms !== undefined ? span.s * span.ms : undefined;
      this.custom.apply(
        entry,
        report.custom,
        window,
        at === undefined ? undefined : { at, now: this.deps.now() },
      );
    }
  }

  /**
   * A worker's connection dropped without its goodbye (a crash, SIGKILL: lost.ts): the requests it last reported
   * in flight are counted as failed (5xx, on their routes as said) once its process is gone; `active`: this
   * aggregator still counts. Logged either way (what it recorded after its last report is lost).
   */
  watchLost(entry: WorkerEntry, active: () => boolean, spoke?: (id: string) => boolean): void {
    const report = lostReport(entry.inFlight, entry.routesInFlight);
    const n = report === null ? 0 : requestsOf(report);
    const [what, held] = entry.exited
      ? ['exited without closing its monitor; it reported as it exited', 'held in flight as it exited']
      : ['disconnected; its totals stay counted, its unsent interval is lost', 'last reported in flight'];
    this.deps.logger.warn(
      { worker: entry.id, requestsInFlight: n },
      `sysvitals: cluster worker ${what}${n > 0 ? `, and the ${n} request(s) it ${held} are counted as failed (5xx) once its process is gone` : ''}`,
    );
    // Its last words, when it left some (last-words-apply.ts), count what it cut: not its last report.
    const count = (r: Report) => {
      if (!spoke?.(entry.id)) this.countLost(entry, r);
    };
    if (report !== null) watchLost(entry, report, { active, alive, now: this.deps.now, count });
  }

  /** A dead worker's last words (last-words.ts): what its totals since start hold beyond its entry's is added. */
  credit(entry: WorkerEntry, full: Report): void {
    // Known since a hello (not an entry its last words created): its cut requests are this minute's.
    const seen = entry.known.taken;
    const difference = entry.known.replace(full);
    noteShed(entry, difference, seen);
    this.apply(entry, difference, seen);
    this.deps.changed();
  }

  /** Counts what `entry` holds in flight as lost now: an aggregator's own, as its process exits (Aggregator.atExit). */
  countInFlightLost(entry: WorkerEntry | undefined): void {
    const report = entry ? lostReport(entry.inFlight, entry.routesInFlight) : null;
    if (!entry || report === null) return;
    this.deps.logger.warn(
      { worker: entry.id, requestsInFlight: requestsOf(report) },
      `sysvitals: cluster aggregator exiting without closing its monitor: the ${requestsOf(report)} request(s) it holds in flight are counted as failed (5xx)`,
    );
    this.countLost(entry, report);
  }

  /** Counts `report` (lostReport) as `entry`'s lost requests: failed, in its totals, the window and `lost`. */
  countLost(entry: WorkerEntry, report: Report): void {
    entry.known.add(report);
    entry.lost += requestsOf(report);
    this.apply(entry, report, true);
    this.deps.changed();
  }

  /** Resolves once no part waits for its minute, or after `limitMs` (then they are filed now): reads are exact. */
  settled(limitMs: number): Promise<void> {
    return this.gate?.settled(limitMs) ?? Promise.resolve();
  }

  /** Files every held part now and holds none from then on (the aggregator closes: its ledger must hold all). */
  ungate(): void {
    this.gate?.releaseAll();
    this.gate = undefined;
  }

  /**
   * Sets the cluster's runs in progress of these jobs (default: every job a worker reported) to the
   * sum over live workers: a worker that disconnects no longer counts.
   */
  refreshRunning(names?: Iterable<string>): void {
    const setRunning = this.monitor.jobs?.setRunning?.bind(this.monitor.jobs);
    if (!setRunning) return;
    const live = this.workers.live();
    const all = new Set<string>();
    if (names) for (const n of names) all.add(n);
    else for (const w of this.workers.values()) for (const n of w.running.keys()) all.add(n);
    for (const name of all) {
      let n = 0;
      for (const w of live) n += w.running.get(name) ?? 0;
      setRunning(name, n);
    }
  }

  /**
   * A graceful predecessor's own last minute (F6) and those of the workers that left it gracefully within
   * the window: added to the window; true when it then lacks nothing (its cluster window was complete; the
   * live workers give theirs as they say hello). Custom windows wait in `handedCustom` for the ledger's
   * totals to create their metrics.
   */
  private handedOver(h: Handover | undefined): boolean {
    if (h === undefined || h.window === null) return false;
    const w = this.rebuild(newEntry(h.id, 0, 0), h.window);
    this.handedCustom = w?.custom;
    // The last minutes of the workers that left it gracefully within the window: no live worker holds them.
    let departed = true;
    for (const wire of Array.isArray(h.departed) ? h.departed : []) {
      const d = this.rebuild(newEntry(h.id, 0, 0), wire);
      if (d === null) departed = false;
      else if (d.custom) this.handedCustom = [...(this.handedCustom ?? []), ...d.custom];
    }
    return w !== null && departed && h.complete === true;
  }

  /** Adds a worker's window to the cluster's (custom windows apart); null when it cannot be read or used. */
  private rebuild(entry: WorkerEntry, wire: unknown): WindowReport | null {
    try {
      const w = decodeWindow(wire);
      return applyWindow(this.monitor, w) ? w : null;
    } catch (err) {
      this.deps.logger.warn(
        { worker: entry.id, err: errorMessage(err) },
        'sysvitals: malformed cluster window dropped',
      );
      return null;
    }
  }

  /**
   * Starts from the ledger a previous aggregator wrote: every worker's totals (counted, in totals
   * only), the cluster's silences and active alerts (those whose rule is gone cleared). An unreadable
   * ledger is logged; counters then restart from the live workers.
   */
  loadLedger(ledgerPath: string, selfId: string): void {
    let entries: ReturnType<typeof readLedger>['workers'];
    try {
      const ledger = readLedger(ledgerPath);
      entries = ledger.workers;
      // A previous aggregator counted requests within the last window: what only it held is lost.
      const shape = (this.monitor.requests as { config?: WindowShape }).config;
      const windowMs = shape?.windowMs ?? 60_000;
      const now = this.deps.now();
      if (entries.length > 0 && now - ledger.savedAt < windowMs && !this.handedOver(ledger.handover)) {
        this.windowGapUntil = now + windowMs;
        // Meanwhile the rules on windowed figures hold their state, bounded by time alone (window-hold.ts).
        this.monitor.alertSystem.holdWindowedRules(windowHoldMs(shape));
      }
      this.monitor.notifications.silences.restore(ledger.silences);
      this.monitor.alertSystem.restoreActive(ledger.alerts);
      // Their notifications: what no receiver accepted (the predecessor died with it queued) is sent.
      const adopted = this.monitor.alertSystem.exportActive().map(({ alert }) => handedOverAlert(alert));
      this.monitor.notifications.restore(adopted, ledger.deliveries); // with when each severity began
      // The resolved notices and webhook events it owed and no receiver accepted (it died with them queued).
      restorePendingOf(this.monitor, ledger.pending);
    } catch (err) {
      this.deps.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: cluster ledger unreadable; counters restart from the live workers',
      );
      return;
    }
    const now = this.deps.now();
    for (const e of entries) {
      const known = new KnownTotals();
      known.add(e.totals);
      const self = e.id === selfId;
      const entry = self
        ? (this.workers.get(e.id) as WorkerEntry)
        : newEntry(e.id, e.pid, e.started_at, { known, goneAt: now });
      if (self) entry.known = known;
      entry.lost = e.lost ?? 0;
      this.workers.set(entry);
      // Already counted and served by the previous aggregator: totals only.
      this.apply(null, e.totals, false);
    }
    if (this.handedCustom) applyCustomWindows(this.monitor.custom, this.handedCustom, now);
    this.handedCustom = undefined;
    // Restored alerts whose rule this deploy removed, renamed or disabled (a takeover by a worker of the new
    // deploy, a cluster restarted with new rules): nothing would evaluate them again. Cleared now, once, after
    // the channels got their deliveries back (above): a `cleared` event, resolved notices where delivered.
    this.monitor.alertSystem.clearRemovedRules();
  }
}

/** Keeps a frame's requests in flight (absent: unchanged; malformed: left as they were, the report is dropped). */
function noteInFlight(entry: WorkerEntry, wire: unknown): void {
  try {
    const state = decodeInFlight(wire);
    if (state !== undefined) entry.inFlight = state;
  } catch {
    // merge() drops the report and logs it
  }
}

/** A report's route row as route-series totals (aborted among the 4xx; failed aborted: all of them when absent). */
function routeTotalsOf(r: Report['routes'][number]): RouteTotals {
  let count = 0;
  for (const n of r.classes) count += n || 0;
  const aborted = r.extra?.[0] || 0;
  const failed = r.extra !== undefined && r.extra.length > 3 ? r.extra[3] || 0 : aborted;
  return { count, count_5xx: r.classes[4] || 0, count_aborted: aborted, count_aborted_failed: failed };
}
