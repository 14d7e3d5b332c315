// Taking the aggregator's role over from a holder that is alive but does not answer (SIGSTOP, a synchronous
// loop): the lock and data socket are moved from under it, and it steps down when it runs again.

import { linkSync, lstatSync, renameSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import {
  bindTemp,
  CLAIM_STALE_MS,
  type ClusterEndpoint,
  type Leadership,
  leadership,
  lockServer,
} from './endpoint.js';

/**
 * Takes the aggregator's role over from a holder that is alive but does not answer (its lock file still
 * accepts connections, so breakStale leaves it): only while the lock path is still inode `hungIno`, the lock
 * the caller was welcomed by and saw stop answering. The claim is the same hard link breakStale takes (named
 * by the inode: one claimer only, whether it breaks or seizes). The claimer binds a new lock and data socket at
 * temporary names and renames them over the lock and socket paths (atomic replace): the hung holder keeps its
 * sockets, no longer reachable by name, and finds on its next check (Leadership.stillHeld) that it lost the
 * role. Null when someone else claimed or replaced that lock first, or on Windows (no lock file to move).
 */
export async function seize(
  ep: ClusterEndpoint,
  server: Server,
  hungIno: number,
): Promise<Leadership | null> {
  const path = ep.lockPath;
  if (path === null || process.platform === 'win32') return null;
  try {
    if (lstatSync(path).ino !== hungIno) return null;
  } catch {
    return null;
  }
  const claim = `${path}.claim-${hungIno}`;
  try {
    linkSync(path, claim);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      try {
        if (Date.now() - lstatSync(claim).ctimeMs > CLAIM_STALE_MS) unlinkSync(claim);
      } catch {
        // Removed by its claimer meanwhile.
      }
    }
    return null;
  }
  const lock = lockServer();
  try {
    // The claim is that inode (inode numbers are reused: the path may have been replaced meanwhile).
    if (lstatSync(claim).ino !== hungIno) return null;
    const lockTemp = await bindTemp(lock, path);
    if (lockTemp === null) return null;
    const dataTemp = await bindTemp(server, ep.socketPath);
    if (dataTemp === null) {
      lock.close();
      return null;
    }
    // Back to back: a worker that finds the new lock finds the new socket.
    renameSync(lockTemp, path);
    renameSync(dataTemp, ep.socketPath);
    lock.unref();
    return leadership(ep, server, { server: lock, ino: lstatSync(path).ino }, lstatSync(ep.socketPath).ino);
  } catch (err) {
    lock.close();
    server.close();
    throw err;
  } finally {
    try {
      unlinkSync(claim);
    } catch {
      // Already gone.
    }
  }
}
