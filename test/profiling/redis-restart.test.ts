// An ioredis client through a Redis restart (outside review rtF, F1: repro/redis-restart.ts): 5 GETs written to a
// hung server (SIGSTOP), the server then killed (SIGKILL), 5 INCRs issued while the client reconnects, the server
// restarted 3 s later; ioredis resends the 5 unanswered GETs on reconnect (autoResendUnfulfilledCommands, the
// default) and writes the 5 INCRs from its offline queue. Before the lost-connection fix, each GET read the hang, the
// outage and the reconnect as one success (p50 = max = 3,312.9 ms) and `db_query_p95` went critical: the down time
// is not query latency. Now each GET written to the hung server is a failure timed until the socket closed (the time
// the server held it unanswered: stopped, then killed), and its resend an attempt of its own, timed from its write on
// the restarted server. A private redis-server on a free port; oracles: the times the test saw around the writes, the
// kill, the socket's close, the reconnect and the replies, and the restarted server's own command counts.

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const HUNG_MS = 50; // the server stopped (SIGSTOP) with the GETs written, before the kill
const RESTART_MS = 3000; // from the kill to the restart: longer than db_query_p95's critical level (2 s)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!requireRedis())('instrumentRedis: commands through a Redis restart', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const monitors: SystemMonitor[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const m of monitors) await m.close();
    for (const s of servers) await s.stop();
  });

  /** A private server and an instrumented client (reconnecting every 100 ms, never giving up), `k` set. */
  async function setUp() {
    const server = await startRedis();
    servers.push(server);
    const m = createMonitor({
      ...NO_HOST_FILES,
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { slowThresholdMs: 0, slowLogSize: 100 },
    });
    monitors.push(m);
    const c = instrumentRedis(
      new Redis(server.port, '127.0.0.1', { retryStrategy: () => 100, maxRetriesPerRequest: null }),
      m,
    );
    clients.push(c);
    c.on('error', () => {});
    await c.set('k', 'v');
    let closed = Number.NaN;
    (c as unknown as { stream: NodeJS.EventEmitter }).stream.once('close', () => {
      closed = performance.now();
    });
    return { server, m, c, closed: () => closed };
  }

  /**
   * The slow log's ten GETs, oldest first: the five written to the hung server failures from their write (during the
   * call, `called` to `returned`) to the socket's close (after the kill was sent: the server held them); their five
   * resends successes written after the client connected to the restarted server, answered before the test saw the
   * replies.
   */
  function expectLostThenResent(
    getLog: ReturnType<SystemMonitor['queries']['slowQueries']>,
    t: {
      called: number;
      returned: number;
      killing: number;
      closed: number;
      connected: number;
      answered: number;
    },
  ): void {
    expect(getLog.map((s) => s.failed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    for (const lost of getLog.slice(0, 5)) {
      expect(lost.duration_ms).toBeGreaterThanOrEqual(t.killing - t.returned - 0.0005);
      expect(lost.duration_ms).toBeLessThanOrEqual(t.closed - t.called + 0.0005);
    }
    for (const resent of getLog.slice(5))
      expect(resent.duration_ms).toBeLessThanOrEqual(t.answered - t.connected + 0.0005);
  }

  it('GETs written to a hung server then resent after a restart: failures until the close, resends timed anew', async () => {
    const { server, m, c, closed: closedAt } = await setUp();
    await server.kill('SIGSTOP');
    const called = performance.now();
    const gets = Array.from({ length: 5 }, () => c.get('k'));
    const returned = performance.now();
    await sleep(HUNG_MS);
    const killing = performance.now();
    await server.kill('SIGKILL');
    await sleep(200);
    const incrs = Array.from({ length: 5 }, () => c.incr('n')); // offline queue: the client is reconnecting
    await sleep(RESTART_MS);
    // The client's next connect is to the restarted server: its resends and offline commands are written after it.
    let connected = Number.NaN;
    c.once('connect', () => {
      connected = performance.now();
    });
    const restarting = performance.now();
    await server.restart();
    expect(await Promise.all(gets)).toEqual([null, null, null, null, null]); // a fresh server: no 'k'
    expect((await Promise.all(incrs)).sort()).toEqual([1, 2, 3, 4, 5]);
    const answered = performance.now();
    const closed = closedAt();
    expect(connected).toBeGreaterThanOrEqual(restarting);
    // The application did wait out the outage.
    expect(answered - called).toBeGreaterThanOrEqual(RESTART_MS);

    const log = m.queries.slowQueries().reverse(); // oldest first
    const getLog = log.filter((s) => s.fingerprint === 'GET');
    expectLostThenResent(getLog, { called, returned, killing, closed, connected, answered });
    const incrLog = log.filter((s) => s.fingerprint === 'INCR');
    expect(incrLog.map((s) => s.failed)).toEqual([false, false, false, false, false]);
    for (const s of incrLog) expect(s.duration_ms).toBeLessThanOrEqual(answered - connected + 0.0005);

    const rows = m.queries.rows();
    const row = (fp: string) => rows.find((r) => r.fingerprint === fp);
    expect([row('GET')?.count, row('GET')?.errors]).toEqual([10, 5]);
    expect([row('INCR')?.count, row('INCR')?.errors]).toEqual([5, 0]);
    expect(rows.map((r) => r.fingerprint).sort()).toEqual(['GET', 'INCR', 'SET']);
    // No duration of the outage's length anywhere: the longest is a lost GET, ended by the close.
    const longest = Math.max(...rows.map((r) => r.max_ms));
    expect(longest).toBeLessThanOrEqual(closed - called + 0.0005);
    expect(longest).toBeLessThan(restarting - killing);
    const window = m.queries.windowSummary();
    expect(window.count).toBe(16); // SET, 5 lost GETs, 5 resent, 5 INCRs: each attempt once, none left in flight
    // The window's p95 is read from bucketed counts (within 1 %).
    expect(window.p95_ms).toBeLessThanOrEqual((closed - called) * 1.01);
    // The restarted server ran each resent GET and each INCR once.
    const admin = new Redis(server.port, '127.0.0.1');
    try {
      const stats = String(await admin.info('commandstats'));
      expect(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1]).toBe('5');
      expect(/cmdstat_incr:calls=(\d+)/.exec(stats)?.[1]).toBe('5');
    } finally {
      admin.disconnect();
    }
    // db_query_p95 reads the window (p95 under the 500 ms warning level: the lost GETs took about HUNG_MS).
    await m.sample();
    const alerts = (await m.getAlerts()) as Array<{ rule: string }>;
    expect(alerts.filter((a) => a.rule === 'db_query_p95')).toEqual([]);
  }, 20_000);

  it('a server hung longer than the critical level before it died: the lost GETs read the hang, db_query_p95 critical', async () => {
    // The time the server held a command unanswered (stopped, hung) is its unresponsiveness, as it counted in flight
    // while it lasted; only the time after the loss (down, reconnecting, restarting) is nobody's attempt.
    const { server, m, c, closed: closedAt } = await setUp();
    await server.kill('SIGSTOP');
    const called = performance.now();
    const gets = Array.from({ length: 5 }, () => c.get('k'));
    const returned = performance.now();
    await sleep(2100);
    const killing = performance.now();
    await server.kill('SIGKILL');
    let connected = Number.NaN;
    c.once('connect', () => {
      connected = performance.now();
    });
    await server.restart();
    expect(await Promise.all(gets)).toEqual([null, null, null, null, null]);
    const answered = performance.now();
    const closed = closedAt();
    const getLog = m.queries
      .slowQueries()
      .reverse()
      .filter((s) => s.fingerprint === 'GET');
    expectLostThenResent(getLog, { called, returned, killing, closed, connected, answered });
    // 11 timed attempts (SET, 5 lost, 5 resent): the p95 is a lost GET's, over the 2,000 ms critical level.
    const window = m.queries.windowSummary();
    expect(window.count).toBe(11);
    expect(window.p95_ms).toBeGreaterThanOrEqual((killing - returned) * 0.99);
    await m.sample();
    const alerts = (await m.getAlerts()) as Array<{ rule: string; severity: string }>;
    expect(alerts.filter((a) => a.rule === 'db_query_p95').map((a) => a.severity)).toEqual(['critical']);
  }, 20_000);
});
