// Review 38's remainders in the redaction of Redis passwords: a Redis-named receiver's `.auth('local')`,
// `.authenticate(…)`, percent-encoded `AUTH%20pw`/`requirepass%20pw`, the Redis environment names as one family,
// `CONFIG SET` split over lines (a shell's continuation, a wrapped MONITOR line, RESP), role and superagent `.auth`
// calls that hold no password, and a concatenated password. Oracles: hand-written expected texts, Node's own
// encoders (encodeURIComponent, URLSearchParams, util.inspect, JSON.stringify) and RESP as Redis's protocol page
// writes it; ordinary prose and code must come out unchanged.

import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

/** A command in RESP, as Redis's protocol page gives it: `*<n>\r\n` then `$<bytes>\r\n<arg>\r\n` for each argument. */
const resp = (...args: string[]) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

describe('a Redis client named so: no strategy word is kept (remainder 1)', () => {
  redactsTo('%s', [
    ["redis.auth('local')", `redis.auth('${R}')`],
    ['this.redis.auth("jwt")', `this.redis.auth("${R}")`],
    ["redisClient.auth('default', 'local')", `redisClient.auth('default', '${R}')`],
    ["valkey.auth('basic')", `valkey.auth('${R}')`],
    ["pubRedis.auth('login', cb)", `pubRedis.auth('${R}', cb)`],
  ]);

  staysWhole('stays: %s', [
    "passport.auth('local')",
    "client.auth('local')",
    "api.auth('google-oauth20')",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference in the text, no template
    "redis.auth('${REDIS_PASSWORD}')",
    "redis.auth('')",
  ]);
});

describe('.authenticate(…) as .auth(…) (remainder 2)', () => {
  redactsTo('%s', [
    ["client.authenticate('hunter2')", `client.authenticate('${R}')`],
    [".authenticate('user','pw')", `.authenticate('user','${R}')`],
    ["db.authenticate('admin', 'S3cret!')", `db.authenticate('admin', '${R}')`],
    ["client.authenticate('hunter2', function (err) {})", `client.authenticate('${R}', function (err) {})`],
    ["ldap['authenticate']('cn=admin', 'pw')", `ldap['authenticate']('cn=admin', '${R}')`],
  ]);

  staysWhole('stays: %s', [
    "passport.authenticate('local', { session: false })",
    "passport.authenticate('google', { scope: ['profile'] })",
    "app.authenticate('jwt')",
    'await sequelize.authenticate()',
    'return this.authenticate(req, res)',
    "router.get('/me', passport.authenticate('bearer', { session: false }), handler)",
  ]);
});

describe('percent-encoded AUTH and requirepass in a URL or a form (remainder 3)', () => {
  redactsTo('%s', [
    ['GET /x?cmd=requirepass%20secret', `GET /x?cmd=requirepass%20${R}`],
    ['cmd=AUTH%20pw', `cmd=AUTH%20${R}`],
    ['AUTH%20hunter2', `AUTH%20${R}`],
    ['requirepass+hunter2', `requirepass+${R}`],
    ['/debug?q=CONFIG%20SET%20requirepass%20hunter2&x=1', `/debug?q=CONFIG%20SET%20requirepass%20${R}&x=1`],
    ['q=HELLO%203%20AUTH%20default%20pw', `q=HELLO%203%20AUTH%20default%20${R}`],
    ['?line=requirepass%3A%20pw', `?line=requirepass%3A%20${R}`],
  ]);

  it("Node's encoders: encodeURIComponent and URLSearchParams", () => {
    expect(redactCredentials(`/r?cmd=${encodeURIComponent('AUTH default S3cr!t#1')}`)).toBe(
      `/r?cmd=AUTH%20default%20${R}`,
    );
    const form = new URLSearchParams({ cmd: 'CONFIG SET maxmemory 1gb requirepass hunter2', db: '0' });
    expect(redactCredentials(`POST body: ${form}`)).toBe(
      `POST body: cmd=CONFIG+SET+maxmemory+1gb+requirepass+${R}&db=0`,
    );
  });

  staysWhole('stays: %s', [
    'GET /search?q=auth%20middleware',
    'GET /search?q=how%20to%20AUTH%20redis',
    'q=AUTH%20failed',
    '?q=requirepass%20is%20not%20set',
    'GET /search?q=redis%20auth%20tutorial&page=2',
    'https://example.com/docs/auth+guide',
  ]);

  it('a generated password never survives encoded, in any of these commands (fixed seed)', async () => {
    const secret = fc
      .tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%*+/=?@^_~-]{6,20}$/), fc.integer({ min: 0, max: 9 }))
      .map(([s, d]) => `${s}${d}`);
    const commands = [
      (s: string) => `AUTH ${s}`,
      (s: string) => `AUTH default ${s}`,
      (s: string) => `CONFIG SET requirepass ${s}`,
      (s: string) => `requirepass ${s}`,
      (s: string) => `HELLO 3 AUTH app ${s}`,
    ];
    const encoders = [
      (c: string) => `/cmd?c=${encodeURIComponent(c)}&db=1`,
      (c: string) => `body ${new URLSearchParams({ c, db: '1' })}`,
    ];
    await assertProperty(
      fc.property(secret, fc.constantFrom(...commands), fc.constantFrom(...encoders), (s, command, enc) => {
        const shown = redactCredentials(enc(command(s)));
        for (const form of [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)])
          expect(shown).not.toContain(form);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the Redis environment names, one family (remainder 4)', () => {
  const names = [
    'REDIS_MASTERAUTH',
    'REDIS_REQUIREPASS',
    'MASTERAUTH',
    'REQUIREPASS',
    'MASTER_AUTH',
    'REDIS_MASTER_AUTH',
    'REDIS_AUTH',
    'REDISCLI_AUTH',
    'REDIS_PASSWORD',
    'VALKEY_PASSWORD',
    'REDIS_SENTINEL_PASSWORD',
    'SENTINEL_AUTH_PASS',
  ];
  it.each(names)('%s=…, export …="…", docker -e …=…, and a compose file\'s "…: …" all go', (name) => {
    expect(redactCredentials(`${name}=hunter`)).toBe(`${name}=${R}`);
    expect(redactCredentials(`export ${name}="hunter two"`)).toBe(`export ${name}="${R}"`);
    expect(redactCredentials(`docker run -e ${name}=pw1 -e X=1 redis`)).toBe(
      `docker run -e ${name}=${R} -e X=1 redis`,
    );
    expect(redactCredentials(`environment:\n  ${name}: hunter\n  X: 1`)).toBe(
      `environment:\n  ${name}: ${R}\n  X: 1`,
    );
  });

  staysWhole('stays: %s', [
    'REDIS_MASTERAUTH_FILE=/run/secrets/redis',
    'REDIS_AUTH=true',
    'redis_auth_enabled: true',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference in the text, no template
    'REDIS_PASSWORD=${REDIS_PASSWORD}',
    'REQUIREPASS: none',
    'REDIS_HOST=cache REDIS_PORT=6379',
    'MASTERAUTH is required when the master has requirepass set',
  ]);
});

describe('CONFIG SET over several lines (remainder 5)', () => {
  redactsTo('%j', [
    ['CONFIG SET\nrequirepass\nhunter2', `CONFIG SET\nrequirepass\n${R}`],
    ['CONFIG SET requirepass\nhunter2', `CONFIG SET requirepass\n${R}`],
    ['CONFIG SET requirepass \\\n  hunter2', `CONFIG SET requirepass \\\n  ${R}`],
    [
      'redis-cli CONFIG SET \\\n  maxmemory 1gb \\\n  masterauth hunter2',
      `redis-cli CONFIG SET \\\n  maxmemory 1gb \\\n  masterauth ${R}`,
    ],
    ['config set masterauth\r\n  hunter2\r\nOK', `config set masterauth\r\n  ${R}\r\nOK`],
    [
      '1733500000.1 [0 127.0.0.1:5] "CONFIG" "SET"\n   "requirepass" "hunter2"\n1733500000.2 [0 127.0.0.1:5] "GET" "k"',
      `1733500000.1 [0 127.0.0.1:5] "CONFIG" "SET"\n   "requirepass" "${R}"\n1733500000.2 [0 127.0.0.1:5] "GET" "k"`,
    ],
    [
      '1.2 [0 1.2.3.4:5] "CONFIG"\n"SET" "requirepass" "hunter2"',
      `1.2 [0 1.2.3.4:5] "CONFIG"\n"SET" "requirepass" "${R}"`,
    ],
  ]);

  redactsTo('a quoted command ends at its line unless it awaits an argument: %j', [
    ['"AUTH" "pw1XYZ"\n"AUTH" "pw2XYZ"', `"AUTH" "${R}"\n"AUTH" "${R}"`],
    ['"AUTH" "pw1"\n"GET" "k"', `"AUTH" "${R}"\n"GET" "k"`],
    [
      '1.2 [0 1:5] "CONFIG" "SET" "requirepass"\n  "hunter2"',
      `1.2 [0 1:5] "CONFIG" "SET" "requirepass"\n  "${R}"`,
    ],
  ]);

  it("RESP (Redis's protocol), raw and escaped by JSON.stringify and util.inspect", () => {
    const config = resp('CONFIG', 'SET', 'requirepass', 'hunter2');
    expect(redactCredentials(`sent: ${config}`)).toBe(`sent: ${config.replace('hunter2', R)}`);
    const auth = resp('AUTH', 'default', 'S3cret');
    expect(redactCredentials(JSON.stringify({ bytes: auth }))).toBe(
      JSON.stringify({ bytes: auth.replace('S3cret', R) }),
    );
    expect(redactCredentials(inspect(auth))).toBe(inspect(auth.replace('S3cret', R)));
  });

  it('a pretty-printed argument list (util.inspect, JSON.stringify)', () => {
    const args = ['CONFIG', 'SET', 'maxmemory', '1gb', 'requirepass', 'hunter2'];
    const shown = args.map((a) => (a === 'hunter2' ? R : a));
    expect(redactCredentials(inspect(args, { breakLength: 20 }))).toBe(inspect(shown, { breakLength: 20 }));
    expect(redactCredentials(JSON.stringify(args, null, 2))).toBe(JSON.stringify(shown, null, 2));
  });

  staysWhole('stays: %j', [
    'CONFIG SET maxmemory 1gb\nrequirepass is not set',
    'CONFIG SET maxmemory 1gb\nhunter2 was printed by another line',
    'use CONFIG SET requirepass to change it',
    'CONFIG GET requirepass\nrequirepass',
    resp('GET', 'auth'),
    resp('CONFIG', 'GET', 'requirepass'),
  ]);
});

describe('role checks and superagent calls without a password (remainder 6)', () => {
  staysWhole('stays: %s', [
    "ctx.auth('editor')",
    "req.auth('admin')",
    "agent.auth('alice', {type:'basic'})",
    "request(app).get('/').auth('alice', { type: 'auto' })",
  ]);

  redactsTo('a password or a bearer token goes: %s', [
    ["agent.auth('alice', 'secret')", `agent.auth('alice', '${R}')`],
    ["agent.auth('alice', 'secret', {type:'basic'})", `agent.auth('alice', '${R}', {type:'basic'})`],
    ["agent.auth('tok3nValue', { type: 'bearer' })", `agent.auth('${R}', { type: 'bearer' })`],
    ["ctx.auth('alice', 'hunter')", `ctx.auth('alice', '${R}')`],
  ]);
});

describe('a concatenated password goes whole (remainder 7)', () => {
  redactsTo('%s', [
    ["client.auth('hun' + 'ter2')", `client.auth(${R})`],
    ['auth(prefix + secret)', `auth(${R})`],
    ["client.auth('default', 'hun' + 'ter2', cb)", `client.auth('default', ${R}, cb)`],
    ["redis.auth(process.env.PW_PREFIX + 'x9')", `redis.auth(${R})`],
    ['r.auth(`hun` + `ter2`)', `r.auth(${R})`],
    ["db.authenticate(user, 'S3' + suffix)", `db.authenticate(user, ${R})`],
  ]);

  staysWhole('stays: %s', [
    "passport.authenticate(strategyPrefix + 'local')",
    'const total = a + b;',
    'oauth(a + b)',
    'author(first + last)',
    'reauth(x + y)',
  ]);
});

describe('ordinary prose and code stay as written', () => {
  staysWhole('%s', [
    'the auth module authenticates users before the request reaches the handler',
    'await client.authenticate();',
    'if (a + b > auth) return;',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text, no template here
    'const url = `/api?q=${encodeURIComponent(term)}`;',
    'CONFIG SET maxmemory 1gb',
    'Redis AUTH failed: WRONGPASS invalid username-password pair or user is disabled.',
    "app.use(auth('admin'))",
    'the editor role may auth+publish drafts',
  ]);
});
