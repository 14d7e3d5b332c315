// The aggregator: the one worker that merges every worker's reports into the cluster's monitor,
// evaluates the cluster's alerts, keeps the ledger, and answers the other workers' questions.

import { createServer, type Socket } from 'node:net';
import { errorMessage } from '../logger.js';
import type {
  ClusterProcess,
  ClusterSummary,
  ClusterWorker,
  Logger,
  MetricsSnapshot,
  ProcessMetrics,
} from '../types.js';
import { answer, fresh, type MonitorLike, parseQuestion, type Question } from './answers.js';
import { type ClusterEndpoint, type Leadership, tryLead } from './endpoint.js';
import { readLedger, writeLedger } from './ledger.js';
import { type Message, Peer, RemoteError } from './peer.js';
import {
  applyReport,
  decodeReport,
  KnownTotals,
  type Report,
  type ReportTarget,
  type ReportWire,
} from './report.js';

/** The cluster's own SystemMonitor, as the aggregator drives it. */
export type ClusterMonitor = MonitorLike &
  ReportTarget & {
    decorateSnapshots(fn: (snapshot: MetricsSnapshot) => MetricsSnapshot): void;
    on(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
    off(event: 'metrics' | 'alert', listener: (payload: never) => void): unknown;
    close(): Promise<void>;
  };

/** What the aggregator needs from its own worker (in-process, no socket). */
export interface SelfWorker {
  id: string;
  pid: number;
  startedAt: number;
  /** Its report since the previous one (after reset: totals since start). */
  take(): ReportWire;
  process(): ClusterProcess | null;
  /** Answers a question about this worker alone. */
  answerSelf(q: Question): Promise<unknown>;
}

export interface AggregatorOptions {
  name: string;
  endpoint: ClusterEndpoint;
  syncTimeoutMs: number;
  /** A dead worker's entry is folded into the retired totals this long after it disconnected. */
  retireAfterMs: number;
  logger: Logger;
  now(): number;
  self: SelfWorker;
  createMonitor(): ClusterMonitor;
}

interface WorkerEntry {
  id: string;
  pid: number;
  startedAt: number;
  known: KnownTotals;
  process: ClusterProcess | null;
  peer: Peer | null;
  self: boolean;
  lastReportAt: number | null;
  goneAt: number | null;
}

const RETIRED = 'retired';
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class Aggregator {
  readonly monitor: ClusterMonitor;
  private readonly workers = new Map<string, WorkerEntry>();
  private readonly subscribers = new Set<Peer>();
  private leadership: Leadership | null = null;
  private syncing: Promise<string[]> | null = null;
  private syncSeq = 0;
  private readonly waiting = new Map<string, () => void>();
  private missing: string[] = [];
  private closed = false;
  private readonly onMetrics = (s: MetricsSnapshot) => this.broadcast({ t: 'ev', e: 'metrics', p: s });
  private readonly onAlert = (a: unknown) => this.broadcast({ t: 'ev', e: 'alert', p: a });

  private constructor(private readonly options: AggregatorOptions) {
    this.monitor = options.createMonitor();
    this.monitor.decorateSnapshots((s) => this.decorate(s));
    const self = options.self;
    this.workers.set(self.id, {
      id: self.id,
      pid: self.pid,
      startedAt: self.startedAt,
      known: new KnownTotals(),
      process: null,
      peer: null,
      self: true,
      lastReportAt: null,
      goneAt: null,
    });
  }

  /** Becomes the aggregator if nobody is; null when another worker is. */
  static async lead(options: AggregatorOptions): Promise<Aggregator | null> {
    const server = createServer();
    const leadership = await tryLead(options.endpoint, server);
    if (leadership === null) return null;
    const agg = new Aggregator(options);
    agg.leadership = leadership;
    agg.loadLedger();
    server.on('connection', (socket) => agg.accept(socket));
    agg.monitor.on('metrics', agg.onMetrics as (p: never) => void);
    agg.monitor.on('alert', agg.onAlert as (p: never) => void);
    // Its own totals since start (the agent reset its reporter): a full report, compared with what
    // the ledger knew of this worker, like any reconnecting worker's.
    agg.selfReport(true);
    return agg;
  }

  /** Merges the aggregator's own report (each interval and before answering). */
  selfReport(full = false): void {
    const entry = this.workers.get(this.options.self.id);
    if (!entry) return;
    this.merge(entry, this.options.self.take(), this.options.self.process(), full);
  }

  /** Writes the ledger now; a failure is logged and figures are still served. */
  saveLedger(): void {
    try {
      writeLedger(
        this.options.endpoint.ledgerPath,
        [...this.workers.values()].map((w) => ({
          id: w.id,
          pid: w.pid,
          started_at: w.startedAt,
          totals: w.known.toReport(),
        })),
        this.options.now(),
      );
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster ledger not written');
    }
  }

  /**
   * Answers a question for the cluster (no instance, or `all`) or for one worker. Before cluster
   * figures are read, every connected worker is asked for its pending interval and the ledger is
   * written, so that what is served is exact and never more than a new aggregator would start from.
   */
  async ask(q: Question, instance: string | undefined): Promise<unknown> {
    if (q.op === 'history') return this.history(q, instance);
    if (instance !== undefined && instance !== 'all') return this.forward(q, instance);
    this.missing = await this.sync();
    this.saveLedger();
    // A question just after fresh reports must not be answered from a snapshot cached before them.
    const out = await answer(this.monitor, fresh(q));
    if (q.op === 'health') return { ...(out as object), cluster: this.summary() };
    return out;
  }

  /** Called by the agent every interval: own report, retirements, the ledger. */
  tick(): void {
    this.selfReport();
    this.retire();
    this.saveLedger();
  }

  /** Hands over: a last ledger with this worker's final totals, then releases the socket and lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.selfReport();
    this.saveLedger();
    this.monitor.off('metrics', this.onMetrics as (p: never) => void);
    this.monitor.off('alert', this.onAlert as (p: never) => void);
    for (const w of this.workers.values()) w.peer?.close();
    await this.leadership?.release();
    await this.monitor.close();
  }

  /** Bytes received from workers so far (bench/cluster.ts). */
  get bytesIn(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.peer?.bytesIn ?? 0;
    return n;
  }

  private accept(socket: Socket): void {
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
        if (entry && entry.peer === peer) {
          entry.peer = null;
          entry.goneAt = this.options.now();
          this.options.logger.warn(
            { worker: entry.id },
            'sysvitals: cluster worker disconnected; its totals stay counted, its unsent interval is lost',
          );
        }
        this.subscribers.delete(peer);
        if (entry) this.waiting.get(entry.id)?.();
      },
    );
  }

  private hello(peer: Peer, msg: Message): WorkerEntry | null {
    const { id, pid, started_at: startedAt } = msg as { id?: unknown; pid?: unknown; started_at?: unknown };
    if (
      typeof id !== 'string' ||
      id.length > 100 ||
      !Number.isInteger(pid) ||
      typeof startedAt !== 'number'
    ) {
      peer.close();
      return null;
    }
    let entry = this.workers.get(id);
    if (entry === undefined) {
      entry = {
        id,
        pid: pid as number,
        startedAt,
        known: new KnownTotals(),
        process: null,
        peer,
        self: false,
        lastReportAt: null,
        goneAt: null,
      };
      this.workers.set(id, entry);
    } else {
      entry.peer?.close();
      entry.peer = peer;
      entry.goneAt = null;
    }
    // A hello carries totals since start: only what this aggregator has not counted is added.
    this.merge(entry, msg.report as ReportWire, msg.p as ClusterProcess | null, true);
    peer.send({ t: 'welcome', aggregator: this.options.self.id });
    return entry;
  }

  private onMessage(entry: WorkerEntry, peer: Peer, msg: Message): void {
    switch (msg.t) {
      case 'report':
        this.merge(entry, msg.report as ReportWire, (msg.p as ClusterProcess | undefined) ?? null, false);
        if (msg.sync !== undefined) this.waiting.get(entry.id)?.();
        return;
      case 'q': {
        const q = parseQuestion(msg.q);
        const instance = typeof msg.instance === 'string' ? msg.instance : undefined;
        peer.reply(
          msg.n,
          q === null
            ? Promise.reject(new RemoteError('bad_request', 'malformed question'))
            : this.ask(q, instance),
        );
        return;
      }
      case 'sub':
        this.subscribers.add(peer);
        return;
      case 'unsub':
        this.subscribers.delete(peer);
        return;
    }
  }

  private merge(entry: WorkerEntry, wire: ReportWire, proc: ClusterProcess | null, full: boolean): void {
    let report: Report;
    try {
      report = decodeReport(wire);
    } catch (err) {
      this.options.logger.warn(
        { worker: entry.id, err: errorMessage(err) },
        'sysvitals: malformed cluster report dropped',
      );
      return;
    }
    if (proc && typeof proc === 'object') entry.process = proc;
    entry.lastReportAt = this.options.now();
    if (full) {
      // Known from the ledger or an earlier connection: the difference happened while unreported,
      // recently, so it counts in the windows too. A first sight counts in totals only.
      const seen = entry.known.requests > 0;
      applyReport(this.monitor, entry.known.replace(report), seen);
    } else {
      entry.known.add(report);
      applyReport(this.monitor, report, true);
    }
  }

  private loadLedger(): void {
    let entries: ReturnType<typeof readLedger>;
    try {
      entries = readLedger(this.options.endpoint.ledgerPath);
    } catch (err) {
      this.options.logger.warn(
        { err: errorMessage(err) },
        'sysvitals: cluster ledger unreadable; counters restart from the live workers',
      );
      return;
    }
    const now = this.options.now();
    for (const e of entries) {
      const known = new KnownTotals();
      known.add(e.totals);
      const self = e.id === this.options.self.id;
      const entry: WorkerEntry = self
        ? (this.workers.get(e.id) as WorkerEntry)
        : {
            id: e.id,
            pid: e.pid,
            startedAt: e.started_at,
            known,
            process: null,
            peer: null,
            self: false,
            lastReportAt: null,
            goneAt: now,
          };
      if (self) entry.known = known;
      this.workers.set(e.id, entry);
      // Already counted and served by the previous aggregator: totals only.
      applyReport(this.monitor, e.totals, false);
    }
  }

  // Folds workers that are gone for good (their process is dead) into one retired entry.
  private retire(): void {
    const now = this.options.now();
    for (const w of this.workers.values()) {
      if (w.self || w.peer !== null || w.id === RETIRED || w.goneAt === null) continue;
      if (now - w.goneAt < this.options.retireAfterMs || isAlive(w.pid)) continue;
      let retired = this.workers.get(RETIRED);
      if (!retired) {
        retired = {
          id: RETIRED,
          pid: 0,
          startedAt: 0,
          known: new KnownTotals(),
          process: null,
          peer: null,
          self: false,
          lastReportAt: null,
          goneAt: now,
        };
        this.workers.set(RETIRED, retired);
      }
      retired.known.add(w.known.toReport());
      this.workers.delete(w.id);
    }
  }

  private sync(): Promise<string[]> {
    this.syncing ??= this.syncNow().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncNow(): Promise<string[]> {
    this.selfReport();
    const n = ++this.syncSeq;
    const asked = [...this.workers.values()].filter((w) => w.peer !== null);
    const answered = new Set<string>();
    await new Promise<void>((resolve) => {
      if (asked.length === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, this.options.syncTimeoutMs);
      timer.unref();
      for (const w of asked) {
        this.waiting.set(w.id, () => {
          answered.add(w.id);
          this.waiting.delete(w.id);
          if (answered.size === asked.length) {
            clearTimeout(timer);
            resolve();
          }
        });
        w.peer?.send({ t: 'sync', n });
      }
    });
    for (const w of asked) this.waiting.delete(w.id);
    return asked.filter((w) => !answered.has(w.id)).map((w) => w.id);
  }

  private async forward(q: Question, instance: string): Promise<unknown> {
    const w = this.find(instance);
    if (!w) {
      throw new RemoteError(
        'not_found',
        `no worker ${JSON.stringify(instance)} in cluster ${this.options.name}; workers: ${this.liveIds().join(', ')}`,
      );
    }
    if (w.self) return this.options.self.answerSelf(q);
    if (w.peer === null) throw new RemoteError('unavailable', `worker ${w.id} is not connected`);
    return w.peer.ask({ t: 'q', q }, this.options.syncTimeoutMs * 4);
  }

  private history(q: Extract<Question, { op: 'history' }>, instance: string | undefined): Promise<unknown> {
    const w = instance === undefined || instance === 'all' ? undefined : this.find(instance);
    if (w) return this.forward({ op: 'history', period: q.period }, w.id);
    // The cluster's series, the fleet (`all`: every cluster sharing the store), or another host's cluster.
    return answer(this.monitor, q);
  }

  // A worker by id, or by pid among the connected ones.
  private find(instance: string): WorkerEntry | undefined {
    const byId = this.workers.get(instance);
    if (byId && byId.id !== RETIRED) return byId;
    if (!/^\d+$/.test(instance)) return undefined;
    const pid = Number(instance);
    return [...this.workers.values()].find((w) => w.pid === pid && (w.self || w.peer !== null));
  }

  private liveIds(): string[] {
    return [...this.workers.values()].filter((w) => w.self || w.peer !== null).map((w) => w.id);
  }

  private broadcast(message: Message): void {
    for (const peer of this.subscribers) peer.send(message);
  }

  /** The cluster summary attached to cluster snapshots and health. */
  summary(): ClusterSummary {
    const workers: ClusterWorker[] = [];
    for (const w of this.workers.values()) {
      if (w.id === RETIRED) continue;
      workers.push({
        id: w.id,
        pid: w.pid,
        started_at: new Date(w.startedAt).toISOString(),
        aggregator: w.self,
        connected: w.self || w.peer !== null,
        requests_total: w.known.requests,
        last_report_at: w.lastReportAt === null ? null : new Date(w.lastReportAt).toISOString(),
        process: w.process,
      });
    }
    return {
      name: this.options.name,
      aggregator: this.options.self.id,
      complete: this.missing.length === 0,
      missing: this.missing.slice(),
      workers_connected: workers.filter((w) => w.connected).length,
      workers,
    };
  }

  // Cluster snapshots: process figures summed (memory) or maxed (event loop, uptime) over live workers.
  private decorate(s: MetricsSnapshot): MetricsSnapshot {
    const summary = this.summary();
    const live = summary.workers.filter((w) => w.connected && w.process !== null).map((w) => w.process!);
    if (live.length === 0) return { ...s, cluster: summary };
    const sum = (k: keyof ClusterProcess) => round(live.reduce((a, p) => a + ((p[k] as number) || 0), 0));
    const max = (k: keyof ClusterProcess) => live.reduce((a, p) => Math.max(a, (p[k] as number) || 0), 0);
    const fds = live.every((p) => p.open_fds !== null) ? sum('open_fds') : null;
    const proc: ProcessMetrics = {
      ...s.process,
      event_loop_delay_p50_ms: max('event_loop_delay_p50_ms'),
      event_loop_delay_p99_ms: max('event_loop_delay_p99_ms'),
      event_loop_delay_max_ms: max('event_loop_delay_max_ms'),
      event_loop_utilization_percent: max('event_loop_utilization_percent'),
      heap_used_mb: sum('heap_used_mb'),
      heap_total_mb: sum('heap_total_mb'),
      external_mb: sum('external_mb'),
      rss_mb: sum('rss_mb'),
      open_fds: fds,
      uptime_seconds: max('uptime_seconds'),
    };
    return { ...s, process: proc, cluster: summary };
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

/** The compact process figures a worker reports, from its monitor's `process` group. */
export function clusterProcess(p: ProcessMetrics): ClusterProcess {
  return {
    pid: p.pid,
    rss_mb: p.rss_mb,
    heap_used_mb: p.heap_used_mb,
    heap_total_mb: p.heap_total_mb,
    external_mb: p.external_mb,
    event_loop_delay_p50_ms: p.event_loop_delay_p50_ms,
    event_loop_delay_p99_ms: p.event_loop_delay_p99_ms,
    event_loop_delay_max_ms: p.event_loop_delay_max_ms,
    event_loop_utilization_percent: p.event_loop_utilization_percent,
    open_fds: p.open_fds,
    uptime_seconds: p.uptime_seconds,
  };
}
