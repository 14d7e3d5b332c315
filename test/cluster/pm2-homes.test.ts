// Outside review F9: two PM2 daemons (each its own PM2_HOME: staging and production, two projects) running
// apps of the same name were one cluster (`pm2-<app>`), the idle one reporting the other's traffic, and the
// ledger, keyed by the name, carried every earlier deployment's totals. The default name now carries the
// daemon's home: two clusters, each its own workers and totals; a `pm2 reload` keeps the cluster and its
// totals. Real PM2 (two daemons), the fixture app, one shared socket directory.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, clusterApp, getJson, load, scratch, until } from './helpers.js';

const PM2 = join(process.cwd(), 'node_modules', 'pm2', 'bin', 'pm2');
const INSTALL = 'run npm install (pm2 is a dev dependency) to run the PM2 test';
const missing = !existsSync(PM2);
if (missing && process.env.CI === 'true') throw new Error(`pm2 is missing: ${INSTALL}`);
if (missing) console.warn(`skipping the PM2 homes test: ${INSTALL}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(missing)('two PM2 daemons, apps of one name', () => {
  const s = scratch();
  const homes = [join(s.dir, 'staging'), join(s.dir, 'prod')];
  const ports = [0, 0];
  const pm2 = (home: string, ...args: string[]) =>
    spawnSync(process.execPath, [PM2, ...args], {
      env: { ...process.env, PM2_HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    });
  /** pm2() without holding this process: the two daemons start, and are killed, at the same time. */
  const pm2Async = (home: string, ...args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [PM2, ...args], {
        env: { ...process.env, PM2_HOME: home },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('close', (status) => {
        clearTimeout(guard);
        resolve({ status, stderr });
      });
    });
  const metrics = async (port: number) => (await getJson(port, `${BASE}/metrics`)).data.data;

  beforeAll(async () => {
    const start = async (i: number) => {
      ports[i] = await freePort();
      const ecosystem = join(s.dir, `ecosystem-${i}.json`);
      writeFileSync(
        ecosystem,
        JSON.stringify({
          apps: [
            {
              name: 'shop',
              script: clusterApp(),
              cwd: process.cwd(),
              exec_mode: 'cluster',
              instances: 2,
              autorestart: true,
              // One socket directory for both: the default (~/.cache/sysvitals) is shared the same way.
              env: { MODE: 'pm2', PORT: String(ports[i]), SOCKET_DIR: s.socketDir, LOG_DIR: s.logDir },
            },
          ],
        }),
      );
      const started = await pm2Async(homes[i] as string, 'start', ecosystem);
      expect(started.status, started.stderr).toBe(0);
    };
    await Promise.all([start(0), start(1)]);
    for (const port of ports) {
      await until(async () => {
        const m = await metrics(port);
        return m.cluster?.complete && m.cluster.workers_connected >= 2;
      }, 60_000);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(homes.map((home) => pm2Async(home, 'kill')));
    s.cleanup();
  }, 90_000);

  it('each daemon is its own cluster: its own 2 workers, its own totals; a pm2 reload keeps them', async () => {
    const result = await load(ports[0] as number, 50, 4, 5);
    expect(result.failed).toBe(0);
    const [a, b] = [await metrics(ports[0] as number), await metrics(ports[1] as number)];
    const hash = (home: string) => createHash('sha256').update(home).digest('hex').slice(0, 8);
    // Before: one cluster named pm2-shop, 4 workers connected, 50 requests on both ports.
    expect(a.cluster.workers.length).toBe(2);
    expect(b.cluster.workers.length).toBe(2);
    expect(a.requests.total).toBe(50);
    expect(b.requests.total).toBe(0);
    expect(a.cluster.name).toBe(`pm2-shop-${hash(homes[0] as string)}`);
    expect(b.cluster.name).toBe(`pm2-shop-${hash(homes[1] as string)}`);
    // A reload by the same daemon: new workers, the same cluster, the totals kept.
    const reloaded = pm2(homes[0] as string, 'reload', 'shop');
    expect(reloaded.status, reloaded.stderr).toBe(0);
    const pids = new Set(a.cluster.workers.map((w: { pid: number }) => w.pid));
    const after = await until(async () => {
      const m = await metrics(ports[0] as number);
      const live = m.cluster.workers.filter((w: { pid: number; connected?: boolean }) => !pids.has(w.pid));
      return m.cluster.aggregator && live.length === 2 && m.cluster.workers_connected === 2 && m;
    }, 60_000);
    expect(after.cluster.name).toBe(a.cluster.name);
    expect(after.requests.total).toBeGreaterThanOrEqual(50);
    expect((await metrics(ports[1] as number)).requests.total).toBe(0);
  }, 120_000);
});
