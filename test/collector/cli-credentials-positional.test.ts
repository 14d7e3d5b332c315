// Passwords README listed as not covered: 7-Zip's and RAR's glued `-p…` (RAR's `-hp…`), osql's `-P`, Samba's `net
// -U user%password`, Windows `net use \\host\share password` and `net user name password`, and a password that is
// its own element of an argument list (`[ 'sshpass', '-p', '…' ]`, `["-P","…"]`, `'--password', '…'`). Oracles:
// Node's own texts (a real `exec` failing names the command line: `Command failed: <command>`; util.inspect and
// JSON.stringify print the argument list; a real spawnSync's ENOENT error, serialised), and for what each option
// takes, the tools' manuals:
// - 7-Zip's -p switch page (7-Zip help, cmdline/switches/password.htm): `-p{password}`, "7z a -psecret archive.7z",
//   "7z x -psecret archive.zip", `-p` alone prompts; switches/index.htm: "No spaces … within a switch
//   specification. Switch names are not case sensitive";
// - WinRAR/rar manual (rar.txt, helparcencryption.htm): `-p[pwd]` set password, `-hp[pwd]` encrypt file data and
//   headers, `-p-` do not query password;
// - Microsoft's osql utility page: `-U login_id -P password` (older pages `-Ppassword`); `-P` last without a value
//   uses the NULL password;
// - Microsoft's net use page: `net use [devicename | *] [\\computername\sharename[\volume] [password | *]]
//   [/user:[domainname\]username] …`; net user page: `net user [<UserName> {<Password> | *} [<Options>]]
//   [/domain]`, `*` prompts;
// - Samba's net(8): `-U|--user=[DOMAIN/]USERNAME[%PASSWORD]`;
// - MySQL's client options page: with `-p` "there can be no space between the option and the password": in an
//   argument list `'-p', 'x'` is the two words `-p x`, and `x` is the database (it stays, as on a command line).

import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { expectCommandRedacted } from './error-surfaces.js';
import { costOverProse, fill } from './helpers/redaction-cost.js';

const S = 'Qx7vR2kLm9Tz';

describe("Node's Command failed message for each tool's documented spelling", () => {
  it.each([
    // [command, the part of the command shown as `[redacted]`]
    [`7z a -p${S} -mhe=on /nonexistent/a.7z /nonexistent/f`, S],
    [`7za x -p'${S}' /nonexistent/a.zip`, S],
    [`rar a -hp${S} /nonexistent/a.rar /nonexistent/f`, S],
    [`unrar x -p${S} /nonexistent/a.rar`, S],
    [`osql -S db -U sa -P ${S} -Q "SELECT 1"`, S],
    [`net use Z: \\\\fs01\\backup ${S} /user:CORP\\svc-backup /persistent:no`, S],
    [`net user svc-backup ${S} /add`, S],
    [`net rpc info -S dc01 -U CORP/svc-backup%${S}`, S],
  ])('%s', async (command, secret) => {
    await expectCommandRedacted(command, secret, S);
  });
});

describe('a password as its own element of an argument list, as Node prints one', () => {
  const argv = ['-o', 'StrictHostKeyChecking=no', '-p', S, 'ssh', 'deploy@host.internal', 'uptime'];

  it("util.inspect's array, on one line and one element to a line", () => {
    const short = inspect(['sshpass', '-p', S, 'ssh', 'host']);
    expect(short).toBe(`[ 'sshpass', '-p', '${S}', 'ssh', 'host' ]`);
    expect(redactCredentials(short)).toBe(short.replace(S, '[redacted]'));
    // More than 6 elements: util.inspect breaks the list, one element (or a few) to a line.
    const long = inspect(['sshpass', ...argv]);
    expect(long).toContain(`'-p',\n  '${S}',`);
    expect(redactCredentials(long)).toBe(long.replace(S, '[redacted]'));
    const grouped = inspect(['sqlcmd', '-S', 'db', '-U', 'sa', '-P', S, '-Q', 'SELECT 1', '-b']);
    expect(grouped).toContain('\n');
    expect(redactCredentials(grouped)).toBe(grouped.replace(S, '[redacted]'));
  });

  it("JSON.stringify's array, and a real spawnSync ENOENT error serialised", () => {
    const json = JSON.stringify(['sshpass', ...argv]);
    expect(redactCredentials(json)).toBe(json.replace(S, '[redacted]'));
    const { error } = spawnSync('sshpass', argv);
    expect(error?.message).toBe('spawnSync sshpass ENOENT');
    const serialised = JSON.stringify(error);
    expect(serialised).toContain(`"spawnargs":["-o","StrictHostKeyChecking=no","-p","${S}"`);
    expect(redactCredentials(serialised)).toBe(serialised.replace(S, '[redacted]'));
  });

  it('a real spawnSync ENOENT error inspected: spawnargs on the line after its path', () => {
    for (const args of [['-p', S, 'ssh', 'host'], argv]) {
      const { error } = spawnSync('sshpass', args);
      const shown = inspect(error);
      expect(shown).toContain("path: 'sshpass',\n  spawnargs: [");
      expect(redactCredentials(shown)).toBe(shown.replace(S, '[redacted]'));
    }
  });

  it.each([
    [
      `spawn('sshpass', ['-p', '${S}', 'ssh', 'host'])`,
      "spawn('sshpass', ['-p', '[redacted]', 'ssh', 'host'])",
    ],
    // A long option's next element (any command, as `--password x` on a command line).
    [
      `spawn('mongodump', ['--password', '${S}']); ["vault","login","--token","${S}"]`,
      `spawn('mongodump', ['--password', '[redacted]']); ["vault","login","--token","[redacted]"]`,
    ],
    [
      `["curl","-sS","-u","ops:${S}","--cookie","sid=${S}","https://x"]`,
      '["curl","-sS","-u","ops:[redacted]","--cookie","[redacted]","https://x"]',
    ],
    [
      `[ 'redis-cli', '-a', '${S}', 'ping' ] [ 'smbclient', '-U', 'CORP\\\\ops%${S}' ]`,
      "[ 'redis-cli', '-a', '[redacted]', 'ping' ] [ 'smbclient', '-U', 'CORP\\\\ops%[redacted]' ]",
    ],
    // A JSON string's escaped quote stays in the redacted element's place.
    [`["zip","-P","a\\"${S}","out.zip"]`, '["zip","-P","[redacted]","out.zip"]'],
  ])('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown);
  });
});

/** [error text, what is shown]: the secret spellings first, then what must stay as written. */
const CASES: Array<[string, string]> = [
  // 7-Zip: glued, quoted, any switch case, the 7za/7zr/7zz builds, 7z.exe.
  [
    `7z a -p${S} -mhe=on a.7z f; 7zz x -P'${S}' a.7z; 7Z.EXE t -p"${S}" a.7z`,
    `7z a -p[redacted] -mhe=on a.7z f; 7zz x -P'[redacted]' a.7z; 7Z.EXE t -p"[redacted]" a.7z`,
  ],
  // RAR: -p and -hp glued; unrar, WinRAR.
  [
    `rar a -m5 -hp${S} a.rar dir; unrar x -p${S} a.rar; WinRAR.exe a -p'${S}' b.rar`,
    "rar a -m5 -hp[redacted] a.rar dir; unrar x -p[redacted] a.rar; WinRAR.exe a -p'[redacted]' b.rar",
  ],
  // osql: spaced and glued.
  [
    `osql -S db -U sa -P ${S} -i x.sql; OSQL.EXE -E -Usa -P${S}`,
    'osql -S db -U sa -P [redacted] -i x.sql; OSQL.EXE -E -Usa -P[redacted]',
  ],
  // Windows net: the share's password, after a device name or `*`, before or after the switches; net user's.
  [
    `net use \\\\fs01\\share ${S} /user:CORP\\ops; net use * \\\\fs01\\share /user:ops@corp.example ${S}`,
    'net use \\\\fs01\\share [redacted] /user:CORP\\ops; net use * \\\\fs01\\share /user:ops@corp.example [redacted]',
  ],
  [
    `NET USE Z: "\\\\fs01\\my share" "${S}" /PERSISTENT:NO; net user "Backup Svc" ${S} /add /domain`,
    'NET USE Z: "\\\\fs01\\my share" "[redacted]" /PERSISTENT:NO; net user "Backup Svc" [redacted] /add /domain',
  ],
  // Outside review 25 (F6): the name as `net.exe` (with its path too), net user's switches before the user's name.
  [
    `Command failed: net.exe use \\\\host\\share ${S} /user:u; C:\\Windows\\System32\\net.exe use \\\\host\\share ${S}`,
    'Command failed: net.exe use \\\\host\\share [redacted] /user:u; C:\\Windows\\System32\\net.exe use \\\\host\\share [redacted]',
  ],
  [
    `net user /add alice ${S}; net user /domain alice ${S}; NET.EXE USER /ADD alice ${S} /DOMAIN`,
    'net user /add alice [redacted]; net user /domain alice [redacted]; NET.EXE USER /ADD alice [redacted] /DOMAIN',
  ],
  // JSON-escaped (a logged JSON text) and in a job's error on the next line.
  [
    `{"error":"Command failed: net use \\\\\\\\fs01\\\\share ${S} /user:ops\\nSystem error 1326 has occurred."}`,
    '{"error":"Command failed: net use \\\\\\\\fs01\\\\share [redacted] /user:ops\\nSystem error 1326 has occurred."}',
  ],
  // Samba's net: -U/--user user%password.
  [
    `net ads join -U Administrator%${S}; net rpc user -S dc --user=CORP/ops%${S}`,
    'net ads join -U Administrator%[redacted]; net rpc user -S dc --user=CORP/ops%[redacted]',
  ],
  // Nothing secret: what these tools take that is none, and their letters on other tools' lines.
  [
    '7z a -p -mhe=on a.7z f; 7z x a.7z -oout -y; rar a -p- a.rar f; unrar x -p a.rar; rar a -hp a.rar',
    '7z a -p -mhe=on a.7z f; 7z x a.7z -oout -y; rar a -p- a.rar f; unrar x -p a.rar; rar a -hp a.rar',
  ],
  [
    'osql -S db -E; osql -U sa -P; ssh -psecret1 host; tar -p -xf a.tar; git log -p1 | rar -? | psql -P pager=off',
    'osql -S db -E; osql -U sa -P; ssh -psecret1 host; tar -p -xf a.tar; git log -p1 | rar -? | psql -P pager=off',
  ],
  [
    'net use; net use Z: /delete; net use \\\\fs01\\share * /user:ops; net use \\\\fs01\\share /user:ops /savecred',
    'net use; net use Z: /delete; net use \\\\fs01\\share * /user:ops; net use \\\\fs01\\share /user:ops /savecred',
  ],
  [
    'net user; net user ops; net user ops /delete; net user ops * /add; net user ops is disabled; net start w32time',
    'net user; net user ops; net user ops /delete; net user ops * /add; net user ops is disabled; net start w32time',
  ],
  [
    'net user /domain; net user /domain alice; net user /add alice *; net.exe user /delete alice; net.exe use Z: /delete',
    'net user /domain; net user /domain alice; net user /add alice *; net.exe user /delete alice; net.exe use Z: /delete',
  ],
  [
    'net -U ops rpc info; net stop spooler -U x; the net user count; .NET user secrets; dotnet user-secrets set a b',
    'net -U ops rpc info; net stop spooler -U x; the net user count; .NET user secrets; dotnet user-secrets set a b',
  ],
  // An argument list: MySQL's `-p` then an element is the database (as `mysql -p app`); an element starting with
  // `-` is the next option; other tools' `-p`.
  [
    `["mysql","-u","root","-p","app"] [ 'mkdir', '-p', '/var/run/x' ] ["sshpass","-p","-e"] [ 'ssh', '-p', '2222' ]`,
    `["mysql","-u","root","-p","app"] [ 'mkdir', '-p', '/var/run/x' ] ["sshpass","-p","-e"] [ 'ssh', '-p', '2222' ]`,
  ],
  // Outside review 25 (F5): docker login's `-p`, OpenSSL's `-passin pass:…`, curl's `--user`/`--proxy-user` as
  // their own elements, as util.inspect (one to a line too), JSON, a spawn call and an inspected error print them.
  [
    inspect(['docker', 'login', '-u', 'ops', '-p', S]),
    "[ 'docker', 'login', '-u', 'ops', '-p', '[redacted]' ]",
  ],
  [
    inspect(['docker', 'login', '-u', 'ops', '-p', S, '--tls', 'a', 'b', 'registry.example.com']),
    "[\n  'docker',\n  'login',\n  '-u',\n  'ops',\n  '-p',\n  '[redacted]',\n  '--tls',\n  'a',\n  'b',\n  'registry.example.com'\n]",
  ],
  [
    `${JSON.stringify(['podman', 'login', '-p', S])} ${JSON.stringify(['nerdctl', 'login', `-p${S}`], null, 2)}`,
    '["podman","login","-p","[redacted]"] [\n  "nerdctl",\n  "login",\n  "-p[redacted]"\n]',
  ],
  [`spawn('docker', ['login', '-p', '${S}'])`, "spawn('docker', ['login', '-p', '[redacted]'])"],
  [
    `  path: 'docker',\n  spawnargs: [ 'login', '-u', 'ops', '-p', '${S}' ]\n}`,
    "  path: 'docker',\n  spawnargs: [ 'login', '-u', 'ops', '-p', '[redacted]' ]\n}",
  ],
  [
    `${inspect(['openssl', 'rsa', '-in', 'k.pem', '-passin', `pass:${S}`])} ${JSON.stringify(['openssl', 'enc', '-pass', `pass:${S}`])}`,
    `[ 'openssl', 'rsa', '-in', 'k.pem', '-passin', 'pass:[redacted]' ] ["openssl","enc","-pass","pass:[redacted]"]`,
  ],
  [
    `${inspect(['curl', '--user', `admin:${S}`])} ${JSON.stringify(['curl', '--proxy-user', `ops:${S}`])}`,
    `[ 'curl', '--user', 'admin:[redacted]' ] ["curl","--proxy-user","ops:[redacted]"]`,
  ],
  // Nothing secret: docker login without `-p`, curl's `--user-agent`, a user alone, OpenSSL's `env:` source.
  [
    `[ 'docker', 'login', '-u', 'ops' ] [ 'curl', '--user-agent', 'x' ] [ 'curl', '--user', 'admin' ] [ 'openssl', 'rsa', '-passin', 'env:PW' ] [ 'docker', 'logs', '-p', 'x' ]`,
    `[ 'docker', 'login', '-u', 'ops' ] [ 'curl', '--user-agent', 'x' ] [ 'curl', '--user', 'admin' ] [ 'openssl', 'rsa', '-passin', 'env:PW' ] [ 'docker', 'logs', '-p', 'x' ]`,
  ],
  // A JSON document's lines are no argument list: the command ends at its line.
  [
    '{\n  "cmd": "zip",\n  "args": "-r out.zip dir"\n}\nunzip -P is insecure, zip -P -h',
    '{\n  "cmd": "zip",\n  "args": "-r out.zip dir"\n}\nunzip -P is insecure, zip -P -h',
  ],
  [
    "[\n  'curl',\n  '-w',\n  '%{http_code}'\n]\nmysql -u root -p app\n[ '--password-file', '/run/s', '--token', '<value>' ]",
    "[\n  'curl',\n  '-w',\n  '%{http_code}'\n]\nmysql -u root -p app\n[ '--password-file', '/run/s', '--token', '<value>' ]",
  ],
  // A command reached through a variable named after it is that command (the name is matched after `$`, `${`).
  [
    `$CURL -b sid=${S} https://x; "\${MYSQL}" -p${S}; $HTTP -b sid=x`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, no template
    '$CURL -b [redacted] https://x; "${MYSQL}" -p[redacted]; $HTTP -b sid=x',
  ],
];

describe('redactCredentials on these tools and argument lists', () => {
  it.each(CASES)('%s', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    // Redacting twice changes nothing more (an error captured, then logged).
    expect(redactCredentials(shown)).toBe(shown);
  });
});

describe('the new patterns on adversarial text', () => {
  it.each([
    ['7-Zip commands', fill('7z a -pa ')],
    ['7-Zip names', fill('7z ')],
    ['RAR switches', `rar${fill(' -hp-')}`],
    ['osql passwords', `osql${fill(' -P ')}`],
    ['net use shares', fill('net use \\\\a ')],
    ['net use switches', `net use \\\\a${fill(' /x')}`],
    ['net use spaces', `net use \\\\a${fill(' ')}`],
    ['net user switches', `net user a${fill(' /b')}`],
    ['net user names', fill('net user ')],
    ['net names', fill('net ')],
    ['inspected elements', `sshpass${fill(" '-p', ")}`],
    ['inspected element lines', `sshpass${fill(" '-p',\n")}`],
    ['open JSON elements', `sshpass${fill('"-p","\\"')}`],
    ['list lines', `curl${fill("\n'a', 'a', 'a' x")}`],
    ['one long list line', `curl\n${fill("'a', ")}`],
    ['spawnargs lines', `path: 'curl',${fill('\n  spawnargs: [')}`],
    // A lookbehind tried before its `]` read the run of spaces back from every space (about 1000 times the prose's
    // cost at 20 KB).
    ['spaces on a command line', `curl${fill(' ')}`],
    ['list ends', `curl${fill("' ]")}`],
    ['long options in lists', fill("'--password', '")],
    ['long option names in lists', `'--${fill('password-')}', 'x'`],
  ])('%s: 100 KB cost under 20 times as much as 100 KB of prose', (_, text) => {
    // As in cli-credentials-properties.test.ts: a ratio of CPU times in the same run, least of 5
    // (helpers/redaction-cost.ts); a pattern that rescans the rest of the text from every start measures far above 20.
    expect(costOverProse(text)).toBeLessThan(20);
  });
});
