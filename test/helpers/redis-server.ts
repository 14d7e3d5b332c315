// Private redis-server processes for tests: a free port (never 6379), no persistence, stopped afterwards.

import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REDIS_INSTALL_HINT = 'install redis-server (apt-get install redis-server)';

/** Whether a redis-server binary runs on this machine. */
export const redisAvailable: boolean = (() => {
  try {
    return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

/**
 * Guard for suites that need Redis: true when it is there; in CI (CI=true) a missing binary throws;
 * elsewhere it warns with what to install and returns false, for `describe.skipIf(!requireRedis())`.
 */
export function requireRedis(): boolean {
  if (redisAvailable) return true;
  if (process.env.CI === 'true') throw new Error(`redis-server not found: ${REDIS_INSTALL_HINT}`);
  console.warn(`[sysvitals tests] skipping Redis tests: ${REDIS_INSTALL_HINT}`);
  return false;
}

export interface RedisServerOptions {
  /** Start with `--cluster-enabled yes` (a node for startRedisCluster). */
  clusterEnabled?: boolean;
  /** Extra redis-server arguments. */
  args?: string[];
}

export interface RedisServer {
  port: number;
  url: string;
  readonly pid: number | undefined;
  /** SIGTERM and wait for exit. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal; for SIGKILL/SIGTERM waits for the exit. A stopped (SIGSTOP) server is continued first on stop(). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after kill/stop) and waits for PING. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port === 6379 || port === 0 ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

/** One PING over a raw socket; true on +PONG. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode})`);
    }
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${deadlineMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!redisAvailable) throw new Error(`redis-server not found: ${REDIS_INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  let stopped = false;

  const args = () => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...(options.clusterEnabled
      ? [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ]
      : []),
    ...(options.args ?? []),
  ];

  const launch = async () => {
    const proc = spawn('redis-server', args(), { stdio: 'ignore' });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    await waitForPing(port, proc);
  };

  // A port taken between freePort() and the bind makes redis-server exit: try a few ports.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      port = await freePort();
    }
  }

  const server: RedisServer = {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get pid() {
      return child?.pid;
    },
    async kill(signal) {
      if (!child) return;
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await exited(child);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited(child);
      }
      await launch();
    },
  } as RedisServer;
  return server;
}

const run = promisify(execFile);

export interface RedisCluster {
  nodes: RedisServer[];
  /** `{ host, port }` of every master, for `new Cluster(startupNodes)`. */
  startupNodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** A local cluster of `masters` nodes (no replicas), created with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(
    Array.from({ length: masters }, () => startRedis({ clusterEnabled: true })),
  );
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const until = Date.now() + 15_000;
    for (;;) {
      const states = await Promise.all(
        nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then((r) => r.stdout)),
      );
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      if (Date.now() > until) throw new Error('redis cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), stop };
}
