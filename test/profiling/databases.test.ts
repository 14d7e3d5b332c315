// instrumentPg, instrumentMysql and instrumentRedis against the real servers: the machine's PostgreSQL
// and MariaDB (our own tables, dropped afterwards) and a private redis-server. Each query issued is
// counted once under its fingerprint; errors, transactions, pooled and direct clients; no literal
// or parameter value is kept anywhere.

import { Redis } from 'ioredis';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { instrumentRedis } from '../../src/profiling/instrument-redis.js';
import type { QueryRow } from '../../src/profiling/query-stats.js';
import { mysqlMissing, pgMissing } from '../helpers/databases.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const redisMissing = !requireRedis();

const SECRET = `s3cr3t-${process.pid}-${Date.now().toString(36)}`;
const TABLE = `sv15_items_${process.pid}`;

function monitor(): SystemMonitor {
  return createMonitor({
    sampleIntervalMs: 0,
    queries: { slowThresholdMs: 0, slowLogSize: 1000, prometheus: true },
  });
}

function row(m: SystemMonitor, fingerprint: string): QueryRow | undefined {
  return m.queries.rows().find((r) => r.fingerprint === fingerprint);
}

/** Nothing the monitor serves holds the value: JSON (slow log included) and the Prometheus text. */
async function expectNoSecret(m: SystemMonitor): Promise<void> {
  const report = m.queries.report();
  expect(report.slow_queries.length).toBeGreaterThan(0);
  const prometheus = renderPrometheus(await collectPrometheusData(m));
  expect(prometheus).toContain('sysvitals_db_query_duration_seconds_count{');
  for (const text of [JSON.stringify(report), prometheus]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('s3cr3t');
  }
}

describe.skipIf(pgMissing)('instrumentPg against PostgreSQL', () => {
  const user = process.env.PGUSER ?? 'postgres';
  let pool: pg.Pool;
  let m: SystemMonitor;
  beforeAll(async () => {
    m = monitor();
    pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user, database: 'test', max: 3 });
    await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await pool.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, note text)`);
    // Created before instrumentation: the pool's existing clients are instrumented too.
    instrumentPg(pool, m);
    instrumentPg(pool, m); // twice: still counted once
  });
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await pool?.end();
    await m?.close();
  });

  it('counts each pooled query once under its fingerprint, with parameters and literals', async () => {
    for (let i = 1; i <= 5; i++)
      await pool.query(`INSERT INTO ${TABLE} (id, note) VALUES ($1, $2)`, [i, SECRET]);
    await pool.query(`SELECT * FROM ${TABLE} WHERE note = '${SECRET}' AND id IN (1, 2, 3)`);
    await pool.query(`SELECT * FROM ${TABLE} WHERE note = '${SECRET}x' AND id IN (4)`);
    expect(row(m, `INSERT INTO ${TABLE} (id, note) VALUES ($1, $2)`)?.count).toBe(5);
    const select = row(m, `SELECT * FROM ${TABLE} WHERE note = ? AND id IN (...)`);
    expect(select?.count).toBe(2);
    expect(select?.errors).toBe(0);
    expect(select?.system).toBe('postgresql');
    await expectNoSecret(m);
  });

  it('times queries: figures lie within the wall time measured around them', async () => {
    const before = row(m, 'SELECT pg_sleep($1)')?.total_ms ?? 0;
    const t0 = performance.now();
    await pool.query('SELECT pg_sleep($1)', [0.05]);
    const wall = performance.now() - t0;
    const r = row(m, 'SELECT pg_sleep($1)');
    expect(r?.count).toBe(1);
    expect((r?.total_ms ?? 0) - before).toBeGreaterThanOrEqual(50);
    expect((r?.total_ms ?? 0) - before).toBeLessThanOrEqual(wall + 0.01);
    expect(r?.max_ms).toBe(r?.total_ms);
  });

  it('counts errors (promise and callback forms)', async () => {
    await expect(pool.query(`INSERT INTO ${TABLE} (id, note) VALUES (1, '${SECRET}')`)).rejects.toThrow(
      /duplicate/,
    );
    await new Promise<void>((resolve) => {
      pool.query('SELECT * FROM sv15_no_such_table WHERE a = 1', (err) => {
        expect(err).toBeTruthy();
        resolve();
      });
    });
    expect(row(m, `INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`)).toMatchObject({ count: 1, errors: 1 });
    expect(row(m, 'SELECT * FROM sv15_no_such_table WHERE a = ?')).toMatchObject({ count: 1, errors: 1 });
    await expectNoSecret(m);
  });

  it('times every statement of a transaction on a checked-out client', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE ${TABLE} SET note = $1 WHERE id = $2`, [SECRET, 1]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(row(m, 'BEGIN')?.count).toBe(1);
    expect(row(m, 'ROLLBACK')?.count).toBe(1);
    expect(row(m, `UPDATE ${TABLE} SET note = $1 WHERE id = $2`)?.count).toBe(1);
  });

  it('instruments a direct Client', async () => {
    const m2 = monitor();
    const client = instrumentPg(new pg.Client({ host: '127.0.0.1', port: 5432, user, database: 'test' }), m2);
    await client.connect();
    try {
      await client.query({ text: 'SELECT $1::text AS v', values: [SECRET] });
      await client.query("SELECT 'x' AS v");
      await expect(client.query('SELEC 1')).rejects.toThrow();
    } finally {
      await client.end();
    }
    expect(row(m2, 'SELECT $1::text AS v')?.count).toBe(1);
    expect(row(m2, 'SELECT ? AS v')?.count).toBe(1);
    expect(row(m2, 'SELEC ?')).toMatchObject({ count: 1, errors: 1 });
    expect(m2.queries.slowQueries()).toHaveLength(3);
    await expectNoSecret(m2);
    await m2.close();
  });
});

describe.skipIf(mysqlMissing)('instrumentMysql against MariaDB', () => {
  const options = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
  let setup: mysqlPromise.Connection;
  beforeAll(async () => {
    setup = await mysqlPromise.createConnection(options);
    await setup.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await setup.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, note varchar(200))`);
  });
  afterAll(async () => {
    await setup?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await setup?.end();
  });

  it('promise pool: query, execute, transaction on getConnection(), errors', async () => {
    const m = monitor();
    const pool = instrumentMysql(mysqlPromise.createPool({ ...options, connectionLimit: 2 }), m);
    try {
      await pool.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [1, SECRET]);
      await pool.execute(`SELECT * FROM ${TABLE} WHERE id = ?`, [1]);
      await pool.execute(`SELECT * FROM ${TABLE} WHERE id = ?`, [2]);
      await pool.query(`SELECT * FROM ${TABLE} WHERE note = "${SECRET}" OR id IN (1,2,3)`);
      const conn = await pool.getConnection();
      await conn.beginTransaction();
      await conn.query(`UPDATE ${TABLE} SET note = ? WHERE id = ?`, [SECRET, 1]);
      await conn.rollback();
      conn.release();
      await expect(pool.query(`INSERT INTO ${TABLE} (id, note) VALUES (1, 'dup')`)).rejects.toThrow(
        /Duplicate/,
      );
      await expect(pool.execute('SELECT * FROM sv15_missing WHERE id = ?', [1])).rejects.toThrow();
    } finally {
      await pool.end();
    }
    expect(row(m, `INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`)).toMatchObject({ count: 2, errors: 1 });
    expect(row(m, `SELECT * FROM ${TABLE} WHERE id = ?`)).toMatchObject({ count: 2, errors: 0 });
    expect(row(m, `SELECT * FROM ${TABLE} WHERE note = ? OR id IN (...)`)?.count).toBe(1);
    expect(row(m, `UPDATE ${TABLE} SET note = ? WHERE id = ?`)?.count).toBe(1);
    expect(row(m, 'SELECT * FROM sv15_missing WHERE id = ?')).toMatchObject({ count: 1, errors: 1 });
    expect(m.queries.rows().every((r) => r.system === 'mysql')).toBe(true);
    await expectNoSecret(m);
    await m.close();
  });

  it('callback pool and a direct connection (callback and event-emitter forms)', async () => {
    const m = monitor();
    const pool = instrumentMysql(mysql.createPool({ ...options, connectionLimit: 2 }), m);
    const conn = instrumentMysql(mysql.createConnection(options), m);
    try {
      await new Promise<void>((resolve, reject) =>
        pool.query(`SELECT note FROM ${TABLE} WHERE note = '${SECRET}'`, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      await new Promise<void>((resolve) => pool.execute('SELECT nope FROM sv15_missing', () => resolve()));
      await new Promise<void>((resolve, reject) =>
        conn.query('SELECT ? AS v', [SECRET], (err) => (err ? reject(err) : resolve())),
      );
      // Event-emitter form: the 'error' event is the application's, counted but not swallowed.
      await new Promise<void>((resolve) => {
        const q = conn.query('SELECT * FROM sv15_missing');
        let errored = false;
        q.on('error', () => {
          errored = true;
        });
        q.on('end', () => {
          expect(errored).toBe(true);
          resolve();
        });
      });
    } finally {
      await new Promise((r) => pool.end(r));
      await new Promise((r) => conn.end(r));
    }
    expect(row(m, `SELECT note FROM ${TABLE} WHERE note = ?`)).toMatchObject({ count: 1, errors: 0 });
    expect(row(m, 'SELECT nope FROM sv15_missing')).toMatchObject({ count: 1, errors: 1 });
    expect(row(m, 'SELECT ? AS v')).toMatchObject({ count: 1, errors: 0 });
    expect(row(m, 'SELECT * FROM sv15_missing')).toMatchObject({ count: 1, errors: 1 });
    await expectNoSecret(m);
    await m.close();
  });
});

describe.skipIf(redisMissing)('instrumentRedis against a private redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('times commands by name: single, pipelined, MULTI, and errors', async () => {
    const m = monitor();
    const client = instrumentRedis(new Redis(server.url, { lazyConnect: true }), m);
    try {
      await client.connect();
      await client.set(`k:${SECRET}`, SECRET);
      await client.get(`k:${SECRET}`);
      await client.pipeline().get('a').get('b').exec();
      await client.multi().incr('n').incr('n').exec();
      await expect(client.incr(`k:${SECRET}`)).rejects.toThrow();
    } finally {
      client.disconnect();
    }
    const rows = m.queries.rows();
    expect(row(m, 'SET')?.count).toBe(1);
    expect(row(m, 'GET')?.count).toBe(3);
    expect(row(m, 'INCR')).toMatchObject({ count: 3, errors: 1 });
    expect(row(m, 'MULTI')?.count).toBe(1);
    expect(row(m, 'EXEC')?.count).toBe(1);
    expect(rows.every((r) => r.system === 'redis')).toBe(true);
    await expectNoSecret(m);
    await m.close();
  });
});

describe.skipIf(pgMissing)(
  'queries issued inside a request are attributed to its route (real Express server)',
  () => {
    it('names the route template in the fingerprint row and the slow-query log', async () => {
      const { default: express } = await import('express');
      const { createMonitor: createExpressMonitor } = await import('../../src/adapters/express.js');
      const m = createExpressMonitor({ sampleIntervalMs: 0, queries: { slowThresholdMs: 0 } });
      const pool = instrumentPg(
        new pg.Pool({
          host: '127.0.0.1',
          port: 5432,
          user: process.env.PGUSER ?? 'postgres',
          database: 'test',
          max: 2,
        }),
        m,
      );
      const app = express();
      app.use(m.middleware());
      const router = express.Router();
      router.get('/items/:id', async (req, res) => {
        // After an await, the scope is still this request's.
        await new Promise((r) => setTimeout(r, 1));
        const result = await pool.query('SELECT $1::int AS id', [Number(req.params.id)]);
        res.json(result.rows[0]);
      });
      app.use('/api', router);
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const { port } = server.address() as { port: number };
      try {
        for (const id of [1, 2, 3]) {
          const res = await fetch(`http://127.0.0.1:${port}/api/items/${id}`);
          expect(await res.json()).toEqual({ id });
        }
        await pool.query('SELECT $1::int AS id', [4]); // outside any request
        const r = m.queries.rows().find((x) => x.fingerprint === 'SELECT $1::int AS id');
        expect(r?.count).toBe(4);
        expect(r?.routes).toEqual([{ route: '/api/items/:id', count: 3 }]);
        const slow = m.queries.slowQueries();
        expect(slow.map((s) => s.route)).toEqual([
          null,
          '/api/items/:id',
          '/api/items/:id',
          '/api/items/:id',
        ]);
      } finally {
        await new Promise((r) => server.close(r));
        await pool.end();
        await m.close();
      }
    });
  },
);
