// Review 42's remainders and more leaks of the same families. R1: a template literal's placeholder after an
// authorization scheme (`` `Bearer ${accessToken}` ``) lost its `Bearer` word, and a literal token in a template was
// shown; a concatenated `'Bearer ' + '<token>'` showed the token. R2: a Redis command with percent-encoded letters
// (`cmd=%41UTH%20pw`) kept its password. R3: a bare `auth('pw')` call kept its password. R4: `CREATE ROLE … PASSWORD
// argument` (a fuzz seed): PostgreSQL's other string constants (`E'…'`, `U&'…'`, `$$…$$`, `$tag$…$tag$`) were shown,
// and Oracle's unquoted `IDENTIFIED BY <password>` too. Oracles: V8's own parse of a template literal (the cooked
// strings a tag function receives: what is literal in it), the WHATWG URL parser's decoding (URLSearchParams) of
// each percent-encoded text, a real PostgreSQL (the statement accepted or refused, and the value its literal reads
// as), and hand-written expected texts.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { pgConfig, pgMissing } from '../helpers/databases.js';
import { cheapAgainstProse, readsBoundedMultiple, redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

/** The literal text of a template literal as V8 reads it: the cooked strings of a tagged call, joined. */
function templateLiteralText(template: string, names: string[]): Promise<string> {
  const tag = (strings: TemplateStringsArray) => strings.join('');
  // The test's oracle is V8's own parse of the template.
  const read = new Function('tag', ...names, `return (async () => tag${template})();`) as (
    ...a: unknown[]
  ) => Promise<string>;
  return read(tag, ...names.map(() => () => ''));
}

describe('a template literal or a concatenation as an authorization value (R1 and its family)', () => {
  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: template literals in the texts, no templates here
  it.each([
    ['authorization: `Bearer ${accessToken}`', ['accessToken']],
    ['headers: { Authorization: `Bearer ${accessToken}` }', ['accessToken']],
    ['{ "Authorization": `Bearer ${this.token}` }', []],
    ['{ authorization: `Basic ${encode(user, pass)}` }', ['encode', 'user', 'pass']],
    ['{ authorization: `Bearer ${await getToken()}` }', ['getToken']],
    ['authorization: `${scheme} ${token}`', ['scheme', 'token']],
  ])('a placeholder is an expression, no value: %j stays whole', async (text, names) => {
    const template = /`.*`/.exec(text)?.[0] as string;
    // V8: the literal text is the scheme and blanks alone (the placeholders are expressions).
    expect((await templateLiteralText(template, names)).replace(/^(?:Bearer|Basic)/, '').trim()).toBe('');
    expect(redactCredentials(text)).toBe(text);
  });

  it.each([
    ['authorization: `Bearer abcDEF123456xyz`', 'authorization: `Bearer [redacted]`', 'abcDEF123456xyz'],
    ['"Authorization": `Bearer abc123XYZ456`', '"Authorization": `Bearer [redacted]`', 'abc123XYZ456'],
    [
      "headers: { authorization: `Bearer ${'abcDEF123456xyz'}` }",
      'headers: { authorization: `Bearer [redacted]` }',
      'abcDEF123456xyz',
    ],
    ['authorization: `Bearer k9${suffix}`', 'authorization: `Bearer [redacted]`', 'k9'],
    ['cookie: `sid=s3ss10nValue`', 'cookie: `[redacted]`', 's3ss10nValue'],
  ])('a literal token in a template goes, the scheme stays: %j', async (text, expected, secret) => {
    const template = /`.*`/.exec(text)?.[0] as string;
    // V8: the secret is in the template's literal text, or in a string literal of a placeholder (its value).
    const tag = (strings: TemplateStringsArray, ...values: unknown[]) => strings.join('') + values.join('');
    const read = new Function('tag', 'suffix', `return tag${template};`) as (...a: unknown[]) => string;
    expect(read(tag, '')).toContain(secret);
    expect(redactCredentials(text)).toBe(expected);
    expect(redactCredentials(text)).not.toContain(secret);
  });
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: template literals in the texts, no templates here

  redactsTo('a quoted operand concatenated to the scheme goes: %j', [
    ["{ Authorization: 'Bearer ' + 'abcDEF123456xyz' }", `{ Authorization: 'Bearer ' + '${R}' }`],
    ['{ authorization: "Bearer " + "tok3n" + suffix }', `{ authorization: "Bearer " + "${R}" + suffix }`],
    ["{ Authorization: 'Bearer abc' + 'DEF123456' }", `{ Authorization: 'Bearer ${R}' + '${R}' }`],
  ]);

  staysWhole('a name or a variable names the token and holds none: %j stays', [
    "{ Authorization: 'Bearer ' + token }",
    "{ Authorization: 'Bearer ' + this.session.accessToken }",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell reference in the text, no template here
    'curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com',
    'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com',
    // Lines of node_modules (bench/redaction-corpus.ts) that lost their scheme before.
    "requestHeaders.Authorization = 'Bearer ' + apiKey;",
    "headers.Authorization = 'Basic ' + Buffer.from(parsed.auth).toString('base64');",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text, no template here
    '"Proxy-Authorization": `Negotiate ${token}`',
    // Markdown's code spans are no template value.
    '* Calling `parseSetCookie` on a request object with a `Cookie:` header rather than a `Set-Cookie:` header.',
  ]);
});

/** `word` with the letters at `positions` percent-encoded (`%41` for A), the others as written. */
function encodeLetters(word: string, positions: number[], lower = false): string {
  return [...word]
    .map((c, i) => {
      if (!positions.includes(i)) return c;
      const hex = (c.codePointAt(0) as number).toString(16).toUpperCase();
      return `%${lower ? hex.toLowerCase() : hex}`;
    })
    .join('');
}

describe('a Redis command with percent-encoded letters (R2)', () => {
  const cases: [string, string, string][] = [
    // [query, parameter, password]
    ['cmd=%41UTH%20pw', 'cmd', 'pw'],
    [`cmd=${encodeLetters('AUTH', [0, 1, 2, 3])}%20S3cretPw1`, 'cmd', 'S3cretPw1'],
    [`cmd=${encodeLetters('auth', [0], true)}+default+S3cretPw1&db=0`, 'cmd', 'S3cretPw1'],
    [`q=CONFIG%20SET%20${encodeLetters('requirepass', [0, 4])}%20hunter2x`, 'q', 'hunter2x'],
    [`q=SENTINEL+SET+m+${encodeLetters('auth-pass', [4])}+hunter2x`, 'q', 'hunter2x'],
    [`q=${encodeLetters('AUTH2', [4])}%20bob%20hunter2x`, 'q', 'hunter2x'],
    [`x=HELLO%203%20${encodeLetters('AUTH', [3])}%20default%20hunter2x`, 'x', 'hunter2x'],
  ];
  it.each(cases)('GET /redis?%s', (query, name, password) => {
    const text = `GET /redis?${query} failed: 502`;
    // WHATWG URL: the parameter decodes to the Redis command with its password.
    expect(new URLSearchParams(query).get(name)).toMatch(new RegExp(`\\b${password}$`));
    const shown = redactCredentials(text);
    expect(shown).not.toContain(password);
    const decoded = new URLSearchParams(/\?(\S*)/.exec(shown)?.[1]).get(name) as string;
    expect(decoded).toMatch(/\[redacted\]$/);
    expect(decoded.slice(0, -R.length)).toBe(
      (new URLSearchParams(query).get(name) as string).slice(0, -password.length),
    );
  });

  staysWhole('prose and other words stay: %j', [
    `?q=${encodeLetters('auth', [0])}%20middleware`,
    `?q=how%20to%20${encodeLetters('AUTH', [1])}%20redis`,
    `?q=${encodeLetters('AUTH', [0])}%20failed`,
    '?q=%4fAUTH%20S3cretPw1',
  ]);
});

describe('a bare auth(…) call (R3)', () => {
  redactsTo('%j', [
    ["auth('pw')", `auth('${R}')`],
    ["auth('S3cretPw1')", `auth('${R}')`],
    ["await auth('hunter2')", `await auth('${R}')`],
    [
      "const { auth } = client;\nauth('hunter2', (err) => done(err))",
      `const { auth } = client;\nauth('${R}', (err) => done(err))`,
    ],
    ["auth('default', 'pw')", `auth('default', '${R}')`],
    ["auth?.('pw')", `auth?.('${R}')`],
    ['auth(`pw`)', `auth(\`${R}\`)`],
    ['{"src":"auth(\\"pw\\")"}', `{"src":"auth(\\"${R}\\")"}`],
    ["authenticate('S3cretPw1')", `authenticate('${R}')`],
    // As an argument, a strategy-shaped name stays, a credential-shaped one goes.
    ["app.use(auth('S3cretPw1'))", `app.use(auth('${R}'))`],
  ]);

  staysWhole('stays: %j', [
    // Middleware factories that take a role's or a strategy's name (as a value handed on).
    "app.use(auth('admin'))",
    "router.get('/drafts', auth('editor'), list)",
    "const requireAdmin = auth('admin')",
    "fastify.get('/', { preHandler: auth('admin') }, h)",
    "app.post('/login', authenticate('local'))",
    // Names no call takes as a password, anywhere; superagent's user before its options; a placeholder.
    "auth('local')",
    "auth('alice', { type: 'basic' })",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell reference in the text, no template here
    "auth('${REDIS_PASSWORD}')",
    // The receivers' rules are unchanged.
    "ctx.auth('editor')",
    "req.auth('admin')",
    "request(app).get('/').auth('alice', { type: 'auto' })",
    // Not a call named auth.
    "oauth('S3cretPw1')",
    "author('S3cretPw1')",
    // A capitalised `Auth('…')` (`new Auth('S3cretPw1')` too) is read since the gaps after review 46:
    // test/collector/redaction-rt46-gaps.test.ts.
  ]);
});

describe('SQL passwords: PostgreSQL string constants after PASSWORD, Oracle IDENTIFIED BY (R4)', () => {
  /** [literal as written, the text PostgreSQL reads it as, the redacted literal] */
  const literals: [string, string, string][] = [
    ["'S3cret x'", 'S3cret x', `'${R}'`],
    ["E'S3c\\'ret'", "S3c'ret", `E'${R}'`],
    ["U&'S3cr\\0065t'", 'S3cret', `U&'${R}'`],
    ['$$S3cret x$$', 'S3cret x', `$$${R}$$`],
    ['$pw$S3c$ret$pw$', 'S3c$ret', `$pw$${R}$pw$`],
  ];
  const unquoted = ['argument', 'hunter2hunter2', 'new_password'];
  let client: pg.Client | undefined;
  beforeAll(async () => {
    if (pgMissing) return;
    client = new pg.Client(pgConfig);
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  /** Whether PostgreSQL accepts `sql` (run in a transaction rolled back: no role is left behind). */
  async function accepted(sql: string): Promise<boolean> {
    const c = client as pg.Client;
    await c.query('BEGIN');
    try {
      await c.query(sql);
      return true;
    } catch {
      return false;
    } finally {
      await c.query('ROLLBACK');
    }
  }

  it.skipIf(pgMissing).each(literals)(
    'a string constant goes: CREATE ROLE … PASSWORD %s',
    async (literal, value, redacted) => {
      const sql = `CREATE ROLE rt42_role WITH LOGIN PASSWORD ${literal}`;
      // PostgreSQL: the statement is valid, and the literal reads as `value` (the password it would set).
      expect(await accepted(sql)).toBe(true);
      const read = await (client as pg.Client).query(`SELECT ${literal} AS v`);
      expect(read.rows[0].v).toBe(value);
      const shown = redactCredentials(`query failed: ${sql}`);
      expect(shown).toBe(`query failed: CREATE ROLE rt42_role WITH LOGIN PASSWORD ${redacted}`);
      for (const part of value.split(/[\s$']/).filter((p) => p.length >= 3))
        expect(shown).not.toContain(part);
    },
  );

  it.skipIf(pgMissing).each(unquoted)(
    'an unquoted word is no literal PostgreSQL reads: PASSWORD %s',
    async (word) => {
      expect(await accepted(`CREATE ROLE rt42_role PASSWORD ${word}`)).toBe(false);
      expect(await accepted('CREATE ROLE rt42_role PASSWORD NULL')).toBe(true);
    },
  );

  staysWhole('stays: %j', [
    // The fuzz seed: a word of letters only is an identifier, no password; NULL and placeholders stay.
    'CREATE ROLE app WITH LOGIN PASSWORD argument',
    'CREATE ROLE app PASSWORD argument',
    'ALTER ROLE app WITH PASSWORD new_password',
    'CREATE ROLE app PASSWORD NULL',
    'CREATE ROLE app WITH LOGIN PASSWORD $1',
    'the password $$ is not a string',
    'CREATE USER app IDENTIFIED BY password',
    "CREATE USER app IDENTIFIED BY VALUES 'S:0A1B'",
    'CREATE USER app IDENTIFIED EXTERNALLY',
    // Prose outside a CREATE/ALTER USER statement (node_modules' texts, bench/redaction-corpus.ts).
    'Returns the computed style for a DOM node identified by `nodeId`.',
    'Given a DOM element identified by nodeId, getLayersForNode returns the root',
    'Valid key usages depend on the key algorithm (identified by `cryptokey.algorithm.name`).',
  ]);

  redactsTo('%j', [
    // A refused statement's typed password still goes where it looks like one (review 24's rule).
    ['create role app with login password hunter2hunter2;', `create role app with login password ${R};`],
    ['ALTER ROLE app WITH PASSWORD S3cret_x', `ALTER ROLE app WITH PASSWORD ${R}`],
    // Oracle's IDENTIFIED BY takes the password unquoted.
    ['CREATE USER app IDENTIFIED BY hunter2x;', `CREATE USER app IDENTIFIED BY ${R};`],
    ['ALTER USER app IDENTIFIED BY S3cretPw1 REPLACE old', `ALTER USER app IDENTIFIED BY ${R} REPLACE old`],
    ['create user "App" identified by S3cretPw1', `create user "App" identified by ${R}`],
  ]);
});

describe('linear on 100 KB of adversarial text', () => {
  readsBoundedMultiple('the encoded reader reads a bounded multiple: %j', [
    '%41UTH%20a&',
    'cmd=%61%75%74%68+',
    '%41%55%54%48%32%20b%20',
  ]);

  cheapAgainstProse('cost against prose: %j', [
    'authorization: `Bearer ',
    'authorization: `${',
    "authorization: 'Bearer ' + ",
    "authorization: 'a' + 'b' + ",
    "authorization: 'Bearer ' + x",
    'Authorization: Bearer ${A',
    "auth('",
    "auth('a', ",
    '(auth(',
    'PASSWORD $a$',
    'PASSWORD $$x',
    "password E'",
    'IDENTIFIED BY ',
    'IDENTIFIED BY a1',
    'create user a identified by a1 ',
    '%41%55%54',
  ]);
});
