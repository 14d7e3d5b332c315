// Real PM2 in cluster mode (pm2 from npm, its own PM2_HOME in a temp folder, started and killed by
// the test): no sysvitals code in PM2's primary, and the admin API of any worker answers for all.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  afterTakeover,
  BASE,
  FIXTURE,
  get,
  getJson,
  load,
  loggedRequests,
  promValue,
  scratch,
  until,
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

describe.skipIf(missing)('PM2 cluster mode (pm2 start -i 4)', () => {
  const s = scratch();
  const home = join(s.dir, 'pm2');
  const pm2 = (...args: string[]) =>
    spawnSync(process.execPath, [PM2, ...args], {
      env: { ...process.env, PM2_HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    });
  let port = 0;
  const metrics = async () => (await getJson(port, `${BASE}/metrics`)).data.data;

  beforeAll(async () => {
    port = await freePort();
    const ecosystem = join(s.dir, 'ecosystem.config.json');
    writeFileSync(
      ecosystem,
      JSON.stringify({
        apps: [
          {
            name: 'sv-app',
            script: join(dirname(FIXTURE), 'app-pm2.mjs'),
            cwd: process.cwd(),
            exec_mode: 'cluster',
            instances: 4,
            autorestart: true,
            env: { MODE: 'pm2', PORT: String(port), SOCKET_DIR: s.socketDir, LOG_DIR: s.logDir },
          },
        ],
      }),
    );
    const started = pm2('start', ecosystem);
    expect(started.status, started.stderr).toBe(0);
    await until(async () => {
      const m = await metrics();
      return m.cluster?.complete && m.cluster.workers_connected === 4;
    }, 60_000);
  }, 90_000);

  afterAll(() => {
    pm2('kill');
    s.cleanup();
  });

  it('totals equal the load exactly and percentiles one histogram of every duration; the name comes from PM2', async () => {
    const result = await load(port, 200, 8, 3);
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

  it('PM2 restarts a SIGKILLed aggregator; another worker takes over and no counter goes back', async () => {
    const before = await metrics();
    const text1 = (await get(port, `${BASE}/metrics/prometheus`)).body;
    const aggPid = before.cluster.workers.find((w: { aggregator: boolean }) => w.aggregator).pid;
    process.kill(aggPid, 'SIGKILL');
    const after = await until(async () => {
      const m = await metrics();
      return (
        afterTakeover(m.cluster) &&
        m.cluster.aggregator !== before.cluster.aggregator &&
        m.cluster.workers_connected === 4 &&
        m
      );
    }, 30_000);
    const text2 = (await get(port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(text2, 'sysvitals_http_requests_total')).toBeGreaterThanOrEqual(
      promValue(text1, 'sysvitals_http_requests_total'),
    );
    expect(after.requests.total).toBeGreaterThanOrEqual(before.requests.total);
  }, 60_000);
});
