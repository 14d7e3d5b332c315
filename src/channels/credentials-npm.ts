// An `.npmrc` credential set on a command line in error texts (outside review 26, 28, 30): `npm config set
// //registry.npmjs.org/:_authToken <token>` (`npm set`, `yarn config set npmAuthToken <token>`), with any number of
// npm's options before the key, as written or as a failed spawn's argument list prints it. redactNpmCredentials
// replaces the value by `[redacted]`; redactCredentials (credentials.ts) calls it.
//
// Linear: a scan, not one pattern. From each `set`, npm's options are read one at a time, forward (a pattern that
// read them back from the key, as before, had to bound them: 4, and a fifth option showed the token); a key and its
// value are tried at each option's end; when none follows, the search for the next `set` resumes where the options
// ended, so each character is read by the option loop once.

import { ARG, PROSE_AFTER_OPTION } from './credentials-cli.js';
import { redactedQuoted } from './credentials-http.js';

/** Between `npm config set`'s words: blanks, or the separator of an argument list's elements. */
const NPM_GAP = String.raw`(?:[ \t]+|['"][ \t]*,\s*['"])`;
/**
 * The key's name: `.npmrc`'s (scoped to a registry or not), or Yarn Berry's `npmAuthToken`/`npmAuthIdent`, also
 * under a registry or scope (`npmRegistries["//r.example"].npmAuthToken`, `npmScopes.acme.npmAuthToken`; outside
 * review 30, RT30-4). Bounded.
 */
const NPMRC_NAME = String.raw`(?:(?:\/\/[^\s'"=]*:)?_(?:authToken|auth|password)|(?:npm(?:Registries|Scopes)[^\s'\`]{0,200}?\.)?npmAuth(?:Token|Ident))`;
/** A key's name is no option's value (`--userconfig _auth …` reads `_auth` as the key, as the old pattern did). */
const NOT_A_KEY = String.raw`(?!['"]?(?:\/\/[^\s'"=]*:_|_(?:auth|password)|npm(?:Auth|Registries|Scopes)))`;
/**
 * One option of npm's before the key (outside review 28, RT28-10), after its gap: `-g`, `--global`,
 * `--location=user`, `--location project` and its short `-L project` (npm's config definitions: location takes
 * global, user or project), a config file's or registry's option and its value (`--userconfig ./.npmrc`), any other
 * flag (`--no-workspaces`, `--foo=bar`). Each bounded; any number of them. Any other option followed by a word that is
 * no key and no option takes that word as its value (outside review 32, RT32-10: `--scope @acme`, `--loglevel silent`,
 * `-w a`, `--otp 123456`), as npm's option parser (nopt) reads an unknown option's next word; a flag before the key
 * (`-g //r/:_authToken`) stays a flag.
 */
const NPM_OPTION = new RegExp(
  String.raw`${NPM_GAP}(?:(?:--location${NPM_GAP}|-L${NPM_GAP})(?:global|user|project)|--(?:userconfig|globalconfig|registry)${NPM_GAP}${NOT_A_KEY}[^\s'"]{1,200}|-[\w-]{1,40}(?:=[^\s'"]{0,200}|${NPM_GAP}${NOT_A_KEY}(?!-)[^\s'"]{1,200})?)`,
  'iy',
);
/**
 * The key (quoted or not) and its value after a space or an argument list's separator: `…/:_authToken …`, `-g …/:_auth
 * …`, `…/:_password …` (with `=` it is a pair, redacted in credentials.ts), `[ 'npm', 'config', 'set',
 * '//registry.npmjs.org/:_authToken', '…' ]`, JSON's `"set","…:_authToken","…"`. An option (`-g`), a word of prose
 * or a `${VAR}` reference in the value's place stays.
 */
const KEY_VALUE = new RegExp(
  String.raw`(${NPM_GAP}(?:(['"])${NPMRC_NAME}\2|${NPMRC_NAME})(?:[ \t]+|['"][ \t]*,\s*['"]))(?![-)])(?!${PROSE_AFTER_OPTION}(?:[\s,;:)]|$))(?!\$\{)(${ARG})`,
  'iy',
);
/** Where a scan starts: the word `set` (`npm config set`, `npm set`, `yarn config set`), before a gap. */
const SET = new RegExp(String.raw`\bset(?=${NPM_GAP})`, 'gi');

/** `text` with the value of each `.npmrc` (or Yarn Berry) credential key after `… set` and its options redacted. */
export function redactNpmCredentials(text: string): string {
  let out = '';
  let copied = 0;
  SET.lastIndex = 0;
  for (let m = SET.exec(text); m !== null; m = SET.exec(text)) {
    let at = SET.lastIndex;
    for (;;) {
      KEY_VALUE.lastIndex = at;
      const kv = KEY_VALUE.exec(text);
      if (kv !== null) {
        const value = kv[3] as string;
        const start = KEY_VALUE.lastIndex - value.length;
        out += `${text.slice(copied, start)}${redactedQuoted(value, false)}`;
        copied = KEY_VALUE.lastIndex;
        at = KEY_VALUE.lastIndex;
        break;
      }
      NPM_OPTION.lastIndex = at;
      if (NPM_OPTION.exec(text) === null) break;
      at = NPM_OPTION.lastIndex;
    }
    SET.lastIndex = at;
  }
  return out + text.slice(copied);
}
