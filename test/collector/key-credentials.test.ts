// Keys and passwords outside review 24 (RT24-2) found in probe errors, alert messages and jobs/: an ADO.NET/ODBC
// connection string's password with spaces (`Password=My S3cret Pass;` kept "S3cret Pass"), Azure Storage's
// `AccountKey=`, a PEM private key (also in a GCP service-account JSON), provider API keys with a self-describing
// prefix (OpenAI, Anthropic, SendGrid, Google, Hugging Face) and a Redis `AUTH` command. Oracles: the expected texts
// below are written from each format's published grammar (Microsoft's connection-string syntax: pairs split by `;`,
// a value may hold spaces, a `{…}` or quoted value may hold `;`; RFC 7468's PEM lines; the providers' documented key
// shapes; Redis's `AUTH [username] password`), not from the code.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import type { AlertEvent } from '../../src/index.js';
import { createMonitor } from '../../src/index.js';
import { assertProperty } from '../helpers/property.js';
import { staysWhole } from './helpers/redaction-table.js';

const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const OPENAI = 'sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv';
const SENDGRID = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq';

describe('connection strings (ADO.NET, ODBC, Azure)', () => {
  it.each([
    // The review's case: the value runs to `;`, spaces and all.
    [
      'Server=db;User Id=sa;Password=My S3cret Pass;Database=app',
      'Server=db;User Id=sa;Password=[redacted];Database=app',
    ],
    [
      'DSN=Server=db;Database=app;User Id=sa;Password=My S3cret Pass;',
      'DSN=Server=db;Database=app;User Id=sa;Password=[redacted];',
    ],
    // The last pair needs no `;`: its value runs to the end of the text.
    ['Server=db;Pwd=My S3cret Pass', 'Server=db;Pwd=[redacted]'],
    // A space after `;`, the key in any case, spaces around `=`.
    ['Server=db; PASSWORD = two words ;Encrypt=True', 'Server=db; PASSWORD = [redacted] ;Encrypt=True'],
    // The first pair: the value up to `;` when no `=` comes before it.
    ['Password=My S3cret Pass;Server=db', 'Password=[redacted];Server=db'],
    // ODBC braces may hold `;` (and `}}` for `}`), ADO.NET quotes too (`""` for `"`).
    [
      'Driver={ODBC Driver 18};Server=db;PWD={a;b}}c d};UID=sa',
      'Driver={ODBC Driver 18};Server=db;PWD=[redacted];UID=sa',
    ],
    ['Server=db;Password="a;b"" c";Database=x', 'Server=db;Password=[redacted];Database=x'],
    ["Server=db;Password='a;b c';Database=x", 'Server=db;Password=[redacted];Database=x'],
    // Inside a JSON or JS string: the value ends at its closing quote.
    [
      '{"connectionString":"Server=db;Password=My S3cret Pass"}',
      '{"connectionString":"Server=db;Password=[redacted]"}',
    ],
    ["'Password=My S3cret Pass' rejected", "'Password=[redacted]' rejected"],
    // A quoted value (what .NET's builders write for a password holding `;`) inside a JSON string, once and twice
    // stringified: `\"a;b\"` (outside review 26: all but the backslash was shown).
    [
      JSON.stringify({ cs: 'Server=db;Password="a;b";Uid=app' }),
      JSON.stringify({ cs: 'Server=db;Password=[redacted];Uid=app' }),
    ],
    [
      JSON.stringify(JSON.stringify({ cs: 'Server=db;Password="a;b";Uid=app' })),
      JSON.stringify(JSON.stringify({ cs: 'Server=db;Password=[redacted];Uid=app' })),
    ],
    // Azure Storage's AccountKey (base64, its `=` padding included), Service Bus' SharedAccessKey.
    [
      'DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=Zm9vYmFy+/YmF6cXV4MTIzNA==;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=[redacted];EndpointSuffix=core.windows.net',
    ],
    [
      'Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=Q2hhbmdlTWU=',
      'Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=[redacted]',
    ],
    ['account_key=Zm9vYmFy+/YmF6 is invalid', 'account_key=[redacted] is invalid'],
    // Not a connection string's: a libpq pair ends at the space, a shell variable after `; ` too.
    ['host=db password=abc123 dbname=app', 'host=db password=[redacted] dbname=app'],
    ['cd /srv; PGPASSWORD=abc123 psql -h db', 'cd /srv; PGPASSWORD=[redacted] psql -h db'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('PEM private keys and key-file JSON', () => {
  it.each([
    [
      `key -----BEGIN PRIVATE KEY-----\n${PEM_BODY}\nAbCd==\n-----END PRIVATE KEY-----\nloaded`,
      'key -----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY-----\nloaded',
    ],
    [
      `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17\n\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`,
      '-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----',
    ],
    [
      `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${PEM_BODY}\r\n-----END OPENSSH PRIVATE KEY-----`,
      '-----BEGIN OPENSSH PRIVATE KEY-----[redacted]-----END OPENSSH PRIVATE KEY-----',
    ],
    [
      `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${PEM_BODY}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----`,
      '-----BEGIN PGP PRIVATE KEY BLOCK-----[redacted]-----END PGP PRIVATE KEY BLOCK-----',
    ],
    // Cut before its END line (jobs/ cuts at 200 characters): the body to the end.
    [
      `private key -----BEGIN PRIVATE KEY-----${PEM_BODY}`,
      'private key -----BEGIN PRIVATE KEY-----[redacted]',
    ],
    // In a JSON string with `\n` escapes, outside a private_key field (a log line quoting it).
    [
      `"msg":"-----BEGIN EC PRIVATE KEY-----\\n${PEM_BODY}\\n-----END EC PRIVATE KEY-----\\n"`,
      '"msg":"-----BEGIN EC PRIVATE KEY-----[redacted]-----END EC PRIVATE KEY-----\\n"',
    ],
    // A GCP service-account JSON: the private_key field whole; its private_key_id is no secret.
    [
      `bad service account: {"type":"service_account","private_key_id":"a1b2c3","private_key":"-----BEGIN PRIVATE KEY-----\\n${PEM_BODY}\\n-----END PRIVATE KEY-----\\n","client_email":"x@p.iam.gserviceaccount.com"}`,
      'bad service account: {"type":"service_account","private_key_id":"a1b2c3","private_key":"[redacted]","client_email":"x@p.iam.gserviceaccount.com"}',
    ],
    // The same cut inside the field (a quoted value left open is shown without its quote, as every pair's).
    [`{"private_key":"-----BEGIN PRIVATE KEY-----\\n${PEM_BODY}`, '{"private_key":[redacted]'],
    [
      '{"client_secret":"GOCSPX-abc123","password":"Hunter2Hunter2"}',
      '{"client_secret":"[redacted]","password":"[redacted]"}',
    ],
    // A public key or a certificate is no secret.
    [
      `-----BEGIN PUBLIC KEY-----\n${PEM_BODY}\n-----END PUBLIC KEY-----`,
      `-----BEGIN PUBLIC KEY-----\n${PEM_BODY}\n-----END PUBLIC KEY-----`,
    ],
    [
      `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----`,
      `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----`,
    ],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('provider API keys with a self-describing prefix', () => {
  it.each([
    [`openai: 401 with ${OPENAI}`, 'openai: 401 with [redacted]'],
    ['sk-svcacct-Xy12Zw34Ab56Cd78Ef90Gh12', '[redacted]'],
    ['legacy sk-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90', 'legacy [redacted]'],
    [
      'anthropic: 401 with sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv-_AA',
      'anthropic: 401 with [redacted]',
    ],
    [`sendgrid 401 for key ${SENDGRID}.`, 'sendgrid 401 for key [redacted].'],
    ['maps request failed: AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', 'maps request failed: [redacted]'],
    ['hf hub: 401 with hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh', 'hf hub: 401 with [redacted]'],
    ['hf hub: 401 with hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345', 'hf hub: 401 with [redacted]'],
    // Already covered before: Stripe's restricted key, Slack's user and app tokens.
    ['rk_live_51H8abcdefGHIJKLmnopQRSTuv', '[redacted]'],
    ['xoxp-1234-5678-abcdef xapp-1-A0B1-2345-abc', '[redacted] [redacted]'],
    // A labelled AWS secret access key (YAML or the CLI's files); an unlabelled one cannot be told from base64.
    ['aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key: [redacted]'],
    ['SecretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,', 'SecretAccessKey: [redacted],'],
    // Look-alikes stay: words and ids with the prefixes, too short or too long, no digit or capital.
    ['sk-2024-release-notes-for-customers', 'sk-2024-release-notes-for-customers'],
    ['task-Ab12Cd34Ef56Gh78Ij90Kl12Mn', 'task-Ab12Cd34Ef56Gh78Ij90Kl12Mn'],
    ['sk-Ab12Cd34', 'sk-Ab12Cd34'],
    ['SG.short.key', 'SG.short.key'],
    ['AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWX1', 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWX1'],
    ['hf_transformers_cache_directory_is_missing', 'hf_transformers_cache_directory_is_missing'],
    ['secret_access_key: see the docs', 'secret_access_key: see the docs'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('Redis AUTH commands', () => {
  it.each([
    [
      'redis AUTH failed: WRONGPASS invalid username-password pair; AUTH default Sup3rSecretRedis',
      'redis AUTH failed: WRONGPASS invalid username-password pair; AUTH default [redacted]',
    ],
    ['AUTH s3cret', 'AUTH [redacted]'],
    ['AUTH s3cret. Retrying', 'AUTH [redacted]. Retrying'],
    ["Command failed: redis-cli AUTH app 'a b;c'", "Command failed: redis-cli AUTH app '[redacted]'"],
    ['MULTI; AUTH app p.w0rd; PING', 'MULTI; AUTH app [redacted]; PING'],
    ['client.call("AUTH pw-123")', 'client.call("AUTH [redacted]")'],
    // Prose and Redis's own messages stay.
    ['NOAUTH Authentication required.', 'NOAUTH Authentication required.'],
    ['AUTH failed', 'AUTH failed'],
    ['AUTH failed: WRONGPASS', 'AUTH failed: WRONGPASS'],
    ['[ioredis] AUTH required.', '[ioredis] AUTH required.'],
    [
      'ERR AUTH <password> called without any password configured for the default user.',
      'ERR AUTH <password> called without any password configured for the default user.',
    ],
    ['AUTH is disabled on this server', 'AUTH is disabled on this server'],
    // Outside review 25: a status in capitals, and `skipped`, are prose.
    ['OAUTH token refresh failed (AUTH REQUIRED)', 'OAUTH token refresh failed (AUTH REQUIRED)'],
    ['redis 10.0.0.5:6379; AUTH skipped', 'redis 10.0.0.5:6379; AUTH skipped'],
    ['AUTH FAILED', 'AUTH FAILED'],
    ['oauth token refresh', 'oauth token refresh'],
    ['auth default pw', 'auth default pw'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });
});

describe('through a database probe: metrics/ and the alert a channel sends', () => {
  it('shows none of the review 24 secrets', async () => {
    const message = `login failed: Server=db;User Id=sa;Password=My S3cret Pass;AccountKey=Zm9vYmFyYmF6cXV4MTIzNA==; key ${SENDGRID} ${OPENAI}`;
    const events: AlertEvent[] = [];
    const silent = { warn() {}, error() {}, info() {}, debug() {} };
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      probes: {
        database: {
          check: async () => {
            throw new Error(message);
          },
        },
      },
      onAlert: (e) => {
        events.push(e);
      },
    });
    try {
      await monitor.sample();
      const metrics = await monitor.getMetrics();
      const shown =
        'login failed: Server=db;User Id=sa;Password=[redacted];AccountKey=[redacted]; key [redacted] [redacted]';
      expect(metrics.database?.error).toBe(shown);
      const alert = events.find((e) => e.alert.message.startsWith('Database unavailable'));
      expect(alert?.alert.message).toBe(`Database unavailable: ${shown}`);
      for (const secret of ['S3cret', 'Pass;', 'Zm9v', 'SG.abc', 'sk-proj'])
        expect(JSON.stringify(events), secret).not.toContain(secret);
    } finally {
      await monitor.close();
    }
  });
});

describe('Vault tokens, quoted values after a secret word, SQL passwords, Twilio pairs (RT24-2)', () => {
  const HVS = 'hvs.CAESIJ1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz';
  const SID = 'AC0123456789abcdef0123456789abcdef';
  const AUTH_TOKEN = 'fedcba9876543210fedcba9876543210';
  it.each([
    // HashiCorp Vault's prefixed tokens (service, batch, recovery), anywhere.
    [`vault: permission denied for token ${HVS}`, 'vault: permission denied for token [redacted]'],
    ['batch hvb.AAAAAQJ1b2C3d4E5f6G7h8I9j0KlMnOp failed', 'batch [redacted] failed'],
    ['recovery hvr.AbCdEfGhIjKlMnOpQrStUvWx used', 'recovery [redacted] used'],
    // The legacy `s.` token where it is labelled.
    ['X-Vault-Token: s.AbCdEfGhIjKlMnOpQrStUvWx', 'X-Vault-Token: [redacted]'],
    ['VAULT_TOKEN=s.AbCdEfGhIjKlMnOpQrStUvWx vault read', 'VAULT_TOKEN=[redacted] vault read'],
    ['vault login token=s.AbCdEfGhIjKlMnOpQrStUvWx', 'vault login token=[redacted]'],
    // The review's j19: the legacy token right after the word `vault`.
    [
      'Error: ENOENT open /run/secrets/db_password (content: Vault-s.AbCdEfGhIjKlMnOpQrStUvWx)',
      'Error: ENOENT open /run/secrets/db_password (content: Vault-[redacted])',
    ],
    // A quoted value right after a secret's word and a space.
    [
      'ssh: handshake failed, key passphrase "correct horse battery staple"',
      'ssh: handshake failed, key passphrase "[redacted]"',
    ],
    ["password 'x y' rejected", "password '[redacted]' rejected"],
    ['PASSWORD "a b c" rejected', 'PASSWORD "[redacted]" rejected'],
    ['secret "s3 cr3t", token \'t0 k3n\'', 'secret "[redacted]", token \'[redacted]\''],
    ["passwd 'it\\'s a b' rejected", "passwd '[redacted]' rejected"],
    ['open passphrase "correct horse\nnext line', 'open passphrase "[redacted]\nnext line'],
    // SQL: PostgreSQL's role options, MySQL's IDENTIFIED BY and SET PASSWORD FOR, SQL Server's WITH PASSWORD =.
    ["CREATE ROLE app WITH LOGIN PASSWORD 'hunter2 x'", "CREATE ROLE app WITH LOGIN PASSWORD '[redacted]'"],
    [
      "ALTER USER app WITH ENCRYPTED PASSWORD 'md5abc'",
      "ALTER USER app WITH ENCRYPTED PASSWORD '[redacted]'",
    ],
    ["ALTER USER 'app'@'%' IDENTIFIED BY 'hunter2 x';", "ALTER USER 'app'@'%' IDENTIFIED BY '[redacted]';"],
    [
      "CREATE USER app IDENTIFIED WITH caching_sha2_password BY 'hunter2 x'",
      "CREATE USER app IDENTIFIED WITH caching_sha2_password BY '[redacted]'",
    ],
    ["SET PASSWORD FOR 'app'@'%' = 'hunter2 x'", "SET PASSWORD FOR 'app'@'%' = '[redacted]'"],
    ["CREATE LOGIN app WITH PASSWORD = 'hunter2 x'", "CREATE LOGIN app WITH PASSWORD = '[redacted]'"],
    // Unquoted after WITH … PASSWORD: in a role/user/login statement, or `with PASSWORD` in capitals.
    [
      'create role app with login password hunter2hunter2;',
      'create role app with login password [redacted];',
    ],
    [
      'auth failed for user "app" with PASSWORD hunter2hunter2',
      'auth failed for user "app" with PASSWORD [redacted]',
    ],
    // Twilio's SID:token pair anywhere: the SID stays.
    [`twilio ${SID}:${AUTH_TOKEN} failed`, `twilio ${SID}:[redacted] failed`],
    // The review's j15.
    [
      'twilio: Authenticate AC0123456789abcdef0123456789abcdef:0123456789abcdef0123456789abcdef',
      'twilio: Authenticate AC0123456789abcdef0123456789abcdef:[redacted]',
    ],
    [`{"auth":"${SID}:${AUTH_TOKEN}"}`, `{"auth":"${SID}:[redacted]"}`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
  });

  staysWhole('%j stays', [
    // The quote follows other words, not the secret's word.
    'wrong password for user "bob"',
    'password authentication failed for user "app"',
    // V8's and JSON.parse's token is a character of the text.
    'Unexpected token \'o\', "not json" is not valid JSON',
    "SyntaxError: Unexpected token 'export'",
    'token "" is empty',
    // Kubernetes names a Secret object in the plural: `secrets "…"` is its name.
    'Error from server (NotFound): secrets "db-creds" not found',
    // Prose and SQL's NULL after WITH PASSWORD.
    'connection failed with password authentication for user app',
    'failed with PASSWORD authentication',
    'ALTER ROLE app WITH PASSWORD NULL',
    'the password field is empty',
    // No Vault token: too short, or a word.
    'hvs.short',
    'see hvs.docs for details',
    // A legacy-shaped `s.` word without the word vault, or not 24 long after it.
    's.AbCdEfGhIjKlMnOpQrStUvWx alone',
    'vault s.AbCdEfGhIjKl is short',
    // A SID alone, a SID with a short or non-hex second part.
    `${'AC0123456789abcdef0123456789abcdef'} is the account`,
    'AC0123456789abcdef0123456789abcdef:notatoken',
  ]);

  it('never shows a generated secret of these shapes, whatever is around it', async () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const words = fc
      .array(fc.stringMatching(/^[A-Za-z0-9!#$%*+./:?@^_~-]{6,12}$/), { minLength: 1, maxLength: 4 })
      .map((w) => w.join(' '));
    const secret = fc.oneof(
      fc
        .tuple(fc.constantFrom('hvs.', 'hvb.', 'hvr.'), fc.stringMatching(/^[A-Za-z0-9_-]{20,90}$/))
        .map(([p, s]) => ({ text: `${p}${s}`, secret: s })),
      fc
        .tuple(
          fc.constantFrom('password', 'Passphrase', 'PASSWD', 'secret', 'token'),
          fc.constantFrom('"', "'"),
          words,
        )
        .map(([w, q, s]) => ({ text: `${w} ${q}${s}${q}`, secret: s })),
      fc
        .tuple(
          fc.constantFrom("IDENTIFIED BY '", "identified by password '", "SET PASSWORD FOR app = '"),
          words,
        )
        .map(([h, s]) => ({ text: `${h}${s}'`, secret: s })),
      // Unquoted after PASSWORD: a credential-shaped word (a digit in it; after review 42, a word of letters only,
      // `argument`, is an identifier PostgreSQL would refuse and stays; so does a placeholder starting `$`, `:`, `?`).
      fc
        .tuple(
          fc.constantFrom('CREATE ROLE app WITH LOGIN PASSWORD ', 'with PASSWORD '),
          fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9!#$%*+/:?@^_~-]{6,18}$/),
          fc.integer({ min: 0, max: 9 }),
        )
        .map(([h, s, d]) => ({ text: `${h}${s}${d}`, secret: `${s}${d}` })),
      // PostgreSQL's string constants after PASSWORD: '…', E'…', U&'…', $$…$$, $tag$…$tag$ (any words in them).
      fc
        .tuple(
          fc.constantFrom("CREATE ROLE app PASSWORD '", "ALTER ROLE app WITH PASSWORD E'", "password U&'"),
          words,
        )
        .map(([h, s]) => ({ text: `${h}${s}'`, secret: s })),
      fc
        .tuple(
          fc.constantFrom('$$', '$pw$', '$Body_1$'),
          fc.stringMatching(/^[A-Za-z0-9!#%*+/:?@^_~ -]{6,40}$/),
        )
        .filter(([, s]) => s.trim() !== '')
        .map(([tag, s]) => ({ text: `CREATE ROLE app PASSWORD ${tag}${s}${tag}`, secret: s.trim() })),
      fc.tuple(hex(32), hex(32)).map(([a, b]) => ({ text: `AC${a}:${b}`, secret: b })),
      fc
        .tuple(fc.constantFrom('Vault-', 'vault: ', 'VAULT '), fc.stringMatching(/^[A-Za-z0-9]{24}$/))
        .map(([l, s]) => ({ text: `${l}s.${s}`, secret: s })),
    );
    await assertProperty(
      fc.property(
        secret,
        fc.constantFrom('', 'error: ', '(', '{"e":"'),
        fc.constantFrom('', ' failed', ')', ';', '\nnext'),
        ({ text, secret: s }, before, after) => {
          expect(redactCredentials(`${before}${text}${after}`)).not.toContain(s);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('generated keys', () => {
  const base64 = fc.stringMatching(/^[A-Za-z0-9+/]{16,120}={0,2}$/);
  const base62 = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
  /** Any PEM body, as lines joined by a line break or its JSON escape, around prose. */
  it('a PEM private key body never survives, in any label or line-break spelling', async () => {
    await assertProperty(
      fc.property(
        fc.array(base64, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('\n', '\r\n', '\\n', '\\r\\n'),
        fc.constantFrom('', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', 'DSA '),
        fc.boolean(),
        fc.constantFrom('', 'error: ', '{"private_key":"', 'key: '),
        (lines, nl, label, ended, before) => {
          const body = lines.join(nl);
          const end = ended ? `${nl}-----END ${label}PRIVATE KEY-----${nl}` : '';
          const shown = redactCredentials(
            `${before}-----BEGIN ${label}PRIVATE KEY-----${nl}${body}${end} done`,
          );
          for (const line of lines) if (line.length >= 16) expect(shown).not.toContain(line);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a provider key never survives, whatever is around it', async () => {
    const key = fc.oneof(
      fc
        .tuple(fc.constantFrom('sk-', 'sk-proj-', 'sk-ant-api03-', 'sk-svcacct-'), base62(18, 80))
        .map(([p, s]) => `${p}A1${s}`),
      fc.tuple(base62(22, 22), base62(43, 43)).map(([a, b]) => `SG.${a}.${b}`),
      base62(35, 35).map((s) => `AIza${s}`),
      base62(30, 40).map((s) => `hf_${s}`),
    );
    await assertProperty(
      fc.property(
        key,
        fc.constantFrom(' ', '\n', ': ', ' (', '"', "'", '='),
        fc.constantFrom(' ', '\n', ')', '"', "'", '.', ',', ';'),
        (k, before, after) => {
          const shown = redactCredentials(`key${before}${k}${after}rejected`);
          expect(shown).not.toContain(k.slice(-12));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a connection string's password never survives, spaces and `;` in braces or quotes included", async () => {
    const word = fc.stringMatching(/^[A-Za-z0-9!#$%*+./:?@^_~-]{1,12}$/);
    await assertProperty(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('Password', 'PWD', 'pwd', 'AccountKey', 'SharedAccessKey'),
        fc.constantFrom('plain', 'braces', 'quoted'),
        fc.boolean(),
        (words, key, form, last) => {
          const password = words.join(form === 'plain' ? ' ' : ' ;');
          const value = form === 'braces' ? `{${password}}` : form === 'quoted' ? `"${password}"` : password;
          const text = `Server=db;User Id=sa;${key}=${value}${last ? '' : ';Database=app'}`;
          const shown = redactCredentials(text);
          expect(shown).toBe(`Server=db;User Id=sa;${key}=[redacted]${last ? '' : ';Database=app'}`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
