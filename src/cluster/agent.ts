// A worker's side of cluster mode: elects or finds the aggregator over the local socket, reports its
// deltas every interval, answers questions about itself, and takes over when the aggregator dies.

import { nodeNet } from '../builtins.js';
import { errorMessage, guarded, OutageLog } from '../logger.js';
import type { Logger, MetricsSnapshot } from '../types.js';
import { Aggregator } from './aggregator.js';
import {
  answerOwn,
  collectGauges,
  type MonitorLike,
  parseQuestion,
  type Question,
  type SilenceQuestion,
} from './answers.js';
import type { AggregatorOptions, ClusterMonitor } from './cluster-monitor.js';
import type { TurningWindows } from './cuts.js';
import { type ClusterEndpoint, clusterEndpoint } from './endpoint.js';
import { holdOpen, onProcessExit } from './exit-frame.js';
import { endConnection, type FarewellLink, farewell, type Requests, settleInFlight } from './farewell.js';
import type { ClusterConfig } from './options.js';
import { type Message, Peer, RemoteError } from './peer.js';
import { clusterProcess } from './process-figures.js';
import type { ReportSources } from './report.js';
import { aggregatorOptions, type LeadingWorker } from './self-worker.js';
import { AggregatorWatch, welcomeDeadline } from './watchdog.js';
import { takeWindow, type WindowSources } from './window-wire.js';
import { WorkerReports } from './worker-reports.js';

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
  budgets?: AggregatorOptions['budgets']; // the admin APIs' cluster budgets (admin-guesses.ts)
  /** Called once by close(), after the aggregator (if this worker was it) handed over. */
  afterClose?(): Promise<void>;
  /** This process's requests in flight, and ended since start (close() waits for them: farewell.ts). */
  requests?(): Requests;
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
  private readonly reports: WorkerReports;
  /** Pings the aggregator this worker reports to (aggregatorTimeoutMs); null when none or off. */
  private watch: AggregatorWatch | null = null;
  private aggregator: Aggregator | null = null;
  private peer: Peer | null = null;
  private welcomed = false;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private electing = false;
  private election: Promise<void> = Promise.resolve(); // the one under way (close() lets it end first)
  /** The aggregator reported to acknowledges a closing worker's last report (its welcome said so). */
  private acks = false;
  private closed = false;
  private subscribed = false;
  private bytesSent = 0;
  /** What a timer, socket or event callback of the agent throws is logged here, never thrown at the host. */
  private readonly outage: OutageLog;
  private readonly localMetrics: (s: unknown) => void;
  private readonly localAlert: (a: unknown) => void;
  /** Its process 'exit' hook (atExit), removed by close(). */
  private readonly unhookExit = onProcessExit(() => this.atExit());

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
    const outage = new OutageLog(deps.logger);
    this.outage = outage;
    this.reports = new WorkerReports(own, config, deps.now, outage, this);
    this.localMetrics = guarded(outage, 'cluster live events', (s: unknown) => this.onEvent?.('metrics', s));
    this.localAlert = guarded(outage, 'cluster live events', (a: unknown) => this.onEvent?.('alert', a));
    const setProcess = (s: MetricsSnapshot) => this.reports.setProcess(clusterProcess(s.process));
    own.on('metrics', guarded(outage, 'cluster process figures', setProcess));
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
      return answerOwn(this.own, q.op === 'history' ? { op: 'history', period: q.period } : q);
    }
    if (this.aggregator) return this.aggregator.ask(q, instance);
    return this.askAggregator({ t: 'q', q, instance });
  }

  /** Asks the aggregator this worker reports to; `unavailable` when none is reachable. */
  private askAggregator(message: Message): Promise<unknown> {
    const peer = this.peer;
    if (!peer || !this.welcomed) throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
    return peer.ask(message, this.config.syncTimeoutMs * 4 + 1000);
  }

  /**
   * Reads or changes the cluster's silences, which the aggregator keeps. Rejects with a RemoteError:
   * `unavailable` while no aggregator answers (nothing is changed), `invalid_silence` for refused input.
   * @internal
   */
  async askSilence(q: SilenceQuestion): Promise<unknown> {
    if (this.aggregator) return this.aggregator.silence(q);
    return this.askAggregator({ t: 'q', q });
  }

  /** Live cluster events on (the stream has clients) or off. @internal */
  subscribe(on: boolean): void {
    if (this.subscribed === on) return;
    this.subscribed = on;
    if (this.aggregator) this.listenLocal(on);
    else if (this.peer && this.welcomed) this.peer.send({ t: on ? 'sub' : 'unsub' });
  }

  /**
   * Bounded by `closeTimeoutMs` (farewell.ts): waits for the requests in flight (up to half of it); then a worker's
   * last report is acknowledged (or given up, logged), or the aggregator writes its last ledger and hands over.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.watch?.stop();
    const [now, bound] = [this.deps.now, this.config.closeTimeoutMs];
    const start = now();
    const release = holdOpen(bound + 1000); // its connections are unref'd (peer.ts)
    const requests = this.deps.requests ?? (() => ({ inFlight: 0, ended: 0 }));
    await settleInFlight(requests, now, start + bound / 2);
    await this.election;
    if (this.aggregator) {
      this.listenLocal(false);
      await this.aggregator.close();
      this.aggregator = null;
    } else {
      const log = { logger: this.deps.logger, worker: this.id, closeTimeoutMs: bound };
      const acked = await farewell({ ...this.farewellLink(), requests }, now, start + bound, log);
      if (!acked) this.reports.sayLastWords(false); // its last words, for the next aggregator
      const peer = this.peer;
      this.peer = null;
      await endConnection(peer);
    }
    this.unhookExit();
    await this.deps.afterClose?.();
    release();
  }

  /** Exit without close() (exit-frame.ts): an aggregator writes its ledger, a worker its last frame and last words. */
  private atExit(): void {
    if (!this.aggregator?.atExit()) this.reports.exit(this.peer && this.welcomed ? this.peer : null);
  }

  private leading(): LeadingWorker {
    const { id, startedAt, endpoint, config, own, reports, deps } = this;
    return { id, startedAt, endpoint, config, own, reports, deps };
  }

  /** What farewell() drives: its connection, joined (never elected) while closing. */
  private farewellLink(): Omit<FarewellLink, 'requests'> {
    return {
      welcomed: () => (this.peer && this.welcomed ? this.peer : null),
      connected: () => this.peer !== null,
      join: () => this.join(),
      leave: (peer) => this.peer === peer && this.leave(),
      acknowledges: () => this.acks,
      bye: (peer, ms) => this.reports.bye(peer, ms, () => takeWindow(this.own)),
      sendLast: (peer) => this.reports.send(peer, undefined),
    };
  }

  private tick(): void {
    if (this.aggregator) this.aggregator.tick();
    else if (this.peer && this.welcomed) this.reports.tick(this.peer);
  }

  /** A served server closed (its requests ended): a report now, before an exit in its close callback. @internal */
  reportNow(): void {
    if (!this.closed && this.role === 'worker') this.reports.send(this.peer as Peer, undefined);
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

  private elect(): Promise<void> {
    if (!(this.closed || this.electing || this.aggregator || this.peer)) this.election = this.run();
    return this.election;
  }

  private async run(): Promise<void> {
    this.electing = true;
    try {
      const agg = await Aggregator.lead(aggregatorOptions(this.leading()));
      if (agg) await this.adopt(agg);
      else this.join();
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster election failed; retrying');
      this.schedule();
    } finally {
      this.electing = false;
    }
  }

  /**
   * The watch found the aggregator hung (lock inode `ino`): takes its role over; true when this worker did. Its
   * reporter is reset by its first (full) self report as aggregator: one that loses the claim reports on as it was.
   */
  private async seize(ino: number): Promise<boolean> {
    if (this.closed || this.electing || this.aggregator || !this.peer) return false;
    this.electing = true;
    try {
      const agg = await Aggregator.lead(aggregatorOptions(this.leading()), ino);
      if (!agg) return false;
      this.leave();
      await this.adopt(agg);
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster takeover failed');
      return false;
    } finally {
      this.electing = false;
      // Its connection closed meanwhile (an election it skipped while claiming): elect or join now.
      if (!this.aggregator && !this.peer) this.schedule();
    }
  }

  /** Leaves the aggregator it reports to (it was replaced, or this worker replaces it). */
  private leave(): void {
    const peer = this.peer;
    this.watch?.stop();
    this.watch = null;
    this.peer = null;
    this.welcomed = false;
    peer?.close();
  }

  /** Takes the role won (while closing too: close() hands it over once its requests in flight are counted). */
  private async adopt(agg: Aggregator): Promise<void> {
    this.aggregator = agg;
    this.reports.cuts.reset(true);
    agg.tenure.onDeposed = () => void this.stepDown(agg);
    if (this.subscribed) this.listenLocal(true);
    this.deps.logger.info?.({ cluster: this.config.name, worker: this.id }, 'sysvitals: cluster aggregator');
  }

  /** Another worker took the role over while this one did not answer: an ordinary worker again. */
  private async stepDown(agg: Aggregator): Promise<void> {
    if (this.aggregator !== agg) return;
    this.listenLocal(false);
    this.aggregator = null;
    try {
      await agg.stepDown();
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster aggregator step-down');
    }
    // Its hello to the successor carries its totals since start: what it recorded meanwhile is counted.
    this.schedule();
  }

  private join(): void {
    const socket = nodeNet().connect(this.endpoint.socketPath);
    const peer: Peer = new Peer(
      socket,
      (msg) => this.onMessage(peer, msg),
      () => {
        this.bytesSent += peer.bytesOut;
        if (this.peer === peer) this.leave();
        this.schedule();
      },
      this.outage,
    );
    this.peer = peer;
    const unwelcomed = () => this.peer === peer && !this.welcomed;
    welcomeDeadline(this.config.aggregatorTimeoutMs, unwelcomed, () => peer.close());
    socket.once(
      'connect',
      guarded(this.outage, 'cluster connection', () => {
        try {
          // Its totals since start, and its last minute as it stands (a new aggregator rebuilds the window).
          const hello = { t: 'hello', id: this.id, pid: process.pid, started_at: this.startedAt };
          this.reports.hello(peer, { ...hello, w: takeWindow(this.own) });
        } catch (err) {
          // A hello that cannot be built closes the connection: the retry elects or joins again.
          peer.close();
          throw err;
        }
      }),
    );
  }

  private onMessage(peer: Peer, msg: Message): void {
    switch (msg.t) {
      case 'welcome':
        this.welcomed = true;
        this.reports.cuts.enabled = msg.cuts === true; // an aggregator that merges cut parts says so
        this.acks = msg.bye === true; // one that acknowledges a closing worker's last report says so
        if (!this.closed) this.watchAggregator(peer, msg.lock);
        if (this.subscribed) peer.send({ t: 'sub' });
        return;
      case 'sync':
        if (msg.cg === true) collectGauges(this.own); // a cluster read's collection (sampleIntervalMs 0)
        this.reports.send(peer, typeof msg.n === 'number' ? msg.n : 0, msg.rf === true);
        return;
      case 'q': {
        const q = parseQuestion(msg.q);
        const malformed = () => Promise.reject(new RemoteError('bad_request', 'malformed'));
        peer.reply(msg.n, q === null ? malformed() : answerOwn(this.own, q));
        return;
      }
      case 'ev':
        if (msg.e === 'metrics' || msg.e === 'alert') this.onEvent?.(msg.e, msg.p);
        return;
    }
  }

  /** Pings an aggregator that said which lock it holds (watchdog.ts). */
  private watchAggregator(peer: Peer, lock: unknown): void {
    this.watch?.stop();
    this.watch = AggregatorWatch.start(peer, lock, {
      timeoutMs: this.config.aggregatorTimeoutMs,
      lockPath: this.endpoint.lockPath,
      logger: this.deps.logger,
      outage: this.outage,
      seize: (ino) => this.seize(ino),
      rejoin: () => {
        if (this.peer === peer) this.leave();
        this.schedule();
      },
    });
  }

  private listenLocal(on: boolean): void {
    const m = this.aggregator?.monitor;
    m?.[on ? 'on' : 'off']('metrics', this.localMetrics as (p: never) => void);
    m?.[on ? 'on' : 'off']('alert', this.localAlert as (p: never) => void);
  }
}
