// Outside review 31, RT31-2: a statement whose literals end elsewhere under the other backslash setting
// (PostgreSQL `standard_conforming_strings = off`, MySQL/MariaDB `NO_BACKSLASH_ESCAPES`) kept values in its
// fingerprint (`'O\'Brien' AND password = 'hunter2'` read `?Brien?hunter2?`). Oracle: the machine's PostgreSQL and
// MariaDB run each seeded statement under both settings; every value a server returns is absent from the
// fingerprint, and where exactly one setting runs it, the fingerprint has one `?` per column the server returned.

import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fingerprintLong, fingerprintSql, type SqlDialect } from '../../src/profiling/fingerprint.js';
import { myConfig, mysqlMissing, pgConfig, pgMissing } from '../helpers/databases.js';
import { rng as random } from '../helpers/random.js';

/** Literal shapes: backslashes before quotes, at the end, doubled; `E'…'` (PostgreSQL), `"…"` strings (MySQL). */
function literal(r: () => number, word: () => string, dialect: SqlDialect): string {
  const shapes = [
    () => `'${word()}'`,
    () => `'${word()}\\'${word()}'`,
    () => `'${word()}\\'`,
    () => `'${word()}\\\\'`,
    () => `'${word()}'' ${word()}'`,
    () => `'C:\\${word()}\\'`,
    () => (dialect === 'postgres' ? `E'${word()}\\'${word()}'` : `"${word()}\\"${word()}"`),
  ];
  return (shapes[Math.floor(r() * shapes.length)] as () => string)();
}

/** Seeded `SELECT <literal> AS c1, … , <literal> AS cN` statements whose words are `zq<n>` (found if they leak). */
function statements(dialect: SqlDialect, count: number): string[] {
  const r = random(dialect === 'postgres' ? 31 : 32);
  let n = 0;
  const word = () => `zq${1000 + n++}`;
  const out: string[] = [];
  for (let s = 0; s < count; s++) {
    const columns = 2 + Math.floor(r() * 3);
    const parts = Array.from({ length: columns }, (_, k) => `${literal(r, word, dialect)} AS c${k + 1}`);
    out.push(`SELECT ${parts.join(', ')}`);
  }
  // The review's two statements, as an application would send them.
  out.push("SELECT 'O\\'Brien' AS name, 'zq_hunter2' AS password");
  out.push("SELECT 'C:\\' AS bio, 'zq_sk_live_51Habc' AS api_key");
  // Outside review 32's: a comment or a quoted name with an apostrophe after a backslash literal.
  out.push("SELECT 'C:\\' AS p -- don't cache, user zqalice@example.com\n, 1 AS id");
  out.push(
    dialect === 'postgres'
      ? `SELECT 'a\\' AS "it's", 'zqsecret1' AS c`
      : "SELECT 'a\\' AS `it's`, 'zqsecret1' AS c",
  );
  return out;
}

/** Both scans agree; the fingerprint. */
function fp(sql: string, dialect: SqlDialect): string {
  const short = fingerprintSql(sql, dialect);
  expect(fingerprintLong(sql, dialect)).toBe(short);
  return short;
}

interface Run {
  values: string[];
  columns: number;
}

/** Checks one statement against what the server returned under each setting (undefined: it did not run). */
function check(sql: string, dialect: SqlDialect, runs: Array<Run | undefined>): void {
  const print = fp(sql, dialect);
  for (const run of runs) {
    if (run === undefined) continue;
    for (const value of run.values) {
      for (const w of value.match(/zq\w+/g) ?? []) expect(print, `${sql} -> ${value}`).not.toContain(w);
    }
  }
  const ran = runs.filter((r) => r !== undefined);
  // Every `zq` word is in a literal or a comment of the statement a server runs: none is code.
  if (ran.length > 0) expect(print, sql).not.toMatch(/zq/);
  if (ran.length === 1) {
    expect(print.split('?').length - 1, `${sql} -> ${print}`).toBe((ran[0] as Run).columns);
  }
}

describe.skipIf(pgMissing)('PostgreSQL with standard_conforming_strings on and off', () => {
  it('keeps no value either setting reads, and every column of the setting that runs it', async () => {
    const on = new pg.Client(pgConfig);
    const off = new pg.Client(pgConfig);
    await on.connect();
    await off.connect();
    try {
      await off.query('SET standard_conforming_strings = off; SET escape_string_warning = off');
      const run = async (client: pg.Client, sql: string): Promise<Run | undefined> => {
        try {
          const result = await client.query({ text: sql, rowMode: 'array' });
          return { values: (result.rows[0] as unknown[]).map(String), columns: result.fields.length };
        } catch {
          return undefined;
        }
      };
      let onlyOne = 0;
      for (const sql of statements('postgres', 80)) {
        const runs = [await run(on, sql), await run(off, sql)];
        if (runs.filter((r) => r !== undefined).length === 1) onlyOne++;
        check(sql, 'postgres', runs);
      }
      // The seeded set holds statements only one setting runs (the review's case).
      expect(onlyOne).toBeGreaterThan(10);
    } finally {
      await on.end();
      await off.end();
    }
  });
});

describe.skipIf(mysqlMissing)('MariaDB with and without NO_BACKSLASH_ESCAPES', () => {
  it('keeps no value either setting reads, and every column of the setting that runs it', async () => {
    const usual = await mysql.createConnection(myConfig);
    const plain = await mysql.createConnection(myConfig);
    try {
      await plain.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
      const run = async (conn: mysql.Connection, sql: string): Promise<Run | undefined> => {
        try {
          const [rows, fields] = await conn.query({ sql, rowsAsArray: true });
          return { values: ((rows as unknown[][])[0] ?? []).map(String), columns: fields?.length ?? 0 };
        } catch {
          return undefined;
        }
      };
      let onlyOne = 0;
      for (const sql of statements('mysql', 80)) {
        const runs = [await run(usual, sql), await run(plain, sql)];
        if (runs.filter((r) => r !== undefined).length === 1) onlyOne++;
        check(sql, 'mysql', runs);
      }
      expect(onlyOne).toBeGreaterThan(10);
    } finally {
      await usual.end();
      await plain.end();
    }
  });
});

describe('statements without a backslash, or read alike both ways, are unchanged', () => {
  it('fingerprints as before', () => {
    expect(fp("SELECT a FROM t WHERE b = 'x' AND c = 'it''s'", 'postgres')).toBe(
      'SELECT a FROM t WHERE b = ? AND c = ?',
    );
    // `\\` before the closing quote: one literal both ways.
    expect(fp("SELECT a FROM t WHERE b = 'x\\\\' AND c = 2", 'mysql')).toBe(
      'SELECT a FROM t WHERE b = ? AND c = ?',
    );
    // A backslash in a comment, a name or a dollar quote changes nothing.
    expect(fp('SELECT "a\\" FROM t -- \\\' x\nWHERE b = $q$\\\'$q$', 'postgres')).toBe(
      'SELECT "a\\" FROM t WHERE b = ?',
    );
  });
});

// Outside review 32, RT32-1: a comment or a quoted name holding an apostrophe after a backslash literal. The other
// reading closes its literal at that apostrophe, so both readings lexed, and the fingerprint kept the comment's text
// (`SELECT ?t cache, user alice@…`) or a name's tail and the rewrite's `'x'` (`SELECT ?s", 'x' AS c`).
describe('comments and quoted names with an apostrophe after a backslash literal', () => {
  const cases: Array<[SqlDialect, (comment: string) => string]> = [
    ['postgres', (c) => `SELECT 'C:\\' AS p -- don't ${c}\n, 1 AS id`],
    ['mysql', (c) => `SELECT 'C:\\' AS p -- don't ${c}\n, 1 AS id`],
    ['mysql', (c) => `SELECT 'C:\\' AS p # don't ${c}\n, 1 AS id`],
    ['postgres', (c) => `SELECT 'a\\' AS a, -- it's ${c}\n'zq2' AS b`],
    ['mysql', (c) => `SELECT 'a\\' AS a, /* it's ${c} */ 'zq2' AS b`],
  ];
  it('keep no comment text, and one shape whatever the comment says', () => {
    for (const [dialect, sql] of cases) {
      const one = fp(sql('cache, user zqalice@example.com'), dialect);
      expect(one).not.toMatch(/zq|cache|alice/);
      expect(fp(sql('zqother words, zqbob'), dialect)).toBe(one);
    }
  });
  it('read a quoted name that does not close in the other reading as a name', () => {
    expect(fp(`SELECT 'a\\' AS "it's", 'zqsecret1' AS c`, 'postgres')).toBe(`SELECT ? AS "it's", ? AS c`);
    expect(fp(`SELECT 'a\\' AS "o'k", 'zqsec6' || 'zqsec7' AS c`, 'postgres')).toBe(
      `SELECT ? AS "o'k", ? || ? AS c`,
    );
    expect(fp("SELECT 'a\\' AS `it's`, 'zqsecret1' AS c", 'mysql')).toBe("SELECT ? AS `it's`, ? AS c");
  });
});
