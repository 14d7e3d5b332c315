// `client.query(new pg.Query(…))` (a submittable, no promise) is timed and counted like any query, its
// errors included (outside review 2, F2); a submittable that reads at the application's pace (a cursor)
// stays untimed. Real PostgreSQL `test` database.

import { EventEmitter } from 'node:events';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { canConnect } from '../collector/helpers/tcp-proxy.js';

const CI = process.env.CI === 'true';
const pgMissing = !CI && !(await canConnect(5432));
if (pgMissing) console.warn('[sysvitals tests] skipping: PostgreSQL is not listening on 127.0.0.1:5432');

/** A cursor-like submittable: it sends one simple query and is read by the application (it has read()). */
class ReadLater extends EventEmitter {
  readonly text = 'SELECT 7 AS read_later';
  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  read(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleError(err: unknown): void {
    this.emit('error', err);
  }
  handleReadyForQuery(): void {
    this.emit('end');
  }
}

describe.skipIf(pgMissing)('instrumentPg: pg.Query submittables', () => {
  it('times and counts new pg.Query(…) (event and callback forms, errors included); a cursor stays untimed', async () => {
    const m = createMonitor({ sampleIntervalMs: 0, queries: { slowThresholdMs: 0, slowLogSize: 100 } });
    const pool = instrumentPg(
      new pg.Pool({
        host: '127.0.0.1',
        port: 5432,
        user: process.env.PGUSER ?? 'postgres',
        database: 'test',
        max: 1,
      }),
      m,
    );
    const client = await pool.connect();
    const outcome = (q: pg.Query) =>
      new Promise<string>((ok) => {
        q.on('end', () => ok('end'));
        q.on('error', () => ok('error'));
      });
    try {
      expect(await outcome(client.query(new pg.Query('SELECT 5 AS sub')))).toBe('end');
      expect(await outcome(client.query(new pg.Query('SELECT 1/0 AS sub_fail')))).toBe('error');
      const viaCallback = (text: string) =>
        new Promise<string>((ok) => {
          client.query(new pg.Query(text, [], (err) => ok(err ? 'error' : 'ok')));
        });
      expect(await viaCallback('SELECT 6 AS sub_cb')).toBe('ok');
      expect(await viaCallback('SELECT 1/0 AS sub_cb_fail')).toBe('error');
      const cursor = new ReadLater();
      const ended = new Promise((ok) => cursor.once('end', ok));
      client.query(cursor as unknown as pg.Query);
      await ended;
      const rows = m.queries.rows().map((r) => [r.fingerprint, r.count, r.errors]);
      // Before: no row at all (4 queries neither counted nor timed).
      expect(rows.sort()).toEqual([
        ['SELECT ? AS sub', 1, 0],
        ['SELECT ? AS sub_cb', 1, 0],
        ['SELECT ?/? AS sub_cb_fail', 1, 1],
        ['SELECT ?/? AS sub_fail', 1, 1],
      ]);
      // The slow-query log, newest first.
      expect(m.queries.slowQueries().map((s) => s.failed)).toEqual([true, false, true, false]);
    } finally {
      client.release();
      await pool.end();
      await m.close();
    }
  });
});
