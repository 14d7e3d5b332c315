// Over-masking found by outside review 28: a `${VAR}` value after a lone `Password=`/`Pwd=` (RT28-7; the docs keep a
// pair's reference, `password=${DB_PASSWORD}`), a key quoted with its `=` and nothing after it (`the field 'Password='
// must not be empty`), and the unlabelled legacy Vault `s.` + 24 rule on a minified stack frame or a camelCase name
// (RT28-8). Oracles: the reviewer's texts (rt/red4.cjs, rt/red5.cjs), Vault's legacy token format (`s.` and 24 random
// base62 characters, generated here from a fixed-seed Park-Miller generator), V8's stack frame format (`    at
// receiver.method (file:line:column)`, `at async …`, `at new …`).

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** `n` random legacy Vault tokens (`s.` + 24 base62), Park-Miller minimal standard from `seed`. */
function vaultTokens(n: number, seed: number): string[] {
  let s = seed;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return Array.from({ length: n }, () => {
    let t = 's.';
    for (let i = 0; i < 24; i++) t += BASE62[Math.floor(next() * 62)];
    return t;
  });
}

describe('RT28-7: a reference or an empty value after Password=/Pwd= stays', () => {
  staysWhole('%j', [
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: texts with shell references, no templates
    'password=${DB_PASSWORD}',
    'Password=${DB_PASSWORD}',
    'pwd=${PW}',
    'password=${X};host=db',
    'password=${DB_PASSWORD} was not expanded',
    'Server=db;Password=${DB_PASSWORD};Uid=app',
    'login failed: Pwd=${PW}.',
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: texts with shell references, no templates
    "the field 'Password=' must not be empty",
    'Invalid "Password=" entry (line 3); see the manual for the connection string syntax',
    'Invalid "Pwd=", expected a value',
    'the field "token=" is empty',
    'Please set Password= in your .env file and restart',
  ]);

  it.each([
    // Near misses: a value that only starts like a reference, or a quoted key with a value after its `=`.
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: texts with shell references, no templates
    ['password=${DB_PASSWORD}hunter2', `password=${R}`],
    ['Password=${X}x;Server=db', `Password=${R};Server=db`],
    ['Server=db;Password=${X}x;Uid=app', `Server=db;Password=${R};Uid=app`],
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: texts with shell references, no templates
    ["the field 'Password=hunter2' is wrong", `the field 'Password=${R}' is wrong`],
    ['Invalid "Password=My S3cret Pass" entry', `Invalid "Password=${R}" entry`],
    ['Invalid "token=abc123" entry', `Invalid "token=${R}" entry`],
    ['"Password=""x"" y";Server=db', `"Password=${R};Server=db`],
    ['login failed: Password=My S3cret Pass', `login failed: Password=${R}`],
    ['Invalid "Password=" entry; Password=hunter2', `Invalid "Password=" entry; Password=${R}`],
  ])('%j still redacted', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('RT28-8: the unlabelled legacy Vault rule keeps stack frames and camelCase names', () => {
  staysWhole('%j', [
    'at s.handleIncomingRequest2Fa (/app/dist/server.js:1:2034)',
    '    at async s.Ab1dEfGhIjKlMnOpQrStUvWx (/app/dist/server.js:1:2034)',
    '    at new s.Ab1dEfGhIjKlMnOpQrStUvWx (/app/dist/server.js:1:99)',
    '    at s.Ab1dEfGhIjKlMnOpQrStUvWx [as run] (/app/dist/server.js:1:99)',
    'see s.MyLongPropertyName12345X in the docs',
    'TypeError: s.CanvasRenderingContext2D is not a constructor',
    's.convertUtf8OffsetToUtf16 failed',
  ]);

  it.each([
    ['vault read failed with s.Ab1dEfGhIjKlMnOpQrStUvWx', `vault read failed with ${R}`],
    // Not a frame: `at` with no `(` after, or a token before `(` without `at`.
    ['token at s.Ab1dEfGhIjKlMnOpQrStUvWx expired', `token at ${R} expired`],
    ['lease s.Ab1dEfGhIjKlMnOpQrStUvWx (renewed)', `lease ${R} (renewed)`],
    ['chat s.Ab1dEfGhIjKlMnOpQrStUvWx (x)', `chat ${R} (x)`],
    // Labelled forms as before, whatever the shape.
    ['X-Vault-Token: s.handleIncomingRequest2Fa', `X-Vault-Token: ${R}`],
    ['VAULT_TOKEN=s.MyLongPropertyName12345X vault read', `VAULT_TOKEN=${R} vault read`],
  ])('%j still redacted', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  it('random legacy tokens (20,000, fixed seed): at least 95 % redacted unlabelled (docs: 4.09 % kept), all labelled', () => {
    const tokens = vaultTokens(20_000, 20261206);
    const redacted = tokens.filter(
      (t) => redactCredentials(`failed with ${t}: denied`) === `failed with ${R}: denied`,
    );
    expect(redacted.length / tokens.length).toBeGreaterThan(0.95);
    for (const t of tokens.slice(0, 2000))
      expect(redactCredentials(`X-Vault-Token: ${t}`)).toBe(`X-Vault-Token: ${R}`);
  });
});

describe('the changed rules on adversarial text, 20, 40 and 100 KB', () => {
  const shapes: [string, (n: number) => string][] = [
    ['quoted empty keys', (n) => fill("'Password=' ", n)],
    ['quoted keys, no close', (n) => fill('"Password=', n)],
    ['quoted secret names', (n) => fill('"token=" ', n)],
    ['a long quoted name', (n) => `"${fill('a.', n)}token="`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell reference, no template
    ['references', (n) => fill('Password=${A} ', n)],
    ['open references', (n) => fill('pwd=${', n)],
    ['blanks before an empty quote', (n) => `"${fill(' ', n)}Password="`],
    ['frames', (n) => fill(' at s.Ab1dEfGhIjKlMnOpQrStUvWx (', n)],
    ['at async runs', (n) => `at${fill(' async', n)} s.Ab1dEfGhIjKlMnOpQrStUvWx (`],
    ['camelCase s. names', (n) => fill(' s.handleIncomingRequest2Fa', n)],
  ];
  const cases = shapes.flatMap(([name, make]) =>
    [20_000, 40_000, 100_000].map((n) => [name, n / 1000, make(n)] as const),
  );
  it.each(cases)('%s, %i KB: cost under 20 times as much prose', (_, __, text) => {
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
