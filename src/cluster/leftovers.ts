// The socket directory's leftovers: a node:cluster run is named after its primary (`node-cluster-<pid>`),
// so its ledger and socket are never read again once that primary is gone; other clusters' files are
// kept until nothing used them for longer than the history window. An aggregator removes them once.

import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeCluster, nodeNet } from '../builtins.js';
import { errorMessage } from '../logger.js';
import type { Logger } from '../types.js';
import { breakStale, type ClusterEndpoint, LOCK_TEMP } from './endpoint.js';

/** Files of a cluster nothing wrote for this long (and whose socket is dead) are removed: the 7-day history window. */
export const STALE_AFTER_MS = 7 * 24 * 3600_000;
/** A node:cluster run's files are removed only when also untouched this long (an election in progress writes them). */
export const OWNER_GONE_AFTER_MS = 60_000;

/** The primary a ledger belongs to: under node:cluster with the default name, this worker's parent. */
export function ledgerOwner(name: string): number | undefined {
  return nodeCluster().isWorker && name === `node-cluster-${process.ppid}` ? process.ppid : undefined;
}

/** Whether process `pid` exists (EPERM: it does, another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something serves the socket (a leftover file refuses connections). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = nodeNet().connect(path);
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(true));
  });
}

/**
 * Removes the ledgers (and sockets) of clusters that ended: a node:cluster run whose primary is gone, or any
 * cluster whose ledger nothing wrote for STALE_AFTER_MS; in both cases only when its socket is dead and the
 * ledger untouched for a minute. Also removes a lock file with no ledger beside it (an aggregator killed before
 * it wrote one: outside review N3) and a candidate's temporary lock (endpoint.ts takeLock), each when it is a
 * minute old and refuses connections. Returns the removed ledger and orphan lock files. Never throws.
 */
export async function pruneStale(
  dir: string,
  keep: string,
  now: number,
  isAlive: (pid: number) => boolean = alive,
): Promise<string[]> {
  const removed: string[] = [];
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files) {
    const orphan = f.endsWith('.lock') && !files.includes(`${f.slice(0, -'.lock'.length)}.ledger.json`);
    if (orphan || LOCK_TEMP.test(f)) {
      await pruneLock(join(dir, f), orphan, now, removed);
      continue;
    }
    if (!f.endsWith('.ledger.json')) continue;
    const ledger = join(dir, f);
    if (ledger === keep) continue;
    try {
      const age = now - (await stat(ledger)).mtimeMs;
      if (age < OWNER_GONE_AFTER_MS) continue;
      const owner = (JSON.parse(await readFile(ledger, 'utf8')) as { owner?: unknown }).owner;
      const ended = (typeof owner === 'number' && !isAlive(owner)) || age > STALE_AFTER_MS;
      const socket = join(dir, `${f.slice(0, -'.ledger.json'.length)}.sock`);
      if (!ended || (await answers(socket))) continue;
      await unlink(socket).catch(() => {});
      // Its lock file (endpoint.ts), left by a killed aggregator: a dead socket too, or it stays.
      const lock = join(dir, `${f.slice(0, -'.ledger.json'.length)}.lock`);
      if (!(await answers(lock))) await unlink(lock).catch(() => {});
      // Its access-token key (token-key.ts).
      await unlink(join(dir, `${f.slice(0, -'.ledger.json'.length)}.key`)).catch(() => {});
      // Its workers' last words (last-words.ts): no aggregator of that cluster reads them again.
      const words = `${f.slice(0, -'.ledger.json'.length)}.exit.`;
      for (const w of files) if (w.startsWith(words)) await unlink(join(dir, w)).catch(() => {});
      await unlink(ledger);
      removed.push(ledger);
    } catch {
      // Unreadable, or removed by another process meanwhile: left as it is.
    }
  }
  return removed;
}

/** A lock file left without a ledger, or a temporary lock, a minute old and dead: removed (a live one answers). */
async function pruneLock(path: string, orphan: boolean, now: number, removed: string[]): Promise<void> {
  try {
    if (now - (await lstat(path)).mtimeMs < OWNER_GONE_AFTER_MS) return;
    if (orphan) {
      // The claim protocol of the election: a candidate may be taking this very lock over.
      if ((await breakStale(path)) && !(await exists(path))) removed.push(path);
    } else if (!(await answers(path))) {
      await unlink(path);
      removed.push(path);
    }
  } catch {
    // Removed by another process meanwhile.
  }
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

let pruned = false;

/** Prunes the endpoint's directory once per process, in the background; failures are logged, never thrown. */
export function pruneLeftovers(endpoint: ClusterEndpoint, logger: Logger): void {
  if (pruned || process.platform === 'win32') return;
  pruned = true;
  pruneStale(endpoint.dir, endpoint.ledgerPath, Date.now()).then(
    (removed) => {
      if (removed.length > 0)
        (logger.info ?? logger.warn).call(logger, { removed }, "sysvitals: removed ended clusters' files");
    },
    (err) => logger.warn({ err: errorMessage(err) }, 'sysvitals: cluster leftovers not pruned'),
  );
}
