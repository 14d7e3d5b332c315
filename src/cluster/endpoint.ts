// Where the workers of one cluster meet: a private directory, the aggregator's socket, its ledger
// file, and the lock that elects the aggregator (first to take it wins; the kernel frees it on death).

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '../builtins.js';

export interface ClusterEndpoint {
  /** Private (0700) directory holding the socket and the ledger. */
  readonly dir: string;
  /** The aggregator's socket (a named pipe on Windows). */
  readonly socketPath: string;
  /** The aggregator's ledger: every worker's totals, so a new aggregator never counts backwards. */
  readonly ledgerPath: string;
  /** Linux abstract socket name held by the aggregator (the lock); null elsewhere. */
  readonly lockName: string | null;
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : 0);

/** The private directory: created 0700, refused when it belongs to someone else or others can enter it. */
export function privateDir(dir?: string): string {
  const path = dir ?? join(tmpdir(), `sysvitals-${uid()}`);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const st = lstatSync(path);
    if (!st.isDirectory() || st.uid !== uid() || (st.mode & 0o077) !== 0) {
      throw new Error(
        `${path} must be a directory owned by this user with mode 0700 (sysvitals keeps its cluster socket there)`,
      );
    }
  }
  return path;
}

/** The endpoint of cluster `name` (socket paths are hashed: Unix socket paths are limited to ~100 bytes). */
export function clusterEndpoint(name: string, dir?: string): ClusterEndpoint {
  const base = privateDir(dir);
  const hash = nodeCrypto().createHash('sha256').update(`${base}\n${name}`).digest('hex').slice(0, 20);
  const windows = process.platform === 'win32';
  return {
    dir: base,
    socketPath: windows ? `\\\\?\\pipe\\sysvitals-${hash}` : join(base, `${hash}.sock`),
    ledgerPath: join(base, `${hash}.ledger.json`),
    lockName: process.platform === 'linux' ? `\0sysvitals-lock-${uid()}-${hash}` : null,
  };
}

function listen(server: Server, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // exclusive: a node:cluster worker binds the socket itself (a shared handle would let every
    // worker "hold" the lock at once through the primary).
    server.listen({ path, exclusive: true });
  });
}

// Without an abstract-socket lock: is someone serving the path? (A stale file refuses connections.)
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The aggregator's hold on the endpoint: its data server, and release() for a clean hand-over. */
export interface Leadership {
  readonly server: Server;
  release(): Promise<void>;
}

/**
 * Tries to become the aggregator: takes the lock, then serves the socket. Null when another process
 * holds it. On Linux the lock is an abstract socket: atomic, and freed by the kernel when its holder
 * dies, so there is no stale lock and no race. Elsewhere a stale socket file is removed first; two
 * processes starting at the same instant could both serve (documented in the README).
 */
export async function tryLead(ep: ClusterEndpoint, server: Server): Promise<Leadership | null> {
  let lock: Server | null = null;
  if (ep.lockName !== null) {
    lock = createServer();
    if (!(await listen(lock, ep.lockName))) return null;
    lock.unref();
  } else if (process.platform !== 'win32' && (await answers(ep.socketPath))) {
    return null;
  }
  if (process.platform !== 'win32') {
    try {
      unlinkSync(ep.socketPath);
    } catch {
      // Not there: the usual case.
    }
  }
  let served: boolean;
  try {
    served = await listen(server, ep.socketPath);
  } catch (err) {
    lock?.close();
    throw err;
  }
  if (!served) {
    lock?.close();
    return null;
  }
  if (process.platform !== 'win32') chmodSync(ep.socketPath, 0o600);
  const held = lock;
  return {
    server,
    release: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          held?.close();
          resolve();
        });
      }),
  };
}
