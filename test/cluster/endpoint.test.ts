// Where a cluster's workers meet, against other local users: the lock closes what connects to it, it
// is a file in the 0700 directory (no abstract name another user can bind), a killed holder's lock is
// taken over by one candidate, a squatted temporary directory is passed over, and two apps whose
// scripts share a name are two clusters.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterEndpoint, defaultDirs, privateDir, tryLead } from '../../src/cluster/endpoint.js';
import { type ClusterConfig, defaultClusterName, parseClusterOptions } from '../../src/cluster/options.js';
import { placeCluster } from '../../src/cluster/placement.js';
import { SysvitalsError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

const scratch: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sv-endpoint-'));
  scratch.push(d);
  return d;
};
const envKeys = ['TMPDIR', 'HOME', 'XDG_RUNTIME_DIR'] as const;
const savedEnv = Object.fromEntries(envKeys.map((k) => [k, process.env[k]]));

afterEach(() => {
  for (const k of envKeys) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

const linux = process.platform === 'linux';
const root = typeof process.getuid === 'function' && process.getuid() === 0;

/** A socket file left at `path` by a process that was SIGKILLed while listening on it. */
async function deadHolder(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((r) => child.stdout.once('data', r));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  expect(lstatSync(path).isSocket()).toBe(true);
}

describe('the cluster lock', () => {
  it.runIf(process.platform !== 'win32')(
    'closes every connection made to it, so connecting cannot exhaust the holder’s descriptors',
    async () => {
      const ep = clusterEndpoint('lock-test', join(temp(), 'sock'));
      const leadership = await tryLead(ep, createServer());
      expect(leadership).not.toBeNull();
      try {
        const closed = Array.from(
          { length: 50 },
          () =>
            new Promise<boolean>((resolve) => {
              const s = connect(ep.lockPath as string);
              s.on('error', () => resolve(false));
              s.on('close', () => resolve(true));
            }),
        );
        // Before the fix the lock kept every connection open: none of these closed.
        expect(await Promise.all(closed)).toEqual(Array(50).fill(true));
      } finally {
        await leadership?.release();
      }
    },
  );

  it.runIf(linux)(
    'is a 0600 socket file in the 0700 directory, not an abstract name any local user can bind (outside review F3)',
    async () => {
      const ep = clusterEndpoint('squat-test', join(temp(), 'sock'));
      const leadership = await tryLead(ep, createServer());
      expect(leadership).not.toBeNull();
      try {
        // Before: the lock was `@sysvitals-lock-<uid>-<hash>` in the abstract namespace, listed in
        // /proc/net/unix for every user, and bindable by any of them once its holder died.
        // (Other clusters on this machine may hold such names: only this process's sockets are judged.)
        const mine = new Set(
          readdirSync('/proc/self/fd').flatMap((fd) => {
            try {
              return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? ''];
            } catch {
              return [];
            }
          }),
        );
        expect(mine.size).toBeGreaterThan(1); // the lock's and the data socket's, at least
        const names = readFileSync('/proc/net/unix', 'utf8')
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f[7]?.startsWith('@sysvitals-lock') && mine.has(f[6] ?? ''));
        expect(names).toEqual([]);
        expect(ep.lockPath).toBe(join(ep.dir, `${basename(ep.socketPath, '.sock')}.lock`));
        const st = lstatSync(ep.lockPath as string);
        expect(st.isSocket()).toBe(true);
        expect(st.mode & 0o777).toBe(0o600);
        expect(statSync(ep.dir).mode & 0o777).toBe(0o700);
        // A second candidate finds it held.
        expect(await tryLead(ep, createServer())).toBeNull();
      } finally {
        await leadership?.release();
      }
      // Released: the file is gone and the next candidate leads.
      expect(() => lstatSync(ep.lockPath as string)).toThrow();
      const next = await tryLead(ep, createServer());
      expect(next).not.toBeNull();
      await next?.release();
    },
  );

  it.runIf(process.platform !== 'win32')(
    'a lock file left by a killed holder is removed by exactly one of the candidates racing for it',
    async () => {
      const ep = clusterEndpoint('stale-test', join(temp(), 'sock'));
      for (let round = 0; round < 3; round++) {
        await deadHolder(ep.lockPath as string);
        const all = await Promise.all(Array.from({ length: 6 }, () => tryLead(ep, createServer())));
        const leaders = all.filter((l) => l !== null);
        expect(leaders).toHaveLength(1);
        // No claim left behind.
        expect(readdirSync(ep.dir).filter((f) => f.includes('.claim-'))).toEqual([]);
        await leaders[0]?.release();
      }
    },
  );
});

describe('the private directory', () => {
  it.runIf(linux && root)('passes over a temporary directory another user created first', () => {
    const t = temp();
    const home = temp();
    process.env.TMPDIR = t;
    process.env.HOME = home;
    delete process.env.XDG_RUNTIME_DIR;
    // The attack: another user creates <tmpdir>/sysvitals-<uid> before the app starts.
    const squat = join(t, `sysvitals-${process.getuid?.()}`);
    mkdirSync(squat, { mode: 0o700 });
    chownSync(squat, 65534, 65534);
    expect(clusterEndpoint('app').dir).toBe(join(home, '.cache', 'sysvitals'));
    // Without the home candidate, the squatted directory alone is refused with what to do.
    expect(() => privateDir(undefined, [squat])).toThrow(/cluster\.socketDir/);
  });

  it('prefers the user’s runtime directory, and puts the shared temporary directory last', () => {
    const dirs = defaultDirs({ XDG_RUNTIME_DIR: '/run/user/1000' }, () => '/home/u');
    expect(dirs[0]).toBe('/run/user/1000/sysvitals');
    expect(dirs[1]).toBe('/home/u/.cache/sysvitals');
    expect(dirs[2]).toBe(join(tmpdir(), `sysvitals-${process.getuid?.() ?? 0}`));
    expect(defaultDirs({}, () => '/')).toEqual([join(tmpdir(), `sysvitals-${process.getuid?.() ?? 0}`)]);
  });

  it('refuses a given directory that others can enter', () => {
    const d = join(temp(), 'open');
    mkdirSync(d, { mode: 0o755 });
    expect(() => privateDir(d)).toThrow(/mode 0700/);
  });

  it.runIf(linux)(
    'a refused cluster.socketDir stops createMonitor with a coded error naming it and why (the user chose it)',
    () => {
      const d = join(temp(), 'open');
      mkdirSync(d, { mode: 0o700 });
      chmodSync(d, 0o755);
      let thrown: unknown;
      try {
        createMonitor({ cluster: { socketDir: d }, sampleIntervalMs: 0, logger: silentLogger });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SysvitalsError);
      expect((thrown as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect((thrown as Error).message).toContain(`${d} has mode 0755: other users can enter it`);
      expect(readdirSync(d)).toEqual([]);
    },
  );

  it('placeCluster: without a given directory, none usable turns cluster mode off with the reasons', () => {
    const t = temp();
    const file = join(t, 'a-file');
    writeFileSync(file, '');
    const open = join(t, 'open');
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o777);
    const placed = placeCluster(parseClusterOptions({ name: 'app' }) as ClusterConfig, [
      join(file, 'sysvitals'),
      open,
    ]);
    expect(placed.config).toBeNull();
    expect(placed.off).toMatchObject({ enabled: false, scope: 'process' });
    expect(placed.off?.reason).toContain(`${join(file, 'sysvitals')}: ENOTDIR`);
    if (linux) expect(placed.off?.reason).toContain(`${open} has mode 0777: other users can enter it`);
    // A usable candidate after them is taken, with its directory settled in the config.
    const ok = join(t, 'ok');
    const found = placeCluster(parseClusterOptions({ name: 'app' }) as ClusterConfig, [open, ok]);
    expect(found.off).toBeNull();
    expect(found.config?.socketDir).toBe(ok);
  });
});

describe('the default cluster name', () => {
  it('separates two apps whose entry files share a name and a parent', () => {
    const a = defaultClusterName({}, '/srv/a/server.mjs', 1, false);
    const b = defaultClusterName({}, '/srv/b/server.mjs', 1, false);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^server\.mjs-1-[0-9a-f]{8}$/);
    expect(defaultClusterName({}, '/srv/a/server.mjs', 1, false)).toBe(a); // workers of one app agree
  });

  it('keeps the node:cluster primary; a PM2 app without a daemon home in its environment is pm2-<app>', () => {
    expect(defaultClusterName({ pm_id: '0', name: 'api' }, '/x.js', 7, false)).toBe('pm2-api');
    expect(defaultClusterName({}, '/x.js', 7, true)).toBe('node-cluster-7');
  });

  it('separates two PM2 daemons (their homes) running apps of one name (outside review F9)', () => {
    const hash = (home: string) => createHash('sha256').update(home).digest('hex').slice(0, 8);
    const a = defaultClusterName(
      { pm_id: '0', name: 'shop', PM2_HOME: '/srv/staging/.pm2' },
      '/x.js',
      7,
      false,
    );
    const b = defaultClusterName({ pm_id: '3', name: 'shop', PM2_HOME: '/srv/prod/.pm2' }, '/x.js', 8, false);
    expect(a).toBe(`pm2-shop-${hash('/srv/staging/.pm2')}`);
    expect(b).toBe(`pm2-shop-${hash('/srv/prod/.pm2')}`);
    // Without PM2_HOME exported (the default ~/.pm2), the home is where PM2 keeps the pid file.
    const pid = { pm_id: '1', name: 'shop', pm_pid_path: '/root/.pm2/pids/shop-1.pid' };
    expect(defaultClusterName(pid, '/x.js', 9, false)).toBe(`pm2-shop-${hash('/root/.pm2')}`);
  });
});
