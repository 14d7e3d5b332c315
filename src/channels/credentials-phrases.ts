// Passwords stated in words in an error text (the gaps after review 46, gaps 1 and 2): a pass phrase after the word
// `passphrase` and a blank (`passphrase S3cret!x`; `passphrase: …`, `passphrase=…` and a quoted one were already
// read), and a password stated as one (`password is S3cret!x`, `the password was "hunter"`, `pwd is Tr0ub4dor`).
// redactPhraseCredentials replaces the value by `[redacted]`; redactKeyCredentials (credentials-keys.ts) calls it.
// Prose stays: a value is taken unquoted only where it looks like a credential (BARE_SECRET_VALUE), and never a
// path, a placeholder or a hyphenated compound (`password is required`, `password was base64-encoded`, `pwd is
// /home/app`). Linear: each pattern starts at a fixed word and reads one quoted value or one word after it.

import { BARE_SECRET_VALUE, REDACTED } from './credentials-spellings.js';

/**
 * A quoted value on one line, closed (an open quote is prose's: `password is "required`), of 2 characters or more
 * (`the passwd's password is 'x'`: /etc/passwd's marker, and a one-character password is no secret).
 */
const CLOSED_QUOTED = String.raw`'[^'\r\n]{2,200}'|"[^"\r\n]{2,200}"|\`[^\`\r\n]{2,200}\``;
/** An unquoted word: up to a blank, a quote, `,`, `;`, `)` or a sentence's final dots. */
const WORD = String.raw`(?:[^\s'"\`,;)]|\.(?![\s.'"\`)]|$)){1,200}`;

/**
 * `password is …`, `password was …` (also `passwd`, `passphrase`, `pwd`; `is:`), any case: the statement of a
 * password's value; and `passphrase …`, the word right after `passphrase` and a blank (quoted, credentials-keys.ts'
 * WORD_QUOTED reads it first). A quoted value goes; an unquoted one where it looks like a credential.
 */
const STATED = new RegExp(
  String.raw`(?<![\w.-])((?:(?:password|passwd|passphrase|pwd)[ \t]+(?:is|was):?|passphrase)[ \t]+)(?:(${CLOSED_QUOTED})|(${WORD}))`,
  'gi',
);

/**
 * No credential: a path (`/home/app`, `~/.ssh/id_ed25519`, `./key`, `C:\\keys`), a word joined to another by `-`
 * (`base64-encoded`, `utf-8`, `sha256-hashed`: a compound of prose), a call or a property (`sha256(…)`,
 * `config.pass2`), an assignment's or a list's syntax, a constant's or an identifier's name in one case
 * (`GNUTLS_E_DECRYPTION_FAILED`, `new_password`).
 */
const NOT_A_VALUE =
  /^(?:[/~\\]|\.{1,2}[/\\]|[A-Za-z]:[/\\])|^[A-Za-z]+\d*(?:-[A-Za-z\d]+)+$|[()=[\]{}<>]|^[A-Za-z_$][\w$]*\.[A-Za-z_$]|^[A-Z][A-Z\d]*(?:_[A-Z\d]+)+$|^[a-z]+(?:_[a-z]+)+$/;

/**
 * An unquoted word that reads as a credential, judged without its sentence's final dots (they stay) and `!` or `?`
 * (`The password is echoed!` stays; `S3cret!` goes whole).
 */
function credentialWord(word: string): boolean {
  const core = word.replace(/[.!?]+$/, '');
  return BARE_SECRET_VALUE.test(core) && !NOT_A_VALUE.test(core);
}

/** `text` with the pass phrases and stated passwords above replaced by `[redacted]`. */
export function redactPhraseCredentials(text: string): string {
  return text.replace(STATED, (all: string, head: string, quoted?: string, word?: string) =>
    quoted !== undefined
      ? `${head}${quoted[0]}${REDACTED}${quoted[0]}`
      : credentialWord(word as string)
        ? `${head}${REDACTED}${(word as string).slice((word as string).replace(/\.+$/, '').length)}`
        : all,
  );
}
