// Outside review F1: another local user creates <tmpdir>/sysvitals-<uid> first, in a process with no
// XDG_RUNTIME_DIR and no usable home. The squatted directory is refused (never used), and every worker starts
// anyway, without cluster mode: it serves requests, warns once, and marks its answers as per process.

import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BASE,
  get,
  getJson,
  load,
  loggedRequests,
  promValue,
  type Started,
  scratch,
  startNodeCluster,
  until,
} from './helpers.js';

const uid = process.getuid?.() ?? 0;
const posix = process.platform !== 'win32';

/** The squats a test can make here: another owner needs root (chown), a mode open to others does not. */
const squats: Array<{ kind: string; make(dir: string): void; reason: RegExp }> = [
  ...(uid === 0
    ? [
        {
          kind: 'owned by another user',
          make: (dir: string) => {
            mkdirSync(dir, { mode: 0o700 });
            chownSync(dir, 65534, 65534);
          },
          reason: /belongs to uid 65534, not to this user \(uid 0\)/,
        },
      ]
    : []),
  {
    kind: 'with mode 0777',
    make: (dir: string) => {
      mkdirSync(dir);
      chmodSync(dir, 0o777);
    },
    reason: /has mode 0777: other users can enter it/,
  },
];

describe.runIf(posix)('a squatted default socket directory (outside review F1)', () => {
  // Each case's cleanups, in reverse order; the cases' at the same time (their clusters' stop() waits on its processes).
  const teardowns: Array<Array<() => unknown>> = [];
  afterAll(async () => {
    await Promise.all(
      teardowns.map(async (cleanups) => {
        for (const c of cleanups.reverse()) await c();
      }),
    );
  });

  // The squats run at the same time (it.concurrent: each its own host directory, cluster and port).
  it.concurrent.each(squats)(
    'squatted $kind: every worker starts and serves, warns once naming the directory, and answers per process, marked',
    async ({ make, reason }) => {
      // The host: a TMPDIR holding the squat, no XDG_RUNTIME_DIR, a HOME that is a file (no ~/.cache).
      const host = scratch();
      const cleanups: Array<() => unknown> = [host.cleanup];
      teardowns.push(cleanups);
      const squat = join(host.dir, `sysvitals-${uid}`);
      make(squat);
      const before = lstatSync(squat);
      const home = join(host.dir, 'home-is-a-file');
      writeFileSync(home, '');
      const workers = 2;
      const c: Started = await startNodeCluster(
        {
          SOCKET_DIR: '',
          TMPDIR: host.dir,
          HOME: home,
          XDG_RUNTIME_DIR: '',
          WARN_LOG: '1',
          SAMPLE_MS: '200',
        },
        workers,
      );
      cleanups.push(() => c.stop());

      // They serve: every request of the load answered (the statuses it asked for).
      const result = await load(c.port, 60, 4);
      expect(result.failed).toBe(0);
      expect(Object.values(result.byStatus).reduce((a, b) => a + b, 0)).toBe(60);

      // metrics/ from each worker: its own process's figures (the requests it logged), marked per process.
      const seen = new Set<number>();
      await until(async () => {
        const r = await getJson(c.port, `${BASE}/metrics`);
        const m = r.data.data;
        const pid = m.process.pid as number;
        const own = loggedRequests(c.logDir).filter((x) => x.pid === pid && x.at <= Date.parse(m.timestamp));
        expect(m.requests.total).toBe(own.length);
        expect(m.cluster).toBeUndefined();
        expect(m.cluster_mode).toMatchObject({ enabled: false, scope: 'process' });
        expect(m.cluster_mode.reason).toContain(squat);
        expect(m.cluster_mode.reason).toMatch(reason);
        seen.add(pid);
        return seen.size === workers;
      }, 30_000);
      expect([...seen].sort()).toEqual([...c.pids].sort());

      // No worker view: instance=<pid> is a 400 that says cluster mode is off here, and why.
      const one = await getJson(c.port, `${BASE}/metrics?instance=${c.pids[0]}`);
      expect(one.status).toBe(400);
      expect(one.data.error.message).toContain('cluster mode is off in this process');
      expect(one.data.error.message).toContain(squat);

      // health/ says it too, and a scrape carries cluster_mode_off 1.
      const health = (await getJson(c.port, `${BASE}/health`)).data.data;
      expect(health.cluster_mode).toMatchObject({ enabled: false, scope: 'process' });
      const scrape = await get(c.port, `${BASE}/metrics/prometheus`);
      expect(scrape.status).toBe(200);
      expect(promValue(scrape.body, 'sysvitals_cluster_mode_off')).toBe(1);

      // One warning per worker process, naming the squatted directory and why; nothing else logged about it.
      for (const pid of c.pids) {
        const lines = readFileSync(join(c.logDir, `${pid}.warn`), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
        const off = lines.filter((l) => /cluster mode is OFF/.test(l.msg));
        expect(off).toHaveLength(1);
        expect(off[0].level).toBe('warn');
        expect(off[0].msg).toContain(squat);
        expect(off[0].msg).toMatch(reason);
        expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      }

      // The squatted directory was never used: still empty, same owner and mode.
      expect(readdirSync(squat)).toEqual([]);
      const after = lstatSync(squat);
      expect([after.uid, after.mode]).toEqual([before.uid, before.mode]);
    },
    120_000,
  );
});
