// A secret written with HTML character references, as a receiver may echo it and a browser, an email client or
// Slack reads it: any name of the WHATWG list (2,231 identifiers, 106 of them without `;`), decimal and hex
// references (with HTML's windows-1252 and U+FFFD rules). Oracle: test/channels/html-decode.ts, the spec's
// tokenizer over the list as character-entities ships it (not the `entities` package src/ reads them with).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/channels/redact.js';
import { entityDecoded, templateSecrets } from '../../src/channels/template-secrets.js';
import { assertProperty } from '../helpers/property.js';
import { C1, htmlDecoded, IDENTIFIERS } from './html-decode.js';

/** Every identifier of the list by what it stands for: `©` → `copy;`, `COPY;`, `copy`, `COPY`. */
const BY_VALUE = new Map<string, string[]>();
for (const [id, value] of IDENTIFIERS) BY_VALUE.set(value, [...(BY_VALUE.get(value) ?? []), id]);
const VALUES = [...BY_VALUE.keys()].sort();
/** Characters of tokens and passwords, and two that numeric references reach in other ways (`&#128;`, `&#0;`). */
const ALPHABET = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!$*+/=:@',
  '€',
  '\ufffd',
];
/** The other code points a numeric reference reads as a character: `€` for 0x80, U+FFFD for 0, a surrogate… */
function otherCodes(value: string): number[] {
  if (value === '\ufffd') return [0, 0xd800, 0xdfff, 0x110000];
  return C1.flatMap((to, k) => (String.fromCodePoint(to) === value && to !== 0x80 + k ? [0x80 + k] : []));
}

const segment = fc.record({
  pick: fc.nat(),
  plain: fc.boolean(),
  how: fc.integer({ min: 0, max: 5 }),
  zeros: fc.integer({ min: 0, max: 2 }),
  semi: fc.boolean(),
  upper: fc.boolean(),
  name: fc.nat(),
});
type Segment = typeof segment extends fc.Arbitrary<infer T> ? T : never;

/**
 * One piece of a secret and how it is written: as it is, each code point as a decimal or hex reference (leading
 * zeros, `;` or not, `x` or `X`, hex digits in either case, or another code point HTML reads as it), or a name of
 * the list that stands for it (with or without `;` as the list gives it).
 */
function spell(s: Segment): [value: string, written: string] {
  const value = s.plain
    ? (ALPHABET[s.pick % ALPHABET.length] as string)
    : (VALUES[s.pick % VALUES.length] as string);
  const names = BY_VALUE.get(value) ?? [];
  const end = s.semi ? ';' : '';
  const numeric = (code: number, hex: boolean) => {
    const digits = hex ? code.toString(16) : String(code);
    const cased = s.upper ? digits.toUpperCase() : digits;
    return `&#${hex ? (s.upper ? 'X' : 'x') : ''}${'0'.repeat(s.zeros)}${cased}${end}`;
  };
  const codes = [...value].map((c) => c.codePointAt(0) as number);
  const others = otherCodes(value);
  if (s.how === 0) return [value, value];
  if ((s.how === 3 || s.how === 4) && names.length > 0) return [value, `&${names[s.name % names.length]}`];
  if (s.how === 5 && others.length > 0)
    return [value, numeric(others[s.name % others.length] as number, s.upper)];
  return [value, codes.map((c) => numeric(c, s.how % 2 === 0)).join('')];
}

const PREFIX = 'token ';
const SUFFIX = ' rejected';

describe('a secret written with HTML character references', () => {
  it('is redacted wherever HTML reads it as the secret, in text and in an attribute (property, fixed seed)', async () => {
    let read = 0;
    let runs = 0;
    await assertProperty(
      fc.property(fc.array(segment, { minLength: 8, maxLength: 16 }), (segments) => {
        runs++;
        const spelled = segments.map(spell);
        const secret = spelled.map(([v]) => v).join('');
        const text = `${PREFIX}${spelled.map(([, w]) => w).join('')}${SUFFIX}`;
        const contexts = (['text', 'attribute'] as const).filter((c) =>
          htmlDecoded(text, c).includes(secret),
        );
        // Where a written piece runs into the next (`&#12` before `3`, `&not` before `in;`), HTML reads
        // something else: nothing to redact there.
        if (contexts.length === 0) return;
        read++;
        const out = redactor([secret])(text);
        expect(out, text).toBe(`${PREFIX}[redacted]${SUFFIX}`);
      }),
      { numRuns: 400 },
    );
    // Most cases are read as the secret: the property is not vacuous.
    expect(read).toBeGreaterThan(runs * 0.6);
  });

  it('is resolved in an SMS template as HTML reads it (property, fixed seed)', async () => {
    const fragment = fc.oneof(
      fc.constantFrom(...IDENTIFIERS.keys()).map((id) => `&${id}`),
      segment.map((s) => spell(s)[1]),
      fc.constantFrom('&', '&#', '&#x', ';', '=', 'a', '7', ' ', '&amp', '&not', 'in;', 'x;'),
    );
    await assertProperty(
      fc.property(fc.array(fragment, { maxLength: 12 }), (parts) => {
        const value = parts.join('');
        expect(entityDecoded(value), value).toBe(htmlDecoded(value));
      }),
      { numRuns: 400 },
    );
  });

  // Each failed before: the table of 48 names had no `&copy;` or `&fjlig;`, nor `&copy` among its names read without `;`.
  it.each([
    ['a name outside the old table', 'Zk9Qm\u00a97xW', 'Zk9Qm&copy;7xW'],
    ['a name outside the old table, without `;`', 'Zk9Qm\u00a97xW', 'Zk9Qm&copy7xW'],
    ['a name that stands for two letters', 'x7fjK2pQ9w', 'x7&fjlig;K2pQ9w'],
    ['a letter by its Latin-1 name', 'h\u00e9llo-W0rld-42', 'h&eacute;llo-W0rld-42'],
  ])('is redacted: %s', (_what, secret, written) => {
    const text = `${PREFIX}${written}${SUFFIX}`;
    expect(htmlDecoded(text)).toBe(`${PREFIX}${secret}${SUFFIX}`);
    expect(redactor([secret])(text)).toBe(`${PREFIX}[redacted]${SUFFIX}`);
  });

  it('is a secret of an SMS template as the gateway reads it: `<password>p&copy;ssw0rd</password>`', () => {
    const written = 'p&copy;ssw0rd';
    expect(templateSecrets(`<password>${written}</password><to>{{to}}</to>`)).toContain(htmlDecoded(written));
  });

  it('is left as written where HTML reads no reference (an attribute: `&copy=`, `&copy7`)', () => {
    const text = 'see https://h.example/?a=1&copy=2&notit=3 and &copy7';
    // The secret is what HTML reads in an element's text; in an attribute, where it is not read, nothing is hidden.
    expect(htmlDecoded(text, 'attribute')).toBe(text);
    expect(redactor(['Zk9Qm\u00a97xW'])(text)).toBe(text);
  });
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The node_modules packages a fresh process has loaded with require() (the CommonJS cache) after each of `steps` (ESM,
 * tsx, run one after another in one process, each in its own block), from the repository. An ES module import is not
 * in that cache: the test below also reads the sources. One process for all the steps: each start under tsx imports
 * src/ again (7-12 s of wall at load 22).
 */
function loadedAfter(steps: string[]): string[][] {
  const script = `const { createRequire } = await import('node:module');
const Module = createRequire(import.meta.url)('node:module');
const loaded = () => {
  const packages = new Set();
  for (const file of Object.keys(Module._cache)) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
    if (m) packages.add(m[1]);
  }
  return [...packages];
};
const seen = [];
${steps.map((step) => `{\n${step}\n}\nseen.push(loaded());`).join('\n')}
console.log(JSON.stringify(seen));
process.exit(0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[][];
}

describe('the entities package', () => {
  it('is not loaded by a monitor with channels until one needs it (import time, issue 18)', () => {
    const monitor = `const { createMonitor } = await import('./src/adapters/express.ts');
const m = createMonitor({ sampleIntervalMs: 0, channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook?token=Zk9Qm7xWq2' }] });`;
    // An SMS gateway channel's setup reads its template's references: then, in the same process, it is loaded.
    const sms = `const { createMonitor } = await import('./src/adapters/express.ts');
const m = createMonitor({ sampleIntervalMs: 0, channels: [{ type: 'sms-gateway', url: 'http://127.0.0.1:9/send', to: '+4915112345678', body: '<password>p&copy;ssw0rd</password><to>{{to}}</to><text>{{text}}</text>', contentType: 'text/plain' }] });`;
    const [afterMonitor, afterSms] = loadedAfter([monitor, sms]);
    expect(afterMonitor).not.toContain('entities');
    expect(afterSms).toContain('entities');
  });

  it('is imported by no module of src/ (only required, on first use, by html-references.ts)', () => {
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const importers = files.filter((f) =>
      /^\s*(?:import|export)\s(?!type\b)[^;]*?from\s+'entities(?:\/[^']*)?'|^\s*import\s+'entities/m.test(
        readFileSync(join(ROOT, 'src', f), 'utf8'),
      ),
    );
    expect(importers).toEqual([]);
    const requirers = files.filter((f) => readFileSync(join(ROOT, 'src', f), 'utf8').includes("'entities'"));
    expect(requirers).toEqual([join('channels', 'html-references.ts')]);
  });
});
