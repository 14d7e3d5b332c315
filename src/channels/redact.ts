// Redaction of a channel's secrets in what it shows (last_error, logs): the secret as written, and as a receiver's
// error answer may echo it encoded (outside review 11, F8): percent-encoded (encodeURIComponent, encodeURI, any
// mix, either case of hex, `+` for a space), JSON with `\/`, and base64 or base64url wherever the secret sits in the
// encoded text; each character also percent-encoded twice, as an HTML entity or `\u00XX`, and a secret of 8
// characters or more in any letter case and in hex (outside review 12, F1). The secrets are the parts
// secret-parts.ts takes from URLs and header values, and the standalone ones (tokens, passwords).

/** Base64 runs shorter than this are not redacted: a short secret's few characters would match ordinary words. */
const MIN_BASE64 = 8;
/** What an error shows at most, after redaction (so that a cut never leaves part of a secret behind). */
export const MAX_SHOWN = 240;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** HTML's named entities for the punctuation of URLs and tokens (numeric ones are matched for any character). */
const NAMED_ENTITIES: Record<string, string> = {
  '&': 'amp',
  '"': 'quot',
  "'": 'apos',
  '<': 'lt',
  '>': 'gt',
  '/': 'sol',
  ':': 'colon',
  '=': 'equals',
  '?': 'quest',
  '.': 'period',
  '%': 'percnt',
  '+': 'plus',
  '@': 'commat',
  '#': 'num',
  '-': 'hyphen|dash',
  _: 'lowbar',
  ',': 'comma',
  ';': 'semi',
};

/** `[Aa]` for a hex digit: either case. */
const hexChar = (c: string) =>
  c.toUpperCase() === c.toLowerCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`;

/**
 * One character as written or percent-encoded (its UTF-8 bytes, hex in either case), percent-encoded twice (`%252F`),
 * as an HTML entity (`&#x2f;`, `&#47;`, `&sol;`) or JSON-escaped (`\u002f`, and `\/`): the forms in which an
 * answer may encode the secret or the punctuation around and inside it.
 */
function charPattern(ch: string): string {
  const bytes = [...Buffer.from(ch, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
  const hex = (h: string) => [...h].map(hexChar).join('');
  const pct = (prefix: string) => bytes.map((h) => `${prefix}${hex(h)}`).join('');
  const code = ch.codePointAt(0) ?? 0;
  const alts = [escapeRegExp(ch), pct('%'), pct('%25'), `&#[Xx]0*${hex(code.toString(16))};`, `&#0*${code};`];
  const named = NAMED_ENTITIES[ch];
  if (named !== undefined) alts.push(`&(?:${named});`);
  if (code < 0x10000) alts.push(`\\\\u${hex(code.toString(16).padStart(4, '0'))}`);
  if (ch === '/') alts.push('\\\\/');
  if (ch === ' ') alts.push('\\+');
  return `(?:${alts.join('|')})`;
}

/**
 * The base64 and base64url characters that encode `secret` whatever its offset in the encoded bytes (three
 * alignments): the characters that depend on the secret's bits alone.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length < MIN_BASE64) continue;
    out.push(core);
    const url = core.replace(/\+/g, '-').replace(/\//g, '_');
    if (url !== core) out.push(url);
  }
  return out;
}

/** A function that replaces every secret, as written or encoded, by `[redacted]`, and cuts to MAX_SHOWN. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so that a secret containing another is replaced whole.
  const sorted = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  // A long secret in any letter case (an answer that upper-cases what it echoes); a short one only as written.
  const patterns = sorted.map(
    (s) => new RegExp([...s].map(charPattern).join(''), s.length >= MIN_BASE64 ? 'gi' : 'g'),
  );
  const hex = sorted
    .filter((s) => Buffer.byteLength(s) >= MIN_BASE64)
    .map((s) => new RegExp(Buffer.from(s, 'utf8').toString('hex'), 'gi'));
  const base64 = [...new Set(sorted.flatMap(base64Forms))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const p of patterns) out = out.replace(p, '[redacted]');
    for (const h of hex) out = out.replace(h, '[redacted]');
    for (const b of base64) out = out.split(b).join('[redacted]');
    return out.length > MAX_SHOWN ? `${out.slice(0, MAX_SHOWN)}…` : out;
  };
}
