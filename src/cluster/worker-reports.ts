// What a worker sends its aggregator: its deltas each interval (paced within the byte budget), its requests in
// flight between paced reports, and its totals since start in its hello.

import type { OutageLog } from '../logger.js';
import type { ClusterProcess } from '../types.js';
import { Cuts, type CutWire, type TurningWindows } from './cuts.js';
import { sendExitFrame } from './exit-frame.js';
import { requestsIn } from './farewell.js';
import { IN_FLIGHT_GAP_MS, inFlightMoved } from './in-flight-wire.js';
import { writeLastWords } from './last-words.js';
import type { ClusterConfig } from './options.js';
import { ReportPacer } from './pacing.js';
import type { Message, Peer } from './peer.js';
import { Reporter, type ReportSources, type ReportWire } from './report.js';
import {
  RoutesInFlightReporter,
  type RoutesInFlightSource,
  type RoutesInFlightWire,
} from './routes-in-flight.js';

export class WorkerReports {
  readonly reporter: Reporter;
  /** Its requests in flight by route (routes/ in the cluster), sent beside the report when they changed. */
  readonly routes: RoutesInFlightReporter;
  /** Cuts the pending figures where this process's windows turn (cuts.ts). */
  readonly cuts: Cuts;
  /** Holds the deltas back (several intervals in one frame) when frames would exceed the byte budget. */
  private readonly pacer: ReportPacer;
  /** The process figures of the latest snapshot, and whether they were sent. */
  process: ClusterProcess | null = null;
  private processSent = false;
  /** When the last unpaced in-flight frame went. */
  private inFlightAt = Number.NEGATIVE_INFINITY;

  constructor(
    own: ReportSources & TurningWindows & RoutesInFlightSource,
    private readonly config: ClusterConfig,
    private readonly now: () => number,
    outage: OutageLog,
    /** Who it is and where its last words go (the agent: its id, its cluster's ledger path). */
    private readonly self?: { readonly id: string; readonly endpoint: { readonly ledgerPath: string } },
  ) {
    this.reporter = new Reporter(own);
    this.routes = new RoutesInFlightReporter(own);
    this.cuts = new Cuts(this.reporter, now, outage, own);
    this.pacer = new ReportPacer(config, now);
  }

  /** New process figures (the worker's snapshot): sent with the next report. */
  setProcess(p: ClusterProcess | null): void {
    this.process = p;
    this.processSent = false;
  }

  /** Each interval: a report when the pacer says so, else the requests in flight when they moved. */
  tick(peer: Peer): void {
    if (this.pacer.due()) this.send(peer, undefined);
    else this.sendInFlight(peer);
  }

  /** The hello's fields: its totals since start (the reporter is reset) and process figures; paid for like a report. */
  hello(peer: Peer, fields: Message): void {
    this.reporter.reset();
    this.cuts.reset();
    this.routes.reset();
    const report: ReportWire = this.reporter.take();
    const before = peer.bytesOut;
    peer.send({ ...fields, report, p: this.process });
    // Paid for like a report: the next report covers from here.
    this.pacer.sent(peer.bytesOut - before);
    this.processSent = this.process !== null;
  }

  /**
   * Between paced reports: the requests in flight, in a frame of their own, when they moved enough (a request
   * crossed the critical level, the count changed a lot), at most one per IN_FLIGHT_GAP_MS, paid for in the
   * byte budget. A cluster-wide hang reads critical within an interval or two, whatever the pacing.
   */
  private sendInFlight(peer: Peer): void {
    const now = this.now();
    if (now - this.inFlightAt < IN_FLIGHT_GAP_MS) return;
    const i = this.reporter.takeInFlightMove(inFlightMoved);
    if (i === null) return;
    const before = peer.bytesOut;
    // A report of nothing but its requests in flight: any aggregator version merges it as such.
    peer.send({ t: 'report', report: { r: [], f: [], i } });
    this.pacer.extra(peer.bytesOut - before);
    this.inFlightAt = now;
  }

  /**
   * Sends what was recorded since the previous frame: each interval, when paced, or when asked (`sync`; `routes`:
   * a routes/ read, which takes every request in flight by route).
   */
  send(peer: Peer, sync: number | undefined, routes = false): void {
    const { msg, empty } = this.frame(routes);
    if (sync === undefined && empty) {
      this.pacer.idle();
      return;
    }
    if (sync !== undefined) msg.sync = sync;
    const before = peer.bytesOut;
    peer.send(msg);
    this.sent(peer.bytesOut - before);
  }

  /**
   * A closing worker's last report, sent as a question (`bye`): the aggregator answers once it is in the
   * ledger (farewell.ts). `requests`: how many requests it carries.
   */
  bye(peer: Peer, timeoutMs: number, window?: () => unknown): { requests: number; acked: Promise<unknown> } {
    const { msg } = this.frame(false);
    // `lw`: its last minute, which the aggregator hands to its successor (no live worker holds it).
    const lw = lastWindow(window);
    const before = peer.bytesOut;
    const acked = peer.ask({ ...msg, bye: true, ...(lw === null ? {} : { lw }) }, timeoutMs);
    this.sent(peer.bytesOut - before);
    return { requests: requestsIn(msg.report as ReportWire, msg.cut as CutWire[] | undefined), acked };
  }

  /**
   * The frame a worker writes as its process exits without a goodbye (exit-frame.ts): what it recorded since its
   * previous frame, and every request in flight, by route (`x`: the aggregator counts only those as lost).
   */
  exitFrame(): Message {
    const { msg } = this.frame(true);
    msg.x = 1;
    return msg;
  }

  /**
   * Its last words (last-words.ts), after its last frame: its totals since start and, when they are `cut` (its
   * process exits), its requests in flight (`i`) and every one by route. Resets what was sent: only a dying process asks.
   */
  lastWords(cut: boolean): { report: ReportWire; ir?: RoutesInFlightWire } {
    this.reporter.reset();
    this.routes.reset();
    const report = this.reporter.take();
    if (!cut) {
      delete report.i;
      return { report };
    }
    const ir = this.routes.take(true);
    return ir === undefined ? { report } : { report, ir };
  }

  /**
   * Writes its last words (last-words.ts) beside its cluster's ledger, for whatever aggregator comes next;
   * `cut`: its requests in flight die with it (process 'exit'), not after a close (they go on, uncounted).
   */
  sayLastWords(cut: boolean): void {
    if (this.self === undefined) return;
    try {
      // Its start as its id says (`<pid>@<start ms>`: the agent's performance.timeOrigin).
      const who = { id: this.self.id, pid: process.pid, started_at: Math.round(performance.timeOrigin) };
      writeLastWords(this.self.endpoint.ledgerPath, { ...who, ...this.lastWords(cut) });
    } catch {
      // Never thrown at the host's exit: its figures are then as its exit frame left them.
    }
  }

  /** Its process exits without close(): its last frame on `peer` (exit-frame.ts; none: not connected), its last words. */
  exit(peer: Peer | null): void {
    if (peer !== null) sendExitFrame(peer, this.exitFrame());
    this.sayLastWords(true);
  }

  /** What was recorded since the previous frame, as a `report` message; `empty`: nothing to say. */
  private frame(routes: boolean): { msg: Message; empty: boolean } {
    const { report, cut, at } = this.cuts.frame();
    const withProcess = !this.processSent && this.process !== null;
    // Beside the report (an aggregator of an earlier release ignores it): only when they changed.
    const ir = this.routes.take(routes);
    const empty =
      !withProcess &&
      ir === undefined &&
      cut.length === 0 &&
      report.r.length === 0 &&
      report.f.length === 0 &&
      report.j === undefined &&
      report.q === undefined &&
      report.s === undefined &&
      report.c === undefined &&
      report.d === undefined &&
      report.h === undefined &&
      report.hr === undefined &&
      report.u === undefined &&
      report.i === undefined;
    const msg: Message = { t: 'report', report };
    if (cut.length > 0) msg.cut = cut; // parts cut where its windows turned, the rest's sub-window (cuts.ts)
    if (at) msg.at = at;
    if (withProcess) msg.p = this.process;
    if (ir !== undefined) msg.ir = ir;
    // Several intervals in one frame: its span (an older worker's counts, without `ps`, are spread over it).
    const span = this.pacer.span();
    if (span > this.config.intervalMs * 1.5) msg.d = Math.round(span);
    return { msg, empty };
  }

  private sent(bytes: number): void {
    this.pacer.sent(bytes);
    this.processSent = true;
  }
}

/** The window to give with the last report; null when none can be read (a handover then marks the window). */
function lastWindow(window: (() => unknown) | undefined): unknown {
  try {
    return window?.() ?? null;
  } catch {
    return null;
  }
}
