// Outside review 9b, F9: lists that are not plain `IN ($1, $2, …)` (casts on the items, ARRAY[…] literals, row-value
// lists, multi-row VALUES) made one fingerprint per length, pushing real queries into `other`. Issued against the
// machine's PostgreSQL and MariaDB (`test` databases, temporary tables) at three lengths each, every shape reads one
// row whose count is the number the test issued. Oracles: the expected folded text and the test's tally; no value
// issued in a list reaches a fingerprint.

import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';
import { fpDatabases } from './fp-databases.js';

const { cleanups, monitor, counts } = fpDatabases();

const LENGTHS = [1, 3, 40];
/** Values no fingerprint may hold: 7000001… (a literal that leaked would show its digits). */
const BASE = 7_000_001;
const list = (n: number, item: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => item(i)).join(', ');

describe.skipIf(pgMissing)('PostgreSQL: list shapes fold to one fingerprint', () => {
  it('IN ($n::int), = ANY(ARRAY[…]), (a, b) IN ((…)), multi-row VALUES', async () => {
    const m = monitor();
    const client = new pg.Client(pgConfig);
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('CREATE TEMP TABLE sv_fp_lists (id int, b int)');
    instrumentPg(client, m);
    let next = BASE;
    for (const n of LENGTHS) {
      const ids = Array.from({ length: n }, () => next++);
      await client.query(
        `INSERT INTO sv_fp_lists (id, b) VALUES ${list(n, (i) => `(${ids[i]}, ${ids[i]})`)}`,
      );
      await client.query(`SELECT id FROM sv_fp_lists WHERE id IN (${list(n, (i) => `$${i + 1}::int`)})`, ids);
      await client.query(
        `SELECT id FROM sv_fp_lists WHERE id = ANY(ARRAY[${list(n, (i) => String(ids[i]))}])`,
      );
      await client.query(
        `SELECT id FROM sv_fp_lists WHERE (id, b) IN (${list(n, (i) => `(${ids[i]}, ${ids[i]})`)})`,
      );
    }
    const issued = LENGTHS.length;
    expect(counts(m)).toEqual({
      'INSERT INTO sv_fp_lists (id, b) VALUES (?, ?)': issued,
      'SELECT id FROM sv_fp_lists WHERE id IN (...)': issued,
      'SELECT id FROM sv_fp_lists WHERE id = ANY(ARRAY[...])': issued,
      'SELECT id FROM sv_fp_lists WHERE (id, b) IN (...)': issued,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/700\d{4}/);
  });
});

describe.skipIf(mysqlMissing)('MariaDB: list shapes fold to one fingerprint', () => {
  it('(a, b) IN ((…)) and multi-row VALUES', async () => {
    const m = monitor();
    const conn = await mysql.createConnection(myConfig);
    cleanups.push(() => conn.end());
    await conn.query('CREATE TEMPORARY TABLE sv_fp_lists (id int, b int)');
    instrumentMysql(conn, m);
    let next = BASE;
    for (const n of LENGTHS) {
      const ids = Array.from({ length: n }, () => next++);
      await conn.query(`INSERT INTO sv_fp_lists (id, b) VALUES ${list(n, (i) => `(${ids[i]}, ${ids[i]})`)}`);
      await conn.query(
        `SELECT id FROM sv_fp_lists WHERE (id, b) IN (${list(n, (i) => `(${ids[i]}, ${ids[i]})`)})`,
      );
    }
    expect(counts(m)).toEqual({
      'INSERT INTO sv_fp_lists (id, b) VALUES (?, ?)': LENGTHS.length,
      'SELECT id FROM sv_fp_lists WHERE (id, b) IN (...)': LENGTHS.length,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/700\d{4}/);
  });
});

// Outside review 11, F1: with 10,000 `$n` (an ORM's common chunk) the list was cut at 64 KiB, and a cheap statement
// and a slow one (the same list, then a sub-select sleeping) read one row, the slow one's time under the cheap text.
// Oracle: the two statements this test issues, 3 and 1 times, and pg_sleep's own floor for the slow one.
describe.skipIf(pgMissing)('PostgreSQL: a 10,000-parameter list keeps statements apart', () => {
  it('IN ($1 … $10000) cheap ×3 and … AND (SELECT pg_sleep(0.3)) ×1 read two rows', async () => {
    const m = monitor();
    const pool = new pg.Pool({ ...pgConfig, max: 2 });
    cleanups.push(() => pool.end());
    instrumentPg(pool, m);
    const ids = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const inList = ids.map((i) => `$${i}`).join(', ');
    const cheap = `SELECT count(*) FROM generate_series(1, 10) g WHERE g IN (${inList})`;
    const slow = `${cheap} AND (SELECT pg_sleep(0.3)) IS NOT NULL`;
    for (let k = 0; k < 3; k++) await pool.query(cheap, ids);
    await pool.query(slow, ids);
    const rows = m.queries.rows();
    expect(Object.fromEntries(rows.map((r) => [r.fingerprint, r.count]))).toEqual({
      'SELECT count(*) FROM generate_series(?, ?) g WHERE g IN (...)': 3,
      'SELECT count(*) FROM generate_series(?, ?) g WHERE g IN (...) AND (SELECT pg_sleep(?)) IS NOT NULL': 1,
    });
    const slowRow = rows.find((r) => r.fingerprint.includes('pg_sleep'));
    expect(slowRow?.max_ms).toBeGreaterThanOrEqual(300);
  });
});
