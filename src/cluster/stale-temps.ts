// A candidate's temporary socket names (`<lock or socket path>.<pid>-<hex>.tmp`): removed when their process died.

import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Where a candidate binds its lock and data socket before moving them into place (pruned when left by a killed candidate). */
export const LOCK_TEMP = /\.(lock|sock)\.(\d+)-[0-9a-f]+\.tmp$/;

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
