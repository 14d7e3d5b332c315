// A candidate's temporary socket names (`<lock or socket path>.<pid>-<hex>.tmp`): how they are bound (0600 as created) and removed when their process died.

import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Where a candidate binds its lock and data socket before moving them into place (pruned when left by a killed candidate). */
export const LOCK_TEMP = /\.(lock|sock)\.(\d+)-[0-9a-f]+\.tmp$/;

/**
 * Runs `bind` (a synchronous bind: net's listen with `exclusive`) under umask 0177, so that the socket file is
 * created 0600, never with bind's 0777 less the usual umask (0755): outside review F6. The umask is the
 * process's, restored before returning (no other JavaScript runs meanwhile). In a worker thread, where Node
 * cannot change it, `bind` runs as it is and the caller's chmod makes the file 0600 right after.
 */
export function bindPrivately<T>(bind: () => T): T {
  let previous: number | null = null;
  try {
    previous = process.umask(0o177);
  } catch {
    // ERR_WORKER_UNSUPPORTED_OPERATION: a worker thread.
  }
  try {
    return bind();
  } finally {
    if (previous !== null) process.umask(previous);
  }
}

/** Whether process `pid` is gone (EPERM: it exists, another user's). */
function dead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes the temporary names in `dir` whose process is gone (a candidate SIGKILLed during an election) and
 * that refuse connections: their owner cannot link or rename them any more. `answers` says whether a path is
 * served (a live candidate's temporary lock listens from its bind on). Returns the removed paths; never throws.
 */
export async function removeDeadTemps(
  dir: string,
  answers: (path: string) => Promise<boolean>,
  isDead: (pid: number) => boolean = dead,
): Promise<string[]> {
  const removed: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const f of files) {
    const pid = Number(LOCK_TEMP.exec(f)?.[2]);
    if (!(pid > 0) || pid === process.pid || !isDead(pid)) continue;
    const path = join(dir, f);
    try {
      if (!lstatSync(path).isSocket() || (await answers(path))) continue;
      unlinkSync(path);
      removed.push(path);
    } catch {
      // Removed by another candidate meanwhile.
    }
  }
  return removed;
}
