// The aggregator's ledger file: each worker's totals as last known, written before any figure is
// served, so that a new aggregator starts from at least what was ever shown and no counter goes back;
// the cluster's silences, so that a new aggregator keeps applying them; and its active alerts with
// what each channel's receiver accepted of them, so that a new aggregator sends what was never delivered;
// and the resolved notices and webhook events no receiver accepted yet, so that a new aggregator delivers them.

import { closeSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { PersistedAlert } from '../alerts/engine.js';
import type { AlertDelivery } from '../channels/router.js';
import type { Silence } from '../channels/silences.js';
import type { LedgerPending } from './pending.js';
import { decodeReport, type Report, type ReportWire } from './report.js';
import { encodeReport } from './report-encode.js';

export interface LedgerEntry {
  id: string;
  pid: number;
  started_at: number;
  totals: Report;
  /** Requests it held in flight when it died without a goodbye, counted as failed (lost.ts; absent: none). */
  lost?: number;
}

interface LedgerFile {
  v: 1;
  /**
   * The aggregator tenure that wrote it (absent in older ledgers: 0). Each aggregator takes the epoch after
   * the one it read; a writer whose epoch is below the file's lost the role (fencing: writeLedger refuses).
   */
  epoch?: number;
  saved_at: number;
  workers: Array<{ id: string; pid: number; started_at: number; totals: ReportWire; lost?: number }>;
  /** The cluster's silences (absent in ledgers written before silences were cluster-wide). */
  silences?: Silence[];
  /** The cluster's active alerts (absent in older ledgers), so that a new aggregator clears or keeps them. */
  alerts?: PersistedAlert[];
  /** Per active alert and channel, the last firing notification delivered (absent in older ledgers). */
  deliveries?: AlertDelivery[];
  /** The resolved notices and webhook events not yet accepted by their receivers (absent in older ledgers). */
  pending?: LedgerPending;
  /** The node:cluster primary whose run this ledger counts (leftovers.ts: removed once it is gone). */
  owner?: number;
  /** Written by an aggregator handing over gracefully: its own last minute, for the successor's window. */
  handover?: Handover;
}

/**
 * A graceful aggregator's own window (its process's last minute, which no live worker holds), the last
 * minutes of the workers that left it gracefully within the window (`bye`), and whether its cluster window
 * lacked nothing else (every worker gone within the window left its last minute, no gap of its own).
 */
export interface Handover {
  id: string;
  window: unknown;
  complete: boolean;
  /** The last minutes of the workers that left gracefully within the window (absent in older ledgers). */
  departed?: unknown[];
}

/** What a ledger holds. */
export interface Ledger {
  workers: LedgerEntry[];
  /** When it was written (epoch ms; 0 for an absent ledger). */
  savedAt: number;
  silences: Silence[];
  alerts: PersistedAlert[];
  /**
   * What each channel's receiver accepted of the active alerts. An older ledger has none: its alerts
   * count as undelivered (sent again: at least once).
   */
  deliveries: AlertDelivery[];
  /** The resolved notices and webhook events its writer owed and no receiver accepted (absent in older ledgers). */
  pending?: LedgerPending;
  /** A graceful predecessor's own window (absent after a crash). */
  handover?: Handover;
  /** The tenure that wrote it (0: an absent or older ledger). */
  epoch: number;
}

/** A ledger write refused: the file was written by a later aggregator tenure (this writer lost the role). */
export class StaleLedgerWrite extends Error {
  constructor(
    readonly epoch: number,
    readonly current: number,
  ) {
    super(`cluster ledger not written: epoch ${epoch} is stale (the ledger is at epoch ${current})`);
    this.name = 'StaleLedgerWrite';
  }
}

/** The epoch the ledger at `path` was written at: read from its first bytes (0: absent, older or unreadable). */
export function ledgerEpoch(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    const m = /^\{"v":1,"epoch":(\d+)[,}]/.exec(head.toString('latin1', 0, n));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the ledger atomically (temp file + rename), readable by this user only. With `epoch`, the file
 * carries it, and the write is refused (StaleLedgerWrite, nothing replaced) when the ledger in place was
 * written at a later epoch: an aggregator that resumed after another took its role over cannot put its
 * older totals back.
 */
export function writeLedger(
  path: string,
  entries: readonly LedgerEntry[],
  now: number,
  silences: readonly Silence[] = [],
  alerts: readonly PersistedAlert[] = [],
  deliveries: readonly AlertDelivery[] = [],
  owner?: number,
  handover?: Handover,
  epoch?: number,
  pending?: LedgerPending,
): void {
  const file: LedgerFile = {
    v: 1,
    ...(epoch === undefined ? {} : { epoch }),
    saved_at: now,
    workers: entries.map((e) => ({
      id: e.id,
      pid: e.pid,
      started_at: e.started_at,
      totals: encodeReport(e.totals),
      ...(e.lost ? { lost: e.lost } : {}),
    })),
    silences: silences.slice(),
    alerts: alerts.slice(),
    deliveries: deliveries.slice(),
    ...(pending === undefined ? {} : { pending }),
    ...(owner === undefined ? {} : { owner }),
    ...(handover === undefined ? {} : { handover }),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
  // Checked after the (slow) write, just before the rename: the window left is a few microseconds.
  const current = epoch === undefined ? 0 : ledgerEpoch(path);
  if (epoch !== undefined && current > epoch) {
    unlinkSync(tmp);
    throw new StaleLedgerWrite(epoch, current);
  }
  renameSync(tmp, path);
}

/** Reads the ledger; an absent file is an empty ledger, an unreadable one throws. */
export function readLedger(path: string): Ledger {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { workers: [], savedAt: 0, silences: [], alerts: [], deliveries: [], epoch: 0 };
    throw err;
  }
  const file = JSON.parse(text) as LedgerFile;
  if (file?.v !== 1 || !Array.isArray(file.workers)) throw new Error('not a sysvitals ledger');
  const workers = file.workers.map((w) => {
    if (typeof w.id !== 'string' || !Number.isInteger(w.pid) || typeof w.started_at !== 'number') {
      throw new Error('bad ledger entry');
    }
    const lost = Number.isSafeInteger(w.lost) && (w.lost as number) > 0 ? { lost: w.lost as number } : {};
    return { id: w.id, pid: w.pid, started_at: w.started_at, totals: decodeReport(w.totals), ...lost };
  });
  return {
    workers,
    savedAt: typeof file.saved_at === 'number' ? file.saved_at : 0,
    silences: Array.isArray(file.silences) ? file.silences : [],
    alerts: Array.isArray(file.alerts) ? file.alerts : [],
    deliveries: Array.isArray(file.deliveries) ? file.deliveries : [],
    ...(file.pending && typeof file.pending === 'object' ? { pending: file.pending } : {}),
    ...(file.handover && typeof file.handover.id === 'string' ? { handover: file.handover } : {}),
    epoch: Number.isSafeInteger(file.epoch) && (file.epoch as number) > 0 ? (file.epoch as number) : 0,
  };
}
