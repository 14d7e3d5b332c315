// Review 42's redaction findings. RT42-3: Redis passwords shown after a shell's `\` line continuation
// (`redis-cli --pass \`, `-a \`, `CONFIG \` then `SET requirepass \`), on a wrapped MONITOR line of the two-argument
// AUTH, and as a parenthesised concatenation. RT42-4: over-masking of a redis-cli reply after `CONFIG SET requirepass`,
// of code with `'password:'` inside a string (the lines after it swallowed), and of prose after "basic". Oracles:
// hand-written expected texts (the shell joins `\`+line break, bash(1) "QUOTING"; Redis's replies as redis-cli prints
// them); ordinary text comes out unchanged. Linear: the readers' character counter (redisScan) and the cost against
// prose, as redaction-rt38-linear.test.ts and redaction-rt38.test.ts measure them.

import { describe } from 'vitest';
import { cheapAgainstProse, readsBoundedMultiple, redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('passwords after a shell line continuation, a wrapped MONITOR AUTH, a parenthesised concatenation (RT42-3)', () => {
  redactsTo('%j', [
    ['redis-cli -h cache --pass \\\n  hunter2 ping', `redis-cli -h cache --pass \\\n  ${R} ping`],
    ['redis-cli -h cache -a \\\n  hunter2 ping', `redis-cli -h cache -a \\\n  ${R} ping`],
    ['redis-cli -h cache -a \\\r\n  hunter2 ping', `redis-cli -h cache -a \\\r\n  ${R} ping`],
    ['redis-cli -h cache \\\n  -a hunter2 ping', `redis-cli -h cache \\\n  -a ${R} ping`],
    ['mytool --password \\\n  hunter2', `mytool --password \\\n  ${R}`],
    [
      'redis-cli CONFIG \\\n  SET requirepass \\\n  hunter2',
      `redis-cli CONFIG \\\n  SET requirepass \\\n  ${R}`,
    ],
    ['redis-cli config \\\nset masterauth hunter2', `redis-cli config \\\nset masterauth ${R}`],
    [
      '1700000000.123456 [0 127.0.0.1:5000] "AUTH" "default"\n "hunter2"',
      `1700000000.123456 [0 127.0.0.1:5000] "AUTH" "default"\n "${R}"`,
    ],
    [
      '1700000000.1 [0 127.0.0.1:5000] "AUTH" "default"\r\n  "hunter2"\r\n1700000000.2 [0 127.0.0.1:5000] "GET" "k"',
      `1700000000.1 [0 127.0.0.1:5000] "AUTH" "default"\r\n  "${R}"\r\n1700000000.2 [0 127.0.0.1:5000] "GET" "k"`,
    ],
    ["client.auth(('hun' + 'ter2'))", `client.auth(${R})`],
    ['client.auth( ( "hun" + "ter2" ) )', `client.auth( ${R} )`],
    ["db.auth(user, ('S3' + suffix))", `db.auth(user, ${R})`],
    // A complete AUTH, then the next command on the next line (one line per MONITOR entry): that line stays.
    ['"AUTH" "pw1"\n"GET" "k"', `"AUTH" "${R}"\n"GET" "k"`],
  ]);

  staysWhole('stays: %j', [
    // A continuation with nothing after it, or the next option after it: no value to take, the `\` stays.
    'redis-cli -h cache -a \\\n  --no-auth-warning ping',
    'mytool --password \\\n  -v',
    // A parenthesised expression that is no concatenation, outside an auth call.
    "console.log(('a' + 'b'))",
    "passport.authenticate(('local'))",
  ]);
});

describe('ordinary text kept whole (RT42-4)', () => {
  staysWhole('%j', [
    "CONFIG SET requirepass\n(error) ERR wrong number of arguments for 'config|set' command",
    "config set masterauth\r\n(error) ERR wrong number of arguments for 'config|set' command\r\n",
    '127.0.0.1:6379> CONFIG SET requirepass\n127.0.0.1:6379> PING',
    'CONFIG SET requirepass\n(integer) 0',
    "console.log('password:', password);\n  });\nThe last argument of a command can be variadic.\nprogram.version('0.1.0')",
    'console.log("token:", token);\nnext line stays',
    'You can test for basic JavaScript types',
    'basic file/folder manipulation failed',
    'a bearer TokenRefresh happened',
  ]);

  redactsTo('still redacted: %j', [
    // The value on the next line, no reply: still taken (review 38's case).
    ['CONFIG SET requirepass\n  hunter2\nOK', `CONFIG SET requirepass\n  ${R}\nOK`],
    // A value that is a reply's look-alike after `\`: the shell joined the lines, so it is the value.
    ['CONFIG SET requirepass \\\n(error)x', `CONFIG SET requirepass \\\n${R}`],
    // A quoted pair's value (the name closed by its own quote) still goes.
    ["{'password': 'hunter2'}", `{'password': '${R}'}`],
    ['{"password":"hunter2"}', `{"password":"${R}"}`],
    ["password: 'hunter2'", `password: '${R}'`],
    // A credential after a bare scheme in small letters still goes (a digit, `+`, `=` or 20 characters and more).
    ['basic dXNlcjpwYXNzd29yZA==', `basic ${R}`],
    ['bearer abcdefghijklmnopqrstuvwxyz', `bearer ${R}`],
    ['Basic QWxhZGRpbjpPcGVuU2VzYW1l', `Basic ${R}`],
  ]);
});

describe('linear on 100 KB of adversarial text (RT42-3, RT42-4)', () => {
  readsBoundedMultiple('the readers read a bounded multiple: %j', [
    'CONFIG \\\nSET a\n',
    'CONFIG SET requirepass\n(error) ',
    'CONFIG SET requirepass\n127.0.0.1:6379',
    'CONFIG SET a \\\n',
  ]);

  cheapAgainstProse('cost against prose: %j', [
    '"AUTH" "u"\n "',
    '"AUTH" "u"\n',
    'redis-cli -a \\\n',
    '--pass \\\n',
    ".auth(('a' + ",
    '.auth((a + b + ',
    "'password:'",
    "x'password:",
    'basic JavaScript ',
  ]);
});
