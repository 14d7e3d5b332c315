// Passwords in the options of more command-line tools (what README listed as not covered): curl's `-b`/`--cookie`
// data and `-sSfuuser:password`, sqlcmd's and bcp's `-P`, the OpenLDAP clients' `-w`, zip's and unzip's `-P`, the
// Samba clients' `-U user%password`, lftp's `-u user,password`, OpenSSL's `-k`/`-K`, npm's `.npmrc` credentials,
// and the `-p=…`/`-a=…`/`-k=…` spellings. Oracles: the real tools failing (curl, zip, unzip, openssl, redis-cli
// against a closed port or a missing file: the expected text is Node's own `Command failed` message with the secret
// replaced), the messages of ldapsearch, ldapwhoami, ldappasswd, smbclient and lftp as those tools printed them
// (Debian 12: ldap-utils 2.5.13, smbclient 4.17, lftp 4.9, same closed port), and the tools' manuals for what each
// option takes (curl(1): `-b` data has a `=`, a value without one names a cookie file; ldapsearch(1): `-W`
// prompts; zip(1) `-P password`; smbclient(1) `-U [DOMAIN\]user[%password]`; lftp(1) `-u user[,pass]`;
// openssl-enc(1) `-k password`, `-kfile file`, `-K key`; npm's .npmrc docs `//registry/:_authToken=${NPM_TOKEN}`).

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { expectCommandRedacted } from './error-surfaces.js';

const S = 'Qx7vR2kLm9Tz';
/** npm's documented `.npmrc` spelling: a reference to an environment variable, no secret. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the text as npm's docs write it, no template
const NPM_REF = '${NPM_TOKEN}';

describe('the real tools failing with a secret option', () => {
  it.each([
    // [command, the part of the command shown as `[redacted]`]
    [`curl -sS -b 'sid=${S}; theme=dark' http://127.0.0.1:1/`, `sid=${S}; theme=dark`],
    [`curl -sSfb sid=${S} http://127.0.0.1:1/`, `sid=${S}`],
    [`curl -sSfuapp:${S} http://127.0.0.1:1/`, S],
    [`zip -q -P ${S} /nonexistent/out.zip /nonexistent/f`, S],
    [`unzip -P ${S} /nonexistent/a.zip`, S],
    [`openssl enc -aes-256-cbc -pbkdf2 -k ${S} -in /nonexistent/a`, S],
    // redis-cli refuses `-a=…` and quotes it in its own message, on the next line.
    [`redis-cli -h 127.0.0.1 -p 1 -a=${S} ping`, S],
  ])('%s', async (command, secret) => {
    await expectCommandRedacted(command, secret, S);
  });
});

/** [error text, what is shown]: the secret options first, then the texts that must stay as written. */
const CASES: Array<[string, string]> = [
  // curl: cookie data after -b/--cookie (quoted, bundled, glued), -u glued after bundled flags.
  [
    `Command failed: curl -sS -b 'sid=${S}; theme=dark' https://app.internal/health\ncurl: (22) The requested URL returned error: 403`,
    `Command failed: curl -sS -b '[redacted]' https://app.internal/health\ncurl: (22) The requested URL returned error: 403`,
  ],
  [
    `curl --cookie "session=${S}" -sSkb token=${S} -bsid=${S} https://x`,
    'curl --cookie "[redacted]" -sSkb [redacted] -b[redacted] https://x',
  ],
  [
    `Command failed: curl -sSfuadmin:${S} https://status.example.com/health`,
    'Command failed: curl -sSfuadmin:[redacted] https://status.example.com/health',
  ],
  [`curl -kUproxy:${S} -x p:3128 https://x`, 'curl -kUproxy:[redacted] -x p:3128 https://x'],
  // sqlcmd (Microsoft's `sqlcmd -S server -U login -P password`) and bcp, spaced, glued, quoted.
  [
    `Command failed: sqlcmd -S tcp:db.internal,1433 -U sa -P '${S}' -Q "SELECT 1"\nSqlcmd: Error: Microsoft ODBC Driver 18 for SQL Server : Login failed for user 'sa'..`,
    `Command failed: sqlcmd -S tcp:db.internal,1433 -U sa -P '[redacted]' -Q "SELECT 1"\nSqlcmd: Error: Microsoft ODBC Driver 18 for SQL Server : Login failed for user 'sa'..`,
  ],
  [
    `SQLCMD.EXE -Usa -P${S}; bcp dbo.t out t.dat -S db -U sa -P ${S} -c`,
    'SQLCMD.EXE -Usa -P[redacted]; bcp dbo.t out t.dat -S db -U sa -P [redacted] -c',
  ],
  // OpenLDAP clients: -w spaced or glued, bundled after -x; ldappasswd's -a/-s too; -W prompts (no value).
  [
    `Command failed: ldapwhoami -x -H ldap://127.0.0.1:1 -D cn=admin,dc=example,dc=org -w${S}\nldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)`,
    "Command failed: ldapwhoami -x -H ldap://127.0.0.1:1 -D cn=admin,dc=example,dc=org -w[redacted]\nldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)",
  ],
  [
    `ldapsearch -x -H ldaps://ldap -D cn=admin,dc=example,dc=org -w ${S} -b dc=example,dc=org -s sub '(uid=ops)'`,
    "ldapsearch -x -H ldaps://ldap -D cn=admin,dc=example,dc=org -w [redacted] -b dc=example,dc=org -s sub '(uid=ops)'",
  ],
  [
    `Command failed: ldappasswd -x -H ldap://127.0.0.1:1 -D cn=admin,dc=example,dc=org -w ${S} -a old${S} -s new${S} uid=ops,dc=example,dc=org\nldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)`,
    "Command failed: ldappasswd -x -H ldap://127.0.0.1:1 -D cn=admin,dc=example,dc=org -w [redacted] -a [redacted] -s [redacted] uid=ops,dc=example,dc=org\nldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)",
  ],
  [`ldapmodify -xw '${S}' -f change.ldif`, "ldapmodify -xw '[redacted]' -f change.ldif"],
  // zip and unzip: -P spaced, glued, bundled (`-rP`, zip(1)'s own usage), `--password` (a long option).
  [
    `Command failed: zip -q -rP ${S} /backup/site.zip /var/www; unzip -oP${S} a.zip`,
    'Command failed: zip -q -rP [redacted] /backup/site.zip /var/www; unzip -oP[redacted] a.zip',
  ],
  [`zip --password ${S} out.zip f`, 'zip --password [redacted] out.zip f'],
  // Samba: -U/--user user%password, the domain and user kept.
  [
    `Command failed: smbclient //127.0.0.1/share -p 1 -U ops%${S} -c ls\ndo_connect: Connection to 127.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)`,
    'Command failed: smbclient //127.0.0.1/share -p 1 -U ops%[redacted] -c ls\ndo_connect: Connection to 127.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)',
  ],
  [
    `smbclient //fs/share --user=CORP\\ops%${S} -c ls; rpcclient -U 'CORP\\ops%${S}' fs`,
    "smbclient //fs/share --user=CORP\\ops%[redacted] -c ls; rpcclient -U 'CORP\\ops%[redacted]' fs",
  ],
  // lftp: -u user,password (also in its own `open -u`), the user kept.
  [
    `Command failed: lftp -u ops,${S} -p 1 -e 'ls; bye' ftp://127.0.0.1`,
    "Command failed: lftp -u ops,[redacted] -p 1 -e 'ls; bye' ftp://127.0.0.1",
  ],
  [
    `lftp -c "open -u backup,${S} sftp://nas; mirror -R /data"`,
    'lftp -c "open -u backup,[redacted] sftp://nas; mirror -R /data"',
  ],
  // OpenSSL: enc's -k pass phrase (spaced or `=`: its option parser takes `-k=…`), -K raw key, -passin=….
  [
    `Command failed: openssl enc -d -aes-256-cbc -pbkdf2 -k ${S} -in /nonexistent/a\nCan't open "/nonexistent/a" for reading, No such file or directory`,
    `Command failed: openssl enc -d -aes-256-cbc -pbkdf2 -k [redacted] -in /nonexistent/a\nCan't open "/nonexistent/a" for reading, No such file or directory`,
  ],
  [
    'openssl aes-128-cbc -K 000102030405060708090a0b0c0d0e0f -iv 0f0e0d0c0b0a09080706050403020100 -in a',
    'openssl aes-128-cbc -K [redacted] -iv 0f0e0d0c0b0a09080706050403020100 -in a',
  ],
  [
    `openssl enc -aes-256-cbc -k=${S}; openssl pkcs12 -passin=pass:${S} --passout pass:${S}`,
    'openssl enc -aes-256-cbc -k=[redacted]; openssl pkcs12 -passin=pass:[redacted] --passout pass:[redacted]',
  ],
  // `=` spellings: redis-cli's refusal quotes it; pflag (docker) and yargs (mongosh) take `-p=…`; MySQL's `-p=…`.
  [
    `Command failed: redis-cli -h cache -a=${S} ping\nUnrecognized option or bad number of args for: '-a=${S}'`,
    "Command failed: redis-cli -h cache -a=[redacted] ping\nUnrecognized option or bad number of args for: '-a=[redacted]'",
  ],
  [
    `docker login -u ci -p=${S} ghcr.io; podman login -p${S} quay.io; mongosh -p=${S}; mysql -p=${S}`,
    'docker login -u ci -p=[redacted] ghcr.io; podman login -p[redacted] quay.io; mongosh -p=[redacted]; mysql -p=[redacted]',
  ],
  // A glued value in an inspected or JSON argument list ends at its element's closing quote.
  [
    `spawnargs: [ 'mysql', '-h', 'db', '-p${S}', 'app' ]; ["zip","-P${S}","out.zip","f"]`,
    `spawnargs: [ 'mysql', '-h', 'db', '-p[redacted]', 'app' ]; ["zip","-P[redacted]","out.zip","f"]`,
  ],
  // npm: .npmrc lines (`_authToken`, legacy `_auth`, `_password`), and `npm config set` with a space.
  [
    `npm ERR! //registry.npmjs.org/:_authToken=${S}\nnpm ERR! //npm.pkg.github.com/:_auth=dXNlcjpwYXNzd29yZA==`,
    'npm ERR! //registry.npmjs.org/:_authToken=[redacted]\nnpm ERR! //npm.pkg.github.com/:_auth=[redacted]',
  ],
  [
    `_auth=dXNlcjpwYXNzd29yZA== //r.internal/:_password="${S}"`,
    '_auth=[redacted] //r.internal/:_password="[redacted]"',
  ],
  [
    `Command failed: npm config set //registry.npmjs.org/:_authToken ${S}; npm set _auth dXNlcjpwYXNzd29yZA==`,
    'Command failed: npm config set //registry.npmjs.org/:_authToken [redacted]; npm set _auth [redacted]',
  ],
  // Nothing secret. Each rule's options on other tools, and what the tools take that is no secret.
  [
    "curl -w '%{http_code}' -k -o /dev/null -K /etc/curl.cfg https://x",
    "curl -w '%{http_code}' -k -o /dev/null -K /etc/curl.cfg https://x",
  ],
  [
    'curl -b cookies.txt -c jar.txt https://x; curl -b "" -sSL https://x',
    'curl -b cookies.txt -c jar.txt https://x; curl -b "" -sSL https://x',
  ],
  [
    'ldapsearch -x -W -D cn=admin,dc=example,dc=org -b dc=example,dc=org -s sub',
    'ldapsearch -x -W -D cn=admin,dc=example,dc=org -b dc=example,dc=org -s sub',
  ],
  [
    'wget -w 5 https://x; ping -w 5 host; grep -w error log; psql -U app -W; du -b /var',
    'wget -w 5 https://x; ping -w 5 host; grep -w error log; psql -U app -W; du -b /var',
  ],
  [`ldapsearch -x -w ${S} -b dc=x; ping -w 5 host`, 'ldapsearch -x -w [redacted] -b dc=x; ping -w 5 host'],
  [
    'scp -P 2222 f host:/x; rsync -P a b; mysql -P 3306 -h db; sqlcmd -S db,1433 -U sa',
    'scp -P 2222 f host:/x; rsync -P a b; mysql -P 3306 -h db; sqlcmd -S db,1433 -U sa',
  ],
  [
    'zip -r out.zip dir; unzip -o a.zip -d /tmp/x; use zip -P with care, zip -P is insecure',
    'zip -r out.zip dir; unzip -o a.zip -d /tmp/x; use zip -P with care, zip -P is insecure',
  ],
  [
    'smbclient -U ops //fs/share; smbclient -N -L fs; lftp -u ops sftp://h; psql -U ops%x',
    'smbclient -U ops //fs/share; smbclient -N -L fs; lftp -u ops sftp://h; psql -U ops%x',
  ],
  [
    'openssl enc -d -aes-256-cbc -kfile /run/key -in a; openssl s_client -connect db:5432',
    'openssl enc -d -aes-256-cbc -kfile /run/key -in a; openssl s_client -connect db:5432',
  ],
  [
    `//registry.npmjs.org/:_authToken=${NPM_REF} basic_auth=true no_auth=1; //r/:_authToken is missing`,
    `//registry.npmjs.org/:_authToken=${NPM_REF} basic_auth=true no_auth=1; //r/:_authToken is missing`,
  ],
  // A key named without `npm config set` before it is no command: what follows it is no value.
  [
    'npm ERR! missing //registry.npmjs.org/:_authToken -w ) in .npmrc; npm config get //r/:_authToken --json',
    'npm ERR! missing //registry.npmjs.org/:_authToken -w ) in .npmrc; npm config get //r/:_authToken --json',
  ],
  [
    'Error: cannot open archive.zip -P; gzip -k -d a.gz; redis-cli -p 6379 ping',
    'Error: cannot open archive.zip -P; gzip -k -d a.gz; redis-cli -p 6379 ping',
  ],
];

describe('redactCredentials on the options of more tools', () => {
  it.each(CASES)('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    // Redacting twice changes nothing more (an error captured, then logged).
    expect(redactCredentials(shown)).toBe(shown);
  });
});
