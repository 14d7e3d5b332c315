// The aggregator: the one worker that merges every worker's reports into the cluster's monitor,
// evaluates the cluster's alerts, keeps the ledger, and answers the other workers' questions.

import type { Socket } from 'node:net';
import { nodeNet } from '../builtins.js';
import { errorMessage, guarded, OutageLog } from '../logger.js';
import type { ClusterProcess, ClusterSummary, MetricsSnapshot } from '../types.js';
import { answer, answerQuestion, fresh, type Question, type SilenceQuestion } from './answers.js';
import type { AggregatorOptions, ClusterMonitor } from './cluster-monitor.js';
import { tryLead } from './endpoint.js';
import { type ClusterView, clusterHistory, forward } from './forward.js';
import { ClusterInFlight } from './in-flight-wire.js';
import { LastWordsApplier } from './last-words-apply.js';
import { type Handover, ledgerEpoch, StaleLedgerWrite, writeLedger } from './ledger.js';
import { ledgerOwner, pruneLeftovers } from './leftovers.js';
import { Merger } from './merger.js';
import { type Message, Peer } from './peer.js';
import { onPendingChange, pendingOf } from './pending.js';
import { withClusterProcess } from './process-figures.js';
import type { ReportWire } from './report.js';
import { seize } from './seize.js';
import { answerSilence } from './silences.js';
import { SyncRound } from './sync.js';
import { notAggregator, notInLedger, Tenure } from './tenure.js';
import { workerSeries } from './worker-series.js';
import { newEntry, type WorkerEntry, WorkerTable } from './workers.js';

/** The ledger is written at least this often while totals change (and before any figure is served). */
export const LEDGER_EVERY_MS = 5000;

export class Aggregator {
  readonly monitor: ClusterMonitor;
  private readonly workers = new WorkerTable(() => this.options.now());
  private readonly subscribers = new Set<Peer>();
  private readonly merger: Merger;
  private readonly syncRound: SyncRound;
  private readonly inFlight = new ClusterInFlight(() => this.workers.live());
  private readonly lastWords: LastWordsApplier; // dead workers' last words (last-words.ts), applied once
  private missing: string[] = [];
  private dirty = true; // a total changed since the ledger was last written
  private savedAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** The hand-over ledger is written: nothing more is merged or acknowledged, no connection is taken. */
  private handedOver = false;
  /** Every connection, welcomed or not (closed at hand-over, so that releasing the socket cannot wait on one). */
  private readonly peers = new Set<Peer>();
  /** What forward.ts reads. */
  private readonly view: ClusterView;
  /** What a socket or event callback throws is logged here (once per outage), never thrown at the host. */
  private readonly outage = new OutageLog({
    // Read at call time: the fields are set before the constructor's parameter `options` is.
    warn: (o, m) => this.options.logger.warn(o, m),
    error: (o, m) => this.options.logger.error(o, m),
    info: (o, m) => (this.options.logger.info ?? this.options.logger.warn).call(this.options.logger, o, m),
  });
  private readonly onMetrics = guarded(this.outage, 'cluster live events', (s: MetricsSnapshot) => {
    // A figure shown on a stream is a figure served: never more than a new aggregator starts from.
    this.saveLedger();
    this.broadcast({ t: 'ev', e: 'metrics', p: s });
  });
  private readonly onAlert = guarded(this.outage, 'cluster live events', (a: unknown) => {
    // The cluster's active alerts are in the ledger as soon as they change: a successor clears
    // (with its `cleared` event) or keeps what this aggregator raised, never raises it twice.
    this.saveChanged();
    this.broadcast({ t: 'ev', e: 'alert', p: a });
  });

  private constructor(
    private readonly options: AggregatorOptions,
    /** The lock it holds the role by, its ledger epoch, and the fencing check. */
    readonly tenure: Tenure,
  ) {
    this.monitor = options.createMonitor();
    this.monitor.decorateSnapshots((s) => this.decorate(s));
    this.merger = new Merger(this.monitor, this.workers, {
      logger: options.logger,
      now: options.now,
      sync: () => this.syncRound.run(),
      changed: () => {
        this.dirty = true;
      },
    });
    this.view = { workers: this.workers, monitor: this.monitor, options };
    const host = { holds: () => tenure.holds(), save: () => this.saveChanged() };
    this.lastWords = new LastWordsApplier(options, this.workers, this.merger, host);
    this.syncRound = new SyncRound(this.workers, options.syncTimeoutMs, (g) => this.selfReport(false, g));
    // The cluster's latency counts the live workers' requests in flight past the critical level (a hang), routes/ all.
    this.inFlight.wire(this.monitor, options.now);
    this.workers.set(newEntry(options.self.id, options.self.pid, options.self.startedAt, { self: true }));
  }

  /**
   * Becomes the aggregator if nobody is; null when another worker is. With `hungIno`, takes the role over
   * from the holder of that lock inode, which stopped answering (seize.ts); null when another worker did first.
   */
  static async lead(options: AggregatorOptions, hungIno?: number): Promise<Aggregator | null> {
    const server = nodeNet().createServer().unref(); // as its connections (peer.ts): never holds the process
    const leadership =
      hungIno === undefined
        ? await tryLead(options.endpoint, server)
        : await seize(options.endpoint, server, hungIno);
    if (leadership === null) return null;
    // The epoch read once the lock is held: a predecessor's later write is refused (it is below ours).
    const epoch = ledgerEpoch(options.endpoint.ledgerPath) + 1;
    const who = { cluster: options.name, worker: options.self.id };
    const agg = new Aggregator(options, new Tenure(leadership, epoch, options.logger, who));
    // Fencing: from here on, nothing is evaluated, delivered or written once the lock is another's.
    const fence = () => agg.tenure.holds();
    agg.monitor.alertSystem.setFence(fence);
    agg.monitor.notifications.setFence(fence);
    agg.merger.loadLedger(options.endpoint.ledgerPath, options.self.id);
    pruneLeftovers(options.endpoint, options.logger);
    const onSocket = (socket: Socket) => agg.accept(socket);
    server.on('connection', guarded(agg.outage, 'cluster connection', onSocket));
    agg.monitor.on('metrics', agg.onMetrics as (p: never) => void);
    agg.monitor.on('alert', agg.onAlert as (p: never) => void);
    // What receivers accepted or are owed is in the ledger at once: a successor sends the rest, once.
    onPendingChange(agg.monitor, () => agg.saveChanged());
    // Its own totals since start: a full report, compared with the ledger's, like any reconnecting worker's.
    agg.selfReport(true);
    // The new epoch in the ledger at once: a predecessor that resumes finds its writes refused.
    agg.saveLedger();
    agg.lastWords.apply();
    return agg;
  }

  /** Merges the aggregator's own report (each interval and before answering; `gauges`: their collect() first). */
  selfReport(full = false, gauges = false): void {
    const entry = this.workers.get(this.options.self.id);
    if (!entry) return;
    const self = this.options.self;
    if (gauges) self.collectGauges?.();
    this.merger.mergeFrame(entry, self.take(full), self.process(), full, full ? self.window?.() : undefined);
  }

  /**
   * Writes the ledger when a total changed since the last write; a failure is logged and figures are still served.
   * Before any figure is served, and every LEDGER_EVERY_MS otherwise (each interval cost ~0.6 % CPU).
   */
  saveLedger(handover?: Handover): void {
    if (!this.dirty || !this.tenure.holds()) return;
    try {
      writeLedger(
        this.options.endpoint.ledgerPath,
        this.workers.ledger(),
        this.options.now(),
        this.monitor.notifications.silences.list(),
        this.monitor.alertSystem.exportActive(),
        this.monitor.notifications.exportDeliveries(),
        ledgerOwner(this.options.name),
        handover,
        this.tenure.epoch,
        pendingOf(this.monitor),
      );
      this.dirty = false;
      this.savedAt = this.options.now();
    } catch (err) {
      if (err instanceof StaleLedgerWrite) this.tenure.depose();
      else this.options.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster ledger not written');
    }
  }

  /** Something the ledger holds changed: written now (true: it holds every total). */
  private saveChanged(): boolean {
    this.dirty = true;
    this.saveLedger();
    return !this.dirty;
  }

  /**
   * Answers a question for the cluster (no instance, or `all`) or for one worker. Before cluster figures are read,
   * every connected worker is asked for its pending interval and the ledger is written, so that what is served is
   * exact and never more than a new aggregator would start from. With `sampleIntervalMs: 0` it collects (every
   * worker's gauges, its own probes and plugins: sync.ts due()) at most once per `maxAgeMs`; else a transfer.
   */
  async ask(q: Question, instance: string | undefined): Promise<unknown> {
    if (q.op === 'budget') return this.options.budgets?.answer(q, this.tenure.holds());
    if (q.op === 'history') return clusterHistory(this.view, q, instance);
    if (instance !== undefined && instance !== 'all') return forward(this.view, q, instance);
    if (!this.tenure.holds()) throw notAggregator();
    await this.merger.settled(2 * this.options.syncTimeoutMs); // parts held for their minute, filed first
    const age = this.syncRound.due(q, this.monitor.sampleIntervalMs === 0, this.options.now());
    this.missing = await this.syncRound.run(q.op === 'endpoints', age < Number.POSITIVE_INFINITY);
    this.saveLedger();
    // After the write: what is served was in the ledger before any successor read it (never a snapshot cached).
    if (!this.tenure.holds()) throw notAggregator();
    const out = this.merger.folded(q.op, await answer(this.monitor, fresh(q, age))); // routes/ rows marked
    if (q.op === 'health' || q.op === 'endpoints') return { ...(out as object), cluster: this.summary(q.op) };
    if (q.op === 'prometheus' && q.byWorker)
      return { ...(out as object), workers: workerSeries(this.workers.values()) };
    return out;
  }

  /** Reads or changes the cluster's silences (its router applies them); a change is in the ledger at once. */
  silence(q: SilenceQuestion): ReturnType<typeof answerSilence> {
    if (!this.tenure.holds()) throw notAggregator();
    const out = answerSilence(this.monitor.notifications, q);
    if (q.action === 'create' || (q.action === 'expire' && out !== null)) this.saveChanged();
    return out;
  }

  /** Called by the agent every interval: own report, retirements, the ledger. */
  tick(): void {
    if (!this.tenure.holds()) return;
    this.selfReport();
    if (this.options.now() - this.savedAt >= LEDGER_EVERY_MS) this.lastWords.apply();
    const keep = this.lastWords; // a worker whose last words are unapplied is not retired
    if (this.workers.retire(this.options.now(), this.options.retireAfterMs, keep)) this.dirty = true;
    if (this.options.now() - this.savedAt >= LEDGER_EVERY_MS) this.saveLedger();
  }

  /** Hands over: a last ledger with this worker's final totals, then releases the socket and lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.selfReport();
    this.merger.ungate();
    this.saveLedger();
    // Waiting groups and webhook events are delivered (bounded) under the lock; what is left goes in the ledger.
    await Promise.all([this.monitor.notifications.close(), this.monitor.alertSystem.drainAndClose()]);
    // Nothing is delivered after that: no later write may replace the hand-over ledger below.
    onPendingChange(this.monitor, undefined);
    // What it recorded meanwhile, then its own last minute (no live worker holds it): the successor's is whole.
    this.selfReport();
    this.dirty = true;
    const departed: unknown[] = [];
    const all = this.workers.farewells(this.options.now(), this.options.retireAfterMs, departed);
    const window = this.options.self.window?.() ?? null;
    this.saveLedger({
      id: this.options.self.id,
      window,
      complete: all && !this.merger.windowGap(),
      departed,
    });
    this.handedOver = true;
    await this.leave();
  }

  /** Exit without close() (exit-frame.ts): its last figures and, as lost, its requests in flight, into the ledger (true: written). */
  atExit(): boolean {
    if (this.closed || !this.tenure.holds()) return false; // then it leaves last words, as a worker does
    this.merger.ungate();
    this.selfReport();
    this.merger.countInFlightLost(this.workers.get(this.options.self.id));
    return this.saveChanged() && this.tenure.holds();
  }

  /**
   * Closes every connection, welcomed or not (a closing worker whose last report was not acknowledged takes it
   * to the successor, elected once the lock is released), its sockets and lock, and its monitor.
   */
  private async leave(): Promise<void> {
    this.monitor.off('metrics', this.onMetrics as (p: never) => void);
    this.monitor.off('alert', this.onAlert as (p: never) => void);
    for (const peer of this.peers) peer.close();
    // The minute in progress goes to history while the lock is held (after release() the writer is fenced).
    await this.monitor.flush();
    await this.tenure.release();
    await this.monitor.close();
  }

  /**
   * Steps down after losing the role (holds() false): nothing is written, evaluated or delivered (the fences
   * hold); the workers' connections, its sockets (no longer reachable by name) and its monitor are closed.
   */
  async stepDown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tenure.depose();
    onPendingChange(this.monitor, undefined);
    // Unlinks nothing of its successor's: the lock and socket paths are another inode now.
    await this.leave();
  }

  /** Bytes received from workers so far (bench/cluster.ts). */
  get bytesIn(): number {
    return this.workers.bytesIn();
  }

  private accept(socket: Socket): void {
    if (this.handedOver) {
      socket.destroy();
      return;
    }
    let entry: WorkerEntry | null = null;
    const peer = new Peer(
      socket,
      (msg) => {
        if (entry === null) {
          if (msg.t !== 'hello') {
            peer.close();
            return;
          }
          entry = this.hello(peer, msg);
          return;
        }
        this.onMessage(entry, peer, msg);
      },
      () => {
        this.peers.delete(peer);
        if (entry && entry.peer === peer) {
          // Without its goodbye: what it last reported in flight is counted failed once it is gone (lost.ts).
          entry.peer = null;
          const counts = () => !this.closed && !this.handedOver;
          if (!entry.left && counts()) this.merger.watchLost(entry, counts, (id) => this.lastWords.spoke(id));
          entry.inFlight = null;
          entry.goneAt = this.options.now();
          // Its runs in progress end with it.
          this.merger.refreshRunning(entry.running.keys());
          // Its final totals, now: they are known nowhere else once this aggregator dies too.
          this.saveLedger();
        }
        this.subscribers.delete(peer);
        if (entry) this.syncRound.answered(entry);
      },
      this.outage,
    );
    this.peers.add(peer);
  }

  private hello(peer: Peer, msg: Message): WorkerEntry | null {
    const entry = this.handedOver ? null : this.workers.connect(peer, msg);
    if (entry === null) {
      peer.close();
      return null;
    }
    // A hello carries totals since start: only what this aggregator has not counted is added.
    this.merger.merge(entry, msg.report as ReportWire, msg.p as ClusterProcess | null, true, msg.w);
    // `lock`: the lock inode it holds the role by (0 on Windows); a worker pings such an aggregator (watchdog.ts).
    // `cuts`: it merges the parts a worker cuts where its windows turn (cuts.ts); `bye`: it acknowledges a
    // closing worker's last report once that is in the ledger (farewell.ts).
    const lock = this.tenure.lockIno;
    peer.send({ t: 'welcome', aggregator: this.options.self.id, cuts: true, bye: true, lock });
    return entry;
  }

  private onMessage(entry: WorkerEntry, peer: Peer, msg: Message): void {
    switch (msg.t) {
      case 'report':
        // After the hand-over ledger nothing is merged: a closing worker takes its report to the successor.
        if (!this.handedOver)
          this.merger.mergeFrame(entry, msg, (msg.p as ClusterProcess | undefined) ?? null);
        if (msg.sync !== undefined) this.syncRound.answered(entry, msg.sync);
        if (msg.bye === true) this.acknowledge(entry, peer, msg);
        return;
      case 'q':
        peer.reply(
          msg.n,
          answerQuestion(
            msg,
            (q, i) => this.ask(q, i),
            (sq) => this.silence(sq),
          ),
        );
        return;
      case 'ping':
        // A deposed aggregator does not answer: its workers go to its successor.
        if (this.tenure.holds()) peer.send({ t: 'a', n: msg.n, ok: true, data: null });
        return;
      case 'sub':
        this.subscribers.add(peer);
        return;
      case 'unsub':
        this.subscribers.delete(peer);
        return;
    }
  }

  /**
   * A closing worker's last report is merged: acknowledged once it is in the ledger (so a successor starts
   * from it), refused when the ledger cannot be written or the role was lost (the worker asks the successor).
   */
  private acknowledge(entry: WorkerEntry, peer: Peer, { n, lw }: Message): void {
    if (!this.handedOver) {
      entry.left = true;
      entry.farewell = lw ?? null; // its last minute, for a successor (close)
      this.saveChanged();
    }
    const written = !this.handedOver && !this.dirty && this.tenure.holds();
    peer.reply(n, written ? Promise.resolve(null) : Promise.reject(notInLedger()));
  }

  private broadcast(message: Message): void {
    for (const peer of this.subscribers) peer.send(message);
  }

  /** The cluster summary attached to cluster snapshots, health and routes/ (which marks routes in flight unsaid). */
  summary(op?: Question['op']): ClusterSummary {
    const words = [...this.missing, ...this.lastWords.missing()];
    const given = this.merger.windowGap() ? [...words, 'aggregator-window'] : words;
    const missing = op === 'endpoints' ? [...given, ...this.inFlight.routesUnsaid(given)] : given;
    return this.workers.summary(this.options.name, this.options.self.id, missing);
  }

  private decorate(s: MetricsSnapshot): MetricsSnapshot {
    // The live workers' requests in flight (the cluster monitor's own process serves none).
    if (s.requests) s.requests.in_flight = this.inFlight.size;
    return withClusterProcess(s, this.summary(), this.monitor.alertSystem.rules.event_loop_delay);
  }
}
