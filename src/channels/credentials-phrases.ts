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
 * `password is …`, `password was …` (also `passwd`, `passphrase`, `pwd`; `is:`; after a user's name: `password for
 * bob is …`, red3, outside review H), any case: the statement of a
 * password's value; and `passphrase …`, the word right after `passphrase` and a blank (quoted, credentials-keys.ts'
 * WORD_QUOTED reads it first). A quoted value goes; an unquoted one where it looks like a credential.
 */
const STATED = new RegExp(
  String.raw`(?<![\w.-])((?:(?:password|passwd|passphrase|pwd)(?:[ \t]+for[ \t]+[^\s'"\`]{1,100}|[ \t]+for[ \t]+(?:'[^'\r\n]{1,100}'|"[^"\r\n]{1,100}"))?[ \t]+(?:is|was):?|passphrase)[ \t]+)(?:(${CLOSED_QUOTED})|(${WORD}))`,
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
 * A well-known name after `password is` (red3, outside review H: `password is SHA512, expected bcrypt`): a hash, a
 * cipher, a key derivation, an encoding, a protocol's or an architecture's name, in any case (`SHA256`, `AES256`,
 * `PBKDF2`, `Argon2id`, `base64`, `OAuth2`, `x86_64`, `Latin1`, `Kerberos5`), and a version's or a date's shape
 * (`v1.2.3`, `2024-01-01`, `2024-01-01T12:00:00Z`): what a password is hashed, encoded or stored with, or since when,
 * no credential.
 */
const WELL_KNOWN =
  /^(?:(?:sha|sha3-|shake|ripemd|blake2[bs]-?|crc|aes|aes-?gcm|camellia|chacha|xchacha|salsa|rsa|ecdsa|secp|pbkdf|argon|base|utf|ucs|latin|iso-?8859-|kerberos|krb|ntlmv?|oauth|tlsv?|sslv?|http|ipv|pkcs|x509v|gost|hmac-?sha|scram-sha-)\d+(?:-plus)?|md[245]|rc[245]|3?des3?|sm[234]|(?:ed|x|curve)(?:25519|448)|p-?(?:256|384|521)|cp\d{3,4}|windows-?\d{3,4}|x86_64|x86-64|amd64|arm64|aarch64|i[3-6]86|argon2(?:i|d|id)|base64url|hmac|hkdf|bcrypt|scrypt|yescrypt|ascii)$/i;
const VERSION_OR_DATE =
  /^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$|^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An unquoted word that reads as a credential, judged without its sentence's final dots (they stay) and `!` or `?`
 * (`The password is echoed!` stays; `S3cret!` goes whole).
 */
function credentialWord(word: string): boolean {
  const core = word.replace(/[.!?]+$/, '');
  return (
    BARE_SECRET_VALUE.test(core) &&
    !NOT_A_VALUE.test(core) &&
    !WELL_KNOWN.test(core) &&
    !VERSION_OR_DATE.test(core)
  );
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
