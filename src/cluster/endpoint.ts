// Where the workers of one cluster meet: a private directory, the aggregator's socket, its ledger
// file, and the lock that elects the aggregator (a socket file in that directory: first to take it wins).

import { chmodSync, linkSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeCrypto, nodeNet } from '../builtins.js';
import { removeDeadTemps } from './stale-temps.js';

export interface ClusterEndpoint {
  /** Private (0700) directory holding the socket and the ledger. */
  readonly dir: string;
  /** The aggregator's socket (a named pipe on Windows). */
  readonly socketPath: string;
  /** The aggregator's ledger: every worker's totals, so a new aggregator never counts backwards. */
  readonly ledgerPath: string;
  /**
   * The lock: a Unix socket file in the private directory, listened on by the aggregator (null on
   * Windows, where the named pipe is the lock). Not an abstract socket: any local user can bind an
   * abstract name, and one who held it stopped every election (outside review F3).
   */
  readonly lockPath: string | null;
  /** The key (0600) every worker signs the admin API's access tokens with, so any worker accepts them. */
  readonly tokenKeyPath: string;
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : 0);

/** Why a candidate directory was refused: someone else's, enterable by others, or not creatable. */
function refusal(path: string): string | null {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (process.platform === 'win32') return null;
    const st = lstatSync(path);
    if (!st.isDirectory()) return `${path} is not a directory`;
    if (st.uid !== uid()) return `${path} belongs to uid ${st.uid}, not to this user (uid ${uid()})`;
    if ((st.mode & 0o077) !== 0) {
      return `${path} has mode 0${(st.mode & 0o777).toString(8)}: other users can enter it`;
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
 * The first of `candidates` that passes (created 0700, this user's, closed to others), or why each was refused.
 */
export function firstPrivateDir(candidates: readonly string[]): { dir: string } | { refused: string[] } {
  const refused: string[] = [];
  for (const path of candidates) {
    const why = refusal(path);
    if (why === null) return { dir: path };
    refused.push(why);
  }
  return { refused };
}

/**
 * The private directory: created 0700, refused when it belongs to someone else or others can enter it.
 * A given directory must pass; without one, the first of `defaultDirs()` that passes is used.
 */
export function privateDir(dir?: string, candidates: readonly string[] = defaultDirs()): string {
  const found = firstPrivateDir(dir === undefined ? candidates : [dir]);
  if ('dir' in found) return found.dir;
  throw new Error(
    `sysvitals cluster: no private directory for the cluster socket (${found.refused.join('; ')}); set cluster.socketDir to a directory owned by this user with mode 0700`,
  );
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
    lockPath: windows ? null : join(base, `${hash}.lock`),
    tokenKeyPath: join(base, `${hash}.key`),
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

// Is someone serving the path? (A file left by a killed process refuses connections.)
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
  /** The lock file's inode this holder holds it with (0 on Windows, where the pipe is the lock). */
  readonly lockIno: number;
  /**
   * Whether the lock path is still this holder's inode: false once another worker took the role over from
   * this one while it did not answer (seize), or the lock was removed. Always true on Windows.
   */
  stillHeld(): boolean;
  release(): Promise<void>;
}

/** A claim on a dead lock older than this was left by a worker that died breaking it: removed. */
export const CLAIM_STALE_MS = 5000;

/**
 * Removes a dead holder's lock file (its process was killed: the file stays, connections are refused).
 * Workers racing to remove it first claim its inode: a hard link named by the inode number, which only
 * one can create; the claimer checks that the claim is that inode and that it still refuses
 * connections (inode numbers are reused), and only then unlinks the lock. Nobody else unlinks a lock
 * whose claim it does not hold, so a live holder's lock is never removed. True: try binding again.
 */
export async function breakStale(path: string): Promise<boolean> {
  let ino: number;
  try {
    ino = lstatSync(path).ino;
  } catch {
    return true; // Gone meanwhile.
  }
  if (await answers(path)) return false;
  const claim = `${path}.claim-${ino}`;
  try {
    linkSync(path, claim);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'EEXIST') {
      try {
        if (Date.now() - lstatSync(claim).ctimeMs > CLAIM_STALE_MS) unlinkSync(claim);
      } catch {
        // Removed by its claimer meanwhile.
      }
    }
    return false;
  }
  try {
    if (lstatSync(claim).ino !== ino || (await answers(claim))) return false;
    unlinkSync(path);
    return true;
  } finally {
    try {
      unlinkSync(claim);
    } catch {
      // Already gone.
    }
  }
}

export { LOCK_TEMP } from './stale-temps.js';

/** A held lock: the server listening on it and the inode it holds the path with. */
export interface HeldLock {
  readonly server: Server;
  readonly ino: number;
}

/**
 * Listens on the lock file: null when a live process holds it (a dead holder's file is removed first).
 * The socket is bound at a temporary name, created 0600, then hard-linked to the lock path (link fails when
 * the name exists: the exclusive step). So the lock path never exists with the mode bind gave it
 * (0777 less the umask, e.g. 0755): a candidate killed between bind and chmod left such a lock (outside
 * review N3); now it leaves a temporary file (inside the 0700 directory), which the next election removes once
 * its process is gone (removeDeadTemps, outside review F6), as leftovers.ts does.
 */
async function takeLock(path: string): Promise<HeldLock | null> {
  // Temporary names of candidates killed during an election (outside review F6).
  await removeDeadTemps(dirname(path), answers);
  for (let attempt = 0; attempt < 2; attempt++) {
    // The lock is only held, never talked to: a connection is closed as it arrives.
    const lock = lockServer();
    const temp = await bindTemp(lock, path);
    if (temp === null) return null; // A unique name: only if the directory is being tampered with.
    let linked = false;
    try {
      linkSync(temp, path);
      linked = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        lock.close();
        throw err;
      }
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // Already gone.
      }
    }
    if (linked) {
      lock.unref();
      return { server: lock, ino: lstatSync(path).ino };
    }
    lock.close();
    if (!(await breakStale(path))) return null;
  }
  return null;
}

/** A lock socket: only held, never talked to (a connection is closed as it arrives). */
export const lockServer = () =>
  nodeNet().createServer({ pauseOnConnect: true }, (socket) => socket.destroy());

/**
 * Binds `server` at a unique temporary name beside `path` (`<path>.<pid>-<random>.tmp`), created 0600; null when
 * the name is taken. Sockets are moved into place from there (link or rename): closing a server unlinks the
 * name it was bound at (libuv), which is then this temporary name, never the path a successor serves.
 */
export async function bindTemp(server: Server, path: string): Promise<string | null> {
  const temp = `${path}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
  // bind gives the name 0777 less the umask; the directory is 0700, so no other user reaches it before this chmod.
  // The process's umask is not changed for the bind: it is the host application's (its other threads create files).
  if (!(await listen(server, temp))) return null;
  try {
    chmodSync(temp, 0o600);
  } catch (err) {
    server.close();
    throw err;
  }
  return temp;
}

/** Removes the lock path if it is still this holder's inode (closing the server does not: it was bound elsewhere). */
function unlinkOwn(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** The holder's Leadership: `lock` held at `lockPath`, `server` serving the socket path at inode `dataIno`. */
export function leadership(
  ep: ClusterEndpoint,
  server: Server,
  lock: HeldLock | null,
  dataIno: number,
): Leadership {
  const lockPath = ep.lockPath;
  return {
    server,
    lockIno: lock?.ino ?? 0,
    stillHeld: () => {
      if (lock === null || lockPath === null) return true;
      try {
        return lstatSync(lockPath).ino === lock.ino;
      } catch {
        return false;
      }
    },
    release: () =>
      new Promise<void>((resolve) => {
        // The lock last: the socket is free before another worker leads.
        if (process.platform !== 'win32') unlinkOwn(ep.socketPath, dataIno);
        server.close(() => {
          if (lock === null || lockPath === null) {
            resolve();
            return;
          }
          unlinkOwn(lockPath, lock.ino);
          lock.server.close(() => resolve());
        });
      }),
  };
}

/** Serves the data socket: bound at a temporary name, then renamed over the socket path. Its inode, or null. */
async function serve(ep: ClusterEndpoint, server: Server): Promise<number | null> {
  if (process.platform === 'win32') return (await listen(server, ep.socketPath)) ? 0 : null;
  const temp = await bindTemp(server, ep.socketPath);
  if (temp === null) return null;
  try {
    renameSync(temp, ep.socketPath);
  } catch (err) {
    server.close();
    throw err;
  }
  return lstatSync(ep.socketPath).ino;
}

/**
 * Tries to become the aggregator: takes the lock, then serves the socket. Null when another process
 * holds it. The lock is a socket file in the private (0700) directory, so no other user can create,
 * hold or remove it; a file left by a killed holder refuses connections and is removed by exactly one
 * of the workers racing for it (breakStale), so there is no stale lock and no second holder. On
 * Windows the named pipe itself is the lock (creating it is atomic, and it dies with its holder).
 */
export async function tryLead(ep: ClusterEndpoint, server: Server): Promise<Leadership | null> {
  let held: HeldLock | null = null;
  if (ep.lockPath !== null) {
    held = await takeLock(ep.lockPath);
    if (held === null) return null;
  }
  const dropLock = () => {
    if (held === null || ep.lockPath === null) return;
    unlinkOwn(ep.lockPath, held.ino);
    held.server.close();
  };
  let dataIno: number | null;
  try {
    dataIno = await serve(ep, server);
  } catch (err) {
    dropLock();
    throw err;
  }
  if (dataIno === null) {
    dropLock();
    return null;
  }
  return leadership(ep, server, held, dataIno);
}
