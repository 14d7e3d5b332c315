// Credentials written without a header name or a URL scheme (outside review 20): a command line that child_process
// names in `Command failed: …` (curl's `-u user:password`, the MySQL clients' `-pPASSWORD`, redis-cli's `-a`,
// `PGPASSWORD=…`, openssl's `-passin pass:…`), a bare `Bearer …`/`Basic …`/`Token …`, and `user:password@host` without a scheme.
// Oracles: the real clients' real messages (curl, mysql, redis-cli and psql run against a closed port, Node's own
// `Command failed` text and JSON.parse's error: the expected text is that message with the secret replaced), and
// error texts taken from the drivers and APIs as users reported them (each source named), written out by hand.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { errorSurfaces, expectCommandRedacted } from './error-surfaces.js';

const S = 'Qx7vR2kLm9Tz';

describe('a command line in a job or probe error', () => {
  it.each([
    `curl -sS -u app:${S} http://127.0.0.1:1/`,
    `curl -sS --user app:${S} http://127.0.0.1:1/`,
    `mysql -h 127.0.0.1 -P 1 -u root -p${S} -e 'select 1'`,
    `redis-cli -h 127.0.0.1 -p 1 -a ${S} ping`,
    `PGPASSWORD=${S} psql -h 127.0.0.1 -p 1 -U app -c 'select 1' app`,
    `openssl pkcs12 -in /nonexistent/a.p12 -passin pass:${S} -noout`,
  ])('%s', async (command) => {
    await expectCommandRedacted(command, S, S);
  });

  it("JSON.parse's error quoting a bare Bearer header value", async () => {
    let message = '';
    try {
      JSON.parse(`Bearer ${S}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`"Bearer ${S}"`);
    const { jobError, bodies } = await errorSurfaces(message);
    expect(jobError).toBe(message.replace(S, '[redacted]'));
    for (const body of bodies) expect(body).not.toContain(S);
  });
});

/** [error text, what is shown]: real messages, the secret parts first, then texts that must stay as written. */
const CASES: Array<[string, string]> = [
  // curl's -u in the spellings its manual gives, and Twilio's documented `curl … -u 'SID:token'` (an issue's report).
  [
    `Command failed: curl -fsS -u admin:${S} https://status.example.com/health\ncurl: (22) The requested URL returned error: 401`,
    'Command failed: curl -fsS -u admin:[redacted] https://status.example.com/health\ncurl: (22) The requested URL returned error: 401',
  ],
  [
    `curl "https://lookups.twilio.com/v1/PhoneNumbers/+19999999999?Type=carrier" -u 'AC0123456789abcdef:${S}'`,
    `curl "https://lookups.twilio.com/v1/PhoneNumbers/+19999999999?Type=carrier" -u 'AC0123456789abcdef:[redacted]'`,
  ],
  [`curl -uapp:${S} -x proxy:3128 -U p:${S} x`, 'curl -uapp:[redacted] -x proxy:3128 -U p:[redacted] x'],
  [`curl --user=app:${S} --proxy-user "p:${S}"`, 'curl --user=app:[redacted] --proxy-user "p:[redacted]"'],
  // Bundled short flags (outside review 21, F1): curl's manual lets `-s -u` be written `-su`.
  [
    `Command failed: curl -su admin:${S} https://db.internal/health`,
    'Command failed: curl -su admin:[redacted] https://db.internal/health',
  ],
  [
    `curl -sSfu admin:${S} https://x; curl -ku u:${S} -kU p:${S} x`,
    'curl -sSfu admin:[redacted] https://x; curl -ku u:[redacted] -kU p:[redacted] x',
  ],
  // Command names in any letter case (review 21, F2), redis-cli's forks (F3).
  [`Command failed: MYSQL.EXE -uroot -p${S}`, 'Command failed: MYSQL.EXE -uroot -p[redacted]'],
  [`Mysql -p${S}; REDIS-CLI -a ${S}`, 'Mysql -p[redacted]; REDIS-CLI -a [redacted]'],
  [
    `valkey-cli -a ${S} ping; keydb-cli -a ${S} ping`,
    'valkey-cli -a [redacted] ping; keydb-cli -a [redacted] ping',
  ],
  // A URI after redis-cli's `-u` keeps its host (review 21, F5).
  [
    `Command failed: redis-cli -u redis://:${S}@cache:6379 ping`,
    'Command failed: redis-cli -u redis://:[redacted]@cache:6379 ping',
  ],
  // One step from the spellings above (review 21, F3): a scheme word with a colon, curl's own bearer option, a
  // `--secret-key`, HashiCorp Vault's token header.
  [
    `Token: abcdef0123456789abcd; token: abcDEF123456; Bearer: ${S}`,
    'Token: [redacted]; token: [redacted]; Bearer: [redacted]',
  ],
  [`invalid token: Bearer ${S}`, 'invalid token: Bearer [redacted]'],
  [
    `curl --oauth2-bearer ${S} https://x; some-tool --secret-key ${S}`,
    'curl --oauth2-bearer [redacted] https://x; some-tool --secret-key [redacted]',
  ],
  [
    `curl -H "X-Vault-Token: hvs.${S}" https://vault:8200`,
    'curl -H "X-Vault-Token: [redacted]" https://vault:8200',
  ],
  // A token in a URL's user info keeps the host (review 21, F5: GitHub's documented `x-access-token` clone URL).
  [
    'Command failed: git push https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz1234@github.com/o/r',
    'Command failed: git push https://x-access-token:[redacted]@github.com/o/r',
  ],
  // MySQL's manual: `mysql -u francis -pfrank db_name`; mysqldump's warning and error follow on their own lines.
  [
    `Command failed: mysqldump -h db -u root -p${S} app\nmysqldump: [Warning] Using a password on the command line interface can be insecure.\nmysqldump: Got error: 1045: Access denied for user 'root'@'10.0.0.7' (using password: YES) when trying to connect`,
    "Command failed: mysqldump -h db -u root -p[redacted] app\nmysqldump: [Warning] Using a password on the command line interface can be insecure.\nmysqldump: Got error: 1045: Access denied for user 'root'@'10.0.0.7' (using password: YES) when trying to connect",
  ],
  [
    `mariadb-dump -p'${S}' app; mysql --password=${S}`,
    "mariadb-dump -p'[redacted]' app; mysql --password=[redacted]",
  ],
  [`redis-cli --no-auth-warning -a ${S} ping`, 'redis-cli --no-auth-warning -a [redacted] ping'],
  // The MongoDB shell's and sshpass' `-p PASSWORD`, `docker login -p` (and its own warning, which stays below).
  [`mongosh --host db -u app -p ${S} admin`, 'mongosh --host db -u app -p [redacted] admin'],
  [`sshpass -p '${S}' ssh ops@host uptime`, "sshpass -p '[redacted]' ssh ops@host uptime"],
  [
    `Command failed: docker login -u ci -p ${S} ghcr.io\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.`,
    'Command failed: docker login -u ci -p [redacted] ghcr.io\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.',
  ],
  [
    `openssl pkcs12 -export -passin pass:${S} -passout "pass:${S} x"`,
    'openssl pkcs12 -export -passin pass:[redacted] -passout "pass:[redacted]"',
  ],
  [
    `Command failed: PGPASSWORD=${S} pg_dump -h db -U app app\npg_dump: error: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "app"`,
    'Command failed: PGPASSWORD=[redacted] pg_dump -h db -U app app\npg_dump: error: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "app"',
  ],
  [
    `mongosh --username app --password ${S} --host db`,
    'mongosh --username app --password [redacted] --host db',
  ],
  [`docker login --password '${S}' ghcr.io`, "docker login --password '[redacted]' ghcr.io"],
  // Bare schemes: RFC 6750's b64token, RFC 7617's base64, Django REST framework's `Token <40 hex>`.
  [`invalid token: Bearer ${S}`, 'invalid token: Bearer [redacted]'],
  ['upstream said: basic dXNlcjpwYXNzd29yZA==.', 'upstream said: basic [redacted].'],
  ['Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b rejected', 'Token [redacted] rejected'],
  [`sent bearer ${S}abcdefgh_ijk-lmn~op to /api`, 'sent bearer [redacted] to /api'],
  // user:password@host without a scheme: MySQL Shell's connection string, a proxy setting.
  [`mysqlsh root:${S}@db:3306 failed`, 'mysqlsh root:[redacted]@db:3306 failed'],
  [
    `HTTPS_PROXY=ops:${S}@proxy.internal:3128 refused`,
    'HTTPS_PROXY=ops:[redacted]@proxy.internal:3128 refused',
  ],
  // Nothing secret: real driver and API messages stay as written (node-postgres, mysql2, amqplib, ioredis,
  // nodemailer with Gmail, Slack's and GitHub's API errors, Twilio's 20003 body, RFC 6750 §3's challenge).
  ['password authentication failed for user "app"', 'password authentication failed for user "app"'],
  [
    'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string',
    'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string',
  ],
  [
    "Access denied for user 'root'@'172.17.0.1' (using password: YES)",
    "Access denied for user 'root'@'172.17.0.1' (using password: YES)",
  ],
  [
    'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
    'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
  ],
  [
    'WRONGPASS invalid username-password pair or user is disabled.',
    'WRONGPASS invalid username-password pair or user is disabled.',
  ],
  [
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  ],
  [
    'Invalid login: 535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials s68sm6561971pjb.38 - gsmtp',
    'Invalid login: 535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials s68sm6561971pjb.38 - gsmtp',
  ],
  ['An API error occurred: invalid_auth', 'An API error occurred: invalid_auth'],
  [
    '{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}',
    '{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}',
  ],
  [
    '{"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authentication Error - No credentials provided", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}',
    '{"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authentication Error - No credentials provided", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}',
  ],
  [
    'WWW-Authenticate: Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    'WWW-Authenticate: Bearer realm="example", error="invalid_token", error_description="The access token expired"',
  ],
  ['www-authenticate: Basic realm="Twilio API"', 'www-authenticate: Basic realm="Twilio API"'],
  [
    'WWW-Authenticate: Bearer error_description=expired, scope=read_write',
    'WWW-Authenticate: Bearer error_description=expired, scope=read_write',
  ],
  [
    "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
    "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
  ],
  ['Unexpected token < in JSON at position 0', 'Unexpected token < in JSON at position 0'],
  // Versions, a protocol version, a timestamp, option prose and limits (review 21, F4) stay.
  [
    'deploy app:v1.2.3@prod failed; upgrade from 1.2.3:4.5.6@latest failed',
    'deploy app:v1.2.3@prod failed; upgrade from 1.2.3:4.5.6@latest failed',
  ],
  [
    'Token 2026-12-06T11:00:00Z expired; token v2.3.4-beta1 unsupported; Basic HTTP/1.1 401',
    'Token 2026-12-06T11:00:00Z expired; token v2.3.4-beta1 unsupported; Basic HTTP/1.1 401',
  ],
  [
    'error: option --password requires a value\n--token expired, please log in again',
    'error: option --password requires a value\n--token expired, please log in again',
  ],
  ['Command failed: tool --max-token 4096 run', 'Command failed: tool --max-token 4096 run'],
  // Prose and options that only look like the spellings.
  ['the bearer of bad news; Bearer tokens required', 'the bearer of bad news; Bearer tokens required'],
  ['Basic auth or Bearer token-based login', 'Basic auth or Bearer token-based login'],
  [
    'mysql -u root -p app (prompted); ssh -p2222 host; mkdir -p /x',
    'mysql -u root -p app (prompted); ssh -p2222 host; mkdir -p /x',
  ],
  ['ls -a /tmp && redis-cli -p 6379 ping', 'ls -a /tmp && redis-cli -p 6379 ping'],
  ['docker run -p 8080:80 img; ssh -p 2222 h', 'docker run -p 8080:80 img; ssh -p 2222 h'],
  ['openssl enc -pass env:PASS -passin file:/run/x', 'openssl enc -pass env:PASS -passin file:/run/x'],
  [
    '--token is required; use --password or --password-stdin',
    '--token is required; use --password or --password-stdin',
  ],
  ['curl -u admin https://x (prompted) --user=app', 'curl -u admin https://x (prompted) --user=app'],
  [
    'pass --password-file /run/secrets/db or --token <value>',
    'pass --password-file /run/secrets/db or --token <value>',
  ],
  [
    'mailto:ops@example.com and nginx:1.25@sha256:0a1b, npm:lodash@4.17.21',
    'mailto:ops@example.com and nginx:1.25@sha256:0a1b, npm:lodash@4.17.21',
  ],
  [
    'Error: ops@example.com at 12:30:00 on 127.0.0.1:5432',
    'Error: ops@example.com at 12:30:00 on 127.0.0.1:5432',
  ],
];

describe('redactCredentials on command lines, bare schemes and user info without a scheme', () => {
  it.each(CASES)('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    // Redacting twice changes nothing more (an error captured, then logged).
    expect(redactCredentials(shown)).toBe(shown);
  });
});
