// node:cluster with 4 real worker processes: the admin API of any worker answers for the whole
// cluster, exactly (against the load generator's counts and every logged duration), through
// Prometheus too (checked by promtool), and keeps counting through SIGKILLed workers and aggregators.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  afterTakeover,
  BASE,
  breach,
  metricsOf as cluster,
  completeRead,
  ERROR_RATE_ALERTS,
  expectPercentilesOf,
  get,
  getJson,
  load,
  loggedRequests,
  promValue,
  scrapeComplete,
  signalPid,
  until,
  untilLogged,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

const PROMTOOL = spawnSync('promtool', ['--version']).error === undefined;
const INSTALL = 'install prometheus (apt-get install prometheus) for promtool';
if (!PROMTOOL && process.env.CI === 'true') throw new Error(`promtool is missing: ${INSTALL}`);

// The file's two clusters run at the same time (describe.concurrent: each its own processes, port, log directory
// and webhook receiver), the first one's cases in order on it (it.sequential).
describe.concurrent('node:cluster, 4 workers', () => {
  const c = useCluster({ RESPAWN: '1' }, 4, { readyMs: 20_000, setupMs: 60_000 });

  it.sequential('any worker answers for the cluster: exact totals and error counts, percentiles of one histogram of every duration', async () => {
    const result = await load(c.port, 400, 8, 7);
    expect(result.failed).toBe(0);
    // The client can see a response end a moment before the worker's 'finish' handler ran.
    const logged = await untilLogged(c.logDir, 400);
    // Ask several times: each request reaches another worker, and every one answers the same totals, in a read with
    // every worker's answer (a worker late for a read's sync round is left out of it, and it says so: helpers.ts).
    const covered = <T extends { cluster: { complete: boolean } }>(m: T) => m.cluster.complete;
    const answers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(() => completeRead(() => cluster(c.port), covered)),
    );
    const by = (s: number) => result.byStatus[s] ?? 0;
    for (const m of answers) {
      expect(m.cluster.complete).toBe(true);
      expect(m.requests.total).toBe(400);
      expect(m.errors.count_4xx).toBe(by(404));
      expect(m.errors.count_5xx).toBe(by(500));
    }
    // The oracle: one HDR histogram of every duration the workers recorded.
    const m = answers[0];
    expectPercentilesOf(m.latency, logged);
    // Per worker: instance=<pid> gives that worker alone, equal to what it logged.
    const pids = [...new Set(logged.map((r) => r.pid))];
    for (const pid of pids) {
      const one = (await getJson(c.port, `${BASE}/metrics?instance=${pid}`)).data.data;
      expect(one.process.pid).toBe(pid);
      expect(one.requests.total).toBe(logged.filter((r) => r.pid === pid).length);
    }
    // routes/ (the endpoints table) merged the same way, whichever worker answers.
    for (let i = 0; i < 4; i++) {
      const table = await completeRead(
        async () => (await getJson(c.port, `${BASE}/routes`)).data.data,
        covered,
      );
      expect(table.cluster.complete).toBe(true);
      const row = table.routes.find((r: { route: string }) => r.route === '/work');
      expect(row.count).toBe(400);
      expect(row.count_4xx).toBe(by(404));
      expect(row.count_5xx).toBe(by(500));
      expectPercentilesOf(row, logged, { max: false });
      const sumMs = logged.reduce((a, r) => a + microsOf(r.ms), 0) / 1000;
      expect(row.time_ms).toBeCloseTo(sumMs, 2);
    }
    for (const pid of pids) {
      const one = (await getJson(c.port, `${BASE}/routes?instance=${pid}`)).data.data;
      const row = one.routes.find((r: { route: string }) => r.route === '/work');
      expect(row.count).toBe(logged.filter((r) => r.pid === pid).length);
    }
    // In code: monitor.getMetrics() reads the worker that calls it, monitor.clusterSource the cluster (README, In code).
    for (let i = 0; i < 6; i++) {
      const reads = await completeRead(
        async () => (await getJson(c.port, '/ctl/reads')).data,
        (r) => r.complete,
      );
      expect(reads.complete).toBe(true);
      expect(reads.cluster).toBe(400);
      expect(reads.own).toBe(logged.filter((r) => r.pid === reads.pid).length);
    }
    const unknown = await getJson(c.port, `${BASE}/metrics?instance=999999999`);
    expect(unknown.status).toBe(404);
    expect(unknown.data.error.code).toBe('not_found');
  });

  it.sequential('jobs/ merged across workers; instance=<pid> gives one worker', async () => {
    await load(c.port, 20, 4, 3);
    // Each worker's own table: instance=<pid>, exact against the runs each worker answered.
    const runs = new Map<number, number>();
    for (let i = 0; i < 12; i++) {
      const { pid } = (await getJson(c.port, '/job')).data as { pid: number };
      runs.set(pid, (runs.get(pid) ?? 0) + 1);
    }
    const failures = new Map<number, number>();
    for (let i = 0; i < 12; i++) {
      const { pid, failed } = (await getJson(c.port, `/flaky?fail=${i % 3 === 0 ? 1 : 0}`)).data;
      expect(failed).toBe(i % 3 === 0);
      if (failed) failures.set(pid, (failures.get(pid) ?? 0) + 1);
    }
    // The cluster's table, from any worker: runs and failures summed, the latest failure's message.
    for (let i = 0; i < 4; i++) {
      const all = (await getJson(c.port, `${BASE}/jobs`)).data.data;
      const nightly = all.jobs.find((j: { name: string }) => j.name === 'nightly');
      expect(nightly.runs).toBe(12);
      expect(nightly.failures).toBe(0);
      expect(nightly.last_success).not.toBeNull();
      const flaky = all.jobs.find((j: { name: string }) => j.name === 'flaky');
      expect(flaky.runs).toBe(12);
      expect(flaky.failures).toBe(4);
      expect(flaky.last_failure.error).toMatch(/^boom in \d+$/);
      expect(flaky.p50_ms).not.toBeNull();
    }
    for (const [pid, n] of runs) {
      const r = await getJson(c.port, `${BASE}/jobs?instance=${pid}`);
      expect(r.status).toBe(200);
      expect(r.data.data.jobs.find((j: { name: string }) => j.name === 'nightly').runs).toBe(n);
      const q = await getJson(c.port, `${BASE}/queries?instance=${pid}`);
      expect(q.status).toBe(200);
      expect(q.data.data.total).toBe(0);
    }
  });

  it.sequential('one Prometheus scrape of any worker holds the whole cluster, valid for promtool', async () => {
    // Reads with every worker's answer (helpers.ts completeRead), then exact.
    const m = await completeRead(
      () => cluster(c.port),
      (x) => x.cluster.complete,
    );
    expect(m.cluster.complete).toBe(true);
    const logged = loggedRequests(c.logDir);
    const text = await completeRead(
      async () => (await get(c.port, `${BASE}/metrics/prometheus`)).body,
      scrapeComplete,
    );
    expect(promValue(text, 'sysvitals_cluster_complete')).toBe(1);
    expect(promValue(text, 'sysvitals_http_requests_total')).toBe(m.requests.total);
    expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(
      logged.filter((r) => r.status === 500).length,
    );
    expect(promValue(text, 'sysvitals_http_request_duration_seconds_count')).toBe(logged.length);
    // No worker label unless asked for (cardinality).
    expect(text).not.toContain('worker="');
    const sumUs = logged.reduce((a, r) => a + microsOf(r.ms), 0);
    expect(promValue(text, 'sysvitals_http_request_duration_seconds_sum')).toBeCloseTo(sumUs / 1e6, 5);
    if (PROMTOOL) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
      expect(r.status).toBe(0);
    } else console.warn(`promtool check skipped: ${INSTALL}`);
  });

  it.sequential("the live stream of any worker carries the cluster's snapshots", async () => {
    const { request } = await import('node:http');
    const event = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: c.port, path: `${BASE}/stream`, agent: false },
        (res) => {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            for (const block of buf.split('\n\n')) {
              if (!block.includes('event: metrics')) continue;
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (!data) continue;
              const snapshot = JSON.parse(data.slice(6));
              if (snapshot.cluster?.workers_connected === 4) {
                req.destroy();
                resolve(snapshot);
              }
            }
          });
        },
      );
      req.on('error', reject);
      req.setTimeout(15_000, () => req.destroy(new Error('no cluster snapshot on the stream')));
      req.end();
    });
    expect((event.requests as { total: number }).total).toBeGreaterThanOrEqual(400);
  });

  it.sequential('a worker SIGKILLed mid-load, then the aggregator: counters never go back, little is lost, a new aggregator takes over', async () => {
    const before = await cluster(c.port);
    const scrapes: number[] = [];
    const scrape = async () => {
      const text = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
      scrapes.push(promValue(text, 'sysvitals_http_requests_total'));
    };
    const plain = before.cluster.workers.find(
      (w: { aggregator: boolean; connected: boolean }) => !w.aggregator && w.connected,
    );
    const running = load(c.port, 240, 6, 11);
    await until(async () => loggedRequests(c.logDir).length > before.requests.total + 60);
    await scrape();
    const killedWorkerAt = Date.now();
    signalPid(plain.pid, 'SIGKILL');
    await until(async () => loggedRequests(c.logDir).length > before.requests.total + 140);
    await scrape();
    const agg = (await cluster(c.port)).cluster;
    const killedAggAt = Date.now();
    signalPid(agg.workers.find((w: { aggregator: boolean }) => w.aggregator).pid, 'SIGKILL');
    await running;
    // Figures come back within a few seconds, from a new aggregator, with the respawned workers.
    const after = await untilNewAggregator(c.port, agg.aggregator, 4, 45_000, (m) =>
      afterTakeover(m.cluster),
    );
    await scrape();
    if (PROMTOOL) {
      const text = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
      expect(spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).status).toBe(0);
    }
    for (let i = 1; i < scrapes.length; i++)
      expect(scrapes[i]).toBeGreaterThanOrEqual(scrapes[i - 1] as number);
    const logged = loggedRequests(c.logDir);
    // What the workers reported (the requests a killed worker held in flight count too, as failed: requests_lost).
    const reported = after.requests.total - after.cluster.requests_lost;
    expect(reported).toBeLessThanOrEqual(logged.length);
    // At most each killed process's last unsent interval is lost (200 ms reports; 2 s allowed for a busy machine).
    const lostBound = logged.filter(
      (r) =>
        (r.pid === plain.pid && r.at > killedWorkerAt - 2000) ||
        (r.pid === agg.workers.find((w: { aggregator: boolean }) => w.aggregator).pid &&
          r.at > killedAggAt - 2000),
    ).length;
    expect(logged.length - reported).toBeLessThanOrEqual(lostBound);
    // Every worker that was not killed is counted exactly.
    const killed = new Set([plain.pid, agg.workers.find((w: { aggregator: boolean }) => w.aggregator).pid]);
    for (const w of after.cluster.workers) {
      if (killed.has(w.pid) || !w.connected) continue;
      expect(w.requests_total).toBe(logged.filter((r) => r.pid === w.pid).length);
    }
  }, 180_000);
});

describe.concurrent('node:cluster alerts', () => {
  const c = useCluster<{ type: string; alert: { rule: string } }>(
    (url) => ({
      WEBHOOK: url,
      SAMPLE_MS: '300',
      // Host rules off: this shared test machine may well be at 100% CPU.
      ALERTS: ERROR_RATE_ALERTS,
    }),
    4,
    { readyMs: 20_000, setupMs: 60_000 },
  );

  it.sequential('a cluster-wide breach raises one alert and one webhook, not one per worker', async () => {
    // 1 in 3 requests is a 500 on every worker: 33% > the 20% warning.
    await breach(c.port);
    const alerts = await until(async () => {
      const r = await getJson(c.port, `${BASE}/alerts`);
      return r.data.data.count > 0 && r.data.data.alerts;
    });
    expect(alerts.filter((a: { rule: string }) => a.rule === 'error_rate')).toHaveLength(1);
    await until(async () => c.hooks.received.length > 0);
    // Several more sample intervals on every worker: still one.
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.hooks.received.filter((e) => e.type === 'raised' && e.alert.rule === 'error_rate')).toHaveLength(
      1,
    );
    // Every worker reports the same single alert.
    for (let i = 0; i < 4; i++) {
      const r = await getJson(c.port, `${BASE}/alerts`);
      expect(r.data.data.alerts.map((a: { id: string }) => a.id)).toEqual(
        alerts.map((a: { id: string }) => a.id),
      );
    }
  }, 30_000);
});
