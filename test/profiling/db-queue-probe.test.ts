// Outside review 9b, F1/F4/F5, against the machine's PostgreSQL and MariaDB (`test` databases):
// - F1: statements queued behind others on ONE connection (pg Client, mysql2 connection, Promise.all) are timed
//   from when the driver sends them: each reads its server-side sleep, not its place in the queue;
// - F4: pgProbe/mysqlProbe on a pool the application holds entirely read `pool_exhausted` (warning), not the
//   database as down (a pool whose queueLimit is reached refuses the check at once: the same), while a pool pointed
//   at a closed port still reads critical;
// - F5: the probe's own SELECT 1 is not counted as an application query.
// Oracles: the statement's server-side duration (pg_sleep / SLEEP) and the count of queries the test issued.

import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { mysqlProbe, pgProbe } from '../../src/collector/db-probes.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { closedPort } from '../collector/helpers/tcp-proxy.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';

/** Each statement sleeps this long on the server; N of them on one connection are serialised by the driver. */
const SLEEP_S = 0.3;
const N = 4;

/**
 * What the test itself saw of each statement: from when the driver started it (the moment it dequeued the
 * statement's first command: mysql2 runs the command's `start`, pg the query's `submit`; the call itself when the
 * connection took it at once) to when the application got its result (promise or callback). The instrumentation's
 * clock runs inside that window, so each recorded duration is at most one window, however slow the machine; a
 * statement timed from its call would instead include the statements ahead of it in the queue. Oracle by
 * relation, not by a bound on wall time.
 */
interface Window {
  from: number;
  to: number;
}
type Dequeue = { start?: unknown; submit?: unknown };

/**
 * Runs `call` (one statement), seeing when the driver dequeues it: `added()` lists the driver's objects the call
 * put on the connection, `running(o)` whether the connection took it at once, `hook` the method the driver calls
 * on it as it dequeues it.
 */
async function watched(
  windows: Window[],
  call: () => Promise<unknown>,
  added: () => Dequeue[],
  running: (o: Dequeue) => boolean,
  hook: 'start' | 'submit',
): Promise<unknown> {
  const w: Window = { from: performance.now(), to: Number.NaN };
  windows.push(w);
  const pending = call();
  const objs = added();
  if (objs.length > 0 && !objs.some(running)) {
    let started = false;
    for (const o of objs) {
      const original = o[hook] as (...a: unknown[]) => unknown;
      o[hook] = function seen(this: unknown, ...a: unknown[]) {
        if (!started) {
          started = true;
          w.from = performance.now();
        }
        return original.apply(this, a);
      };
    }
  }
  try {
    return await pending;
  } finally {
    w.to = performance.now();
  }
}

/** mysql2: the commands each call adds to the core connection (observed outside the instrumentation's patch). */
function mysqlWatch(core: { addCommand: (...a: unknown[]) => unknown; _command?: unknown }) {
  let adding: Dequeue[] = [];
  const add = core.addCommand;
  core.addCommand = function seen(this: unknown, ...a: unknown[]) {
    adding.push(a[0] as Dequeue);
    return add.apply(this, a);
  };
  const windows: Window[] = [];
  const run = (call: () => Promise<unknown>) => {
    adding = [];
    return watched(
      windows,
      call,
      () => adding,
      (o) => core._command === o,
      'start',
    );
  };
  return { windows, run };
}

/** pg: the query each call puts on the Client (its queue, or at once the active query). */
function pgWatch(client: pg.Client) {
  const c = client as unknown as { _queryQueue: Dequeue[]; _activeQuery: unknown };
  const windows: Window[] = [];
  const run = (call: () => Promise<unknown>) => {
    const before = new Set<unknown>([...c._queryQueue, c._activeQuery]);
    let mine: Dequeue[] = [];
    return watched(
      windows,
      () => {
        const p = call();
        mine = [...c._queryQueue, c._activeQuery as Dequeue].filter((q) => q && !before.has(q));
        return p;
      },
      () => mine,
      (o) => c._activeQuery === o,
      'submit',
    );
  };
  return { windows, run };
}
const monitors: SystemMonitor[] = [];
function monitor(options: Parameters<typeof createMonitor>[0] = {}): SystemMonitor {
  const m = createMonitor({
    sampleIntervalMs: 0,
    queries: { slowThresholdMs: 0, slowLogSize: 100 },
    logger: { warn() {}, error() {} },
    ...options,
  });
  monitors.push(m);
  return m;
}
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close().catch(() => {});
  for (const m of monitors.splice(0)) await m.close();
});

/** Every recorded duration of `fingerprint` (the slow log, threshold 0, keeps each query). */
function durations(m: SystemMonitor, fingerprint: string): number[] {
  return m.queries
    .slowQueries()
    .filter((s) => s.fingerprint === fingerprint)
    .map((s) => s.duration_ms);
}

/**
 * `count` statements recorded, each at least its server-side sleep, and each within a window the test saw the
 * driver spend on one statement: sorted, the i-th shortest duration is at most the i-th shortest window (so each
 * statement can be matched to a window of its own that holds it). `windows` are the statements' windows.
 */
function expectStatementTimes(m: SystemMonitor, fingerprint: string, count: number, windows: Window[]): void {
  const row = m.queries.rows().find((r) => r.fingerprint === fingerprint);
  expect(row?.count).toBe(count);
  const each = durations(m, fingerprint).sort((a, b) => a - b);
  expect(each).toHaveLength(count);
  expect(windows).toHaveLength(count);
  const seen = windows.map((w) => w.to - w.from).sort((a, b) => a - b);
  for (const [i, d] of each.entries()) {
    expect(d).toBeGreaterThanOrEqual(SLEEP_S * 1000 - 1);
    // duration_ms is rounded to 0.001 ms.
    expect(d).toBeLessThanOrEqual(seen[i]! + 0.0005);
  }
}

describe.skipIf(pgMissing)('instrumentPg: statements queued on one Client (F1)', () => {
  it('times each from when pg sends it: promise, callback and pg.Query forms', async () => {
    const m = monitor();
    const client = instrumentPg(new pg.Client(pgConfig), m);
    closers.push(() => client.end());
    let seen = pgWatch(client);
    // Issued before connect() resolves: queued behind the connection's start-up too.
    const connecting = client.connect();
    const sleeps = Array.from({ length: N }, () =>
      seen.run(() => client.query(`SELECT pg_sleep(${SLEEP_S})`)),
    );
    await connecting;
    await Promise.all(sleeps);
    expectStatementTimes(m, 'SELECT pg_sleep(?)', N, seen.windows);

    seen = pgWatch(client);
    const viaCallback = Array.from({ length: N }, () =>
      seen.run(
        () =>
          new Promise<void>((resolve, reject) => {
            client.query(`SELECT pg_sleep(${SLEEP_S}), 'cb'`, (err: Error | null) =>
              err ? reject(err) : resolve(),
            );
          }),
      ),
    );
    await Promise.all(viaCallback);
    expectStatementTimes(m, 'SELECT pg_sleep(?), ?', N, seen.windows);

    seen = pgWatch(client);
    const submittables = Array.from({ length: N }, () =>
      seen.run(() => {
        const q = new pg.Query(`SELECT pg_sleep(${SLEEP_S}), 1 AS q`);
        client.query(q);
        return new Promise<void>((resolve, reject) => {
          q.on('end', () => resolve());
          q.on('error', reject);
        });
      }),
    );
    await Promise.all(submittables);
    expectStatementTimes(m, 'SELECT pg_sleep(?), ? AS q', N, seen.windows);
  });

  it('a queued statement that fails is counted once as failed', async () => {
    const m = monitor();
    const client = instrumentPg(new pg.Client(pgConfig), m);
    closers.push(() => client.end());
    await client.connect();
    const sleeps = pgWatch(client);
    const other = pgWatch(client);
    const results = await Promise.allSettled([
      sleeps.run(() => client.query(`SELECT pg_sleep(${SLEEP_S})`)),
      other.run(() => client.query('SELECT * FROM sv9b_no_such_table')),
      sleeps.run(() => client.query(`SELECT pg_sleep(${SLEEP_S})`)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(m.queries.rows().find((r) => r.fingerprint === 'SELECT * FROM sv9b_no_such_table')?.errors).toBe(
      1,
    );
    expectStatementTimes(m, 'SELECT pg_sleep(?)', 2, sleeps.windows);
  });
});

describe.skipIf(mysqlMissing)('instrumentMysql: statements queued on one connection (F1)', () => {
  it('times each from when mysql2 starts it: query and execute, promise and callback API', async () => {
    const m = monitor();
    const conn = instrumentMysql(await mysqlPromise.createConnection(myConfig), m);
    closers.push(() => conn.end());
    const core = (conn as unknown as { connection: Parameters<typeof mysqlWatch>[0] }).connection;
    let seen = mysqlWatch(core);
    await Promise.all(
      Array.from({ length: N }, () => seen.run(() => conn.query(`SELECT SLEEP(${SLEEP_S})`))),
    );
    expectStatementTimes(m, 'SELECT SLEEP(?)', N, seen.windows);
    // execute: its prepare step is queued too (the first one of the statement on this connection).
    const sleepAnd = mysqlWatch(core);
    await Promise.all(
      Array.from({ length: N }, () => sleepAnd.run(() => conn.execute(`SELECT SLEEP(${SLEEP_S}), ?`, [1]))),
    );
    expectStatementTimes(m, 'SELECT SLEEP(?), ?', N, sleepAnd.windows);

    const raw = instrumentMysql(mysql.createConnection(myConfig), m);
    closers.push(() => new Promise((resolve) => raw.end(() => resolve(undefined))));
    seen = mysqlWatch(raw as unknown as Parameters<typeof mysqlWatch>[0]);
    await Promise.all(
      Array.from({ length: N }, () =>
        seen.run(
          () =>
            new Promise<void>((resolve, reject) => {
              raw.query(`SELECT SLEEP(${SLEEP_S}), 'cb'`, (err) => (err ? reject(err) : resolve()));
            }),
        ),
      ),
    );
    expectStatementTimes(m, 'SELECT SLEEP(?), ?', 2 * N, [...sleepAnd.windows, ...seen.windows]);
  });
});

describe.skipIf(pgMissing)('pgProbe on an instrumented pool (F4, F5)', () => {
  it("does not count its own SELECT 1 among the application's queries", async () => {
    const m = monitor();
    const pool = instrumentPg(new pg.Pool({ ...pgConfig, max: 2 }), m);
    closers.push(() => pool.end());
    m.collector.setProbe('database', pgProbe(pool));
    for (let i = 0; i < 5; i++) {
      const s = await m.sample();
      expect(s.database.status).toBe('healthy');
    }
    expect(m.queries.rows()).toEqual([]);
    await pool.query('SELECT 2 AS app');
    expect(m.queries.rows().map((r) => [r.fingerprint, r.count])).toEqual([['SELECT ? AS app', 1]]);
  });

  it('a pool the application holds entirely reads pool_exhausted (warning), not the database as down', async () => {
    const m = monitor({ alerts: { db_latency: { warning: 300, critical: 400 } } });
    const pool = instrumentPg(new pg.Pool({ ...pgConfig, max: 2 }), m);
    pool.on('error', () => {});
    closers.push(() => pool.end());
    m.collector.setProbe('database', pgProbe(pool, { timeoutMs: 500 }));
    const hold = [pool.query('SELECT pg_sleep(2.5)'), pool.query('SELECT pg_sleep(2.5)')];
    for (let i = 0; i < 2; i++) {
      // The second sample finds the first check still waiting for a connection.
      const s = await m.sample();
      expect(s.database).toMatchObject({
        status: 'warning',
        pool_exhausted: true,
        response_time_ms: null,
        pool_size: 2,
        pool_idle: 0,
      });
      expect(s.database.error).toMatch(
        /^pool exhausted: 1 waiting \(this check included\), all 2 connections busy$/,
      );
      const alerts = await m.getAlerts();
      expect(alerts.filter((a) => a.rule === 'database')).toEqual([]);
    }
    await Promise.all(hold);
    const after = await m.sample();
    expect(after.database).toMatchObject({ status: 'healthy', pool_exhausted: false });
    expect(after.database.response_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('a database that refuses connections still reads critical, with the availability alert', async () => {
    const m = monitor();
    const pool = new pg.Pool({ ...pgConfig, port: await closedPort(), max: 1 });
    pool.on('error', () => {});
    closers.push(() => pool.end());
    m.collector.setProbe('database', pgProbe(pool));
    const s = await m.sample();
    expect(s.database).toMatchObject({ status: 'critical', pool_exhausted: false, response_time_ms: null });
    expect(s.database.error).toMatch(/ECONNREFUSED/);
    const alerts = await m.getAlerts();
    expect(alerts.find((a) => a.rule === 'database')?.message).toMatch(
      /^Database unavailable: .*ECONNREFUSED/,
    );
  });
});

describe.skipIf(mysqlMissing)('mysqlProbe on an instrumented pool (F4, F5)', () => {
  it('does not count its own SELECT 1; a pool held entirely reads pool_exhausted', async () => {
    const m = monitor({ alerts: { db_latency: { warning: 300, critical: 400 } } });
    const pool = instrumentMysql(mysqlPromise.createPool({ ...myConfig, connectionLimit: 2 }), m);
    closers.push(() => pool.end());
    m.collector.setProbe('database', mysqlProbe(pool, { timeoutMs: 500 }));
    for (let i = 0; i < 3; i++) expect((await m.sample()).database.status).toBe('healthy');
    expect(m.queries.rows()).toEqual([]);

    const hold = [pool.query('SELECT SLEEP(2.5)'), pool.query('SELECT SLEEP(2.5)')];
    const s = await m.sample();
    expect(s.database).toMatchObject({ status: 'warning', pool_exhausted: true, response_time_ms: null });
    expect(s.database.error).toMatch(
      /^pool exhausted: 1 waiting \(this check included\), all 2 connections busy$/,
    );
    expect((await m.getAlerts()).filter((a) => a.rule === 'database')).toEqual([]);
    await Promise.all(hold);
    expect((await m.sample()).database).toMatchObject({ status: 'healthy', pool_exhausted: false });
    expect(m.queries.rows().map((r) => [r.fingerprint, r.count])).toEqual([['SELECT SLEEP(?)', 2]]);
  });

  // Documented before, not fixed: mysql2 refuses at once (`Queue limit reached.`) a check on a pool whose queue is full,
  // and the probe read that as the database down (critical, "Database unavailable").
  it('a pool whose queueLimit is reached refuses the check: pool_exhausted (warning), not the database as down', async () => {
    const m = monitor({ alerts: { db_latency: { warning: 300, critical: 400 } } });
    const pool = instrumentMysql(
      mysqlPromise.createPool({ ...myConfig, connectionLimit: 1, queueLimit: 1 }),
      m,
    );
    closers.push(() => pool.end());
    m.collector.setProbe('database', mysqlProbe(pool, { timeoutMs: 500 }));
    expect((await m.sample()).database.status).toBe('healthy');
    // The application holds the one connection, and its next query fills the queue.
    const hold = [pool.query('SELECT SLEEP(1.5)'), pool.query('SELECT SLEEP(0.1)')];
    // Oracle: the real pool refuses anything more at once, the application's own query as well.
    await expect(pool.query('SELECT 3')).rejects.toThrow('Queue limit reached.');
    const s = await m.sample();
    expect(s.database).toMatchObject({
      status: 'warning',
      pool_exhausted: true,
      response_time_ms: null,
      pool_size: 1,
      pool_idle: 0,
    });
    expect(s.database.error).toBe(
      'pool exhausted: queue limit reached (1 waiting), all 1 connections busy; this check was refused',
    );
    expect((await m.getAlerts()).filter((a) => a.rule === 'database')).toEqual([]);
    await Promise.all(hold);
    expect((await m.sample()).database).toMatchObject({ status: 'healthy', pool_exhausted: false });
  });

  it('a database that refuses connections still reads critical', async () => {
    const m = monitor();
    const pool = mysql.createPool({ ...myConfig, port: await closedPort(), connectionLimit: 1 });
    closers.push(() => new Promise((resolve) => pool.end(() => resolve(undefined))));
    m.collector.setProbe('database', mysqlProbe(pool));
    const s = await m.sample();
    expect(s.database).toMatchObject({ status: 'critical', pool_exhausted: false, response_time_ms: null });
    expect((await m.getAlerts()).find((a) => a.rule === 'database')?.message).toMatch(
      /^Database unavailable: /,
    );
  });
});
