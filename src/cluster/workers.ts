// The aggregator's table of workers: each one's totals as known, its connection, its last process
// figures; dead workers folded into one `retired` entry; lookup by id or pid; the cluster summary.

import type { ClusterProcess, ClusterSummary, ClusterWorker } from '../types.js';
import type { InFlightState } from './in-flight-wire.js';
import { KnownTotals } from './known-totals.js';
import type { LedgerEntry } from './ledger.js';
import type { Peer } from './peer.js';
import type { RoutesInFlightState } from './routes-in-flight.js';

/** One worker as the aggregator knows it. */
export interface WorkerEntry {
  id: string;
  pid: number;
  startedAt: number;
  known: KnownTotals;
  process: ClusterProcess | null;
  peer: Peer | null;
  self: boolean;
  lastReportAt: number | null;
  goneAt: number | null;
  /** Runs in progress per job, as last reported (counted while the worker is live). */
  running: Map<string, number>;
  /** Custom gauges' last values, by metric then series (summed over live workers). */
  gauges: Map<string, Map<string, number>>;
  /** Its requests in flight as last reported (counted while the worker is live). */
  inFlight: InFlightState | null;
  /** Its requests in flight by route as last sent (routes-in-flight.ts); null: none since it connected. */
  routesInFlight: RoutesInFlightState | null;
  /** Requests it held in flight when it died without a goodbye, counted as failed (lost.ts). */
  lost: number;
  /** Its last report was acknowledged as it closed (its disconnection is no loss). */
  left: boolean;
  /** It wrote its frame as its process exited (exit-frame.ts): in flight as it exited, nothing unsent. */
  exited: boolean;
  /** The last minute it sent as it closed gracefully (`bye`), until it says hello again; null: none. */
  farewell: unknown;
  /** Why it shed requests since the cluster's previous snapshot (shed-merge.ts); null: it did not. */
  shedding: string | null;
  /** Why it sheds now, as last reported; null: it does not (or never said: an older worker). */
  shedNow: string | null;
  /** It said its shedding state (every report after a reset does); false: an older worker, its shed figures unknown. */
  shedSaid: boolean;
  /**
   * The first sync it has not answered since its last answer (its number `n`, sent `at`), and whether a round
   * ended without its answer (`missed`): its event loop has not turned since then (process-figures.ts); null: it answered.
   */
  unanswered: { n: number; at: number; missed: boolean } | null;
}

/** The entry dead workers' totals are folded into (no worker answers to it). */
export const RETIRED = 'retired';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function newEntry(
  id: string,
  pid: number,
  startedAt: number,
  fields: Partial<WorkerEntry> = {},
): WorkerEntry {
  return {
    id,
    pid,
    startedAt,
    known: new KnownTotals(),
    process: null,
    peer: null,
    self: false,
    lastReportAt: null,
    goneAt: null,
    running: new Map(),
    gauges: new Map(),
    inFlight: null,
    routesInFlight: null,
    lost: 0,
    left: false,
    exited: false,
    farewell: null,
    shedding: null,
    shedNow: null,
    shedSaid: false,
    unanswered: null,
    ...fields,
  };
}

/**
 * `unanswered_ms` of a connected worker that let a sync round end without its answer and has not answered since:
 * how long since that first unanswered sync was sent (a lower bound of its event loop's stall; README, cluster
 * Failure modes). None for a disconnected worker (its requests are lost, lost.ts) or one that answers.
 */
function unansweredOf(w: WorkerEntry, now: number): { unanswered_ms?: number } {
  if (w.self || w.peer === null || w.unanswered === null || !w.unanswered.missed) return {};
  return { unanswered_ms: Math.max(0, now - w.unanswered.at) };
}

export class WorkerTable {
  private readonly entries = new Map<string, WorkerEntry>();

  /** `now`: the aggregator's clock, for how long a connected worker has not answered a sync (sync.ts, summary()). */
  constructor(readonly now: () => number = Date.now) {}

  get(id: string): WorkerEntry | undefined {
    return this.entries.get(id);
  }

  set(entry: WorkerEntry): void {
    this.entries.set(entry.id, entry);
  }

  values(): IterableIterator<WorkerEntry> {
    return this.entries.values();
  }

  /**
   * A worker's hello: its entry (new, or known from the ledger or an earlier connection) now on `peer`; null
   * for a malformed hello.
   */
  connect(peer: Peer, msg: Record<string, unknown>): WorkerEntry | null {
    const { id, pid, started_at: startedAt } = msg;
    if (typeof id !== 'string' || id.length > 100 || !Number.isInteger(pid) || typeof startedAt !== 'number')
      return null;
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = newEntry(id, pid as number, startedAt, { peer });
      this.entries.set(id, entry);
    } else {
      entry.peer?.close();
      entry.peer = peer;
      entry.goneAt = null;
      // As of its previous connection, whose end may come after this hello: its hello says them again (in flight
      // 0 included: Reporter.reset), an older worker's says nothing of 0 (null: none).
      entry.inFlight = null;
      entry.routesInFlight = null;
      entry.left = false;
      entry.exited = false;
      entry.farewell = null;
      entry.unanswered = null;
    }
    return entry;
  }

  /** Bytes received from the connected workers so far. */
  bytesIn(): number {
    let n = 0;
    for (const w of this.entries.values()) n += w.peer?.bytesIn ?? 0;
    return n;
  }

  /** The connected workers other than the aggregator itself. */
  connected(): WorkerEntry[] {
    return [...this.entries.values()].filter((w) => w.peer !== null);
  }

  /**
   * A worker by id, or by pid (in decimal as listed: no sign, no leading zero), never the retired entry. By pid a live
   * one first, else the one that left last and is not retired yet (its connection dropped under load, reconnecting):
   * asked by pid or by id, that worker is not connected (503), not unknown (404).
   */
  find(instance: string): WorkerEntry | undefined {
    const byId = this.entries.get(instance);
    if (byId && byId.id !== RETIRED) return byId;
    if (!/^[1-9]\d*$/.test(instance)) return undefined;
    const pid = Number(instance);
    const known = [...this.entries.values()].filter((w) => w.pid === pid && w.id !== RETIRED);
    const live = known.find((w) => w.self || w.peer !== null);
    return live ?? known.sort((a, b) => (b.goneAt ?? 0) - (a.goneAt ?? 0))[0];
  }

  /** The workers counted as live: the aggregator itself and the connected ones. */
  live(): WorkerEntry[] {
    return [...this.entries.values()].filter((w) => w.self || w.peer !== null);
  }

  liveIds(): string[] {
    return [...this.entries.values()].filter((w) => w.self || w.peer !== null).map((w) => w.id);
  }

  /** Folds workers gone for `retireAfterMs` whose process is dead (no last words `keep` pending) into the retired entry; true if any. */
  retire(now: number, retireAfterMs: number, keep?: { pending(id: string): boolean }): boolean {
    let any = false;
    for (const w of this.entries.values()) {
      if (w.self || w.peer !== null || w.id === RETIRED || w.goneAt === null) continue;
      // Its last minute is out of the window: no successor needs it (a live process may stay unretired).
      if (now - w.goneAt >= retireAfterMs) w.farewell = null;
      if (now - w.goneAt < retireAfterMs || isAlive(w.pid) || keep?.pending(w.id)) continue;
      let retired = this.entries.get(RETIRED);
      if (!retired) {
        retired = newEntry(RETIRED, 0, 0, { goneAt: now });
        this.entries.set(RETIRED, retired);
      }
      retired.known.add(w.known.toReport());
      retired.lost += w.lost;
      this.entries.delete(w.id);
      any = true;
    }
    return any;
  }

  /**
   * Whether every worker gone within `windowMs` left its last minute (`bye`); with `out`, those windows are
   * added to it (the aggregator's handover: a successor's window lacks nothing of theirs).
   */
  farewells(now: number, windowMs: number, out: unknown[] = []): boolean {
    let all = true;
    for (const w of this.entries.values()) {
      if (w.self || w.peer !== null || w.id === RETIRED) continue;
      if (w.goneAt !== null && now - w.goneAt >= windowMs) continue;
      if (w.farewell === null || w.farewell === undefined) all = false;
      else out.push(w.farewell);
    }
    return all;
  }

  /** Every entry's totals, for the ledger. */
  ledger(): LedgerEntry[] {
    return [...this.entries.values()].map((w) => ({
      id: w.id,
      pid: w.pid,
      started_at: w.startedAt,
      totals: w.known.toReport(),
      ...(w.lost > 0 ? { lost: w.lost } : {}),
    }));
  }

  /**
   * The workers and their state (the retired entry is not listed). `missing` gets `shed:<id>` for each live worker
   * of an older version (its reports carry no load shedding: the cluster's shed figures leave its refusals out).
   */
  summary(name: string, aggregator: string, given: readonly string[]): ClusterSummary {
    const missing = [...given];
    for (const w of this.live()) if (!w.shedSaid) missing.push(`shed:${w.id}`);
    const workers: ClusterWorker[] = [];
    let lost = 0;
    for (const w of this.entries.values()) {
      lost += w.lost;
      if (w.id === RETIRED) continue;
      workers.push({
        id: w.id,
        pid: w.pid,
        started_at: new Date(w.startedAt).toISOString(),
        aggregator: w.self,
        connected: w.self || w.peer !== null,
        requests_total: w.known.requests,
        requests_lost: w.lost,
        last_report_at: w.lastReportAt === null ? null : new Date(w.lastReportAt).toISOString(),
        process: w.process,
        ...unansweredOf(w, this.now()),
      });
    }
    return {
      name,
      aggregator,
      complete: missing.length === 0,
      missing,
      workers_connected: workers.filter((w) => w.connected).length,
      requests_lost: lost,
      workers,
    };
  }
}
