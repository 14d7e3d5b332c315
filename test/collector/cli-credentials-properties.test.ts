// Properties of the redaction of command-line, bare-scheme and scheme-less credentials (outside review 20; more
// tools' options: cli-credentials-tools.test.ts), fixed
// seeds (test/helpers/property.ts): a generated secret never survives in any of those spellings, whatever text is
// around it; a text made of real secret-free error messages and look-alike prose comes out unchanged. And the new
// patterns stay linear: 100 KB of adversarial text costs a bounded multiple of 100 KB of plain prose, measured in
// the same run (a ratio of CPU times, not a time limit).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { assertProperty } from '../helpers/property.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';

/**
 * A secret as a password manager or an API makes one: letters, digits and RFC 6750's token symbols `_.~+-` (what
 * every spelling's grammar allows unquoted; not last: a final `.` ends a sentence), at least one digit.
 */
const secret = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.~+-]{5,29}[A-Za-z0-9]$/),
    fc.integer({ min: 0, max: 9 }),
    fc.nat(),
  )
  .map(([s, digit, at]) => {
    const i = 1 + (at % s.length);
    return `${s.slice(0, i)}${digit}${s.slice(i)}`;
  });
/** A user name (`u…`: not a package manager's alias prefix such as `npm:`, which is left as written). */
const user = fc.stringMatching(/^u[a-z0-9_]{0,10}$/);

/** Every spelling the redaction covers beside the headers and URLs: (user, secret) to text. */
const SPELLINGS: Array<(u: string, s: string) => string> = [
  (u, s) => `curl -sS -u ${u}:${s} https://x/health`,
  (u, s) => `curl -u${u}:${s}`,
  (u, s) => `curl -su ${u}:${s} https://x`,
  (u, s) => `curl -sSfu ${u}:${s}`,
  (u, s) => `curl -kU ${u}:${s} -x p:3128`,
  (u, s) => `MYSQL.EXE -u ${u} -p${s}`,
  (_, s) => `REDIS-CLI -a ${s} ping`,
  (_, s) => `valkey-cli -a ${s}`,
  (_, s) => `keydb-cli -a ${s}`,
  (u, s) => `curl --user ${u}:${s} -X POST`,
  (u, s) => `wget --user=${u}:${s}`,
  (u, s) => `curl -U '${u}:${s}' -x p:3128`,
  (u, s) => `curl --proxy-user "${u}:${s}"`,
  (u, s) => `mysql -h db -u ${u} -p${s} app`,
  (_, s) => `mysqldump -p'${s}' app`,
  (_, s) => `mariadb -p"${s}"`,
  (_, s) => `redis-cli -h cache -a ${s} ping`,
  (u, s) => `mongosh -u ${u} -p ${s} admin`,
  (_, s) => `mongodump -p${s}`,
  (_, s) => `sshpass -p '${s}' ssh host`,
  (u, s) => `docker login -u ${u} -p ${s} ghcr.io`,
  (_, s) => `openssl pkcs12 -passin pass:${s}`,
  (_, s) => `openssl enc -pass "pass:${s}"`,
  (_, s) => `PGPASSWORD=${s} psql -h db`,
  (_, s) => `MYSQL_PWD='${s}' mysql`,
  (_, s) => `mongosh --password ${s}`,
  (_, s) => `tool --api-key=${s}`,
  (_, s) => `invalid token: Bearer ${s}`,
  (_, s) => `Basic ${s}`,
  (_, s) => `token ${s} rejected`,
  (_, s) => `Token: ${s}`,
  (_, s) => `invalid token: Bearer: ${s}`,
  (_, s) => `curl --oauth2-bearer ${s} https://x`,
  (_, s) => `tool --secret-key ${s}`,
  (_, s) => `curl -H "X-Vault-Token: ${s}"`,
  (u, s) => `git push https://${u}:${s}@github.com/o/r`,
  (u, s) => `${u}:${s}@db.internal:5432`,
  (u, s) => `mysqlsh ${u}:${s}@10.0.0.5:3306/app`,
  // More tools' options (README listed them as not covered).
  (_, s) => `curl -b 'sid=${s}; theme=dark' https://x`,
  (_, s) => `curl -sSb sid=${s} https://x`,
  (_, s) => `curl --cookie "sid=${s}" https://x`,
  (u, s) => `curl -sSfu${u}:${s} https://x`,
  (u, s) => `sqlcmd -S db,1433 -U ${u} -P ${s} -Q "SELECT 1"`,
  (_, s) => `SQLCMD -P'${s}'`,
  (_, s) => `bcp t out f -P ${s}`,
  (_, s) => `ldapsearch -x -D cn=admin -w ${s} -b dc=example,dc=org`,
  (_, s) => `ldapwhoami -xw${s}`,
  (_, s) => `ldappasswd -x -a ${s} -S`,
  (_, s) => `zip -q -rP ${s} out.zip dir`,
  (_, s) => `unzip -P${s} a.zip`,
  (u, s) => `smbclient //fs/share -U ${u}%${s} -c ls`,
  (u, s) => `smbclient --user="CORP\\${u}%${s}"`,
  (u, s) => `lftp -u ${u},${s} sftp://nas`,
  (_, s) => `openssl enc -aes-256-cbc -k ${s} -in a`,
  (_, s) => `openssl enc -k=${s}`,
  (_, s) => `openssl pkcs12 -passin=pass:${s}`,
  (_, s) => `redis-cli -a=${s} ping`,
  (_, s) => `docker login -p=${s} ghcr.io`,
  (_, s) => `//registry.npmjs.org/:_authToken=${s}`,
  (_, s) => `npm config set //npm.pkg.github.com/:_authToken ${s}`,
  (_, s) => `npm set _auth ${s}`,
  (_, s) => `_auth=${s}`,
  // 7-Zip, RAR, osql, net, and a password as its own element of an argument list.
  (_, s) => `7z a -p${s} -mhe=on a.7z f`,
  (_, s) => `rar a -hp${s} a.rar f`,
  (_, s) => `unrar x -p'${s}' a.rar`,
  (u, s) => `osql -S db -U ${u} -P ${s}`,
  (u, s) => `net use Z: \\\\fs01\\share ${s} /user:CORP\\${u}`,
  (u, s) => `net user ${u} ${s} /add`,
  (u, s) => `net ads join -U ${u}%${s}`,
  (_, s) => `[ 'sshpass', '-p', '${s}', 'ssh', 'host' ]`,
  (u, s) => `["sqlcmd","-U","${u}","-P","${s}"]`,
  (_, s) => `spawn('mongodump', ['--password', '${s}'])`,
  // Outside review 24 (RT24-2): connection strings (the value to `;`, spaces and all), key files, Redis AUTH.
  (u, s) => `Server=db;User Id=${u};Password=My ${s} Pass;Database=app`,
  (u, s) => `Password=${s} two words;Server=db;User Id=${u}`,
  (u, s) => `Driver={ODBC Driver 18};Server=db;UID=${u};PWD={${s};x}}y}`,
  (u, s) => `Server=db; Pwd="${s}; x"; UID=${u}`,
  (u, s) => `DefaultEndpointsProtocol=https;AccountName=${u};AccountKey=${s};EndpointSuffix=core.windows.net`,
  (_, s) =>
    `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n${s}\\n-----END PRIVATE KEY-----\\n"}`,
  (u, s) => `MULTI; AUTH ${u} ${s}; PING`,
  (_, s) => `client.call("AUTH ${s}")`,
  (u, s) => `redis-cli AUTH ${u} '${s} two'`,
];

/** Real secret-free error messages, and prose and options that look like the spellings (none is a secret). */
const PHRASES = [
  'password authentication failed for user "app"',
  "Access denied for user 'root'@'172.17.0.1' (using password: YES)",
  'WRONGPASS invalid username-password pair or user is disabled.',
  'NOAUTH Authentication required.',
  'Invalid login: 535-5.7.8 Username and Password not accepted.',
  'https://support.google.com/mail/?p=BadCredentials s68sm6561971pjb.38 - gsmtp',
  'An API error occurred: invalid_auth',
  '{"ok":false,"error":"not_authed"}',
  'WWW-Authenticate: Bearer realm="example", error="invalid_token"',
  "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
  'curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms',
  'Unexpected token < in JSON at position 0',
  'the bearer of bad news',
  'Bearer tokens are required',
  'Basic auth or Bearer token-based login',
  'token expired',
  'token => expired',
  'the token= parameter',
  'mysql -u root -p app',
  'ssh -p2222 host',
  'mkdir -p /var/run/x',
  'ls -a /tmp',
  'redis-cli -p 6379 ping',
  'docker run -p 8080:80 img',
  'ssh -p 2222 host',
  'mongosh -p -u app',
  'openssl enc -pass env:PASS',
  'WARNING! Using --password via the CLI is insecure. Use --password-stdin.',
  '--token is required',
  'curl -u admin https://x',
  '--user=app',
  '--password-file /run/secrets/db',
  '--token <value>',
  'ops@example.com',
  'mailto:ops@example.com',
  'nginx:1.25@sha256:0a1b2c',
  'npm:lodash@4.17.21',
  'at 12:30:00 on 127.0.0.1:5432',
  'deploy app:v1.2.3@prod failed',
  'upgrade from 1.2.3:4.5.6@latest failed',
  'Token 2026-12-06T11:00:00Z expired',
  'token v2.3.4-beta1 unsupported',
  'Basic HTTP/1.1 401',
  'error: option --password requires a value',
  '--token expired, please log in again',
  'tool --max-token 4096 run',
  'redis-cli -u redis://cache:6379 ping',
  "curl -w '%{http_code}' -k -o /dev/null -K /etc/curl.cfg https://x",
  'curl -b cookies.txt -c jar.txt https://x',
  'ldapsearch -x -W -D cn=admin,dc=example,dc=org -b dc=example,dc=org -s sub',
  'ping -w 5 host',
  'wget -w 5 https://x',
  'psql -U app -W',
  'scp -P 2222 f host:/x',
  'sqlcmd -S db,1433 -U sa',
  'zip -r out.zip dir',
  'use zip -P with care',
  'smbclient -U ops //fs/share',
  'lftp -u ops sftp://host',
  'openssl enc -d -kfile /run/key -in a',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: npm's documented .npmrc spelling, no template
  '//registry.npmjs.org/:_authToken=${NPM_TOKEN}',
  '//r/:_authToken is missing',
  'basic_auth=true',
  '7z a -p -mhe=on a.7z f',
  'rar a -p- a.rar f',
  'osql -S db -E',
  'net use Z: /delete',
  'net use \\\\fs01\\share * /user:ops',
  'net user ops /delete',
  'net user ops is disabled',
  "[ 'mkdir', '-p', '/var/run/x' ]",
  '["mysql","-u","root","-p","app"]',
  "[ 'ssh', '-p', '2222' ]",
  // Look-alikes of the review 24 shapes.
  'Server=db;Database=app;Integrated Security=true',
  'Server=db;Password=;Database=app',
  'AUTH failed: WRONGPASS invalid username-password pair or user is disabled.',
  'ERR AUTH <password> called without any password configured for the default user.',
  'AUTH is disabled on this server',
  'auth default user',
  'sk-2024-release-notes-for-customers',
  'hf_transformers_cache_directory_is_missing',
  'SG.short.key',
  '-----BEGIN CERTIFICATE----- is not a private key',
  'private_key_id=a1b2c3',
  'secret_access_key: see the docs',
];
/** What joins phrases: a line break or a command separator (a MySQL client's `-p…` is a password to its line's end). */
const JOIN = ['\n', '; ', ' | ', ' && ', '. '];
/** What stands around a spelling. */
const AROUND = [' ', '\n', ': ', ' (', '; ', '\t'];

const prose = fc
  .array(fc.tuple(fc.constantFrom(...PHRASES), fc.constantFrom(...JOIN)), { maxLength: 6 })
  .map((parts) => parts.map(([p, j]) => `${p}${j}`).join(''));

describe('generated credentials in error texts', () => {
  it('a secret never survives in any spelling, whatever is around it', async () => {
    await assertProperty(
      fc.property(
        prose,
        fc.constantFrom(...SPELLINGS),
        user,
        secret,
        fc.constantFrom(...AROUND),
        prose,
        (before, spell, u, s, around, after) => {
          const text = `${before}${around}${spell(u, s)}${around}${after}`;
          const shown = redactCredentials(text);
          expect(shown).not.toContain(s);
          expect(shown).toContain('[redacted]');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a text without a secret comes out unchanged', async () => {
    await assertProperty(
      fc.property(prose, (text) => {
        expect(redactCredentials(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the command-line, bare-scheme and user-info patterns on adversarial text', () => {
  it.each([
    ['user options', fill(' -u a')],
    ['open quoted user options', fill(" -u 'a")],
    ['long user options', fill(' --user ')],
    ['glued user runs', ` -u${fill('a')}`],
    ['bundled short flags', fill(' -sSk')],
    ['one long flag bundle', ` -${fill('s')}`],
    ['MySQL commands', fill('mysql -pa ')],
    ['MySQL command names', fill('mysql ')],
    ['redis-cli passwords', fill('redis-cli -a ')],
    ['sentence ends', fill('mysql. ')],
    ['bare schemes', fill('Token a.')],
    ['bare schemes without space', fill('basic ')],
    ['bare schemes with a colon', fill('Token: a.')],
    ['bare scheme params', fill('Bearer realm="')],
    ['user info', fill('a:b@')],
    ['user info without host', fill('a.b:c')],
    ['user info, spaced', fill('a:b ')],
    ['long options', fill('--password ')],
    ['long option names', `--${fill('password-')}`],
    ['spaced short options', fill('mongosh -p ')],
    ['docker logins', fill('docker login ')],
    ['OpenSSL pass phrases', fill(' -passin "pass')],
    ['prose after options', fill('--password via ')],
    ['curl options', `curl${fill(' -sSk')}`],
    ['one long curl bundle', `curl -${fill('s')}`],
    ['curl cookies', `curl${fill(' -b a')}`],
    ['curl long options', `curl${fill(' --cookie ')}`],
    ['curl command names', fill('curl ')],
    ['LDAP passwords', `ldapsearch${fill(' -w ')}`],
    ['Samba users', `smbclient${fill(' -U a%')}`],
    ['lftp users', `lftp -u ${fill('a,')}`],
    ['OpenSSL equals', `openssl${fill(' -k=')}`],
    ['npmrc keys', fill(' //a:')],
    ['npmrc keys after =', fill('=//a')],
    ['npmrc spaced keys', fill(' //a:_auth ')],
    ['npm config set keys', fill('set //a:_auth -')],
    // A lookbehind tried at every space would read the run back from each one (510 times the prose's cost).
    ['npm set after spaces', `set${fill(' ')}//a:_auth x`],
    ['npm set before keys', `set${fill(' _/')}`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a `${VAR}` reference, no template
    ['npm auth pairs', fill('_auth=${A} ')],
    // Outside review 24 (RT24-2): connection strings, PEM keys, provider keys, AWS labels, Redis AUTH.
    ['connection pairs after ;', fill(';Password=a b')],
    ['connection pairs without ;', fill('password=a b ')],
    ['connection keys after spaces', `;${fill(' ')}Password=a`],
    ['spaces before connection keys', fill('; pwd')],
    ['one long connection value', `;Password=${fill('a ')}`],
    ['open braces', fill(';Pwd={a')],
    ['open quotes', fill(';Pwd="a')],
    ['PEM BEGIN lines', fill('-----BEGIN PRIVATE KEY-----')],
    ['PEM BEGIN words', fill('-----BEGIN ')],
    ['PEM labels', fill('-----BEGIN A PRIVATE KEY')],
    ['one long PEM body of dashes', `-----BEGIN PRIVATE KEY-----${fill('-')}`],
    ['OpenAI prefixes', fill(' sk-A1')],
    ['OpenAI keys without digits', fill(' sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')],
    ['one long OpenAI-like run', `sk-A1${fill('a')}`],
    ['SendGrid prefixes', fill(' SG.abcdefghijklmnopqrstuv.')],
    ['Google prefixes', fill(' AIza')],
    ['Hugging Face prefixes', fill(' hf_a')],
    ['AWS labels', fill('secret_access_key: ')],
    ['Redis AUTH words', fill('AUTH ')],
    ['Redis AUTH arguments', fill('AUTH a b ')],
    ['Redis AUTH open quotes', fill('AUTH "a')],
    ['one long Redis AUTH argument', `AUTH ${fill('a.')} x`],
    // RT24-2, second pass: Vault tokens, quoted values after a secret word, SQL passwords, Twilio pairs.
    ['Vault prefixes', fill(' hvs.a')],
    ['legacy Vault labels', fill('vault-s.a')],
    ['secret words before quotes', fill('password "a')],
    ['Unexpected before tokens', fill('unexpected token ')],
    ['one open quoted value of backslashes', `password "${fill('\\')}`],
    ['IDENTIFIED BY words', fill('identified by ')],
    ['SET PASSWORD FOR users', `set password for ${fill('a')}`],
    ['CREATE ROLE statements', fill('create role a with ')],
    ['CREATE ROLE options', `create role a with ${fill('login ')}`],
    ['with PASSWORD words', fill('with PASSWORD a.')],
    ['Twilio SIDs', fill('AC0123456789abcdef0123456789abcdef:')],
    // Outside review 25 (F8): a connection key and a run of blanks with no `;` after it (fixed-width output) was
    // quadratic: the blanks after `=` were given back one at a time, each rescanning the run for a `;` (100 KB: 9.7 s).
    ['Pwd= and a run of spaces', `Pwd=${fill(' ')}`],
    ['Password= and a run of spaces', `Password=${fill(' ')}`],
    ['password = and a run of spaces', `password =${fill(' ')}`],
    ['AccountKey= and a run of spaces', `AccountKey=${fill(' ')}`],
    ['SharedAccessKey= and a run of spaces', `SharedAccessKey=${fill(' ')}`],
    ['Pwd= and a run of tabs', `Pwd=${fill('\t')}`],
    ['JSON-escaped quoted values, open', fill(';Pwd=\\"')],
    ['backslashes after Pwd=', `Pwd=${fill('\\')}`],
    ['backslash runs after ;Pwd=', fill(';Pwd=\\\\')],
    ['Pwd= and a run of spaces and tabs', `Pwd=${fill(' \t')}`],
    ['Pwd= and a run of spaces, then a value', `ODBC error: Pwd=${fill(' ')}x`],
    ['Pwd= after ; and a run of spaces', `x;Pwd=${fill(' ')}`],
    // Outside review 25 (F6): `net.exe`, net user's switches before the user's name.
    ['net.exe names', fill('net.exe ')],
    ['net user switches before the name', `net user${fill(' /b')}`],
    ['net user switch commands', fill('net user /b ')],
    // Outside review 25 (F5): docker login, OpenSSL's pass phrase and curl's --user as list elements.
    ['docker login list separators', fill("docker', ")],
    ['docker login list blanks', `docker', ${fill(' ')}`],
    ['docker spawn lists', fill("docker', [")],
    ['OpenSSL pass phrase elements', fill("'-passin', ")],
    ['OpenSSL pass phrase element blanks', `'-passin',${fill('\n')}`],
    ['curl --user elements', `curl${fill(" '--user', '")}`],
  ])('%s: 100 KB cost under 20 times as much as 100 KB of prose', (_, text) => {
    // Linear patterns measure 0.6-2.5 times the prose's cost (2-core machine, load 20-30; the most: `curl ` names
    // repeated, `mysql -pa ` and curl's `-b a`); one that rescans the rest
    // of the text from every start (a lazy `mysql.*? -p` did) measures 65 times. Least of 5 (helpers/redaction-cost.ts).
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
