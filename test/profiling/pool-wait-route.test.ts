// A query that waits for a pool connection is attributed to the route of the request that issued it, not
// to the request that freed the connection (outside review 2, F6). Real PostgreSQL and MariaDB, a real
// Express server, pools of one connection. The order is held by a database lock, not by timing: /a's query
// waits for a lock the test holds, both /b requests queue for the one connection, then the test lets go.

import type { AddressInfo } from 'node:net';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor } from '../../src/adapters/express.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { mysqlMissing, pgMissing } from '../helpers/databases.js';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

interface Run {
  /** Runs `text` on the pool the way the route does (promise or callback form). */
  query(text: string, form: 'promise' | 'callback'): Promise<void>;
  /** The text of /a's query: it waits for the lock the test holds. */
  blocked: string;
  lock(): Promise<void>;
  unlock(): Promise<void>;
}

/** GET /a holds the only connection; 2 × GET /b and 1 × GET /c queue for it; then /a's query is let go. */
async function scenario(m: ExpressMonitor, run: Run): Promise<void> {
  const { default: express } = await import('express');
  let entered = 0;
  const app = express();
  app.use(m.middleware());
  app.get('/a', async (_req, res) => {
    entered++;
    await run.query(run.blocked, 'promise');
    res.send('a');
  });
  app.get('/b', async (_req, res) => {
    entered++;
    await run.query('SELECT 1 AS from_b', 'promise');
    res.send('b');
  });
  app.get('/c', async (_req, res) => {
    entered++;
    await run.query('SELECT 2 AS from_c', 'callback');
    res.send('c');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text());
  try {
    await run.lock();
    const a = get('/a');
    await until(() => entered === 1);
    const rest = [get('/b'), get('/b'), get('/c')];
    // Each handler calls the pool synchronously after counting itself: all three are queued now.
    await until(() => entered === 4);
    await run.unlock();
    expect(await Promise.all([a, ...rest])).toEqual(['a', 'b', 'b', 'c']);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

function expectRoutes(m: ExpressMonitor): void {
  const routes = (fp: string) => m.queries.rows().find((r) => r.fingerprint === fp)?.routes;
  // Before the fix: from_b [{ route: '/a', count: 2 }] and from_c [{ route: '/a', count: 1 }] (or '/b').
  expect(routes('SELECT ? AS from_b')).toEqual([{ route: '/b', count: 2 }]);
  expect(routes('SELECT ? AS from_c')).toEqual([{ route: '/c', count: 1 }]);
  const slow = m.queries.slowQueries();
  const routeOf = (marker: string) => slow.filter((s) => s.fingerprint.includes(marker)).map((s) => s.route);
  expect(routeOf('from_a')).toEqual(['/a']);
  expect(routeOf('from_b')).toEqual(['/b', '/b']);
  expect(routeOf('from_c')).toEqual(['/c']);
}

describe.skipIf(pgMissing)('pg.Pool({ max: 1 }): a query waiting for the connection', () => {
  it('is attributed to the request that issued it, not the one that freed the connection', async () => {
    const config = {
      host: '127.0.0.1',
      port: 5432,
      user: process.env.PGUSER ?? 'postgres',
      database: 'test',
    };
    const m = createMonitor({ sampleIntervalMs: 0, queries: { slowThresholdMs: 0, slowLogSize: 100 } });
    const pool = instrumentPg(new pg.Pool({ ...config, max: 1 }), m);
    const holder = new pg.Client(config);
    await holder.connect();
    const key = 0x5f6000 + (process.pid % 4096);
    try {
      await scenario(m, {
        query: (text, form) =>
          form === 'promise'
            ? pool.query(text).then(() => undefined)
            : new Promise((ok, fail) => pool.query(text, (err) => (err ? fail(err) : ok()))),
        // A lock wait inside a larger statement: still timed (a statement that is only the lock call is not: lock-wait).
        blocked: `SELECT pg_advisory_xact_lock(${key}), 1 AS from_a`,
        lock: () => holder.query(`SELECT pg_advisory_lock(${key})`).then(() => undefined),
        unlock: () => holder.query(`SELECT pg_advisory_unlock(${key})`).then(() => undefined),
      });
      expectRoutes(m);
    } finally {
      await holder.end();
      await pool.end();
      await m.close();
    }
  });
});

describe.skipIf(mysqlMissing)('mysql2 pool (connectionLimit 1): a query waiting for the connection', () => {
  it('is attributed to the request that issued it, not the one that freed the connection', async () => {
    const config = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
    const m = createMonitor({ sampleIntervalMs: 0, queries: { slowThresholdMs: 0, slowLogSize: 100 } });
    const pool = instrumentMysql(mysqlPromise.createPool({ ...config, connectionLimit: 1 }), m);
    const holder = await mysqlPromise.createConnection(config);
    const name = `sv_f6_${process.pid}`;
    try {
      await scenario(m, {
        query: (text, form) =>
          form === 'promise'
            ? pool.query(text).then(() => undefined)
            : new Promise((ok, fail) => pool.pool.query(text, (err) => (err ? fail(err) : ok()))),
        blocked: `SELECT GET_LOCK('${name}', 60), 1 AS from_a`,
        lock: () => holder.query(`SELECT GET_LOCK('${name}', 60)`).then(() => undefined),
        unlock: () => holder.query(`SELECT RELEASE_LOCK('${name}')`).then(() => undefined),
      });
      expectRoutes(m);
    } finally {
      await holder.end();
      await pool.end();
      await m.close();
    }
  });
});
