// The path of a request answered before the middleware, as its warning may log it (unseen-requests.ts): no query
// string, no credentials.

import { redactCredentials } from '../channels/credentials.js';
import { REDACTED } from '../channels/credentials-spellings.js';
import { looksLikeCredential, tokenParts } from '../channels/secret-parts.js';

/** An absolute-form target's scheme and authority (`http://user:pass@host:port`), dropped from the path. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/;

/**
 * A request target as the log may show it, at most 200 characters. The path without its query string and fragment
 * (a token there stays out of the log), and of an absolute-form target (`GET http://admin:pw@host/x`) only the
 * path: its user, password and host stay out too (outside review 23, RT23-1). A target that is neither (not a path
 * a router reads) is not shown.
 */
export function loggablePath(target: string): string {
  let path = target;
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (!path.startsWith('/') && path !== '*') {
    const authority = ABSOLUTE_FORM.exec(path);
    path = authority ? path.slice(authority[0].length) || '/' : '(not a path)';
  }
  return safePath(path).slice(0, 200);
}

/**
 * A path as the log may show it (outside review 25, F1): decoded where it decodes; without `;` parameters
 * (`;jsessionid=…`); a `user:password@` in any segment (a network-path `//admin:pw@host/x`, a URL pasted into a
 * path) with its password masked; then the credentials rules every logged text goes through (`access_token=…`).
 */
function safePath(path: string): string {
  let p = path;
  try {
    p = decodeURIComponent(p);
  } catch {
    // not percent-encoded text: as received
  }
  const segments = p.split('/').map((segment) => {
    let seg = segment;
    const param = seg.indexOf(';');
    if (param !== -1) seg = seg.slice(0, param);
    const at = seg.lastIndexOf('@');
    const colon = seg.indexOf(':');
    return colon !== -1 && colon < at
      ? `${seg.slice(0, colon)}:[redacted]${seg.slice(at)}`
      : redactSegment(seg);
  });
  return redactCredentials(segments.join('/'));
}

/**
 * A path segment under the path-segment rules the channels' redaction uses (secret-parts.ts; outside review 39,
 * RT39-8): a segment that looks like a generated credential (a reset or webhook token, a hex key, a UUID) whole;
 * else its secret parts (Telegram's `bot<id>:<token>`, `KEYID:SECRET`, a JWT's parts, a random run), longest first,
 * so the rest stays readable (`/reset/[redacted]`, `/[redacted]/getUpdates`).
 */
function redactSegment(seg: string): string {
  if (looksLikeCredential(seg)) return REDACTED;
  // A token has no space nor control character: such a segment is text (its escapes shown by escapeControls).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(seg)) return seg;
  const parts = tokenParts(seg);
  if (parts.length === 0) return seg;
  const inner = parts.filter((p) => p !== seg).sort((a, b) => b.length - a.length);
  if (inner.length === 0) return REDACTED;
  let out = seg;
  for (const part of inner) out = out.split(part).join(REDACTED);
  return out;
}
