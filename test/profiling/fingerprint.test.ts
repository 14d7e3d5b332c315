// Fingerprints: literals replaced, comments dropped, whitespace collapsed, IN-lists folded; a literal
// value never survives (property test with fixed seeds), and the cache returns what a scan returns.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FingerprintCache,
  fingerprintRedis,
  fingerprintSql,
  MAX_FINGERPRINT_LENGTH,
  MAX_SQL_SCAN,
} from '../../src/profiling/fingerprint.js';

describe('fingerprintSql', () => {
  it.each([
    [
      "SELECT * FROM users WHERE id = 42 AND name = 'bob''s'",
      'SELECT * FROM users WHERE id = ? AND name = ?',
    ],
    ['select  a,\n\t b  from t1\nwhere x = 1.5e-3', 'select a, b from t1 where x = ?'],
    ['SELECT * FROM t WHERE id IN (1, 2, 3, 4)', 'SELECT * FROM t WHERE id IN (...)'],
    ['SELECT * FROM t WHERE id in ($1,$2, $3)', 'SELECT * FROM t WHERE id in (...)'],
    ["SELECT * FROM t WHERE id IN ('a','b')", 'SELECT * FROM t WHERE id IN (...)'],
    ["INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'INSERT INTO t (a, b) VALUES (?, ?)'],
    ['INSERT INTO t (a) VALUES ($1)', 'INSERT INTO t (a) VALUES ($1)'],
    ['SELECT 1 -- trailing comment\n', 'SELECT ?'],
    ['SELECT /* hint */ a FROM t', 'SELECT a FROM t'],
    ['SELECT $$dollar$$, $tag$x$tag$', 'SELECT ?, ?'],
    ["SELECT E'it\\'s', X'4F', 0x1F, .5", 'SELECT ?, ?, ?, ?'],
    ['SELECT "Col1", t2.c3 FROM "My Table" t2', 'SELECT "Col1", t2.c3 FROM "My Table" t2'],
    ["SELECT 'x'::text, now() - interval '1 day'", 'SELECT ?::text, now() - interval ?'],
  ])('%s', (sql, expected) => {
    expect(fingerprintSql(sql)).toBe(expected);
  });

  it('folds lists that are not plain IN (...) to one fingerprint whatever their length (outside review 9b, F9)', () => {
    const list = (n: number, item: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => item(i)).join(', ');
    const shapes: Array<[string, (n: number) => string, string]> = [
      [
        'IN ($n::int)',
        (n) => `SELECT * FROM t WHERE id IN (${list(n, (i) => `$${i + 1}::int`)})`,
        'SELECT * FROM t WHERE id IN (...)',
      ],
      [
        '= ANY(ARRAY[n])',
        (n) => `SELECT * FROM t WHERE id = ANY(ARRAY[${list(n, (i) => String(i))}])`,
        'SELECT * FROM t WHERE id = ANY(ARRAY[...])',
      ],
      [
        '(a, b) IN ((n, n))',
        (n) => `SELECT * FROM t WHERE (a, b) IN (${list(n, (i) => `(${i}, ${i})`)})`,
        'SELECT * FROM t WHERE (a, b) IN (...)',
      ],
      [
        'VALUES (n, n), …',
        (n) => `INSERT INTO t (a, b) VALUES ${list(n, (i) => `(${i}, 'v${i}')`)}`,
        'INSERT INTO t (a, b) VALUES (?, ?)',
      ],
      [
        'IN ($n)',
        (n) => `SELECT * FROM t WHERE id IN (${list(n, (i) => `$${i + 1}`)})`,
        'SELECT * FROM t WHERE id IN (...)',
      ],
    ];
    for (const [name, build, expected] of shapes) {
      const seen = new Set<string>();
      for (let n = 1; n <= 120; n++) seen.add(fingerprintSql(build(n)));
      expect([name, [...seen]]).toEqual([name, [expected]]);
    }
    // Cast spellings, spacing, case, ARRAY of placeholders with an outer cast, and MySQL's row lists.
    for (const [sql, expected] of [
      [
        "SELECT 1 FROM t WHERE c in ('a'::varchar(10), 'b' :: varchar(10))",
        'SELECT ? FROM t WHERE c in (...)',
      ],
      ['SELECT 1 FROM t WHERE c IN ($1::text[], $2::text[])', 'SELECT ? FROM t WHERE c IN (...)'],
      ['SELECT unnest(array [$1::int, $2::int])', 'SELECT unnest(array[...])'],
      [
        'SELECT * FROM t WHERE id = ANY(ARRAY[$1, $2]::bigint[])',
        'SELECT * FROM t WHERE id = ANY(ARRAY[...]::bigint[])',
      ],
      [
        'SELECT * FROM t WHERE (a, b) IN (($1, $2), ($3, $4)) AND c IN (SELECT c FROM u)',
        'SELECT * FROM t WHERE (a, b) IN (...) AND c IN (SELECT c FROM u)',
      ],
    ])
      expect(fingerprintSql(sql as string)).toBe(expected);
    expect(fingerprintSql('SELECT * FROM t WHERE (a, b) IN ((1, \'x\'), (2, "y"))', 'mysql')).toBe(
      'SELECT * FROM t WHERE (a, b) IN (...)',
    );
  });

  it('drops a nested PostgreSQL comment whole, and a MySQL comment at its first close (outside review)', () => {
    // PostgreSQL nests block comments: the text after the inner close is still comment, and may hold
    // anything. Before, "card 4111 1111 */ a" reached the fingerprint.
    const sql = 'SELECT /* outer /* inner */ secret card 4111-1111 ssn 078-05-1120 */ a FROM t';
    expect(fingerprintSql(sql)).toBe('SELECT a FROM t');
    expect(fingerprintSql('SELECT /* a /* b /* c */ d */ e */ x FROM t /* unterminated /* */ y')).toBe(
      'SELECT x FROM t',
    );
    // MySQL does not nest: the first close ends the comment (as the server reads it).
    expect(fingerprintSql('SELECT /* a /* b */ x FROM t', 'mysql')).toBe('SELECT x FROM t');
  });

  it('treats double quotes as strings and backticks as identifiers in MySQL', () => {
    expect(fingerprintSql('SELECT `a` FROM t WHERE b = "secret" # note', 'mysql')).toBe(
      'SELECT `a` FROM t WHERE b = ?',
    );
    expect(fingerprintSql("SELECT * FROM t WHERE a = 'it\\'s' AND b = ?", 'mysql')).toBe(
      'SELECT * FROM t WHERE a = ? AND b = ?',
    );
  });

  it('gives the same fingerprint to queries that differ only in values and spacing', () => {
    const a = fingerprintSql("SELECT * FROM orders WHERE user_id = 7 AND status IN ('new', 'paid')");
    const b = fingerprintSql("SELECT *  FROM orders\nWHERE user_id = 123456 AND status IN ('x')");
    expect(a).toBe(b);
  });

  it('bounds the length', () => {
    const long = `SELECT ${Array.from({ length: 2000 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const fp = fingerprintSql(long);
    expect(fp.length).toBe(MAX_FINGERPRINT_LENGTH);
    expect(fp.endsWith('…')).toBe(true);
  });

  // Outside review 10, F3: past ~2,000 characters the lists were not folded and the fingerprint was the first
  // 1,000 characters, so one statement split by list length and statements differing after the cut merged.
  it('folds lists of any length before the cut; statements differing after the cut stay apart', () => {
    const ids = (n: number, cast = '') => Array.from({ length: n }, (_, i) => `$${i + 1}${cast}`).join(', ');
    const A = (n: number) => `SELECT id, name FROM users WHERE id IN (${ids(n)}) AND deleted_at IS NULL`;
    const B = (n: number) =>
      `SELECT id, name FROM users WHERE id IN (${ids(n)}) ORDER BY created_at FOR UPDATE`;
    const a = fingerprintSql(A(300));
    expect(a).toBe('SELECT id, name FROM users WHERE id IN (...) AND deleted_at IS NULL');
    expect([A(500), A(1000), A(5000)].map((q) => fingerprintSql(q))).toEqual([a, a, a]);
    expect(fingerprintSql(B(500))).toBe(
      'SELECT id, name FROM users WHERE id IN (...) ORDER BY created_at FOR UPDATE',
    );
    const casts = (n: number) => fingerprintSql(`SELECT * FROM t WHERE id IN (${ids(n, '::int')})`);
    expect(casts(1000)).toBe(casts(3));
    const rows = (n: number) =>
      `INSERT INTO t (a, b) VALUES ${Array.from({ length: n }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`;
    const bulk = fingerprintSql(rows(100));
    expect(bulk).toBe('INSERT INTO t (a, b) VALUES ($1, $2)');
    expect([rows(300), rows(1000)].map((q) => fingerprintSql(q))).toEqual([bulk, bulk]);
    const lit = (n: number) =>
      `INSERT INTO t VALUES ${Array.from({ length: n }, (_, i) => `(${i}, 'v${i}')`).join(',')}`;
    expect(fingerprintSql(lit(2000))).toBe(fingerprintSql(lit(2)));
  });

  it('a cut fingerprint ends in a hash of the cut part, so a different tail is a different fingerprint', () => {
    const cols = Array.from({ length: 400 }, (_, i) => `c${i}`).join(', ');
    const x = fingerprintSql(`SELECT ${cols} FROM t WHERE a = 1 ORDER BY b`);
    const y = fingerprintSql(`SELECT ${cols} FROM t WHERE a = 1 FOR UPDATE`);
    expect(x.length).toBe(MAX_FINGERPRINT_LENGTH);
    expect(y.length).toBe(MAX_FINGERPRINT_LENGTH);
    expect(x).not.toBe(y);
    expect(x).toMatch(/ #[0-9a-f]{8}…$/);
    // The hash is of the normalised text: other literal values read the same fingerprint.
    expect(fingerprintSql(`SELECT ${cols} FROM t WHERE a = 987654 ORDER BY b`)).toBe(x);
    // Past MAX_SQL_SCAN of folded text the rest is not read (only its last 4 KiB): here cut at 1,000, ending in `…`.
    const huge = `SELECT ${'x, '.repeat(MAX_SQL_SCAN)}y FROM t`;
    expect(fingerprintSql(huge).endsWith('…')).toBe(true);
    expect(fingerprintSql(`SELECT 1 /* ${'z'.repeat(MAX_SQL_SCAN)} */ FROM t`)).toBe('SELECT ? FROM t');
  });

  it('never keeps a string or number literal, whatever surrounds it (fixed seeds)', () => {
    const secretChars = fc.constantFrom(...'abcXYZ019 _-\'"\\$;(),.*/\n'.split(''));
    const secret = fc.string({ unit: secretChars, minLength: 1, maxLength: 30 });
    const template = fc.constantFrom(
      (v: string) => `SELECT * FROM t WHERE a = '${v.replaceAll("'", "''")}'`,
      (v: string) =>
        `UPDATE t SET note = E'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' WHERE id = 1`,
      (v: string) => `SELECT $q$${v.replaceAll('$', '')}$q$`,
      (v: string) => `INSERT INTO t (a) VALUES ('${v.replaceAll("'", "''")}'), ('x')`,
      (v: string) =>
        `SELECT * FROM t WHERE a IN ('${v.replaceAll("'", "''")}', 'b') -- ${v.replaceAll('\n', '')}`,
      (v: string) => `SELECT * FROM t WHERE a = ANY(ARRAY['${v.replaceAll("'", "''")}'::text, 'b'])`,
      (v: string) => `SELECT * FROM t WHERE (a, b) IN ((1, '${v.replaceAll("'", "''")}'), (2, 'b'))`,
      (v: string) => `INSERT INTO t (a) VALUES ('x'), ('${v.replaceAll("'", "''")}')`,
    );
    fc.assert(
      fc.property(secret, template, (raw, build) => {
        const marker = `Zq${raw}`;
        const fp = fingerprintSql(build(marker));
        return !fp.includes('Zq');
      }),
      { seed: 15, numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 2 ** 31 }),
        (n) => !fingerprintSql(`SELECT ${n} AS x`).includes(String(n)),
      ),
      { seed: 16, numRuns: 200 },
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => typeof fingerprintSql(s) === 'string'),
      { seed: 17, numRuns: 500 },
    );
    expect(fingerprintSql(undefined as unknown as string)).toBe('?');
  });
});

describe('fingerprintRedis', () => {
  it('keeps the command name only', () => {
    expect(fingerprintRedis('get')).toBe('GET');
    expect(fingerprintRedis('hset')).toBe('HSET');
    expect(fingerprintRedis('secret value with spaces')).toBe('?');
    expect(fingerprintRedis('')).toBe('?');
  });
});

describe('FingerprintCache', () => {
  it('answers as a scan does, and stays bounded', () => {
    const cache = new FingerprintCache('postgres', 10);
    for (let i = 0; i < 50; i++) {
      const sql = `SELECT * FROM t WHERE id = ${i}`;
      expect(cache.timed(sql)).toBe(fingerprintSql(sql));
    }
    expect((cache as unknown as { map: Map<string, string> }).map.size).toBeLessThanOrEqual(10);
  });
});
