// node:cluster with 2 real worker processes, each a Fastify app on HTTP/2 without TLS (h2c, `http2: true`) in cluster
// mode (fixtures/frameworks.ts): requests on several sessions at once (node:cluster hands each connection to the
// next worker), several streams per session. Any worker's admin API, read over HTTP/2, answers for the cluster
// exactly: against the client's counts per status class, and one histogram of every duration the workers logged.
// A worker's graceful shutdown (monitor.shutdown(), as examples/cluster.ts stops a worker) sends GOAWAY to every
// HTTP/2 session it holds, on Fastify and on Koa (node:http2's compatibility API), as one process's does.

import type { ClientHttp2Session } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  BASE,
  CLUSTER_TEST_TOKEN,
  completeRead,
  expectPercentilesOf,
  getH2,
  getOnH2,
  loadH2,
  metricsOfH2,
  openH2,
  promValue,
  scrapeComplete,
  signalPid,
  startNodeCluster,
  until,
  untilLogged,
  useCluster,
  waitForAggregator,
  workPlan,
} from './helpers.js';

const SESSIONS = 6;
const STREAMS = 12;
const TOTAL = SESSIONS * STREAMS;

// The file's three clusters run at the same time (describe.concurrent: each its own processes, port and log
// directory; the oracles are the clients' counts, the workers' logs and the GOAWAY frames, not durations).
describe.concurrent('node:cluster, 2 workers, Fastify on HTTP/2 (h2c)', () => {
  // Guards, not bounds: three clusters start at once.
  const c = useCluster({ APP: 'fastify-h2', ADMIN_TOKEN: CLUSTER_TEST_TOKEN }, 2, {
    readyMs: 60_000,
    setupMs: 120_000,
    read: metricsOfH2,
  });

  it('any worker answers for the cluster: exact totals per status class, percentiles of one histogram of every duration', async () => {
    const result = await loadH2(c.port, SESSIONS, STREAMS, 7);
    expect(result.failed).toBe(0);
    expect(result.sent).toBe(TOTAL);
    const by = (s: number) => result.byStatus[s] ?? 0;
    // The plan has every status of workPlan (seed 7): the classes below are not empty.
    expect(by(200) + by(201)).toBeGreaterThan(0);
    expect(by(404)).toBeGreaterThan(0);
    expect(by(500)).toBeGreaterThan(0);
    expect(by(200) + by(201) + by(404) + by(500)).toBe(TOTAL);
    // The client can see a stream end a moment before the worker recorded it.
    const logged = await untilLogged(c.logDir, TOTAL);
    const pids = [...new Set(logged.map((r) => r.pid))];
    // The sessions were spread over both workers.
    expect(pids.length).toBe(2);
    expect(logged.filter((r) => r.status === 404).length).toBe(by(404));
    expect(logged.filter((r) => r.status === 500).length).toBe(by(500));

    // Ask several times, a new session each: each reaches another worker, and every one answers the same totals, in
    // a read with every worker's answer (a worker late for a read's sync round is left out of it: helpers.ts).
    const answers = await Promise.all(
      [0, 1, 2, 3].map(() =>
        completeRead(
          () => metricsOfH2(c.port, '?instance=all'),
          (m) => m.cluster.complete,
        ),
      ),
    );
    for (const m of answers) {
      expect(m.cluster.complete).toBe(true);
      expect(m.cluster.workers_connected).toBe(2);
      expect(m.requests.total).toBe(TOTAL);
      expect(m.requests.in_flight).toBe(0);
      expect(m.errors.count_4xx).toBe(by(404));
      expect(m.errors.count_5xx).toBe(by(500));
      expect(m.errors.count_aborted).toBe(0);
    }
    // The oracle: one HDR histogram of every duration the workers recorded.
    for (const m of answers) expectPercentilesOf(m.latency, logged);
    // The durations are the requests' own: each waited its planned delay (1 ms of timer rounding allowed), so the
    // k-th shortest recorded duration is at least the k-th shortest planned delay.
    const planned = workPlan(TOTAL, 7)
      .map((p) => p.ms)
      .sort((x, y) => x - y);
    const recorded = logged.map((r) => r.ms).sort((x, y) => x - y);
    expect(recorded.filter((ms, k) => ms < (planned[k] as number) - 1)).toEqual([]);
    // Per worker: instance=<pid> gives that worker alone, equal to what it logged.
    for (const pid of pids) {
      const one = await metricsOfH2(c.port, `?instance=${pid}`);
      expect(one.process.pid).toBe(pid);
      expect(one.requests.total).toBe(logged.filter((r) => r.pid === pid).length);
    }
    // One Prometheus scrape of any worker: the cluster's requests per status class (one with every worker's answer).
    for (let i = 0; i < 2; i++) {
      const text = await completeRead(
        async () => (await getH2(c.port, `${BASE}/metrics/prometheus`)).body,
        scrapeComplete,
      );
      expect(promValue(text, 'sysvitals_cluster_complete')).toBe(1);
      expect(promValue(text, 'sysvitals_http_requests_total')).toBe(TOTAL);
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="2xx"')).toBe(by(200) + by(201));
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="4xx"')).toBe(by(404));
      expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(by(500));
      expect(promValue(text, 'sysvitals_http_request_duration_seconds_count')).toBe(TOTAL);
      const sumUs = logged.reduce((a, r) => a + microsOf(r.ms), 0);
      expect(promValue(text, 'sysvitals_http_request_duration_seconds_sum')).toBeCloseTo(sumUs / 1e6, 5);
    }
  });
});

/** An h2c session to the cluster, once a worker holds it (its SETTINGS came), with what it received: GOAWAY, close. */
async function watchedSession(port: number) {
  const session = openH2(port);
  const seen = { session, goaway: null as number | null, goawayBeforeClose: false, closed: false };
  session.on('goaway', (code: number) => {
    seen.goaway = code;
  });
  session.on('close', () => {
    seen.goawayBeforeClose = seen.goaway !== null;
    seen.closed = true;
  });
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  return seen;
}

describe.concurrent.each([
  ['fastify-h2', 'Fastify'],
  ['koa-h2', 'Koa (node:http2 compatibility API)'],
] as const)('node:cluster, 2 workers, %s: graceful shutdown of a worker', (app, name) => {
  it(`${name}: every HTTP/2 session gets GOAWAY (admin-only, opened before the first request, carrying a stream in progress, which ends)`, async () => {
    const c = await startNodeCluster({ APP: app, ADMIN_TOKEN: CLUSTER_TEST_TOKEN }, 2);
    try {
      // Opened before any worker served a request (the Koa middleware learns its server from its first request).
      const idle = await Promise.all([0, 1, 2, 3].map(() => watchedSession(c.port)));
      const early = await Promise.all([0, 1, 2, 3].map(() => watchedSession(c.port)));
      await waitForAggregator(c.port, 2, 30_000, metricsOfH2);
      const adminOnly = await Promise.all([0, 1, 2, 3].map(() => watchedSession(c.port)));
      const busy = await Promise.all([0, 1, 2, 3].map(() => watchedSession(c.port)));
      const admin = (s: { session: ClientHttp2Session }) =>
        getOnH2(s.session, `${BASE}/metrics?instance=all`);
      for (const r of await Promise.all([...early, ...adminOnly].map(admin))) expect(r.status).toBe(200);
      // A stream in progress on each busy session when the workers are told to stop: 1.5 s of work.
      const inProgress = busy.map((s) => getOnH2(s.session, '/work?ms=1500&status=200'));
      await until(async () => (await metricsOfH2(c.port)).requests.in_flight === busy.length, 10_000);
      for (const pid of c.pids) signalPid(pid, 'SIGTERM');
      // Each worker's shutdown ran to its end (drain, monitor closed) and exited 0.
      await until(async () => c.pids.every((pid) => c.events.some((e) => e.exited === pid)), 30_000);
      for (const pid of c.pids) expect(c.events.find((e) => e.exited === pid)).toMatchObject({ code: 0 });
      // The streams in progress finished: GOAWAY lets them end, no new one starts.
      for (const r of await Promise.all(inProgress)) expect(r.status).toBe(200);
      // On Koa a session that never carried a request, opened before the first, is not known (README: HTTP/2).
      const expected = { early, adminOnly, busy, ...(app === 'fastify-h2' ? { idle } : {}) };
      for (const [kind, sessions] of Object.entries(expected)) {
        await until(async () => sessions.every((s) => s.closed), 10_000);
        expect({ kind, goaway: sessions.map((s) => [s.goaway, s.goawayBeforeClose]) }).toEqual({
          kind,
          // NO_ERROR (0), received before the session closed.
          goaway: sessions.map(() => [0, true]),
        });
      }
    } finally {
      await c.stop();
    }
  }, 60_000);
});
