// Real PM2 in cluster mode (pm2 from npm, its own PM2_HOME in a temp folder, started and killed by
// the test): no sysvitals code in PM2's primary, and the admin API of any worker answers for all.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  afterTakeover,
  BASE,
  clusterApp,
  counterSamples,
  get,
  getJson,
  load,
  loggedRequests,
  promValue,
  scratch,
  signalPid,
  until,
  untilLogged,
} from './helpers.js';

const PM2 = join(process.cwd(), 'node_modules', 'pm2', 'bin', 'pm2');
const INSTALL = 'run npm install (pm2 is a dev dependency) to run the PM2 test';
const missing = !existsSync(PM2);
if (missing && process.env.CI === 'true') throw new Error(`pm2 is missing: ${INSTALL}`);
if (missing) console.warn(`skipping the PM2 test: ${INSTALL}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * In a describe: a PM2 daemon of its own (PM2_HOME in a scratch folder) running the fixture app `name` in cluster
 * mode with `instances` workers, started in beforeAll (until they all report to an aggregator), killed in afterAll.
 */
function usePm2(name: string, instances: number, extraEnv: Record<string, string> = {}) {
  const s = scratch();
  const home = join(s.dir, 'pm2');
  const env = { ...process.env, PM2_HOME: home };
  // Asynchronous: the two describes run at the same time, and a spawnSync would hold this process's event loop (the
  // other describe's load and reads) for as long as PM2 takes to start or kill its daemon.
  const pm2 = (...args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [PM2, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
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
  const app = {
    s,
    home,
    port: 0,
    metrics: async () => (await getJson(app.port, `${BASE}/metrics`)).data.data,
  };
  beforeAll(async () => {
    app.port = await freePort();
    const ecosystem = join(s.dir, 'ecosystem.config.json');
    const appEnv = {
      MODE: 'pm2',
      PORT: String(app.port),
      SOCKET_DIR: s.socketDir,
      LOG_DIR: s.logDir,
      ...extraEnv,
    };
    writeFileSync(
      ecosystem,
      JSON.stringify({
        apps: [
          {
            name,
            script: clusterApp(),
            cwd: process.cwd(),
            exec_mode: 'cluster',
            instances,
            autorestart: true,
            // The README's advice: room for the drain, the last report and the hand-over before PM2's SIGKILL.
            kill_timeout: 20_000,
            // `pm2 reload` stops an old worker when its replacement listens, or after listen_timeout (3 s by
            // default) if it does not listen by then. A worker starting on a loaded machine takes
            // longer: the old workers were stopped with no replacement listening yet, and the
            // client's connections were refused (705 failed requests in CI at load average 17). The wait is on
            // the 'listening' event; this bound is only PM2's backstop.
            listen_timeout: 60_000,
            env: appEnv,
          },
        ],
      }),
    );
    const started = await pm2('start', ecosystem);
    expect(started.status, started.stderr).toBe(0);
    await until(async () => {
      const m = await app.metrics();
      return m.cluster?.complete && m.cluster.workers_connected === instances;
    }, 60_000);
  }, 90_000);
  afterAll(async () => {
    await pm2('kill');
    s.cleanup();
  }, 90_000);
  return app;
}

// The two describes run at the same time (describe.concurrent), each with its own PM2 daemon, PM2_HOME, port and
// scratch directory: most of their time is PM2 starting and killing its daemon and workers, which they now overlap.
// Their oracles are the workers' logs and the client's counts, not timings. The tests of a describe stay in order.
describe.skipIf(missing).concurrent('PM2 cluster mode (pm2 start -i 4)', () => {
  const app = usePm2('sv-app', 4);
  const { s, home } = app;
  const metrics = () => app.metrics();

  it.sequential('totals equal the load exactly and percentiles one histogram of every duration; the name comes from PM2', async () => {
    const result = await load(app.port, 200, 8, 3);
    expect(result.failed).toBe(0);
    const logged = await until(async () => {
      const l = loggedRequests(s.logDir);
      return l.length === 200 && l;
    });
    const m = await metrics();
    expect(m.cluster.name).toBe(`pm2-sv-app-${createHash('sha256').update(home).digest('hex').slice(0, 8)}`);
    expect(new Set(logged.map((r) => r.pid)).size).toBeGreaterThan(1);
    expect(m.requests.total).toBe(200);
    expect(m.errors.count_5xx).toBe(result.byStatus[500] ?? 0);
    expect(m.errors.count_4xx).toBe(result.byStatus[404] ?? 0);
    const oracle = createHistogram();
    for (const r of logged) oracle.recordValue(microsOf(r.ms));
    for (const [p, key] of [
      [50, 'p50_ms'],
      [99, 'p99_ms'],
    ] as const) {
      const expected = oracle.getValueAtPercentile(p) / 1000;
      expect(Math.abs(m.latency[key] - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.001);
    }
  });

  it.sequential('PM2 restarts a SIGKILLed aggregator; another worker takes over and no counter goes back', async () => {
    const before = await metrics();
    const text1 = (await get(app.port, `${BASE}/metrics/prometheus`)).body;
    const aggPid = before.cluster.workers.find((w: { aggregator: boolean }) => w.aggregator).pid;
    signalPid(aggPid, 'SIGKILL');
    const after = await until(async () => {
      const m = await metrics();
      return (
        afterTakeover(m.cluster) &&
        m.cluster.aggregator !== before.cluster.aggregator &&
        m.cluster.workers_connected === 4 &&
        m
      );
    }, 30_000);
    const text2 = (await get(app.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(text2, 'sysvitals_http_requests_total')).toBeGreaterThanOrEqual(
      promValue(text1, 'sysvitals_http_requests_total'),
    );
    expect(after.requests.total).toBeGreaterThanOrEqual(before.requests.total);
  }, 60_000);
});

describe.skipIf(missing).concurrent('PM2 reload under load (pm2 reload, 3 instances)', () => {
  // STOP=drain: each worker stops as examples/cluster.ts does (monitor.shutdown(): stop accepting, drain, then close).
  const app = usePm2('sv-reload', 3, { STOP: 'drain' });

  it.sequential("after `pm2 reload` the cluster's totals equal the client's completed responses; no Prometheus counter went back meanwhile", async () => {
    const before = (await app.metrics()).cluster.workers.map((w: { pid: number }) => w.pid) as number[];
    let stopped = false;
    const running = load(app.port, 1_000_000, 4, 7, () => stopped);
    // Scrapes through the reload, as Prometheus takes them: every counter at or above its highest value so far.
    const highest = new Map<string, number>();
    const drops: string[] = [];
    const statuses: Record<string, number> = {};
    const scrapes = (async () => {
      while (!stopped) {
        const r = await get(app.port, `${BASE}/metrics/prometheus`).catch(() => undefined);
        statuses[r ? r.status : 'socket'] = (statuses[r ? r.status : 'socket'] ?? 0) + 1;
        if (r?.status !== 200) continue;
        for (const [series, v] of counterSamples(r.body)) {
          if (v < (highest.get(series) ?? 0)) drops.push(`${series} ${highest.get(series)} -> ${v}`);
          else highest.set(series, v);
        }
      }
    })();
    // Guards only: load flows before the reload and after it.
    await until(async () => loggedRequests(app.s.logDir).length >= 30, 30_000);
    const reload = spawn(process.execPath, [PM2, 'reload', 'sv-reload'], {
      env: { ...process.env, PM2_HOME: app.home },
      stdio: 'ignore',
    });
    const code = await new Promise((r) => reload.once('exit', r));
    expect(code).toBe(0);
    // Every instance replaced, all reporting to an aggregator.
    await until(async () => {
      const c = (await app.metrics()).cluster;
      const live = c.workers.filter((w: { connected: boolean }) => w.connected);
      return live.length === 3 && live.every((w: { pid: number }) => !before.includes(w.pid)) && c;
    }, 60_000);
    const seen = loggedRequests(app.s.logDir).length;
    await until(async () => loggedRequests(app.s.logDir).length >= seen + 30, 30_000);
    stopped = true;
    const result = await running;
    await scrapes;
    const n = Object.values(result.byStatus).reduce((a, b) => a + b, 0);
    // The oracle: the client's count of completed responses (and every request the workers logged).
    expect(result.failed).toBe(0);
    // (A response can reach the client before the worker's 'finish': waited for, then exact.)
    expect((await untilLogged(app.s.logDir, n)).length).toBe(n);
    expect((await app.metrics()).requests.total).toBe(n);
    const prom = (await get(app.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(prom, 'sysvitals_http_requests_total')).toBe(n);
    expect(drops).toEqual([]);
    expect(statuses[200]).toBeGreaterThan(0);
  }, 120_000);
});
