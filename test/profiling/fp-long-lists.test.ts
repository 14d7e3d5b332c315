// Outside review 11, F1: the scan stopped at 64 KiB of text read, lists included, so `IN ($1 … $10000)`, a
// `VALUES ($1, $2, $3), …` of 3,000 rows or a literal VALUES of 5,000 rows was cut inside the list, and a cheap
// and a slow statement sharing the list (differing after it) read one fingerprint. Oracle: the statement texts
// built here: the same shape with other values or another length must read alike (up to the input ceiling),
// statements whose tails differ must not.

import { describe, expect, it } from 'vitest';
import { FingerprintCache, fingerprintSql, MAX_SQL_INPUT } from '../../src/profiling/fingerprint.js';

const SIZES = [5_000, 10_000, 20_000, 100_000];
const TAILS = ['', ' AND (SELECT pg_sleep(0.8)) IS NOT NULL', ' FOR UPDATE', ' ORDER BY id DESC LIMIT 10'];
const ROW_TAILS = [
  '',
  ' ON CONFLICT DO NOTHING',
  ' ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b',
  ' RETURNING id',
];
const join = (n: number, item: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => item(i)).join(', ');

// Each shape: a statement of n items (values from `seed`), to be followed by a tail (every tail follows the list).
// Built once per length and seed, the tails appended: the joins of up to 100,000 items cost as much as fingerprinting.
const SHAPES: Record<string, { build: (n: number, seed: number) => string; tails: string[] }> = {
  'IN literals': {
    build: (n, seed) => `SELECT id FROM t WHERE id IN (${join(n, (i) => String(seed + i * 7))})`,
    tails: TAILS,
  },
  'IN placeholders': {
    build: (n) => `SELECT id FROM t WHERE id IN (${join(n, (i) => `$${i + 1}`)})`,
    tails: TAILS,
  },
  'IN string literals': {
    build: (n, seed) => `SELECT id FROM t WHERE name IN (${join(n, (i) => `'n${seed}-${i}'`)})`,
    tails: TAILS,
  },
  'VALUES placeholders': {
    build: (n) =>
      `INSERT INTO t (a, b, c) VALUES ${join(n, (i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`)}`,
    tails: ROW_TAILS,
  },
  'VALUES literals': {
    build: (n, seed) =>
      `INSERT INTO t (a, b, c) VALUES ${join(n, (i) => `(${seed + i}, 'name ${seed * i}', ${i}.5)`)}`,
    tails: ROW_TAILS,
  },
};

describe('long lists: fingerprints by shape, whatever the length (outside review 11, F1)', () => {
  for (const [name, { build, tails }] of Object.entries(SHAPES)) {
    for (const n of SIZES) {
      it(`${name}, ${n.toLocaleString('en')} items`, () => {
        const [base, otherValues, longer] = [build(n, 1000), build(n, 900_001), build(n + 7, 1000)];
        const fps = tails.map((tail) => fingerprintSql(base + tail));
        // Statements whose tails differ: as many fingerprints as tails, each showing its tail.
        expect(new Set(fps).size).toBe(tails.length);
        tails.forEach((tail, k) => {
          expect(fps[k]?.endsWith(tail.trim().replace(/\b\d+(?:\.\d+)?\b/g, '?'))).toBe(true);
        });
        // The same statement with other values (and a slightly different length) reads alike.
        tails.forEach((tail, k) => {
          expect(fingerprintSql(otherValues + tail)).toBe(fps[k]);
          expect(fingerprintSql(longer + tail)).toBe(fps[k]);
        });
        // Read whole (under the input ceiling): the same fingerprint as the 3-item (1-row) form.
        if (base.length < MAX_SQL_INPUT) {
          const short = name.startsWith('VALUES') ? 1 : 3;
          tails.forEach((tail, k) => {
            expect(fps[k]).toBe(fingerprintSql(build(short, 1000) + tail));
          });
        }
        // No value reaches a fingerprint.
        for (const fp of fps) expect(fp).not.toMatch(/n1000-|n900001-|name \d|\b1\d{3}\b|9000\d\d/);
      });
    }
  }

  it('past the input ceiling, a statement reads `<read part> … <its end>`, the end normalised', () => {
    const q = `${SHAPES['VALUES literals']?.build(100_000, 1000)} ON CONFLICT DO NOTHING`;
    expect(q.length).toBeGreaterThan(MAX_SQL_INPUT);
    expect(fingerprintSql(q)).toBe('INSERT INTO t (a, b, c) VALUES (?, ?, ?) … ON CONFLICT DO NOTHING');
    // A tail that starts inside a literal is read from its end: its words are no part of the fingerprint.
    // Wherever the ceiling falls (inside a row, between rows), the same statement reads alike: padding moves it.
    const list = join(60_000, (i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`);
    const rows = (pad: number, tail: string) =>
      `INSERT INTO t${' '.repeat(pad)}(a, b, c) VALUES ${list}${tail}`;
    for (const tail of [' RETURNING id']) {
      const fps = new Set(Array.from({ length: 30 }, (_, pad) => fingerprintSql(rows(pad + 1, tail))));
      expect([...fps]).toEqual([`INSERT INTO t (a, b, c) VALUES ($1, $2, $3) …${tail}`]);
    }
    // Its value is not: the same statement with another value in it reads alike; another table does not.
    const lit = (v: string, table: string) =>
      `SELECT '${'x'.repeat(10)}', ${'1, '.repeat(MAX_SQL_INPUT / 2)}'${v} ${'y '.repeat(3000)}' FROM ${table}`;
    const a = fingerprintSql(lit('abc def', 't'));
    expect(fingerprintSql(lit('other words', 't'))).toBe(a);
    expect(fingerprintSql(lit('abc def', 'u'))).not.toBe(a);
  });

  it('a repeated long statement (10,000 `$n`) is kept by the cache and reads the same', () => {
    const q = `${SHAPES['IN placeholders']?.build(10_000, 0)} FOR UPDATE`;
    const cache = new FingerprintCache('postgres');
    expect(cache.timed(q)).toBe('SELECT id FROM t WHERE id IN (...) FOR UPDATE');
    expect(cache.timed(q)).toBe('SELECT id FROM t WHERE id IN (...) FOR UPDATE');
  });
});
