// findDuplicateKey against an oracle: random JSON trees written with their keys as lists (so a key may repeat)
// and each key character written plain or as \uXXXX; a duplicate is found exactly when some object repeats a
// decoded key.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../src/http/strict-json.js';
import { assertProperty } from '../helpers/property.js';

type Tree =
  | { kind: 'leaf'; text: string }
  | { kind: 'array'; items: Tree[] }
  | { kind: 'object'; entries: Entry[] };
type Entry = { key: string; escapes: boolean[]; value: Tree };

/** Characters that collide often and that a naive scanner would trip on (quotes, backslashes, commas, braces). */
const keyChar = fc.constantFrom('a', 'b', '"', '\\', ',', '{', ']', 'é');
const leaf = fc.constantFrom('1', 'true', 'null', '"x"', '"a,\\"}"', '"{["', '-0.5e3');

const { tree } = fc.letrec<{ tree: Tree; entry: Entry }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf.map((text): Tree => ({ kind: 'leaf', text })),
    fc.array(tie('tree'), { maxLength: 4 }).map((items): Tree => ({ kind: 'array', items })),
    fc.array(tie('entry'), { maxLength: 4 }).map((entries): Tree => ({ kind: 'object', entries })),
  ),
  entry: fc
    .tuple(
      fc.array(keyChar, { maxLength: 2 }),
      fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
      tie('tree'),
    )
    .map(([chars, escapes, value]) => ({ key: chars.join(''), escapes, value })),
}));

function writeKey(e: Entry): string {
  let out = '"';
  [...e.key].forEach((ch, i) => {
    if (e.escapes[i]) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(ch).slice(1, -1);
  });
  return `${out}"`;
}

function write(t: Tree): string {
  if (t.kind === 'leaf') return t.text;
  if (t.kind === 'array') return `[${t.items.map(write).join(', ')}]`;
  return `{${t.entries.map((e) => `${writeKey(e)}:${write(e.value)}`).join(',')}}`;
}

function hasDuplicate(t: Tree): boolean {
  if (t.kind === 'leaf') return false;
  if (t.kind === 'array') return t.items.some(hasDuplicate);
  const keys = t.entries.map((e) => e.key);
  return new Set(keys).size !== keys.length || t.entries.some((e) => hasDuplicate(e.value));
}

describe('findDuplicateKey', () => {
  it('finds a duplicate exactly when some object repeats a decoded key (random trees, escaped keys)', async () => {
    await assertProperty(
      fc.property(tree, (t) => {
        const text = write(t);
        JSON.parse(text); // the generator writes valid JSON
        expect(findDuplicateKey(text) !== undefined, text).toBe(hasDuplicate(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('names the path of the duplicate', () => {
    const cases: Array<[string, string | undefined]> = [
      ['{"a":1,"b":2}', undefined],
      ['{"a":1,"a":2}', 'a'],
      ['{"a":1,"\\u0061":2}', 'a'],
      ['{"labels":{"env":"x","\\u0065nv":"y"}}', 'labels.env'],
      ['{"labels":{"env":"x"},"env":"y"}', undefined],
      ['[{"a":1},{"a":2}]', undefined],
      ['[{"a":1,"a":2}]', '[].a'],
      ['{"a":"x,\\"a","a":1}', 'a'],
      ['{"x":{"y":{"z":1}},"w":{"z":1,"z":2}}', 'w.z'],
    ];
    for (const [text, path] of cases) expect(findDuplicateKey(text), text).toBe(path);
  });
});
