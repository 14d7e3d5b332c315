// The aggregator's ledger file: each worker's totals as last known, written before any figure is
// served, so that a new aggregator starts from at least what was ever shown and no counter goes back.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeReport, encodeReport, type Report, type ReportWire } from './report.js';

export interface LedgerEntry {
  id: string;
  pid: number;
  started_at: number;
  totals: Report;
}

interface LedgerFile {
  v: 1;
  saved_at: number;
  workers: Array<{ id: string; pid: number; started_at: number; totals: ReportWire }>;
}

/** Writes the ledger atomically (temp file + rename), readable by this user only. */
export function writeLedger(path: string, entries: readonly LedgerEntry[], now: number): void {
  const file: LedgerFile = {
    v: 1,
    saved_at: now,
    workers: entries.map((e) => ({
      id: e.id,
      pid: e.pid,
      started_at: e.started_at,
      totals: encodeReport(e.totals),
    })),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Reads the ledger; an absent file is an empty ledger, an unreadable one throws. */
export function readLedger(path: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const file = JSON.parse(text) as LedgerFile;
  if (file?.v !== 1 || !Array.isArray(file.workers)) throw new Error('not a sysvitals ledger');
  return file.workers.map((w) => {
    if (typeof w.id !== 'string' || !Number.isInteger(w.pid) || typeof w.started_at !== 'number') {
      throw new Error('bad ledger entry');
    }
    return { id: w.id, pid: w.pid, started_at: w.started_at, totals: decodeReport(w.totals) };
  });
}
