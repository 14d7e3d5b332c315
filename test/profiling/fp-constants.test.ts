// Outside review 28: NULL/TRUE/FALSE outside IN lists split a statement's fingerprints (RT28-1: `VALUES (?, NULL, ?)`
// and `VALUES (?, 'x', ?)`, `flag = TRUE` and `flag = FALSE` read two rows), and lists of `INTERVAL '1' DAY`,
// `_utf8mb4'a'`, `U&'…'` or `-$1` did not fold (RT28-2). Oracles: PostgreSQL's own query identifier (the jumble
// pg_stat_statements groups by, `compute_query_id` on, read from EXPLAIN VERBOSE): statements that fingerprint alike
// must have one identifier, and those PostgreSQL reads as one (the review's pairs) one fingerprint; the test's tally
// of the statements it issues to the machine's PostgreSQL and MariaDB; no issued value in any fingerprint.

import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { fingerprintLong, fingerprintSql, type SqlDialect } from '../../src/profiling/fingerprint.js';
import { instrumentMysql } from '../../src/profiling/instrument-mysql.js';
import { instrumentPg } from '../../src/profiling/instrument-pg.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});
function monitor(): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {} } });
  cleanups.push(() => m.close());
  return m;
}
const counts = (m: SystemMonitor) =>
  Object.fromEntries(m.queries.rows().map((r) => [r.fingerprint, r.count]));
/** Both scans: the short one (fingerprintSql on a short statement) and the general one. */
const fp = (sql: string, dialect: SqlDialect = 'postgres') => {
  const short = fingerprintSql(sql, dialect);
  expect(fingerprintLong(sql, dialect)).toBe(short);
  return short;
};
const list = (n: number, item: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => item(i)).join(', ');
/** Values no fingerprint may hold (a literal that leaked would show its digits). */
const BASE = 7_200_001;

describe('NULL, TRUE and FALSE where an operand begins are constants; after IS and NOT they are syntax', () => {
  it('reads them as `?` in both scans and both dialects', () => {
    for (const d of ['postgres', 'mysql'] as const) {
      expect(fp('INSERT INTO t (a, b, c) VALUES (1, NULL, 2)', d)).toBe(
        'INSERT INTO t (a, b, c) VALUES (?, ?, ?)',
      );
      expect(fp("INSERT INTO t (a, b, c) VALUES (1, 'x', 2)", d)).toBe(
        'INSERT INTO t (a, b, c) VALUES (?, ?, ?)',
      );
      expect(fp('SELECT a FROM t WHERE flag = TRUE', d)).toBe('SELECT a FROM t WHERE flag = ?');
      expect(fp('SELECT a FROM t WHERE flag=false', d)).toBe('SELECT a FROM t WHERE flag=?');
      expect(fp('SELECT NULL, true, coalesce(a, NULL) FROM t', d)).toBe('SELECT ?, ?, coalesce(a, ?) FROM t');
      expect(fp('SELECT CASE WHEN a IS NULL THEN NULL ELSE FALSE END FROM t', d)).toBe(
        'SELECT CASE WHEN a IS NULL THEN ? ELSE ? END FROM t',
      );
      expect(fp('UPDATE t SET a = NULL, b = TRUE WHERE c = 1', d)).toBe(
        'UPDATE t SET a = ?, b = ? WHERE c = ?',
      );
    }
  });

  it('keeps them where they are syntax: IS [NOT] NULL/TRUE/FALSE, NOT NULL, SET NULL, DEFAULT, a column type', () => {
    const stay = [
      'SELECT a FROM t WHERE b IS NULL',
      'SELECT a FROM t WHERE b IS NOT NULL',
      'SELECT a FROM t WHERE flag IS TRUE',
      'SELECT a FROM t WHERE flag IS NOT FALSE',
      'CREATE TABLE t (a int NOT NULL, b int NULL, c boolean DEFAULT TRUE, d int DEFAULT NULL)',
      'ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id) ON DELETE SET NULL',
    ];
    for (const d of ['postgres', 'mysql'] as const) for (const sql of stay) expect(fp(sql, d)).toBe(sql);
  });
});

describe('list items: INTERVAL, charset introducers, U&, E, B, X strings and signed placeholders fold', () => {
  it('reads one fingerprint whatever the list length, in both scans', () => {
    const shapes: Array<[SqlDialect, (n: number) => string, string]> = [
      [
        'mysql',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `_utf8mb4'v${BASE + i}'`)})`,
        'b IN (...)',
      ],
      [
        'mysql',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `_utf8mb4 "v${BASE + i}"`)})`,
        'b IN (...)',
      ],
      ['mysql', (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `_binary X'${i}a'`)})`, 'b IN (...)'],
      [
        'mysql',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `_latin1 0x${BASE + i}`)})`,
        'b IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE iv IN (${list(n, (i) => `INTERVAL '${BASE + i}' DAY`)})`,
        'iv IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE iv IN (${list(n, (i) => `interval '${BASE + i}-1' year to month`)})`,
        'iv IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE iv IN (${list(n, (i) => `INTERVAL '${BASE + i} days'`)})`,
        'iv IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `U&'\\00${BASE + i}'`)})`,
        'b IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `U&'!${BASE + i}' UESCAPE '!'`)})`,
        'b IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `E'\\'${BASE + i}'`)})`,
        'b IN (...)',
      ],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE b IN (${list(n, (i) => `B'0101', X'${i}f'`)})`,
        'b IN (...)',
      ],
      ['postgres', (n) => `SELECT a FROM t WHERE id IN (${list(n, (i) => `-$${i + 1}`)})`, 'id IN (...)'],
      [
        'postgres',
        (n) => `SELECT a FROM t WHERE id = ANY(ARRAY[${list(n, (i) => `- $${i + 1}`)}])`,
        'id = ANY(ARRAY[...])',
      ],
      ['mysql', (n) => `SELECT a FROM t WHERE id IN (${list(n, () => '-?')})`, 'id IN (...)'],
    ];
    for (const [d, shape, folded] of shapes) {
      // 1 … 60 items, and one long enough (> 4,096 characters) for fingerprintSql to take the general scan.
      const fps = new Set([1, 2, 3, 17, 60, 400].map((n) => fingerprintSql(shape(n), d)));
      expect([...fps], shape(2)).toEqual([`SELECT a FROM t WHERE ${folded}`]);
      for (const n of [1, 2, 17]) expect(fingerprintLong(shape(n), d)).toBe([...fps][0]);
    }
  });

  it('folds an introduced or U& literal outside lists as any literal; MySQL `INTERVAL -1 DAY` as `INTERVAL 1 DAY`', () => {
    expect(fp("SELECT a FROM t WHERE b = _utf8mb4'x' COLLATE utf8mb4_bin", 'mysql')).toBe(
      'SELECT a FROM t WHERE b = ? COLLATE utf8mb4_bin',
    );
    expect(fp("SELECT a FROM t WHERE b = U&'d\\0061t'")).toBe('SELECT a FROM t WHERE b = ?');
    expect(fp('SELECT a FROM t WHERE d > NOW() - INTERVAL -1 DAY', 'mysql')).toBe(
      fp('SELECT a FROM t WHERE d > NOW() - INTERVAL 7 DAY', 'mysql'),
    );
    // Not introducers: a column named like a charset, MySQL's `U & 'x'` (bitwise and), PostgreSQL's U&"name".
    expect(fp("SELECT _utf8mb4, u&'1' FROM t", 'mysql')).toBe('SELECT _utf8mb4, u&? FROM t');
    expect(fp('SELECT U&"d\\0061t" FROM t')).toBe('SELECT U&"d\\0061t" FROM t');
    expect(fp("SELECT _utf8mb4'x'")).toBe('SELECT _utf8mb4?');
  });
});

/** PostgreSQL's query identifier of a statement (EXPLAIN VERBOSE with compute_query_id on). */
async function queryId(client: pg.Client, sql: string): Promise<string> {
  const r = await client.query(`EXPLAIN (VERBOSE, COSTS OFF) ${sql}`);
  const line = r.rows.map((x) => x['QUERY PLAN'] as string).find((l) => l.includes('Query Identifier'));
  const id = /Query Identifier: (-?\d+)/.exec(line ?? '')?.[1];
  if (id === undefined) throw new Error(`no query identifier for ${sql}`);
  return id;
}

const TABLE =
  'CREATE TEMP TABLE sv_fp_consts (a int, b text, c int, flag boolean, iv interval, ts timestamptz, bits bit(4))';

describe.skipIf(pgMissing)('PostgreSQL: one query identifier, one fingerprint', () => {
  it('statements that fingerprint alike have one query identifier; the review’s pairs read one fingerprint', async () => {
    const client = new pg.Client(pgConfig);
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('SET compute_query_id = on');
    await client.query(TABLE);
    const t = 'sv_fp_consts';
    // Groups PostgreSQL reads as one statement each (asserted below), the review's cases.
    const groups = [
      [
        `INSERT INTO ${t} (a, b, c) VALUES (${BASE}, NULL, 2)`,
        `INSERT INTO ${t} (a, b, c) VALUES (3, 'x${BASE}', 4)`,
        `INSERT INTO ${t} (a, b, c) VALUES (5, E'y\\n${BASE}', 6)`,
        `INSERT INTO ${t} (a, b, c) VALUES (7, U&'d\\0061t${BASE}', 8)`,
        `INSERT INTO ${t} (a, b, c) VALUES (9, U&'d!0061t${BASE}' UESCAPE '!', 10)`,
      ],
      [`SELECT a FROM ${t} WHERE flag = TRUE`, `SELECT a FROM ${t} WHERE flag = FALSE`],
      [
        `SELECT a FROM ${t} WHERE flag = NULL AND c = ${BASE}`,
        `SELECT a FROM ${t} WHERE flag = true AND c = 1`,
      ],
      [`SELECT a FROM ${t} WHERE bits = B'0101'`, `SELECT a FROM ${t} WHERE bits = X'f'`],
      [`SELECT TRUE, NULL::int, a FROM ${t}`, `SELECT FALSE, ${BASE}::int, a FROM ${t}`],
      [
        `SELECT a FROM ${t} WHERE b IN (U&'\\0061${BASE}', 'b') ORDER BY 1`,
        `SELECT a FROM ${t} WHERE b IN (E'q', 'r${BASE}') ORDER BY 1`,
      ],
      [
        `SELECT a FROM ${t} WHERE iv IN (INTERVAL '${BASE}' DAY, INTERVAL '1' DAY)`,
        `SELECT a FROM ${t} WHERE iv IN (INTERVAL '2' DAY, INTERVAL '3' DAY)`,
      ],
    ];
    // Syntax, each its own statement: IS NULL, IS NOT NULL, IS TRUE, IS NOT TRUE, IS FALSE.
    const apart = ['IS NULL', 'IS NOT NULL', 'IS TRUE', 'IS NOT TRUE', 'IS FALSE'].map(
      (p) => `SELECT a FROM ${t} WHERE flag ${p}`,
    );
    const all = [...groups.flat(), ...apart];
    const ids = new Map<string, string>();
    for (const sql of all) ids.set(sql, await queryId(client, sql));
    for (const g of groups) {
      expect(new Set(g.map((s) => ids.get(s))).size, g[0]).toBe(1);
      expect(new Set(g.map((s) => fp(s))), g[0]).toEqual(new Set([fp(g[0] as string)]));
    }
    // Alike in fingerprint => alike in PostgreSQL; apart in PostgreSQL => apart in fingerprint.
    for (const x of all)
      for (const y of all) if (fp(x) === fp(y)) expect(ids.get(x), `${x} / ${y}`).toBe(ids.get(y));
    expect(new Set(apart.map((s) => ids.get(s))).size).toBe(apart.length);
    expect(new Set(apart.map((s) => fp(s))).size).toBe(apart.length);
    expect(all.map((s) => fp(s)).join('\n')).not.toMatch(/720\d{4}/);
  });

  it('issued through an instrumented client: one row per shape, whatever the values and lengths', async () => {
    const m = monitor();
    const client = new pg.Client(pgConfig);
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(TABLE);
    instrumentPg(client, m);
    const t = 'sv_fp_consts';
    const lengths = [1, 3, 40];
    for (const n of lengths) {
      const ids = Array.from({ length: n }, (_, i) => BASE + i);
      await client.query(`SELECT a FROM ${t} WHERE a IN (${list(n, (i) => `-$${i + 1}::int`)})`, ids);
      await client.query(`SELECT a FROM ${t} WHERE iv IN (${list(n, (i) => `INTERVAL '${ids[i]}' DAY`)})`);
      await client.query(`SELECT a FROM ${t} WHERE iv IN (${list(n, (i) => `INTERVAL '${ids[i]} hours'`)})`);
      await client.query(`SELECT a FROM ${t} WHERE b IN (${list(n, (i) => `U&'\\0061${ids[i]}'`)})`);
      await client.query(
        `SELECT a FROM ${t} WHERE bits IN (${list(n, (i) => (i % 2 ? "B'0101'" : "X'f'"))})`,
      );
    }
    await client.query(`INSERT INTO ${t} (a, b, flag) VALUES (${BASE}, NULL, TRUE)`);
    await client.query(`INSERT INTO ${t} (a, b, flag) VALUES (1, 'x', FALSE)`);
    await client.query(`SELECT a FROM ${t} WHERE flag = TRUE`);
    await client.query(`SELECT a FROM ${t} WHERE flag = FALSE`);
    await client.query(`SELECT a FROM ${t} WHERE flag IS TRUE`);
    await client.query(`SELECT a FROM ${t} WHERE b IS NULL`);
    await client.query(`SELECT a FROM ${t} WHERE b IS NOT NULL`);
    expect(counts(m)).toEqual({
      [`SELECT a FROM ${t} WHERE a IN (...)`]: 3,
      [`SELECT a FROM ${t} WHERE iv IN (...)`]: 6,
      [`SELECT a FROM ${t} WHERE b IN (...)`]: 3,
      [`SELECT a FROM ${t} WHERE bits IN (...)`]: 3,
      [`INSERT INTO ${t} (a, b, flag) VALUES (?, ?, ?)`]: 2,
      [`SELECT a FROM ${t} WHERE flag = ?`]: 2,
      [`SELECT a FROM ${t} WHERE flag IS TRUE`]: 1,
      [`SELECT a FROM ${t} WHERE b IS NULL`]: 1,
      [`SELECT a FROM ${t} WHERE b IS NOT NULL`]: 1,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/720\d{4}/);
  });
});

describe.skipIf(mysqlMissing)('MariaDB: introduced strings, NULL, TRUE and FALSE', () => {
  it('one row per shape, whatever the values and lengths; IS NULL, IS NOT NULL, IS TRUE apart', async () => {
    const m = monitor();
    const conn = await mysql.createConnection(myConfig);
    cleanups.push(() => conn.end());
    await conn.query('CREATE TEMPORARY TABLE sv_fp_consts (a int, b varchar(40), flag boolean, d datetime)');
    instrumentMysql(conn, m);
    const t = 'sv_fp_consts';
    for (const n of [1, 3, 40]) {
      const ids = Array.from({ length: n }, (_, i) => BASE + i);
      await conn.query(`SELECT a FROM ${t} WHERE b IN (${list(n, (i) => `_utf8mb4'v${ids[i]}'`)})`);
      await conn.query(`SELECT a FROM ${t} WHERE b IN (${list(n, (i) => `_latin1 'v${ids[i]}'`)})`);
      await conn.query(`SELECT a FROM ${t} WHERE b IN (${list(n, (i) => `_binary X'${(i % 10) + 40}'`)})`);
      await conn.query(`SELECT a FROM ${t} WHERE b IN (${list(n, (i) => `'v${ids[i]}'`)})`);
    }
    await conn.query(`INSERT INTO ${t} (a, b, flag) VALUES (${BASE}, NULL, TRUE)`);
    await conn.query(`INSERT INTO ${t} (a, b, flag) VALUES (1, _utf8mb4'x', FALSE)`);
    await conn.query(`SELECT a FROM ${t} WHERE flag = TRUE`);
    await conn.query(`SELECT a FROM ${t} WHERE flag = FALSE`);
    await conn.query(`SELECT a FROM ${t} WHERE flag = 1`);
    await conn.query(`SELECT a FROM ${t} WHERE d > NOW() - INTERVAL 1 DAY`);
    await conn.query(`SELECT a FROM ${t} WHERE d > NOW() - INTERVAL -${BASE} DAY`);
    await conn.query(`SELECT a FROM ${t} WHERE flag IS TRUE`);
    await conn.query(`SELECT a FROM ${t} WHERE b IS NULL`);
    await conn.query(`SELECT a FROM ${t} WHERE b IS NOT NULL`);
    expect(counts(m)).toEqual({
      [`SELECT a FROM ${t} WHERE b IN (...)`]: 12,
      [`INSERT INTO ${t} (a, b, flag) VALUES (?, ?, ?)`]: 2,
      [`SELECT a FROM ${t} WHERE flag = ?`]: 3,
      [`SELECT a FROM ${t} WHERE d > NOW() - INTERVAL ? DAY`]: 2,
      [`SELECT a FROM ${t} WHERE flag IS TRUE`]: 1,
      [`SELECT a FROM ${t} WHERE b IS NULL`]: 1,
      [`SELECT a FROM ${t} WHERE b IS NOT NULL`]: 1,
    });
    expect(JSON.stringify(m.queries.rows())).not.toMatch(/720\d{4}/);
  });
});
