// Outside review H's redaction findings (red3): A, a `password = X` masking that swallowed SQL's next keyword and
// masked bind placeholders; B, well-known algorithm, encoding, version and date names after `password is` masked
// as credentials; C, sibling spellings that still showed a secret (blanks around an escaped `=`, HTML references in
// a name or for `:`, `password for <user> is "…"`). Expected texts are written by hand from docs/redaction.md's
// rules ("Review H's redaction findings").

import { describe } from 'vitest';
import { cheapAgainstProse, redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('A: a SQL password clause keeps its keywords, punctuation and placeholders', () => {
  staysWhole('bind placeholder stays: %j', [
    'UPDATE users SET password = $1 WHERE id = $2 - deadlock detected',
    'select * from users where password = ? and active = ?',
    'UPDATE users SET password = $1, name = $2',
    'UPDATE users SET token = $1 WHERE id = $2',
    'UPDATE users SET password = :pw WHERE id = :id',
    'UPDATE users SET password = @p1 WHERE id = @p2',
    'cursor.execute("UPDATE users SET password = %s WHERE id = %s")',
    'UPDATE users SET password = %(pw)s WHERE id = %(id)s',
    'UPDATE users SET password=$1 WHERE id=$2',
    'UPDATE users SET password=? WHERE id=?',
  ]);
  redactsTo('%j: one word goes, what follows stays', [
    [
      'UPDATE users SET password = hunter2Secret WHERE id = 1',
      `UPDATE users SET password = ${R} WHERE id = 1`,
    ],
    ['where password = hunter2Secret and active = 1', `where password = ${R} and active = 1`],
    ['SET password = hunter2Secret, name = x', `SET password = ${R}, name = x`],
    ['SET pwd = hunter2Secret WHERE id = 1', `SET pwd = ${R} WHERE id = 1`],
    ['SET token = hunter2Secret WHERE id = 1', `SET token = ${R} WHERE id = 1`],
    // A named placeholder's shape only with blanks around the `=`; glued, it is a value.
    ['password=:pw', `password=${R}`],
    // The `=` glued keeps the connection string's phrase (`Password=My S3cret Pass` to the line's end).
    ['Password=My S3cret Pass', `Password=${R}`],
  ]);
});

describe('B: a well-known name, a version or a date after `password is` stays', () => {
  staysWhole('%j', [
    'password is SHA512, expected bcrypt',
    'password is SHA256',
    'password is AES256',
    'password is PBKDF2',
    'password is Argon2id',
    'password is base64',
    'password is OAuth2',
    'password is x86_64',
    'password is Latin1',
    'password is Kerberos5',
    'password is v1.2.3',
    'password is 2024-01-01',
    'password was 2024-01-01T12:00:00Z.',
    'passphrase AES256 cipher',
    'password is sha256.',
  ]);
  redactsTo('%j: a credential goes still', [
    ['password is hunter2Secret', `password is ${R}`],
    ['password is SHA512x9q', `password is ${R}`],
    ['password is 20240101', `password is ${R}`],
    ['passphrase AES256xQ cipher', `passphrase ${R} cipher`],
    ['password is "SHA512"', `password is "${R}"`],
  ]);
});

describe('C: sibling spellings', () => {
  redactsTo('%j', [
    ['password &#x3D; hunter2Secret', `password &#x3D; ${R}`],
    ['password &#61; hunter2Secret', `password &#61; ${R}`],
    ['password \\u003d hunter2Secret', `password \\u003d ${R}`],
    ['&#x70;assword=hunter2Secret', `&#x70;assword=${R}`],
    ['&#112;assword=hunter2Secret', `&#112;assword=${R}`],
    ['&#112;&#97;ssword=hunter2Secret&user=bob', `&#112;&#97;ssword=${R}&user=bob`],
    ['password&#x3a; hunter2Secret', `password&#x3a; ${R}`],
    ['password&colon; hunter2Secret', `password&colon; ${R}`],
    ['password&#58;hunter2Secret', `password&#58;${R}`],
    ['password for bob is "hunter2Secret"', `password for bob is "${R}"`],
    ["password for 'bob' was hunter2Secret", `password for 'bob' was ${R}`],
    [
      '&lt;password&gt;&lt;![CDATA[hunter2Secret]]&gt;&lt;/password&gt;',
      `&lt;password&gt;&lt;![CDATA[${R}]]&gt;&lt;/password&gt;`,
    ],
    [
      '&lt;db:Password type=&quot;x&quot;&gt; &lt;![CDATA[a&lt;b]c]]&gt; &lt;/db:Password&gt;',
      `&lt;db:Password type=&quot;x&quot;&gt; &lt;![CDATA[${R}]]&gt; &lt;/db:Password&gt;`,
    ],
    [
      '&amp;lt;password&amp;gt;hunter2Secret&amp;lt;/password&amp;gt;',
      `&amp;lt;password&amp;gt;${R}&amp;lt;/password&amp;gt;`,
    ],
    [
      '&amp;lt;client_secret&amp;gt; s3cr3t &amp;lt;/client_secret&amp;gt;',
      `&amp;lt;client_secret&amp;gt; ${R} &amp;lt;/client_secret&amp;gt;`,
    ],
  ]);
  staysWhole('%j stays', [
    'the pass &equals; ok',
    'password &#x3D; required',
    'password&colon; required',
    'password&#x3a; hunter',
    'password for bob is required',
    '&#98;ypass=true',
    `&lt;password&gt;&lt;![CDATA[\${DB_PASSWORD}]]&gt;&lt;/password&gt;`,
    '&lt;user&gt;&lt;![CDATA[bob]]&gt;&lt;/user&gt;',
    '&amp;lt;bypass&amp;gt;true&amp;lt;/bypass&amp;gt;',
    '&amp;lt;tokens&amp;gt;42&amp;lt;/tokens&amp;gt;',
  ]);
  cheapAgainstProse('%j repeated costs little more than prose', [
    '&lt;password&gt;&lt;![CDATA[x',
    '&amp;lt;password&amp;gt;x',
    '&amp;lt;password&amp;gt;&amp;lt;password&amp;gt;',
    '&#112;&#97;ss',
    'password &#x3D; ',
    'password for ',
  ]);
});
