// Outside review 27, RT27-7: an IN list holding a negative number (`IN (-1, <ids>)`, the usual guard against an
// empty list), NULL, TRUE/FALSE or a typed literal made one fingerprint per list length, so one statement filled the
// 100-row table and real queries fell into `other`; `id = -1` and `id = 1` read two fingerprints. A sign before a
// number is part of its literal, as PostgreSQL reads it (one constant; pg_stat_statements shows `id = $1` for
// `id = -1`); a minus after an operand is an operator and stays. Issued against the machine's PostgreSQL and
// MariaDB; oracles: the test's own tally of what it issued, the folded text the README documents, and no issued
// value in any fingerprint.

import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fingerprintSql } from '../../src/profiling/fingerprint.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';
import { fpDatabases } from './fp-databases.js';

const { cleanups, monitor, counts } = fpDatabases();
/** Values no fingerprint may hold (a literal that leaked would show its digits). */
const BASE = 7_100_001;
const ids = (n: number) => Array.from({ length: n }, (_, i) => BASE + i);

describe('a sign is part of its number; NULL, TRUE, FALSE and typed literals are list items', () => {
  it('reads one fingerprint whatever the list length, in both scans (short and long statements)', () => {
    const shapes: Array<(n: number) => string> = [
      (n) => `SELECT * FROM t WHERE id IN (-1, ${ids(n).join(', ')})`,
      (n) =>
        `SELECT * FROM t WHERE x IN (${ids(n)
          .map((v, i) => (i % 2 ? `-${v}.5` : `+${v}`))
          .join(', ')})`,
      (n) => `SELECT * FROM t WHERE id IN (NULL, ${ids(n).join(', ')})`,
      (n) =>
        `SELECT * FROM t WHERE ok IN (${ids(n)
          .map((_, i) => (i % 2 ? 'TRUE' : 'false'))
          .join(', ')})`,
      (n) =>
        `SELECT * FROM t WHERE d IN (${ids(n)
          .map((v) => `DATE '2020-01-${(v % 28) + 1}'`)
          .join(', ')})`,
      (n) =>
        `SELECT ARRAY[${ids(n)
          .map((v) => `-${v}`)
          .join(', ')}]`,
      (n) =>
        `INSERT INTO t (a, b) VALUES ${ids(n)
          .map((v) => `(${v}, -${v})`)
          .join(', ')}`,
    ];
    for (const shape of shapes) {
      // 1 … 60 items, and one long enough (> 4,096 characters) to take the general scan.
      const fps = new Set([1, 2, 3, 17, 60, 700].map((n) => fingerprintSql(shape(n))));
      expect([...fps], shape(2)).toHaveLength(1);
      expect([...fps][0]).not.toMatch(/710\d{4}|2020|-\?|\+\?/);
    }
  });

  it('a unary sign folds, a binary minus stays', () => {
    const same = (a: string, b: string) => expect(fingerprintSql(a)).toBe(fingerprintSql(b));
    same('SELECT * FROM t WHERE id = -1', 'SELECT * FROM t WHERE id = 1');
    same('SELECT * FROM t WHERE id=-1', 'SELECT * FROM t WHERE id=1');
    same('SELECT * FROM t WHERE id = - 1', 'SELECT * FROM t WHERE id = 1');
    same('SELECT -1, 2 * -3', 'SELECT 1, 2 * 3');
    same(
      'SELECT * FROM t WHERE x BETWEEN -5 AND -1 LIMIT 10',
      'SELECT * FROM t WHERE x BETWEEN 5 AND 1 LIMIT 10',
    );
    expect(fingerprintSql('SELECT a - 1, a-1, (a)-1, $1-1, b - -1 FROM t')).toBe(
      'SELECT a - ?, a-?, (a)-?, $1-?, b - ? FROM t',
    );
    // Not constants: a list of columns and IS NULL stay as written.
    expect(fingerprintSql('SELECT * FROM t WHERE a IN (x, y) AND b IS NULL')).toBe(
      'SELECT * FROM t WHERE a IN (x, y) AND b IS NULL',
    );
  });
});

describe.skipIf(pgMissing)('PostgreSQL: the reviewer’s guard list and the query beside it', () => {
  it('IN (-1, <1…120 ids>) reads one row of 120, and the count query its own row', async () => {
    const m = monitor();
    const client = new pg.Client(pgConfig);
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('CREATE TEMP TABLE sv_fp_signed (id int, ok boolean, d date)');
    instrumentPg(client, m);
    for (let n = 1; n <= 120; n++)
      await client.query(`SELECT id FROM sv_fp_signed WHERE id IN (-1, ${ids(n).join(', ')})`);
    for (let n = 1; n <= 5; n++) await client.query(`SELECT id FROM sv_fp_signed WHERE id = -${BASE + n}`);
    await client.query('SELECT id FROM sv_fp_signed WHERE ok IN (TRUE, FALSE, NULL)');
    await client.query("SELECT id FROM sv_fp_signed WHERE d IN (DATE '2020-01-01', DATE '2020-01-02')");
    for (let k = 0; k < 5; k++) await client.query('SELECT count(*) FROM sv_fp_signed WHERE id > $1', [k]);
    expect(counts(m)).toEqual({
      'SELECT id FROM sv_fp_signed WHERE id IN (...)': 120,
      'SELECT id FROM sv_fp_signed WHERE ok IN (...)': 1,
      'SELECT id FROM sv_fp_signed WHERE id = ?': 5,
      'SELECT id FROM sv_fp_signed WHERE d IN (...)': 1,
      'SELECT count(*) FROM sv_fp_signed WHERE id > $1': 5,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/710\d{4}/);
  });
});

describe.skipIf(mysqlMissing)('MariaDB: signed and NULL list items', () => {
  it('IN (-1, <ids>) and IN (NULL, <ids>) read one row each', async () => {
    const m = monitor();
    const conn = await mysql.createConnection(myConfig);
    cleanups.push(() => conn.end());
    await conn.query('CREATE TEMPORARY TABLE sv_fp_signed (id int)');
    instrumentMysql(conn, m);
    for (const n of [1, 3, 40]) {
      await conn.query(`SELECT id FROM sv_fp_signed WHERE id IN (-1, ${ids(n).join(', ')})`);
      await conn.query(`SELECT id FROM sv_fp_signed WHERE id IN (NULL, ${ids(n).join(', ')})`);
    }
    expect(counts(m)).toEqual({
      'SELECT id FROM sv_fp_signed WHERE id IN (...)': 6,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/710\d{4}/);
  });
});
