// Temporary files whose writer died before moving them into place: a candidate's temporary socket names
// (`<lock or socket path>.<pid>-<hex>.tmp`, removed here) and a worker's last-words temp (last-words.ts) are found by
// the one scan below, the pid read from the name.

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
 * The temporary files in `dir` whose writer is gone: `pidOf` reads the writer's pid from a file's name (anything but
 * a positive number: not such a file), `isDead` says whether that process is gone. [] when `dir` cannot be read.
 */
export function deadPidTemps(
  dir: string,
  pidOf: (name: string) => number,
  isDead: (pid: number) => boolean,
): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => {
      const pid = pidOf(f);
      return pid > 0 && isDead(pid);
    })
    .map((f) => join(dir, f));
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
  const temps = deadPidTemps(
    dir,
    (f) => Number(LOCK_TEMP.exec(f)?.[2]),
    (pid) => pid !== process.pid && isDead(pid),
  );
  for (const path of temps) {
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
