// Redaction of a channel's secrets in what it shows (last_error, logs): the secret as written, and as a receiver's
// error answer may echo it encoded (outside review 11, F8): percent-encoded (encodeURIComponent, encodeURI, any
// mix, either case of hex, `+` for a space), JSON with `\/`, and base64 or base64url wherever the secret sits in the
// encoded text.

/** Base64 runs shorter than this are not redacted: a short secret's few characters would match ordinary words. */
const MIN_BASE64 = 8;
/** What an error shows at most, after redaction (so that a cut never leaves part of a secret behind). */
export const MAX_SHOWN = 240;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One character as written or percent-encoded (its UTF-8 bytes, hex in either case). */
function charPattern(ch: string): string {
  const pct = [...Buffer.from(ch, 'utf8')]
    .map((b) => {
      const [hi, lo] = b.toString(16).toUpperCase().padStart(2, '0');
      return `%[${hi}${hi?.toLowerCase()}][${lo}${lo?.toLowerCase()}]`;
    })
    .join('');
  const alts = [escapeRegExp(ch), pct];
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
  const patterns = sorted.map((s) => new RegExp([...s].map(charPattern).join(''), 'g'));
  const base64 = [...new Set(sorted.flatMap(base64Forms))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const p of patterns) out = out.replace(p, '[redacted]');
    for (const b of base64) out = out.split(b).join('[redacted]');
    return out.length > MAX_SHOWN ? `${out.slice(0, MAX_SHOWN)}…` : out;
  };
}
