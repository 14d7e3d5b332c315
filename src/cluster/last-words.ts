// A dying worker's last words (outside review 12, F5 and F7): its exit frame (exit-frame.ts) reaches only an
// aggregator that reads its socket; one that is hung (and then steps down) or exiting too drops it. So a worker that
// exits without a goodbye acknowledged (process 'exit', or close() whose last report no aggregator acknowledged) also
// writes, synchronously (temp file + rename), a file beside the ledger: its totals since start (what its hello would
// say) and its requests in flight by route (cut by its exit: counted as lost). Totals since start, not a delta: an
// aggregator adds only what the worker's entry does not hold yet (KnownTotals.replace), so applying it twice adds
// nothing. Any aggregator applies it once the process is gone: at start-up (before reading the ledger, so that a
// file a predecessor applied and removed meanwhile is still read), when a worker disconnects, and every
// LEDGER_EVERY_MS; it removes the file only once its ledger (fenced) holds what it credited.

import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lostReport, requestsOf } from './lost.js';
import { decodeReport, type Report, type ReportWire } from './report.js';
import { decodeRoutesInFlight, type RoutesInFlightWire } from './routes-in-flight.js';
import { deadPidTemps } from './stale-temps.js';

/** What a worker writes as it dies. */
export interface LastWordsFile {
  v: 1;
  id: string;
  pid: number;
  started_at: number;
  /** Its totals since start (as in its hello), its requests in flight (`i`) included. */
  report: ReportWire;
  /** Every request in flight by route (routes-in-flight.ts, a routes/ read's). */
  ir?: RoutesInFlightWire;
}

/** Last words read back: totals since start with the requests cut by its exit added as failed (5xx) on their routes. */
export interface LastWords {
  path: string;
  id: string;
  pid: number;
  startedAt: number;
  /** Its totals since start, without the requests it cut. */
  totals: Report;
  /** The requests it cut, as failed requests on their routes (lostReport); null: none. */
  lost: Report | null;
}

const SUFFIX = '.json';
const infix = '.exit.';

/** The stem every last-words file of the cluster whose ledger is `ledgerPath` starts with. */
function stem(ledgerPath: string): string {
  return `${basename(ledgerPath).replace(/\.ledger\.json$/, '')}${infix}`;
}

/** Where worker `id` (`<pid>@<start ms>`) writes its last words. */
export function lastWordsPath(ledgerPath: string, id: string): string {
  return join(dirname(ledgerPath), `${stem(ledgerPath)}${id.replace(/[^0-9A-Za-z_-]/g, '-')}${SUFFIX}`);
}

/** Writes the file atomically (temp + rename), synchronously (process 'exit'), readable by this user only. */
export function writeLastWords(ledgerPath: string, words: Omit<LastWordsFile, 'v'>): void {
  const path = lastWordsPath(ledgerPath, words.id);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ v: 1, ...words }), { mode: 0o600 });
  renameSync(tmp, path);
}

/** The last-words files of this cluster now present (none when the directory cannot be read). */
export function listLastWords(ledgerPath: string): string[] {
  const dir = dirname(ledgerPath);
  const prefix = stem(ledgerPath);
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(SUFFIX))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/**
 * Removes the temporary files (`<file>.<pid>.tmp`) of writers that are gone: a worker killed between its write and its
 * rename (SIGKILL, a full disk) leaves one, which nothing would read. Returns how many were removed; never throws.
 */
export function pruneLastWordsTemps(ledgerPath: string, alive: (pid: number) => boolean): number {
  const prefix = stem(ledgerPath);
  const temp = /\.json\.(\d+)\.tmp$/;
  const temps = deadPidTemps(
    dirname(ledgerPath),
    (f) => (f.startsWith(prefix) ? Number(temp.exec(f)?.[1]) : 0),
    (pid) => !alive(pid),
  );
  let removed = 0;
  for (const path of temps) {
    try {
      unlinkSync(path);
      removed++;
    } catch {
      // Removed by another aggregator meanwhile.
    }
  }
  return removed;
}

/** Reads one file; null when it is gone (applied and removed by another aggregator); throws when malformed. */
export function readLastWords(path: string, now: number): LastWords | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const f = JSON.parse(text) as LastWordsFile;
  if (
    f?.v !== 1 ||
    typeof f.id !== 'string' ||
    f.id.length > 100 ||
    !Number.isInteger(f.pid) ||
    typeof f.started_at !== 'number'
  )
    throw new Error('not a sysvitals last-words file');
  const totals = decodeReport(f.report);
  const routes = f.ir === undefined ? null : decodeRoutesInFlight(f.ir, now);
  const lost = lostReport(totals.inFlight ?? null, routes);
  return { path, id: f.id, pid: f.pid, startedAt: f.started_at, totals, lost };
}

/** Its totals with the requests it cut added as failed: what its entry must hold once applied. */
export function withLost(words: LastWords): Report {
  if (words.lost === null) return words.totals;
  // One row per route (KnownTotals.replace compares row by row): a cut request joins its route's failed class.
  const routes = words.totals.routes.map((r) => ({ ...r, classes: r.classes.slice() }));
  for (const l of words.lost.routes) {
    const row = routes.find((r) => r.method === l.method && r.route === l.route);
    if (row === undefined) routes.push(l);
    else row.classes[4] = (row.classes[4] as number) + (l.classes[4] as number);
  }
  return { ...words.totals, routes };
}

/** How many requests it cut. */
export const lostOf = (words: LastWords): number => (words.lost === null ? 0 : requestsOf(words.lost));

/** Removes an applied file (already removed by another aggregator: fine). */
export function removeLastWords(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or not removable: applying it again adds nothing.
  }
}
