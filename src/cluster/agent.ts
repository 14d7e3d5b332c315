// A worker's side of cluster mode: elects or finds the aggregator over the local socket, reports its
// deltas every interval, answers questions about itself, and takes over when the aggregator dies.

import { nodeNet } from '../builtins.js';
import { errorMessage, guarded, OutageLog } from '../logger.js';
import type { ClusterProcess, Logger, MetricsSnapshot } from '../types.js';
import { Aggregator } from './aggregator.js';
import {
  answer,
  fresh,
  type MonitorLike,
  parseQuestion,
  type Question,
  type SilenceQuestion,
} from './answers.js';
import type { ClusterMonitor } from './cluster-monitor.js';
import { Cuts, type TurningWindows } from './cuts.js';
import { type ClusterEndpoint, clusterEndpoint } from './endpoint.js';
import { IN_FLIGHT_GAP_MS, inFlightMoved } from './in-flight-wire.js';
import type { ClusterConfig } from './options.js';
import { ReportPacer } from './pacing.js';
import { type Message, Peer, RemoteError } from './peer.js';
import { clusterProcess } from './process-figures.js';
import { Reporter, type ReportSources, type ReportWire } from './report.js';
import { takeWindow, type WindowSources } from './window-wire.js';

/** The worker's own monitor, as the agent reads it. */
export type OwnMonitor = MonitorLike &
  ReportSources &
  WindowSources & {
    on(event: 'metrics', listener: (s: MetricsSnapshot) => void): unknown;
  } & TurningWindows;

export interface AgentDeps {
  logger: Logger;
  now(): number;
  /** Creates the cluster's monitor when this worker becomes the aggregator. */
  createClusterMonitor(): ClusterMonitor;
  /** Called once by close(), after the aggregator (if this worker was it) handed over. */
  afterClose?(): Promise<void>;
}

/** This process's part in its cluster: the aggregator, a worker reporting to it, or electing one. */
export type AgentRole = 'aggregator' | 'worker' | 'electing';

/** A process's link to its cluster (`monitor.cluster`): reports to, or runs, the aggregator. */
export class ClusterAgent {
  /** `<pid>@<start ms>`: a restarted worker is another worker. */
  readonly id: string;
  /** @internal */
  readonly endpoint: ClusterEndpoint;
  /** Live `metrics`/`alert` events of the cluster reach this listener while subscribed. @internal */
  onEvent: ((event: 'metrics' | 'alert', payload: unknown) => void) | null = null;
  private readonly startedAt: number;
  private readonly reporter: Reporter;
  private readonly cuts: Cuts; // cuts the pending figures where this process's windows turn
  /** Holds the deltas back (several intervals in one frame) when frames would exceed the byte budget. */
  private readonly pacer: ReportPacer;
  private aggregator: Aggregator | null = null;
  private peer: Peer | null = null;
  private welcomed = false;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private electing = false;
  private closed = false;
  private subscribed = false;
  private process: ClusterProcess | null = null;
  private processSent = false;
  private bytesSent = 0;
  /** When the last unpaced in-flight frame went. */
  private inFlightAt = Number.NEGATIVE_INFINITY;
  /** What a timer, socket or event callback of the agent throws is logged here, never thrown at the host. */
  private readonly outage: OutageLog;
  private readonly localMetrics: (s: unknown) => void;
  private readonly localAlert: (a: unknown) => void;

  /** @internal */
  constructor(
    private readonly own: OwnMonitor,
    /** @internal */
    readonly config: ClusterConfig,
    private readonly deps: AgentDeps,
  ) {
    this.startedAt = Math.round(performance.timeOrigin);
    this.id = `${process.pid}@${this.startedAt}`;
    this.endpoint = clusterEndpoint(config.name, config.socketDir);
    this.reporter = new Reporter(own);
    this.pacer = new ReportPacer(config, deps.now);
    const outage = new OutageLog(deps.logger);
    this.outage = outage;
    this.cuts = new Cuts(this.reporter, deps.now, outage, own);
    this.localMetrics = guarded(outage, 'cluster live events', (s: unknown) => this.onEvent?.('metrics', s));
    this.localAlert = guarded(outage, 'cluster live events', (a: unknown) => this.onEvent?.('alert', a));
    own.on(
      'metrics',
      guarded(outage, 'cluster process figures', (s: MetricsSnapshot) => {
        this.process = clusterProcess(s.process);
        this.processSent = false;
      }),
    );
    this.timer = setInterval(
      guarded(outage, 'cluster report', () => this.tick()),
      config.intervalMs,
    );
    this.timer.unref();
    void this.elect();
  }

  get role(): AgentRole {
    if (this.aggregator) return 'aggregator';
    return this.peer && this.welcomed ? 'worker' : 'electing';
  }

  /** Bytes this worker sent to the aggregator (reports, answers). */
  get bytesOut(): number {
    return this.bytesSent + (this.peer?.bytesOut ?? 0);
  }

  /** The aggregator's monitor when this worker is the aggregator. @internal */
  get clusterMonitor(): ClusterMonitor | null {
    return this.aggregator?.monitor ?? null;
  }

  /**
   * Answers a question for the cluster (instance undefined or `all`) or one worker (its id or pid).
   * Rejects with a RemoteError: `not_found` for an unknown worker, `unavailable` when no aggregator answers.
   * @internal
   */
  async ask(q: Question, instance: string | undefined): Promise<unknown> {
    // Its own view, answered here; `metrics` goes through the aggregator when one is reachable, which adds
    // the host groups this worker does not read.
    const viaAggregator =
      q.op === 'metrics' && (this.aggregator !== null || (this.peer !== null && this.welcomed));
    if (
      instance !== undefined &&
      (instance === this.id || instance === String(process.pid)) &&
      !viaAggregator
    ) {
      // Its own history is its monitor's own series (`instance` there would name a store instance).
      return answer(this.own, fresh(q.op === 'history' ? { op: 'history', period: q.period } : q));
    }
    if (this.aggregator) return this.aggregator.ask(q, instance);
    const peer = this.peer;
    if (!peer || !this.welcomed) throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
    return peer.ask({ t: 'q', q, instance }, this.config.syncTimeoutMs * 4 + 1000);
  }

  /**
   * Reads or changes the cluster's silences, which the aggregator keeps. Rejects with a RemoteError:
   * `unavailable` while no aggregator answers (nothing is changed), `invalid_silence` for refused input.
   * @internal
   */
  async askSilence(q: SilenceQuestion): Promise<unknown> {
    if (this.aggregator) return this.aggregator.silence(q);
    const peer = this.peer;
    if (!peer || !this.welcomed) throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
    return peer.ask({ t: 'q', q }, this.config.syncTimeoutMs * 4 + 1000);
  }

  /** Live cluster events on (the stream has clients) or off. @internal */
  subscribe(on: boolean): void {
    if (this.subscribed === on) return;
    this.subscribed = on;
    if (this.aggregator) this.listenLocal(on);
    else if (this.peer && this.welcomed) this.peer.send({ t: on ? 'sub' : 'unsub' });
  }

  /** Sends the last interval (a worker) or writes the last ledger and hands over (the aggregator). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    if (this.aggregator) {
      this.listenLocal(false);
      await this.aggregator.close();
      this.aggregator = null;
    } else {
      const peer = this.peer;
      if (peer && this.welcomed) {
        this.sendReport(peer, undefined);
        await new Promise<void>((resolve) => {
          peer.socket.end(resolve);
          setTimeout(resolve, 500).unref();
        });
      }
      peer?.close();
    }
    await this.deps.afterClose?.();
  }

  private tick(): void {
    if (this.aggregator) {
      this.aggregator.tick();
      return;
    }
    const peer = this.peer;
    if (!peer || !this.welcomed) return;
    if (this.pacer.due()) this.sendReport(peer, undefined);
    else this.sendInFlight(peer);
  }

  /**
   * Between paced reports: the requests in flight, in a frame of their own, when they moved enough (a request
   * crossed the critical level, the count changed a lot), at most one per IN_FLIGHT_GAP_MS, paid for in the
   * byte budget. A cluster-wide hang reads critical within an interval or two, whatever the pacing.
   */
  private sendInFlight(peer: Peer): void {
    const now = this.deps.now();
    if (now - this.inFlightAt < IN_FLIGHT_GAP_MS) return;
    const i = this.reporter.takeInFlightMove(inFlightMoved);
    if (i === null) return;
    const before = peer.bytesOut;
    // A report of nothing but its requests in flight: any aggregator version merges it as such.
    peer.send({ t: 'report', report: { r: [], f: [], i } });
    this.pacer.extra(peer.bytesOut - before);
    this.inFlightAt = now;
  }

  /** Sends what was recorded since the previous frame: each interval, when paced, or when asked (`sync`). */
  private sendReport(peer: Peer, sync: number | undefined): void {
    const { report, cut, at } = this.cuts.frame();
    const withProcess = !this.processSent && this.process !== null;
    const empty =
      cut.length === 0 &&
      report.r.length === 0 &&
      report.f.length === 0 &&
      report.j === undefined &&
      report.q === undefined &&
      report.s === undefined &&
      report.c === undefined &&
      report.i === undefined;
    if (sync === undefined && empty && !withProcess) {
      this.pacer.idle();
      return;
    }
    const msg: Message = { t: 'report', report };
    if (cut.length > 0) msg.cut = cut; // parts cut where its windows turned, the rest's sub-window (cuts.ts)
    if (at) msg.at = at;
    if (withProcess) msg.p = this.process;
    if (sync !== undefined) msg.sync = sync;
    // Several intervals in one frame: the aggregator spreads its counts over the time they cover.
    const span = this.pacer.span();
    if (span > this.config.intervalMs * 1.5) msg.d = Math.round(span);
    const before = peer.bytesOut;
    peer.send(msg);
    this.pacer.sent(peer.bytesOut - before);
    this.processSent = true;
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    // Spread the retries so that the survivors of a dead aggregator do not all race at once.
    this.retry = setTimeout(
      guarded(this.outage, 'cluster election', () => this.elect()),
      50 + Math.floor(Math.random() * 200),
    );
    this.retry.unref();
  }

  private async elect(): Promise<void> {
    if (this.closed || this.electing || this.aggregator || this.peer) return;
    this.electing = true;
    try {
      this.reporter.reset();
      this.cuts.reset(false);
      const agg = await Aggregator.lead({
        name: this.config.name,
        endpoint: this.endpoint,
        syncTimeoutMs: this.config.syncTimeoutMs,
        retireAfterMs: 60_000,
        logger: this.deps.logger,
        now: this.deps.now,
        createMonitor: this.deps.createClusterMonitor,
        self: {
          id: this.id,
          pid: process.pid,
          startedAt: this.startedAt,
          take: () => this.cuts.frame(),
          window: () => takeWindow(this.own),
          process: () => this.process,
          answerSelf: (q) => answer(this.own, fresh(q)),
        },
      });
      if (agg) {
        if (this.closed) {
          await agg.close();
          return;
        }
        this.aggregator = agg;
        this.cuts.reset(true);
        if (this.subscribed) this.listenLocal(true);
        this.deps.logger.info?.(
          { cluster: this.config.name, worker: this.id },
          'sysvitals: cluster aggregator',
        );
        return;
      }
      this.join();
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster election failed; retrying');
      this.schedule();
    } finally {
      this.electing = false;
    }
  }

  private join(): void {
    const socket = nodeNet().connect(this.endpoint.socketPath);
    const peer: Peer = new Peer(
      socket,
      (msg) => this.onMessage(peer, msg),
      () => {
        this.bytesSent += peer.bytesOut;
        if (this.peer === peer) {
          this.peer = null;
          this.welcomed = false;
        }
        this.schedule();
      },
      this.outage,
    );
    this.peer = peer;
    socket.once(
      'connect',
      guarded(this.outage, 'cluster connection', () => {
        try {
          this.hello(peer);
        } catch (err) {
          // A hello that cannot be built closes the connection: the retry elects or joins again.
          peer.close();
          throw err;
        }
      }),
    );
  }

  private hello(peer: Peer): void {
    this.reporter.reset();
    this.cuts.reset();
    const report: ReportWire = this.reporter.take();
    const before = peer.bytesOut;
    peer.send({
      t: 'hello',
      id: this.id,
      pid: process.pid,
      started_at: this.startedAt,
      report,
      // Its last minute as it stands: a new aggregator rebuilds the cluster's window from it.
      w: takeWindow(this.own),
      p: this.process,
    });
    // Paid for like a report: the next report covers from here.
    this.pacer.sent(peer.bytesOut - before);
    this.processSent = this.process !== null;
  }

  private onMessage(peer: Peer, msg: Message): void {
    switch (msg.t) {
      case 'welcome':
        this.welcomed = true;
        this.cuts.enabled = msg.cuts === true; // an aggregator that merges cut parts says so
        if (this.subscribed) peer.send({ t: 'sub' });
        return;
      case 'sync':
        this.sendReport(peer, typeof msg.n === 'number' ? msg.n : 0);
        return;
      case 'q': {
        const q = parseQuestion(msg.q);
        peer.reply(
          msg.n,
          q === null
            ? Promise.reject(new RemoteError('bad_request', 'malformed'))
            : answer(this.own, fresh(q)),
        );
        return;
      }
      case 'ev':
        if (msg.e === 'metrics' || msg.e === 'alert') this.onEvent?.(msg.e, msg.p);
        return;
    }
  }

  private listenLocal(on: boolean): void {
    const m = this.aggregator?.monitor;
    if (!m) return;
    if (on) {
      m.on('metrics', this.localMetrics as (p: never) => void);
      m.on('alert', this.localAlert as (p: never) => void);
    } else {
      m.off('metrics', this.localMetrics as (p: never) => void);
      m.off('alert', this.localAlert as (p: never) => void);
    }
  }
}
