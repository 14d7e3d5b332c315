// Test helper: the long statements of fp-long-lists*.test.ts (outside review 11, F1) and their cases, a test per
// shape and length (the oracle: the statement texts built here). Two files share the shapes so that they run two at
// a time: each length of each shape fingerprints up to 16 statements of up to 3.5 MB.

import { expect, it } from 'vitest';
import { fingerprintSql, MAX_SQL_INPUT } from '../../src/profiling/fingerprint.js';

const SIZES = [5_000, 10_000, 20_000, 100_000];
const TAILS = ['', ' AND (SELECT pg_sleep(0.8)) IS NOT NULL', ' FOR UPDATE', ' ORDER BY id DESC LIMIT 10'];
const ROW_TAILS = [
  '',
  ' ON CONFLICT DO NOTHING',
  ' ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b',
  ' RETURNING id',
];
export const join = (n: number, item: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => item(i)).join(', ');

// Each shape: a statement of n items (values from `seed`), to be followed by a tail (every tail follows the list).
// Built once per length and seed, the tails appended: the joins of up to 100,000 items cost as much as fingerprinting.
export const SHAPES: Record<string, { build: (n: number, seed: number) => string; tails: string[] }> = {
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

/** The cases of these shapes: every length, every tail (call it inside a describe). */
export function shapeCases(names: readonly string[]): void {
  for (const name of names) {
    const { build, tails } = SHAPES[name] as (typeof SHAPES)[string];
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
}
