// Where the workers of one cluster meet: a private directory, the aggregator's socket, its ledger
// file, and the lock that elects the aggregator (first to take it wins; the kernel frees it on death).

import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto, nodeNet } from '../builtins.js';

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

/** Why a candidate directory was refused: someone else's, enterable by others, or not creatable. */
function refusal(path: string): string | null {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (process.platform === 'win32') return null;
    const st = lstatSync(path);
    if (!st.isDirectory() || st.uid !== uid() || (st.mode & 0o077) !== 0) {
      return `${path} is not a directory owned by this user with mode 0700`;
    }
    return null;
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  }
}

/**
 * The directories tried in order when `cluster.socketDir` is not given: the user's runtime directory
 * (`$XDG_RUNTIME_DIR`, which only the user can write), `~/.cache/sysvitals`, then
 * `<tmpdir>/sysvitals-<uid>`. The shared temporary directory comes last because another local user can
 * create the name there first; the candidates before it are out of other users' reach.
 */
export function defaultDirs(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string[] {
  const dirs: string[] = [];
  if (env.XDG_RUNTIME_DIR) dirs.push(join(env.XDG_RUNTIME_DIR, 'sysvitals'));
  try {
    const h = home();
    if (h && h !== '/') dirs.push(join(h, '.cache', 'sysvitals'));
  } catch {
    // No home directory (a uid without a passwd entry): skip it.
  }
  dirs.push(join(tmpdir(), `sysvitals-${uid()}`));
  return dirs;
}

/**
 * The private directory: created 0700, refused when it belongs to someone else or others can enter it.
 * A given directory must pass; without one, the first of `defaultDirs()` that passes is used.
 */
export function privateDir(dir?: string, candidates: readonly string[] = defaultDirs()): string {
  const tried = dir === undefined ? candidates : [dir];
  const reasons: string[] = [];
  for (const path of tried) {
    const why = refusal(path);
    if (why === null) return path;
    reasons.push(why);
  }
  throw new Error(
    `sysvitals cluster: no private directory for the cluster socket (${reasons.join('; ')}); set cluster.socketDir to a directory owned by this user with mode 0700`,
  );
}

/**
 * The directory's secret (32 random bytes, file mode 0600), created once by whichever worker comes
 * first (written aside, then linked into place: atomic, so no worker reads a half-written secret).
 * It goes into the lock's name, which another local user therefore cannot compute in advance.
 */
export function directorySecret(base: string): string {
  const path = join(base, 'secret');
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Not created yet.
  }
  const aside = join(base, `secret.${process.pid}.${Date.now()}`);
  writeFileSync(aside, nodeCrypto().randomBytes(32).toString('hex'), { mode: 0o600 });
  try {
    linkSync(aside, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(aside);
  }
  return readFileSync(path, 'utf8');
}

/** The endpoint of cluster `name` (socket paths are hashed: Unix socket paths are limited to ~100 bytes). */
export function clusterEndpoint(name: string, dir?: string): ClusterEndpoint {
  const base = privateDir(dir);
  const hash = nodeCrypto().createHash('sha256').update(`${base}\n${name}`).digest('hex').slice(0, 20);
  const windows = process.platform === 'win32';
  let lockName: string | null = null;
  if (process.platform === 'linux') {
    const secret = directorySecret(base);
    const lock = nodeCrypto().createHash('sha256').update(`${secret}\n${hash}`).digest('hex').slice(0, 32);
    lockName = `\0sysvitals-lock-${uid()}-${lock}`;
  }
  return {
    dir: base,
    socketPath: windows ? `\\\\?\\pipe\\sysvitals-${hash}` : join(base, `${hash}.sock`),
    ledgerPath: join(base, `${hash}.ledger.json`),
    lockName,
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
    const s = nodeNet().connect(path);
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
    // The lock is only held, never talked to: a connection is closed as it arrives (anyone can
    // connect to an abstract socket, and kept connections would spend this process's descriptors).
    lock = nodeNet().createServer({ pauseOnConnect: true }, (socket) => socket.destroy());
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
