// The short scan made cheaper (its last characters kept rather than read back, character classes by table, words
// tested first) gives the text it gave before, byte for byte: bench/fingerprint.ts's statements against their
// fingerprints at 115f885 (the scan before the change), and 20,000 seeded random statements (any ASCII character,
// non-ASCII letters and spaces, SQL's tokens glued or spaced) against the general scan (scanSql, unchanged) and
// against the digest of every fingerprint 115f885 gave for them (the scan's text: fingerprintSql now rewrites a
// statement whose literals read otherwise with the other backslash setting first, fp-escape-modes.test.ts).

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintSql, scanSql } from '../../src/profiling/fingerprint.js';
import { scanShort } from '../../src/profiling/fingerprint-short.js';
import { rng } from '../helpers/random.js';

/** bench/fingerprint.ts's short statements and their fingerprints at 115f885. */
const BENCH: ReadonlyArray<readonly [string, 'postgres' | 'mysql', string]> = [
  ['SELECT $1::int AS id, $2::text AS name', 'postgres', 'SELECT $1::int AS id, $2::text AS name'],
  ['SELECT * FROM users WHERE id = $1', 'postgres', 'SELECT * FROM users WHERE id = $1'],
  [
    "SELECT id, name, email FROM users WHERE email = 'a@b.c' AND active = true LIMIT 10",
    'postgres',
    'SELECT id, name, email FROM users WHERE email = ? AND active = ? LIMIT ?',
  ],
  [
    'INSERT INTO orders (user_id, total, created_at) VALUES ($1, $2, now()) RETURNING id',
    'postgres',
    'INSERT INTO orders (user_id, total, created_at) VALUES ($1, $2, now()) RETURNING id',
  ],
  [
    'UPDATE users SET last_seen = $1 WHERE id = $2',
    'postgres',
    'UPDATE users SET last_seen = $1 WHERE id = $2',
  ],
  ['SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5)', 'postgres', 'SELECT * FROM t WHERE id IN (...)'],
  [
    "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'",
    'postgres',
    'DELETE FROM sessions WHERE expires_at < now() - interval ?',
  ],
  ['SELECT ? AS id, ? AS name', 'mysql', 'SELECT ? AS id, ? AS name'],
  [
    'SELECT `id`, `name` FROM `users` WHERE `email` = ? LIMIT 1',
    'mysql',
    'SELECT `id`, `name` FROM `users` WHERE `email` = ? LIMIT ?',
  ],
  ['BEGIN', 'postgres', 'BEGIN'],
];

// Pieces of a random statement: single characters (every ASCII code, some beyond) and the lexer's tokens.
const CHARS = [
  ...Array.from({ length: 128 }, (_, k) => String.fromCharCode(k)),
  'é',
  'ß',
  '\u00a0',
  '\u2028',
  '😀',
];
const TOKENS = (
  'SELECT§select§FROM§WHERE§AND§OR§IN§in§NOT§IS§NULL§null§TRUE§true§FALSE§false§Null§nul§nulls§truee§fals§' +
  'VALUES§values§ARRAY§array§LIMIT§BETWEEN§THEN§interval§INTERVAL§DAY§hour_minute§TO§DATE§SET§DEFAULT§x§t§id§' +
  "E§N§X§B§U&§e§u&§_utf8mb4§_binary§_latin1§_x§$1§$22§$a§$$§$t$§-§+§- §-1§+2§.5§1e3§0x1F§12ab§'s'§'a''b'§" +
  "'a\\'b'§\"c\"§`c`§-- c\n§/* c */§#§::§::int§(§)§[§]§,§, §=§<§>§*§?§:n§é§naïve"
).split('§');
const SPACES = ['', ' ', ' ', '  ', '\n', '\t', '\r\n'];

/** `count` seeded random statements of up to 60 pieces. */
function statements(seed: number, count: number): string[] {
  const u = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)] as T;
  const out: string[] = [];
  for (let s = 0; s < count; s++) {
    let sql = '';
    const pieces = Math.floor(u() * 61);
    for (let p = 0; p < pieces; p++) sql += (u() < 0.3 ? pick(CHARS) : pick(TOKENS)) + pick(SPACES);
    out.push(sql);
  }
  return out;
}

describe('the short scan, made cheaper, gives the same text', () => {
  it("bench/fingerprint.ts's statements read as at 115f885", () => {
    for (const [sql, dialect, fp] of BENCH) expect(fingerprintSql(sql, dialect)).toBe(fp);
  });

  it('20,000 random statements read as in the general scan and as at 115f885 (digest), both dialects', () => {
    const hash = createHash('sha256');
    const differ: string[] = [];
    for (const sql of statements(20261206, 20_000)) {
      for (const dialect of ['postgres', 'mysql'] as const) {
        // Scanned once, compared and hashed (a pure function: a second call gave the same text).
        const short = scanShort(sql, dialect === 'mysql');
        if (short !== scanSql(sql, 0, dialect).text) differ.push(`${dialect}: ${sql}`);
        hash.update(`${short}\u0000`);
      }
    }
    expect(differ.slice(0, 3)).toEqual([]);
    expect(hash.digest('hex')).toBe('5f1e6f861da5174e80636e6461c3ed6cb0b5e2459f583e81b5c05d7b9baaa339');
  });
});
