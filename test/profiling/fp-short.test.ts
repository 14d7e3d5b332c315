// The short-statement scan (fingerprint-short.ts, statements up to SHORT_SQL characters) against the general one
// (scanSql, which every statement took since lists fold whatever their length): random statements built from the
// lexer's hard cases (every literal form, comments, quoted names, casts, IN / ARRAY / VALUES lists, nested and
// unbalanced brackets, odd spacing) give the same text in both dialects. Fixed seed (test/helpers/property.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintLong, fingerprintSql, scanSql } from '../../src/profiling/fingerprint.js';
import { SHORT_SQL, scanShort } from '../../src/profiling/fingerprint-short.js';
import { assertProperty } from '../helpers/property.js';

/** Tokens separated by `§` (some hold spaces and newlines). */
const tokens = (list: string) => list.split('§');
const TOKENS = [
  // words, keywords that open lists, and their neighbours
  ...tokens('SELECT§select§FROM§t§t1§a§b§x.y§WHERE§AND§IN§in§In§NOT IN§join§VALUES§values§Values§vAlues'),
  ...tokens('ARRAY§array§Array§ANY§ROW§int§text§varchar§pg_catalog.int4§é§naïve§$a§a$b§E§N§X§B§e§U&'),
  // near misses of the keywords (a letter before or after): no list
  ...tokens('key§xarray§arrays§fin§ins§xvalues§valuess§dues'),
  // list constants and the keywords after which a sign is unary (outside review 27, RT27-7)
  ...tokens('NULL§null§TRUE§false§DATE§interval§BETWEEN§LIMIT§then§selects§-1§+2§- 3§-.5'),
  // NULL/TRUE/FALSE as constants or syntax (IS, NOT), interval units, charset introducers, U& strings, signed
  // placeholders (outside review 28, RT28-1/RT28-2)
  ...tokens('IS§is not§NOT§SET§DEFAULT§DAY§hour_minute§YEAR TO MONTH§to§second§-$1§+ $2§-?§UESCAPE§uescape'),
  ...tokens(
    "_utf8mb4§_binary§_latin1§_utf8mb4'a'§_utf8mb4 'b'§_binary X'1F'§_binary x§_latin1 0x41§_utf8mb4\"x\"",
  ),
  ...tokens("U&'x'§u&'\\0061'§U&'d!0061' UESCAPE '!'§U&\"n\"§U&§U& 'y'"),
  // literals
  ...tokens("1§42§1.5§.5§1e-3§2E+10§0x1F§0X§12abc§'s'§'it''s'§'a\\'b'§E'x\\'y'§N'n'§X'1F'§B'101'§e'q'§''"),
  ...tokens("'unterminated§$$dollar$$§$tag$ x $tag$§$$open"),
  // placeholders and casts
  ...tokens('$1§$2§$10§?§:name§::§:§::int§::text[]§::varchar(?)§::pg_catalog.int4§::x .y'),
  // quoted names (a double quote is a string in MySQL)
  ...tokens('"col"§"a""b"§`c`§"open'),
  // comments
  ...tokens('-- line\n§--§/* c */§/* a /* b */ c */§/*§# hash\n§#'),
  // punctuation
  ...tokens('(§)§(§)§[§]§,§,§.§;§=§<§>§*§+§-§/§!§@§%§&§|'),
];
const SPACES = ['', ' ', ' ', '  ', '\n', '\t', '\r\n'] as const;

/** A random statement: tokens joined by random whitespace (none included, so tokens glue together too). */
const statement = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...SPACES)), { maxLength: 60 })
  .map((parts) => parts.map(([t, s]) => t + s).join(''));

/** Statements shaped as lists: IN (…), ARRAY[…], multi-row VALUES, with casts and rows, short or long. */
const item = fc.constantFrom(
  ...tokens(
    "?§$1§$7§1§'v'§$2::int§?::text[]§$3::pg_catalog.int4§$4 :: x.y§(?, ?)§($1, 2)§(?::int, ?)§x§f(1)§-1§+2§- 3§NULL§true§DATE '1'§-$1",
  ),
  ...tokens(
    "INTERVAL '1' DAY§interval 2 hour_minute§INTERVAL '1-2' YEAR TO MONTH§INTERVAL '3 days'§_utf8mb4'a'§_binary X'ff'§U&'a'§E'b'§B'01'§X'ff'§- $2§+?§-$3::int§FALSE§x IS NULL",
  ),
  ...tokens('key[1]§ARRAY[1, 2]'),
);
const list = fc
  .tuple(fc.array(item, { minLength: 1, maxLength: 12 }), fc.constantFrom(', ', ',', ' , '))
  .map(([xs, sep]) => xs.join(sep));
const listStatement = fc
  .tuple(
    fc.constantFrom(
      'SELECT * FROM t WHERE id IN (',
      'SELECT ARRAY[',
      'INSERT INTO t (a, b) VALUES (',
      'x in(',
      'VALUES (',
      // near misses: no list
      'SELECT * FROM a join (',
      'SELECT key[',
      'SELECT xvalues (',
    ),
    list,
    fc.array(list, { maxLength: 4 }),
    fc.constantFrom(')', ']', '', '))', ')]'),
    fc.constantFrom('', ' RETURNING id', ' FOR UPDATE', ', (1, 2)', ') AND b IN (1, 2)'),
  )
  .map(
    ([open, first, rows, close, after]) =>
      [open + first, ...rows.map((r) => `(${r}`)].join(`${close}, `) + close + after,
  );

describe('the short-statement scan', () => {
  it('gives the general scan text for random short statements, both dialects', async () => {
    await assertProperty(
      fc.property(
        fc.oneof(statement, listStatement),
        fc.constantFrom('postgres', 'mysql'),
        (sql, dialect) => {
          expect(sql.length).toBeLessThanOrEqual(SHORT_SQL);
          const general = scanSql(sql, 0, dialect);
          expect(general.stop).toBe(sql.length); // read to its end: no bound, no tail
          expect(scanShort(sql, dialect === 'mysql')).toBe(general.text);
          expect(fingerprintSql(sql, dialect)).toBe(fingerprintLong(sql, dialect));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('takes statements up to SHORT_SQL characters; longer ones, the general path (the same text either side)', () => {
    const tail = " FROM t WHERE b IN (1, 'x', $3) AND c = 'secret'";
    for (const n of [SHORT_SQL - 1, SHORT_SQL, SHORT_SQL + 1]) {
      const sql = `SELECT a /*${'x'.repeat(n - 13 - tail.length)}*/${tail}`;
      expect(sql).toHaveLength(n);
      expect(fingerprintSql(sql)).toBe(fingerprintLong(sql, 'postgres'));
      expect(fingerprintSql(sql)).toBe('SELECT a FROM t WHERE b IN (...) AND c = ?');
    }
  });
});
