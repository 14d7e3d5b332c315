// Issue 13: `capacity/` answers for the whole cluster from any worker (it was a 404 on every worker), over
// the cluster's stored history: the series `history/` reads. Oracle: the core's computeCapacity over the
// raw points of `history/?period=7d` (whole 30-min steps, as monitor.capacity() takes them), with the
// cores of the cluster's snapshot and the warning levels the fixture sets. A fresh cluster has too little
// data. And `instance=` names a worker exactly as the API lists it: `017141`, `+pid`, ` pid` are 400s,
// an unknown worker a 404. Real node:cluster workers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCapacity } from '../../src/analytics/capacity.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { RedisStore } from '../../src/stores/redis.js';
import { flatPoint } from '../helpers/history-points.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { BASE, get, getJson, load, type Started, startNodeCluster, until } from './helpers.js';

const CPU_WARNING = 71;
const MEMORY_WARNING = 83;
const STEP_MS = 30 * 60_000;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers.
const withoutTime = (r: any) => ({ ...r, generated_at: undefined });

/**
 * GET `path`, again while it is a 503 (`unavailable`, Retry-After: no aggregator answered in time, as on a loaded
 * machine; capacity/ and the cluster's history/ are then refused, not answered from one worker's own series).
 */
async function untilAnswered(port: number, path: string) {
  return until(async () => {
    const r = await getJson(port, path);
    return !(r.status === 503 && r.data?.error?.code === 'unavailable') && r;
  }, 60_000);
}

/** capacity/ from several workers against the oracle over history/?period=7d; returns the last report. */
async function checkAgainstHistory(port: number, asks: number, series?: string) {
  const snapshot = (await getJson(port, `${BASE}/metrics?instance=all`)).data.data;
  const cores = snapshot.cpu?.limit_cores ?? snapshot.cpu?.core_count;
  expect(cores).toBeGreaterThan(0);
  const answered = new Set<string>();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers.
  let last: any;
  // Fresh connections: the asks land on each worker in turn (the aggregator's too).
  for (let i = 0; i < asks; i++) {
    const r = await untilAnswered(port, `${BASE}/capacity/`);
    expect(r.status).toBe(200);
    last = r.data.data;
    const end = Date.parse(last.generated_at);
    const history = await untilAnswered(port, `${BASE}/history/?period=7d`);
    expect(history.status).toBe(200);
    // The cluster's series, not one worker's own.
    if (series !== undefined) expect(history.data.data.instance).toBe(series);
    // The whole steps before the one in progress when the report was made.
    const points = (history.data.data.points as Array<{ t: number }>).filter(
      (p) => p.t < Math.floor(end / STEP_MS) * STEP_MS,
    );
    const oracle = computeCapacity({
      points: points as never,
      stepMs: history.data.data.step_seconds * 1000,
      cores,
      cpuWarning: CPU_WARNING,
      memoryWarning: MEMORY_WARNING,
    });
    expect(withoutTime(last)).toEqual(withoutTime(oracle));
    answered.add(JSON.stringify(withoutTime(last)));
  }
  expect(answered.size).toBe(1);
  return last;
}

/** A 30-min history point (seeded into the cluster's Redis series): flatPoint with its own CPU and memory. */
function point(t: number, requests: number, cpu: number, memory: number): HistoryPoint {
  return {
    ...flatPoint(t, requests),
    samples: 360,
    cpu_avg_percent: cpu,
    cpu_max_percent: cpu,
    memory_avg_percent: memory,
    memory_max_percent: memory,
  };
}

describe('node:cluster: capacity/ for the whole cluster', () => {
  let c: Started;
  beforeAll(async () => {
    c = await startNodeCluster(
      {
        SAMPLE_MS: '300',
        ALERTS: JSON.stringify({ cpu: { warning: CPU_WARNING }, memory: { warning: MEMORY_WARNING } }),
      },
      3,
    );
    await until(async () => {
      const cl = (await getJson(c.port, `${BASE}/metrics`)).data.data.cluster;
      return cl.complete && cl.workers_connected === 3;
    }, 60_000);
  }, 120_000);
  afterAll(() => c?.kill()); // teardown: killed, not closed (Started.kill)

  it('every worker answers the capacity of the cluster history (too little data on a fresh cluster)', async () => {
    expect((await load(c.port, 60, 6, 3)).failed).toBe(0);
    const report = await checkAgainstHistory(c.port, 9);
    expect(report.too_little_data).toBe(true);
    // One worker's own (its own series), by pid and by id, through any worker.
    const workers = (await getJson(c.port, `${BASE}/metrics`)).data.data.cluster.workers as Array<{
      id: string;
      pid: number;
    }>;
    for (const w of workers) {
      for (const key of [String(w.pid), w.id]) {
        const r = await getJson(c.port, `${BASE}/capacity/?instance=${encodeURIComponent(key)}`);
        expect({ key, status: r.status, little: r.data.data?.too_little_data }).toEqual({
          key,
          status: 200,
          little: true,
        });
      }
    }
    expect((await get(c.port, `${BASE}/capacity/?instance=999999`)).status).toBe(404);
  }, 150_000);

  it('instance= must name a worker as listed: leading zeros, sign or space are a 400, an unknown one a 404', async () => {
    const pid = (await getJson(c.port, `${BASE}/metrics`)).data.data.cluster.workers[0].pid as number;
    for (const path of ['metrics', 'health', 'routes', 'history', 'capacity', 'metrics/prometheus']) {
      for (const bad of [`0${pid}`, `+${pid}`, `-${pid}`, '0', ` ${pid}`, `${pid} `]) {
        const r = await getJson(c.port, `${BASE}/${path}/?instance=${encodeURIComponent(bad)}`);
        expect({ path, bad, status: r.status }).toEqual({ path, bad, status: 400 });
        expect(r.data.error.message).toContain('instance');
      }
      const unknown = await get(c.port, `${BASE}/${path}/?instance=${pid + 1_000_000}`);
      expect({ path, status: unknown.status }).toEqual({ path, status: 404 });
      const own = await get(c.port, `${BASE}/${path}/?instance=${pid}`);
      // health/ answers a red status with 503 and the same document (the seed's semantics; a loaded CI
      // machine's CPU is red): that is the worker's answer, not a refusal of the instance.
      if (path === 'health' && own.status === 503)
        expect(JSON.parse(own.body)).toMatchObject({ success: true, data: { status: 'red' } });
      else expect({ path, status: own.status }).toEqual({ path, status: 200 });
    }
  }, 150_000);
});

const haveRedis = requireRedis();

describe.skipIf(!haveRedis)('node:cluster with a RedisStore: capacity/ over days of cluster history', () => {
  let c: Started;
  let server: RedisServer;
  const prefix = `clcap${process.pid}`;
  beforeAll(async () => {
    server = await startRedis();
    c = await startNodeCluster(
      {
        SAMPLE_MS: '300',
        REDIS_URL: server.url,
        REDIS_PREFIX: prefix,
        ALERTS: JSON.stringify({ cpu: { warning: CPU_WARNING }, memory: { warning: MEMORY_WARNING } }),
      },
      2,
    );
    await until(async () => {
      const cl = (await getJson(c.port, `${BASE}/metrics`)).data.data.cluster;
      return cl.complete && cl.workers_connected === 2;
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await c?.kill(); // teardown: killed, not closed (Started.kill)
    await server?.stop();
  });

  it('every worker answers the figures the core computes from the history/ points', async () => {
    // The cluster's series name, as history/ reports it; six days of 30-min points seeded into it, ending an
    // hour before the step in progress (clear of the steps the cluster writes itself): traffic that grows
    // 10 % a day with a daily peak at 14:00 UTC, CPU following it, memory creeping up.
    const instance = (await getJson(c.port, `${BASE}/history/?period=1h`)).data.data.instance as string;
    expect(instance).toEqual(expect.any(String));
    const store = new RedisStore({ url: server.url, prefix });
    await store.init();
    const last = Math.floor(Date.now() / STEP_MS) * STEP_MS - 2 * STEP_MS;
    for (let i = 0; i < 288; i++) {
      const t = last - i * STEP_MS;
      const days = (t - (last - 288 * STEP_MS)) / 86_400_000;
      const hour = new Date(t).getUTCHours();
      const requests = Math.round(1800 * 1.1 ** days * (hour === 14 ? 3 : 1));
      await store.appendPoint(instance, point(t, requests, 10 + requests / 300, 40 + days));
    }
    await store.close();
    const report = await checkAgainstHistory(c.port, 6, instance);
    expect(report.too_little_data).toBe(false);
    expect(report.window.points).toBeGreaterThanOrEqual(288);
    expect(report.growth_per_day.request_rate.value).toBeGreaterThan(0);
    expect(report.busiest.hour_of_day.value).toBe(14);
  }, 150_000);
});
