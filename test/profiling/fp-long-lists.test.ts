// Outside review 11, F1: the scan stopped at 64 KiB of text read, lists included, so `IN ($1 … $10000)`, a
// `VALUES ($1, $2, $3), …` of 3,000 rows or a literal VALUES of 5,000 rows was cut inside the list, and a cheap
// and a slow statement sharing the list (differing after it) read one fingerprint. Oracle: the statement texts
// built in ./long-lists.ts: the same shape with other values or another length must read alike (up to the input ceiling),
// statements whose tails differ must not.

import { describe, expect, it } from 'vitest';
import { FingerprintCache, fingerprintSql, MAX_SQL_INPUT } from '../../src/profiling/fingerprint.js';
import { join, SHAPES, shapeCases } from './long-lists.js';

// The IN lists here, the VALUES rows in fp-long-lists-values.test.ts (the shapes and cases: ./long-lists.ts).
describe('long lists: fingerprints by shape, whatever the length (outside review 11, F1)', () => {
  shapeCases(['IN literals', 'IN placeholders', 'IN string literals']);

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
