// The "name ends in pass" rule (outside review C, rtC e1/e3) masked English words: `bypass=true`,
// `compass=north`, `trespass=no` became `…=[redacted]`. The words excluded are every word ending in "pass" in
// Debian's wamerican and wbritish lists (docs/redaction.md); credential names ending in `pass` stay masked.
// Oracle: a plain word's pair is left exactly as written; a credential's value is absent and only it is replaced.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';
const S = 'Hunter2x9';

/** Every word ending in "pass" (but "pass") in /usr/share/dict/american-english and british-english (2020.12.07). */
const DICTIONARY_WORDS = ['bypass', 'compass', 'encompass', 'overpass', 'surpass', 'trespass', 'underpass'];

describe('a name ending in pass', () => {
  staysWhole(
    'a word, no credential: %s',
    DICTIONARY_WORDS.flatMap((w) => [
      `${w}=true`,
      `${w.toUpperCase()}=north`,
      `cache_${w}=1`,
      `"${w}": "x1"`,
      `--${w} yes`,
      `${w}: x1y2z3`,
    ]),
  );

  it.each([
    'pass',
    'dbpass',
    'db_pass',
    'mysqlpass',
    'PGPASS',
    'redispass',
    'smtp_pass',
    'storepass',
    'mypass',
    'passpass',
    'bypass_pass',
  ])('a credential: %s', (name) => {
    for (const text of [`${name}=${S}`, `"${name}": "${S}"`, `connect failed (${name}=${S}; host=db)`]) {
      const out = redactCredentials(text);
      expect(out).not.toContain(S);
      expect(out).toBe(text.replace(S, R));
      expect(redactCredentials(out)).toBe(out);
    }
  });
});
