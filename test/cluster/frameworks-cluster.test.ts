// node:cluster with 3 real worker processes, each a Fastify or a Koa app (fixtures/frameworks.ts), on the majors in
// devDependencies (Fastify 5, Koa 3) and the older ones (Fastify 4, Koa 2: test/adapters/framework-modules.ts); the
// Express app's cluster is node-cluster.test.ts. Any worker's admin API answers for the cluster exactly: totals
// equal to the load generator's count, percentiles equal to those of one histogram of every duration the workers
// recorded. A worker SIGKILLed under load loses at most its last unsent interval (what it recorded after the last report
// frame it sent: the fixture logs when it sent each), and no Prometheus counter scraped meanwhile goes back, the
// worker's restart included.

import { describe, expect, it } from 'vitest';
import { microsOf } from '../../src/latency/latency-ring.js';
import { CURRENT_MAJORS, olderMajors } from '../adapters/framework-modules.js';
import {
  BASE,
  completeRead,
  countedAsRequest,
  expectPercentilesOf,
  get,
  type LoggedRequest,
  load,
  loggedRequests,
  logLines,
  metricsOf,
  promValue,
  scrapeComplete,
  signalPid,
  until,
  untilLogged,
  useCluster,
  watchScrapes,
} from './helpers.js';

const WORKERS = 3;
const current = CURRENT_MAJORS.versions;
const older = olderMajors().versions;
const CASES = [
  ['fastify', 'current', current.fastify],
  ['koa', 'current', current.koa],
  ['fastify', 'older', older.fastify],
  ['koa', 'older', older.koa],
] as const;

// The four clusters run at the same time (describe.concurrent: each its own processes, port and log directory; the
// oracles are what its workers logged, not timings), each one's two cases in order on it (it.sequential).
describe.concurrent.each(CASES)('node:cluster, %s (%s major, %s), 3 workers', (app, majors) => {
  // CLUSTER_BYTES=0: reports unpaced, one per interval (the documented loss bound is then the last interval);
  // SENT_LOG=1: each worker logs when it sent each report frame.
  const env = { APP: app, MAJORS: majors, RESPAWN: '1', CLUSTER_BYTES: '0', SENT_LOG: '1' };
  // Guards, not bounds: four clusters start at once.
  const c = useCluster(env, WORKERS, {
    readyMs: 60_000,
    setupMs: 120_000,
  });

  it.sequential('any worker answers for the cluster: exact totals per status class, percentiles of one histogram of every duration', async () => {
    const result = await load(c.port, 300, 6, 7);
    expect(result.failed).toBe(0);
    const by = (s: number) => result.byStatus[s] ?? 0;
    expect(by(200) + by(201) + by(404) + by(500)).toBe(300);
    expect(by(404)).toBeGreaterThan(0);
    expect(by(500)).toBeGreaterThan(0);
    // The client can see a response end a moment before the worker recorded it.
    const logged = await untilLogged(c.logDir, 300);
    // Every worker served some, under the route's template.
    expect(new Set(logged.map((r) => r.pid)).size).toBe(WORKERS);
    expect(logged.filter((r) => r.route === '/work' && r.method === 'GET').length).toBe(300);
    // Each read reaches another worker: every one answers the same totals, in a read with every worker's answer
    // (a worker late for a read's sync round is left out of it, and it says so: helpers.ts completeRead).
    const answers = await Promise.all(
      [0, 1, 2, 3].map(() =>
        completeRead(
          () => metricsOf(c.port),
          (m) => m.cluster.complete,
        ),
      ),
    );
    for (const m of answers) {
      expect(m.cluster.complete).toBe(true);
      expect(m.cluster.workers_connected).toBe(WORKERS);
      expect(m.requests.total).toBe(300);
      expect(m.errors.count_4xx).toBe(by(404));
      expect(m.errors.count_5xx).toBe(by(500));
      expectPercentilesOf(m.latency, logged);
    }
    for (const pid of new Set(logged.map((r) => r.pid))) {
      const one = await metricsOf(c.port, `?instance=${pid}`);
      expect(one.requests.total).toBe(logged.filter((r) => r.pid === pid).length);
    }
    const text = await completeRead(
      async () => (await get(c.port, `${BASE}/metrics/prometheus`)).body,
      scrapeComplete,
    );
    expect(promValue(text, 'sysvitals_cluster_complete')).toBe(1);
    expect(promValue(text, 'sysvitals_http_requests_total')).toBe(300);
    expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="2xx"')).toBe(by(200) + by(201));
    expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="4xx"')).toBe(by(404));
    expect(promValue(text, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(by(500));
    expect(promValue(text, 'sysvitals_http_request_duration_seconds_count')).toBe(300);
    const sumUs = logged.reduce((a, r) => a + microsOf(r.ms), 0);
    expect(promValue(text, 'sysvitals_http_request_duration_seconds_sum')).toBeCloseTo(sumUs / 1e6, 5);
  });

  it.sequential('a worker SIGKILLed under load loses at most its last interval; no scraped counter goes back across its restart', async () => {
    const before = await metricsOf(c.port);
    const victim = before.cluster.workers.find(
      (w: { aggregator: boolean; connected: boolean }) => !w.aggregator && w.connected,
    ).pid as number;
    // A connection the primary handed to the victim as it died is never answered: a request is given up after 1 s and
    // a scrape after 2 s, not the default 5 s (the oracles are what the workers logged and what the scrapes served).
    const scrapes = watchScrapes(c.port, 2000);
    try {
      const running = load(c.port, 240, 6, 11, () => false, 1000);
      await until(async () => loggedRequests(c.logDir).length >= before.requests.total + 80, 30_000);
      signalPid(victim, 'SIGKILL');
      const result = await running;
      expect(result.sent).toBe(240);
      // The primary forks a replacement: three workers again, every one answering.
      await until(async () => {
        const m = await metricsOf(c.port);
        return m.cluster.complete && m.cluster.workers_connected === WORKERS && m;
      }, 45_000);
      // More successful scrapes once the replacement reports (guards, not timings).
      const served = scrapes.served('200');
      await until(async () => scrapes.served('200') >= served + 3, 30_000);
    } finally {
      await scrapes.stop();
    }
    expect(scrapes.drops).toEqual([]);
    expect(scrapes.served('200')).toBeGreaterThan(3);
    // Every live worker is counted exactly (the client saw each response end; its record follows at once). A request
    // the client gave up on (its 1 s timeout, from before the worker had it: under load) that the worker had held for
    // under abortedFailureMs is logged, as an early close, and is not a request (countedAsRequest).
    let mismatch = '';
    const settled = await until<{ m: Awaited<ReturnType<typeof metricsOf>>; logged: LoggedRequest[] }>(
      async () => {
        const m = await metricsOf(c.port);
        const logged = loggedRequests(c.logDir).filter((r) => countedAsRequest(r));
        const live = m.cluster.workers.filter((w: { connected: boolean }) => w.connected);
        const off = live
          .map((w: { pid: number; requests_total: number }) => ({
            pid: w.pid,
            total: w.requests_total,
            logged: logged.filter((r) => r.pid === w.pid).length,
          }))
          .filter((o: { total: number; logged: number }) => o.total !== o.logged);
        mismatch = `${JSON.stringify(off)}, early closes logged: ${loggedRequests(c.logDir).length - logged.length}`;
        return off.length === 0 && { m, logged };
      },
      30_000,
      () => mismatch,
    );
    const { m, logged } = settled;
    const victimLogged = logged.filter((r) => r.pid === victim);
    // It was serving the load when it was killed.
    expect(victimLogged.length).toBeGreaterThan(0);
    // What it reported (its requests in flight when it died are counted too, as failed: cluster.requests_lost).
    const victimCounted = m.requests.total - m.cluster.requests_lost - (logged.length - victimLogged.length);
    const lost = victimLogged.length - victimCounted;
    expect(lost).toBeGreaterThanOrEqual(0);
    // The documented bound, "what it had not sent": what it recorded since it sent its last report frame.
    const sent = logLines(c.logDir, 'sent', Number).filter((l) => l.pid === victim);
    const lastSent = Math.max(...sent.map((l) => l.v));
    expect(sent.length).toBeGreaterThan(0);
    expect(lost).toBeLessThanOrEqual(victimLogged.filter((r) => r.at >= lastSent).length);
    // The scrape after the restart holds the same total as metrics/.
    const text = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(text, 'sysvitals_http_requests_total')).toBe(m.requests.total);
  }, 120_000);
});
