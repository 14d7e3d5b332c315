// cluster.workerLabel on 4 real node:cluster workers: the Prometheus scrape of any worker holds one
// series set per worker (`worker="<pid>@<start>"`), each equal to what that worker logged, valid for
// promtool, and no series goes backwards when a worker is SIGKILLed and replaced.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  BASE,
  clusterOf,
  get,
  load,
  loggedRequests,
  signalPid,
  until,
  untilLogged,
  useCluster,
} from './helpers.js';

const PROMTOOL = spawnSync('promtool', ['--version']).error === undefined;
if (!PROMTOOL && process.env.CI === 'true')
  throw new Error('promtool is missing: apt-get install prometheus');

/** Every sample of the exposition: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Sum of a family's samples by worker label. */
function byWorker(s: Map<string, number>, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of s) {
    if (!key.startsWith(`${name}{`)) continue;
    const worker = /worker="([^"]+)"/.exec(key)?.[1];
    if (worker === undefined) throw new Error(`a ${name} sample without worker label: ${key}`);
    out.set(worker, (out.get(worker) ?? 0) + v);
  }
  return out;
}

function promtool(text: string): void {
  if (!PROMTOOL) return;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  expect(r.status).toBe(0);
}

const scrape = async (port: number) => (await get(port, `${BASE}/metrics/prometheus`)).body;

describe('node:cluster, cluster.workerLabel', () => {
  const c = useCluster({ RESPAWN: '1', WORKER_LABEL: '1' }, 4, { readyMs: 20_000, setupMs: 60_000 });

  it("one series set per worker, each equal to that worker's log, monotonic through a SIGKILLed worker", async () => {
    const result = await load(c.port, 200, 8, 5);
    expect(result.failed).toBe(0);
    const logged = await untilLogged(c.logDir, 200);
    const text1 = await scrape(c.port);
    promtool(text1);
    const s1 = samples(text1);
    const counts1 = byWorker(s1, 'sysvitals_http_requests_total');
    // The oracle: each worker's series is what that worker logged, exactly.
    const pids = [...new Set(logged.map((r) => r.pid))];
    for (const pid of pids) {
      const worker = [...counts1.keys()].find((w) => w.startsWith(`${pid}@`));
      expect(worker, `series of worker ${pid}`).toBeDefined();
      const mine = logged.filter((r) => r.pid === pid);
      expect(counts1.get(worker!)).toBe(mine.length);
      expect(
        s1.get(
          `sysvitals_http_requests_total{worker="${worker}",method="GET",route="/work",status_class="5xx"}`,
        ) ?? 0,
      ).toBe(mine.filter((r) => r.status === 500).length);
      expect(s1.get(`sysvitals_http_request_duration_seconds_count{worker="${worker}"}`)).toBe(mine.length);
      const sumUs = mine.reduce((a, r) => a + microsOf(r.ms), 0);
      expect(s1.get(`sysvitals_http_request_duration_seconds_sum{worker="${worker}"}`)).toBeCloseTo(
        sumUs / 1e6,
        5,
      );
    }
    expect([...counts1.values()].reduce((a, b) => a + b, 0)).toBe(200);

    // SIGKILL a worker that is not the aggregator; the primary forks a new one.
    const cl = await clusterOf(c.port);
    const victim = cl.workers.find(
      (w: { aggregator: boolean; connected: boolean }) => !w.aggregator && w.connected,
    );
    signalPid(victim.pid, 'SIGKILL');
    await until(async () => {
      const now = await clusterOf(c.port);
      return (
        now.complete &&
        now.workers_connected === 4 &&
        now.workers.some((w: { pid: number }) => !cl.workers.some((o: { pid: number }) => o.pid === w.pid)) &&
        now
      );
    }, 45_000);
    await load(c.port, 100, 8, 9);
    const text2 = await scrape(c.port);
    promtool(text2);
    const s2 = samples(text2);
    // No series went backwards; the dead worker's series stays at its total (it ends once retired).
    for (const [key, v] of s1) {
      if (
        !key.includes('_total{') &&
        !key.includes('_bucket{') &&
        !key.includes('_count{') &&
        !key.includes('_sum{')
      )
        continue;
      expect(s2.get(key), key).toBeGreaterThanOrEqual(v);
    }
    expect(byWorker(s2, 'sysvitals_http_requests_total').get(victim.id)).toBe(counts1.get(victim.id));
    // The new worker is a new series.
    const counts2 = byWorker(s2, 'sysvitals_http_requests_total');
    expect(counts2.size).toBe(5);
    expect([...counts2.values()].reduce((a, b) => a + b, 0)).toBe(loggedRequests(c.logDir).length);
  }, 120_000);
});
