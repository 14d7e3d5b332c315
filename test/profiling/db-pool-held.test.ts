// Outside review 11, F3 (leftover): a pool held by long statements reads critical after 30 s without a connection
// freed, and every text built from that state names the pool, not the database: the alert's message, the webhook's
// and Slack's bodies, the email's text (plainText of the same notification), the health+json output, the dashboard's
// row and the log. A database that refuses connections still reads `Database unavailable: <error>`.
// Against the machine's PostgreSQL and MariaDB (`test` databases): the oracle is the real pool state (every
// connection busy with the test's own pg_sleep / SLEEP, seen in pg_stat_activity / the process list) and a side
// connection the database answers at once. The probe's clock is moved 30 s on (performance.now, which times probes)
// while the pool is held, rather than waiting 30 s; the statement is then cancelled, not waited for.

import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { plainText } from '../../src/channels/format.js';
import type { Notification } from '../../src/channels/types.js';
import { mysqlProbe, pgProbe } from '../../src/collector/db-probes.js';
import { poolStuckAfterMs } from '../../src/collector/probes.js';
import { componentRows } from '../../src/http/dashboard/panels/components.js';
import { healthJsonDocument } from '../../src/http/health-json.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { until } from '../cluster/helpers.js';
import { closedPort } from '../collector/helpers/tcp-proxy.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';

const TIMEOUT_MS = 200;
const HELD = / \(the database may be answering: long statements hold the pool\)$/;

const closers: (() => Promise<unknown>)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** performance.now() (the probes' clock) moved on by `shift.ms`. */
function shiftedProbeClock(): { ms: number } {
  const shift = { ms: 0 };
  const real = performance.now.bind(performance);
  vi.spyOn(performance, 'now').mockImplementation(() => real() + shift.ms);
  return shift;
}

interface Setup {
  m: SystemMonitor;
  rx: Receiver;
  logs: string[];
}

async function setup(): Promise<Setup> {
  const rx = await startReceiver();
  closers.push(() => rx.close());
  const logs: string[] = [];
  const log = (_o: unknown, msg: string) => logs.push(msg);
  const m = createMonitor({
    sampleIntervalMs: 0,
    alerts: { db_latency: { warning: 100, critical: 150 } },
    logger: { warn: log, info: log, error: log },
    routing: { groupWaitMs: 0, closeTimeoutMs: 0 },
    channels: [
      { type: 'webhook', url: `${rx.origin}/hook`, retries: 0 },
      { type: 'slack', webhookUrl: `${rx.origin}/services/T000/B000/XXXX`, retries: 0 },
    ],
  });
  closers.push(() => m.close());
  return { m, rx, logs };
}

/** Every text the critical database state reaches: alert, webhook, Slack, email text, health+json, dashboard. */
async function texts(s: Setup, snapshot: MetricsSnapshot) {
  const alert = (await s.m.getAlerts()).find((a) => a.rule === 'database');
  // Other rules may fire on a loaded machine (cpu): each alert is its own notification (groupWaitMs 0).
  const ofDatabase = (url: string) =>
    s.rx.received.find((r) => r.url.startsWith(url) && JSON.stringify(r.json).includes('database'))?.json;
  const [hook, slackBody] = await until(async () => {
    const both = [ofDatabase('/hook'), ofDatabase('/services/')];
    return both.every((b) => b !== undefined) && both;
  });
  const notification = hook as Notification;
  const slack = JSON.stringify(slackBody);
  const health = healthJsonDocument(await s.m.getHealth({ detailed: true }));
  const row = componentRows(snapshot).find((r) => r.key === 'database');
  return {
    alert: alert?.message,
    hook: notification.alerts.find((a) => a.rule === 'database')?.message,
    email: plainText(notification),
    slack,
    health: health.checks['database:responseTime']?.[0],
    row,
  };
}

/** What every path must say of a held pool: the pool and what was measured, never the database unavailable. */
async function expectPoolNamed(s: Setup, snapshot: MetricsSnapshot, measured: RegExp): Promise<void> {
  expect(snapshot.database).toMatchObject({
    status: 'critical',
    pool_exhausted: false,
    pool_stuck: true,
    response_time_ms: null,
  });
  const error = snapshot.database.error as string;
  expect(error).toMatch(measured);
  expect(error).toMatch(HELD);
  const t = await texts(s, snapshot);
  expect(t.alert).toBe(`Database pool: ${error}`);
  expect(t.hook).toBe(`Database pool: ${error}`);
  expect(t.email).toContain(
    `- critical database: Database pool: ${error}, not answering (threshold must answer)`,
  );
  expect(t.slack).toContain(JSON.stringify(`Database pool: ${error}`).slice(1, -1));
  expect(t.health).toMatchObject({ status: 'fail', output: error });
  expect(t.row).toMatchObject({ status: 'critical', value: 'pool held', title: error });
  for (const text of [t.alert, t.hook, t.email, t.slack, t.row?.value])
    expect(text).not.toMatch(/unavailable|down/i);
  expect(s.logs.filter((l) => /database is failing/.test(l))).toEqual([]);
  expect(s.logs.filter((l) => /database_pool is failing: pool exhausted/.test(l))).toHaveLength(1);
}

describe.skipIf(pgMissing)('pgProbe: a pool held by a long statement (PostgreSQL)', () => {
  it('reads pool exhausted, then past 30 s `Database pool: no connection freed …` everywhere; the database answers a side connection', async () => {
    const shift = shiftedProbeClock();
    const s = await setup();
    const pool = new pg.Pool({ ...pgConfig, max: 1 });
    closers.push(() => pool.end());
    const side = new pg.Client(pgConfig);
    await side.connect();
    closers.push(() => side.end());
    s.m.collector.setProbe('database', pgProbe(pool, { timeoutMs: TIMEOUT_MS }));
    // A free pool reads healthy (its first check opens the connection: past 200 ms at CI load ~25, so wait for it).
    await until(async () => (await s.m.sample()).database.status === 'healthy');

    const hold = pool.query("SELECT pg_sleep(600), 'pool-held-test'").catch((err: Error) => err);
    // Oracle: the pool's one connection runs the test's statement.
    await until(async () => {
      const r = await side.query(
        "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pool-held-test%' AND pid <> pg_backend_pid()",
      );
      return r.rows.length === 1;
    });
    const exhausted = await s.m.sample();
    expect(exhausted.database).toMatchObject({ status: 'warning', pool_exhausted: true, pool_stuck: false });
    expect((await s.m.getAlerts()).filter((a) => a.rule === 'database')).toEqual([]);
    expect(componentRows(exhausted).find((r) => r.key === 'database')?.value).toBe('pool exhausted');

    shift.ms = poolStuckAfterMs(TIMEOUT_MS);
    const held = await s.m.sample();
    // The real pool: its one connection busy, the probe waiting; the database answers a side connection.
    expect([pool.totalCount, pool.idleCount, pool.waitingCount]).toEqual([1, 0, 1]);
    expect((await side.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await expectPoolNamed(
      s,
      held,
      new RegExp(
        `^no connection freed for (30|31) s; pool exhausted: ${pool.waitingCount} waiting \\(this check included\\), all ${pool.totalCount} connections busy \\(`,
      ),
    );

    // The statement ends (cancelled): the probe gets its connection, the alert clears.
    await side.query(
      "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pool-held-test%' AND pid <> pg_backend_pid()",
    );
    expect(await hold).toBeInstanceOf(Error);
    await until(async () => (await s.m.sample()).database.status === 'healthy');
    expect((await s.m.getAlerts()).filter((a) => a.rule === 'database')).toEqual([]);
  });

  it('a database that refuses connections still reads `Database unavailable: <error>`, not answering', async () => {
    const s = await setup();
    const pool = new pg.Pool({ ...pgConfig, port: await closedPort(), max: 1 });
    pool.on('error', () => {});
    closers.push(() => pool.end());
    s.m.collector.setProbe('database', pgProbe(pool, { timeoutMs: TIMEOUT_MS }));
    const snapshot = await s.m.sample();
    expect(snapshot.database).toMatchObject({ status: 'critical', pool_stuck: false });
    const t = await texts(s, snapshot);
    expect(t.alert).toMatch(/^Database unavailable: .*ECONNREFUSED/);
    expect(t.email).toMatch(/- critical database: Database unavailable: .*ECONNREFUSED.*, not answering/);
    expect(t.row?.value).toBe('down');
  });
});

describe.skipIf(mysqlMissing)('mysqlProbe: a pool held by a long statement (MariaDB)', () => {
  async function heldPool(options: { queueLimit?: number }) {
    const pool = mysqlPromise.createPool({ ...myConfig, connectionLimit: 1, ...options });
    closers.push(() => pool.end());
    const side = await mysqlPromise.createConnection(myConfig);
    closers.push(() => side.end());
    const hold = pool.query("SELECT SLEEP(600), 'pool-held-test'").catch((err: Error) => err);
    const running = async () => {
      const [rows] = await side.query(
        "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(600)%' AND id <> CONNECTION_ID()",
      );
      return rows as { id: number }[];
    };
    await until(async () => (await running()).length === 1);
    const release = async () => {
      for (const { id } of await running()) await side.query(`KILL QUERY ${Number(id)}`);
      await hold;
    };
    return { pool, side, hold, release };
  }

  it('a pool that frees no connection: `Database pool: no connection freed …` everywhere', async () => {
    const shift = shiftedProbeClock();
    const s = await setup();
    const h = await heldPool({});
    const core = (h.pool as unknown as { pool: { _allConnections: unknown[]; _freeConnections: unknown[] } })
      .pool;
    s.m.collector.setProbe('database', mysqlProbe(h.pool, { timeoutMs: TIMEOUT_MS }));
    expect((await s.m.sample()).database).toMatchObject({ status: 'warning', pool_exhausted: true });
    shift.ms = poolStuckAfterMs(TIMEOUT_MS);
    const held = await s.m.sample();
    expect([core._allConnections.length, core._freeConnections.length]).toEqual([1, 0]);
    const [one] = await h.side.query('SELECT 1 AS one');
    expect(one).toEqual([{ one: 1 }]);
    await expectPoolNamed(
      s,
      held,
      /^no connection freed for (30|31) s; pool exhausted: 1 waiting \(this check included\), all 1 connections busy \(/,
    );
    await h.release();
    await until(async () => (await s.m.sample()).database.status === 'healthy');
  });

  it('a pool whose queue is full refuses every check for 30 s: `Database pool: every check refused …`', async () => {
    const shift = shiftedProbeClock();
    const s = await setup();
    const h = await heldPool({ queueLimit: 1 });
    const queued = h.pool.query('SELECT 2').catch((err: Error) => err);
    // Oracle: the real pool refuses anything more at once.
    await expect(h.pool.query('SELECT 3')).rejects.toThrow('Queue limit reached.');
    s.m.collector.setProbe('database', mysqlProbe(h.pool, { timeoutMs: TIMEOUT_MS }));
    expect((await s.m.sample()).database).toMatchObject({ status: 'warning', pool_exhausted: true });
    shift.ms = poolStuckAfterMs(TIMEOUT_MS);
    const held = await s.m.sample();
    await expectPoolNamed(
      s,
      held,
      /^every check refused for (30|31) s; pool exhausted: queue limit reached \(1 waiting\), all 1 connections busy; this check was refused \(/,
    );
    await h.release();
    await queued;
    await until(async () => (await s.m.sample()).database.status === 'healthy');
  });
});
