// Secret names written with escapes (the gaps after review 46, gaps 5 and 6): a pair whose name has percent-encoded
// letters (`%70assword=…`, `%70%61ss%3D…`, once or more: `%2570`), as a client that encodes every character of a
// query writes it and a server decodes it, or JSON's and JS's escapes of its letters (`"\u0070assword":"…"`,
// `\u{70}`, `\x70`), as a JSON writer that escapes non-ASCII or every character, or an obfuscated payload writes
// it. JSON.parse, a JS engine and a URL parser read such a name as the plain one, so its value is as secret.
// withEscapedNames puts a plain stand-in (`zqxva_password`) in place of each escaped name whose characters decode
// to a secret's name (SECRET_PAIR_NAME, the pair rules' own) or to a name ending in `pass`, lets the pair rules read the text, then writes each
// name back as it was. Linear: the runs are found by one scan (each told apart by its first character), each run's
// characters are decoded once, and the stand-ins are written back by one scan.

import { SECRET_PAIR_NAME } from './credentials-spellings.js';

/**
 * An escape of one character: `%XX` (also encoded again: `%25XX`), `\uXXXX`, `\u{X…}`, `\xXX`, and HTML's numeric
 * character references `&#xXX;` and `&#NNN;` (red3, outside review H: `&#112;assword=…`, as an HTML page echoes a
 * query; its hex or decimal digits in a group).
 */
const ESCAPE = String.raw`%(?:25)*([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\u\{([0-9A-Fa-f]{1,6})\}|\\x([0-9A-Fa-f]{2})|&#[xX]0{0,6}([0-9A-Fa-f]{1,6});|&#0{0,6}(\d{1,7});`;
/** Where any of them may stand: run only on a text that holds one. */
const ESCAPE_SEEN = new RegExp(ESCAPE);
/** A run of a name's characters and escapes, with at least one escape (at most 200 of them). */
const ESCAPED_RUN = new RegExp(String.raw`(?<![\w.-])[\w.-]*(?:(?:${ESCAPE})[\w.-]*){1,200}`, 'g');
/** One character of a run, as written: an escape or a name's character. */
const RUN_CHARACTER = new RegExp(String.raw`${ESCAPE}|([\w.-])`, 'y');
/** A decoded character that a name may hold. */
const NAME_CHARACTER = /^[\w.-]$/;
/**
 * A whole name that says password or secret (the pairs' rule: `password`, `db_pass`), or one ending in an English
 * word that ends in `pass` (`%62ypass`: its plain `bypass` keeps a pair rule from reading `62ypass` as a secret's
 * name). Not Redis's directives (`%72equirepass`): the Redis readers read them escaped.
 */
const NAME_TO_READ = new RegExp(
  `^(?!(?:requirepass|auth-pass|sentinel-pass|tls-(?:client-)?key-file-pass)$)(?:${SECRET_PAIR_NAME}|[\\w.-]*pass)$`,
  'i',
);

/** A stand-in's prefix: small letters that the text does not hold, in any case. */
function standInPrefix(text: string): string {
  const lower = text.toLowerCase();
  let prefix = 'zqxv';
  while (lower.includes(prefix)) prefix += 'q';
  return prefix;
}

/** `n` written in the letters a to j (a stand-in holds no digit, so that no rule reads it as a token). */
function letters(n: number): string {
  return String(n).replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)));
}

/**
 * `redact(text)` read with each escaped secret name in plain form, the names written back as they were: the pair
 * rules of `redact` then redact the value of `%70assword=…`, `\u0070assword\u003d…`, `"\u0070assword":"…"`.
 */
export function withEscapedNames(text: string, redact: (plain: string) => string): string {
  if (!ESCAPE_SEEN.test(text)) return redact(text);
  const names: [string, string][] = []; // each stand-in's name as written and decoded
  let prefix: string | undefined;
  const standIns = text.replace(ESCAPED_RUN, (run: string) => {
    let out = '';
    let segment = '';
    let decoded = '';
    let escaped = false;
    const flush = (): void => {
      if (escaped && NAME_TO_READ.test(decoded)) {
        prefix ??= standInPrefix(text);
        out += `${prefix}${letters(names.length)}_${decoded}`;
        names.push([segment, decoded]);
      } else {
        out += segment;
      }
      segment = '';
      decoded = '';
      escaped = false;
    };
    RUN_CHARACTER.lastIndex = 0;
    for (let m = RUN_CHARACTER.exec(run); m !== null; m = RUN_CHARACTER.exec(run)) {
      const hex = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
      const code = hex === undefined ? m[6] : undefined;
      const point =
        hex !== undefined ? Number.parseInt(hex, 16) : code !== undefined ? Number(code) : undefined;
      const char =
        point === undefined ? (m[7] as string) : point <= 0x10ffff ? String.fromCodePoint(point) : '';
      if (!NAME_CHARACTER.test(char)) {
        flush();
        out += m[0];
        continue;
      }
      segment += m[0];
      decoded += char;
      escaped ||= point !== undefined;
    }
    flush();
    return out;
  });
  if (prefix === undefined) return redact(text);
  // Each stand-in back as written; one a rule cut (a value it masked) is gone with what it masked.
  const back = new RegExp(String.raw`${prefix}([a-j]+)_([\w.-]*)`, 'g');
  return redact(standIns).replace(back, (all: string, code: string, rest: string) => {
    const [written, name] = names[Number(code.replace(/[a-j]/g, (c) => String(c.charCodeAt(0) - 97)))] ?? [];
    return name !== undefined && rest.startsWith(name) ? `${written}${rest.slice(name.length)}` : all;
  });
}
