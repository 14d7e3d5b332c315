// Redis passwords left shown after outside review 32 (RT32-3): redis-cli's own password variable `REDISCLI_AUTH=<pw>`,
// redis.conf's `requirepass <pw>` / `masterauth <pw>` lines (as redis-server's config error echoes them), node-redis
// v3's `client.auth('<pw>')` call, `auth` in small letters after `redis`/`ERR`; and `ACL SETUSER … >pw` redacted twice
// (the job surface) read `>[redacted]]`. Oracles: redis-cli's documented REDISCLI_AUTH, redis.conf's
// `requirepass <password>` directive, Redis's `AUTH [username] password`, the job surface (jobs/ last_failure) and
// idempotence (a redacted text redacted again is unchanged); prose must stay.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { errorSurfaces } from './error-surfaces.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';
const PW = 'S3cretP4ss';

describe('Redis passwords (outside review 32, RT32-3)', () => {
  it.each([
    // The reviewer's exact strings.
    [`REDISCLI_AUTH=${PW} redis-cli ping`, `REDISCLI_AUTH=${R} redis-cli ping`],
    [`requirepass ${PW}`, `requirepass ${R}`],
    [`masterauth ${PW}`, `masterauth ${R}`],
    [`client.auth('${PW}')`, `client.auth('${R}')`],
    [`await redis.auth("default", "${PW}")`, `await redis.auth("default", "${R}")`],
    [`redis auth default ${PW}`, `redis auth default ${R}`],
    [`ERR auth ${PW} failed`, `ERR auth ${R} failed`],
    [`ACL SETUSER bob on >${PW}`, `ACL SETUSER bob on >${R}`],
    [`ACL SETUSER bob on >${PW} >Other2Pass ~* +@all`, `ACL SETUSER bob on >${R} >${R} ~* +@all`],
    // More spellings.
    [`export REDISCLI_AUTH="my ${PW}"`, `export REDISCLI_AUTH="${R}"`],
    [
      `env REDISCLI_AUTH='${PW}' valkey-cli -h cache ping`,
      `env REDISCLI_AUTH='${R}' valkey-cli -h cache ping`,
    ],
    [
      `*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 2\n>>> 'requirepass ${PW}'\nBad directive`,
      `*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 2\n>>> 'requirepass ${R}'\nBad directive`,
    ],
    [`requirepass "with ${PW} spaces"`, `requirepass "${R}"`],
    [`MASTERAUTH ${PW}`, `MASTERAUTH ${R}`],
    [`client.AUTH( '${PW}' )`, `client.AUTH( '${R}' )`],
    [`valkey auth ${PW}`, `valkey auth ${R}`],
  ])('%j', (text, shown) => {
    expect(redactCredentials(text)).toBe(shown);
    expect(redactCredentials(shown)).toBe(shown); // redacting twice changes nothing
  });

  staysWhole('%j stays', [
    'the requirepass directive is not set',
    'masterauth is missing',
    'requirepass none',
    '# requirepass foobared',
    'basic auth plugin v2Beta',
    'redis auth failed',
    'ERR auth required',
    'client.auth(callback)',
    'set REDISCLI_AUTH to the password',
  ]);

  it('the job surface (jobs/ last_failure) shows ACL rules and REDISCLI_AUTH redacted, no stray bracket', async () => {
    const text = `ACL SETUSER bob on >${PW} >Other2Pass ~* +@all; REDISCLI_AUTH=${PW} redis-cli ping`;
    const { jobError, sent, bodies } = await errorSurfaces(text);
    expect(jobError).toBe(`ACL SETUSER bob on >${R} >${R} ~* +@all; REDISCLI_AUTH=${R} redis-cli ping`);
    for (const body of [...bodies, ...sent]) {
      expect(body).not.toContain(PW);
      expect(body).not.toContain('Other2Pass');
    }
  });
});
