// Outside review 9b, F12: a standby waiting for leadership in `SELECT pg_advisory_lock(k)` (MySQL/MariaDB:
// `GET_LOCK(name, timeout)`) waits for another session, not for the server, as an idle BLPOP waits for data. It is
// not timed, counted or held in flight, so db_query_p95 reads the real queries only. Against the machine's
// PostgreSQL and MariaDB (`test` databases); the monitor's clock is injected so the wait's age is set, not slept.
// Oracles: the tally of quick queries the test issued; the server's own view of the waiting session.

import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { fingerprintSql, type SqlDialect } from '../../src/profiling/fingerprint.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { isUntimedSql, UNTIMED_MARKER } from '../../src/profiling/untimed-sql.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';

const off = { enabled: false };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

function monitorAt(clock: { now(): number }): SystemMonitor {
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: { warn() {}, error() {} },
    alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off },
  });
  cleanups.push(() => m.close());
  return m;
}
const dbAlerts = (m: SystemMonitor) =>
  m.alertSystem.getActiveAlerts().filter((a) => a.rule === 'db_query_p95');
const inFlight = (m: SystemMonitor) => (m.queries as unknown as { inFlight: { size: number } }).inFlight.size;
const QUICK = 8;

/** Polls the server until `check` holds (the standby is waiting there); the bound is a give-up, not an assertion. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the standby never waited on the server');
}

describe('which statements are lock waits (the whole statement is one call of a waiting function)', () => {
  const untimed = (sql: string, dialect: SqlDialect = 'postgres') =>
    isUntimedSql(sql, fingerprintSql(sql, dialect), dialect);
  it('PostgreSQL: the four waiting advisory-lock functions, with casts, nested calls, an alias, a schema', () => {
    for (const sql of [
      'SELECT pg_advisory_lock(424242)',
      'select PG_ADVISORY_LOCK($1)',
      'SELECT pg_advisory_lock_shared(1, 2)',
      'SELECT pg_advisory_xact_lock($1::bigint)',
      "SELECT pg_advisory_xact_lock_shared(hashtext('leader'))",
      'SELECT pg_catalog.pg_advisory_lock(7) AS locked;',
      '/* leader election */ SELECT  pg_advisory_lock( 7 )  "got"',
    ])
      expect([sql, untimed(sql)]).toEqual([sql, true]);
  });
  it('MySQL/MariaDB: GET_LOCK as SELECT or DO', () => {
    for (const sql of [
      "SELECT GET_LOCK('leader', 60)",
      'select get_lock(?, ?) AS got',
      "DO GET_LOCK('x', -1)",
    ])
      expect([sql, untimed(sql, 'mysql')]).toEqual([sql, true]);
  });
  it('stay timed: try-locks, unlocks, sleeps, and a real query that calls a lock function inside', () => {
    for (const sql of [
      'SELECT pg_try_advisory_lock(1)',
      'SELECT pg_advisory_unlock(1)',
      'SELECT pg_sleep(1)',
      'SELECT pg_advisory_lock(1), count(*) FROM jobs',
      'SELECT pg_advisory_lock(id) FROM jobs WHERE id = 1',
      'SELECT pg_advisory_lock(1); SELECT 1',
      'SELECT 1',
    ])
      expect([sql, untimed(sql)]).toEqual([sql, false]);
    for (const sql of ["SELECT GET_LOCK('x', 1) FROM t", 'SELECT SLEEP(1)', "SELECT RELEASE_LOCK('x')"])
      expect([sql, untimed(sql, 'mysql')]).toEqual([sql, false]);
    // pg's functions are not MySQL's and the other way round.
    expect(untimed('SELECT pg_advisory_lock(1)', 'mysql')).toBe(false);
    expect(untimed("SELECT GET_LOCK('x', 1)")).toBe(false);
  });
  it('the untimed marker excludes any statement by hand', () => {
    expect(untimed(`SELECT pg_sleep(5) ${UNTIMED_MARKER}`)).toBe(true);
    expect(untimed(`${UNTIMED_MARKER} UPDATE t SET a = 1`, 'mysql')).toBe(true);
    expect(untimed('SELECT pg_sleep(5) /* sysvitals probe */')).toBe(false);
  });
});

describe.skipIf(pgMissing)('PostgreSQL: a standby waiting in pg_advisory_lock', () => {
  it('8 quick queries meanwhile: db_query_p95 stays healthy, only they are counted, the wait is not in flight', async () => {
    const key = 9_120_000 + (process.pid % 100_000);
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock);
    // Cleanups run last first: the leader ends (releasing the lock) before the pool waits for its clients.
    const pool = instrumentPg(new pg.Pool({ ...pgConfig, max: 3 }), m);
    cleanups.push(() => pool.end());
    const leader = new pg.Client(pgConfig);
    await leader.connect();
    cleanups.push(() => leader.end());
    // Two keys: the standby keeps its session lock once granted, which would hold up the transaction's.
    await leader.query('SELECT pg_advisory_lock($1), pg_advisory_lock($2)', [key, key + 1]);
    const standby = pool.query('SELECT pg_advisory_lock($1)', [key]);
    // pg.Query submittable form, and the transaction-scoped lock on a checked-out client.
    const xactClient = await pool.connect();
    let released = false;
    cleanups.push(() => released || xactClient.release(true));
    let issued = 0; // the quick statements, BEGIN included
    await xactClient.query('BEGIN');
    issued++;
    const xact = new Promise((resolve, reject) => {
      const q = new pg.Query(`SELECT pg_advisory_xact_lock(${key + 1})`);
      q.on('end', resolve);
      q.on('error', reject);
      xactClient.query(q);
    });
    xact.catch(() => {}); // awaited below; a connection ended by a failed test's cleanup is not unhandled
    await until(async () => {
      const r = await leader.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid IN ($1, $2)",
        [key, key + 1],
      );
      return r.rows[0].n === 2;
    });
    for (let i = 0; i < QUICK; i++) {
      await pool.query('SELECT $1::int AS lock_wait_quick', [i]);
      issued++;
    }
    clock.t += 5000; // the waits are 5 s old on the monitor's clock, past the 2 s critical level
    await m.sample();
    expect(dbAlerts(m)).toEqual([]);
    expect(m.queries.windowSummary().count).toBe(issued);
    expect(inFlight(m)).toBe(0);
    const before = m.queries.rows().map((r) => `${r.fingerprint} ×${r.count}`);
    expect(before.sort()).toEqual(['BEGIN ×1', `SELECT $1::int AS lock_wait_quick ×${QUICK}`]);
    // The leader goes: the standbys get the lock, still uncounted.
    await leader.query('SELECT pg_advisory_unlock($1), pg_advisory_unlock($2)', [key, key + 1]);
    await standby;
    await xact;
    await xactClient.query('COMMIT');
    xactClient.release();
    released = true;
    const rows = m.queries.rows().map((r) => `${r.fingerprint} ×${r.count}`);
    expect(rows.sort()).toEqual(['BEGIN ×1', 'COMMIT ×1', `SELECT $1::int AS lock_wait_quick ×${QUICK}`]);
  });

  it('a statement marked untimed is not counted; the same without the marker is', async () => {
    const m = monitorAt({ now: Date.now });
    const client = instrumentPg(new pg.Client(pgConfig), m);
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(`SELECT pg_sleep(0.01) ${UNTIMED_MARKER}`);
    await client.query('SELECT pg_sleep(0.01)');
    expect(m.queries.rows().map((r) => [r.fingerprint, r.count])).toEqual([['SELECT pg_sleep(?)', 1]]);
  });
});

describe.skipIf(mysqlMissing)('MariaDB: a standby waiting in GET_LOCK', () => {
  it('8 quick queries meanwhile: db_query_p95 stays healthy, only they are counted, the wait is not in flight', async () => {
    const name = `sv_lock_wait_${process.pid}`;
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = monitorAt(clock);
    const pool = instrumentMysql(mysql.createPool({ ...myConfig, connectionLimit: 3 }), m);
    cleanups.push(() => pool.end());
    const leader = await mysql.createConnection(myConfig);
    cleanups.push(() => leader.end());
    await leader.query('SELECT GET_LOCK(?, 10) AS got', [name]);
    const standby = pool.query('SELECT GET_LOCK(?, 60) AS got', [name]);
    await until(async () => {
      const [rows] = await leader.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('SELECT GET_LOCK(''', ?, '''%')",
        [name],
      );
      return Number((rows as Array<{ n: number }>)[0]?.n) === 1;
    });
    let issued = 0;
    for (let i = 0; i < QUICK; i++) {
      await pool.execute('SELECT ? AS lock_wait_quick', [i]);
      issued++;
    }
    clock.t += 5000;
    await m.sample();
    expect(dbAlerts(m)).toEqual([]);
    expect(m.queries.windowSummary().count).toBe(issued);
    expect(inFlight(m)).toBe(0);
    await leader.query('SELECT RELEASE_LOCK(?)', [name]);
    const [got] = await standby;
    expect(got).toEqual([{ got: 1 }]);
    expect(m.queries.rows().map((r) => [r.fingerprint, r.count])).toEqual([
      ['SELECT ? AS lock_wait_quick', issued],
    ]);
  });
});
