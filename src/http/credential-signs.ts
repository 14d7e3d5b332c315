// What a request carries that an authorize hook could read as a credential, for the admin API's budgets
// (admission.ts). A request with none of it cannot be a guess: another site's <img> on plain HTTP (no Sec-Fetch-*,
// and no SameSite=Lax cookie) spent the refusal budget and locked the admin out (outside review E, F1).

import type { IncomingMessage } from 'node:http';
import { nodeCrypto } from '../builtins.js';
import { PROXY_HEADERS } from './proxy-signals.js';

/**
 * Headers a browser adds by itself to a request (a subresource, a navigation, a no-cors or CORS-safelisted
 * fetch: another site's page can add no other header without a preflight, which the admin API never allows),
 * and headers proxies and tracing add (lower case, as Node keys them). `sec-*` and HTTP/2 pseudo-headers are
 * matched by prefix. Any other header may be what a hook reads (an API key), so it counts as a credential.
 */
const OWN_HEADERS: ReadonlySet<string> = new Set([
  ...PROXY_HEADERS,
  'host',
  'connection',
  'keep-alive',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'content-language',
  'content-type',
  'content-length',
  'transfer-encoding',
  'expect',
  'te',
  'upgrade',
  'referer',
  'origin',
  'dnt',
  'cache-control',
  'pragma',
  'upgrade-insecure-requests',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
  'priority',
  'purpose',
  'save-data',
  'downlink',
  'rtt',
  'ect',
  'dpr',
  'device-memory',
  'viewport-width',
  'width',
  'x-requested-with',
  'x-forwarded-scheme',
  'x-scheme',
  'x-request-id',
  'x-correlation-id',
  'x-amzn-trace-id',
  'x-cloud-trace-context',
  'traceparent',
  'tracestate',
  'cf-ray',
  'cf-visitor',
  'cf-ipcountry',
]);

/** Headers that carry a credential whatever else the request holds. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'] as const;

/**
 * Whether the request carries anything an authorize hook could compare with a secret: `Authorization`,
 * `Proxy-Authorization`, `Cookie`, or a header neither a browser nor a proxy adds by itself. (A client
 * certificate or the peer's address cannot be guessed, and the `?access_token=` is judged apart.)
 */
export function carriesCredential(req: IncomingMessage): boolean {
  for (const name of Object.keys(req.headers)) {
    if ((CREDENTIAL_HEADERS as readonly string[]).includes(name)) return true;
    if (OWN_HEADERS.has(name) || name.startsWith('sec-') || name.startsWith(':')) continue;
    return true;
  }
  return false;
}

/**
 * A short digest of the request's `Authorization`, `Proxy-Authorization` and `Cookie` headers (`-` when it has
 * none): requests an authorize hook lets in are counted on the served budget per peer and digest, so another
 * site's requests without the admin's cookie do not fill the admin's (the credential itself is never kept).
 */
export function credentialDigest(req: IncomingMessage): string {
  const h = req.headers;
  const values = CREDENTIAL_HEADERS.map((name) => h[name]);
  if (values.every((v) => v === undefined)) return '-';
  const text = values.map((v) => (Array.isArray(v) ? v.join('\n') : (v ?? ''))).join('\r');
  return nodeCrypto().createHash('sha256').update(text).digest().subarray(0, 12).toString('base64url');
}

/**
 * Whether the request is a top-level navigation (a window's or tab's document): `Sec-Fetch-Mode: navigate`, or
 * without Fetch Metadata (plain HTTP to a name a browser does not trust: it sends no `Sec-Fetch-*`) what browsers
 * send only on a navigation, `Upgrade-Insecure-Requests: 1` or an `Accept` that begins with `text/html`. Served
 * requests let in by what a browser brings along are counted apart by kind: another site's script navigating a
 * window it opened (which carries a `SameSite=Lax` cookie) then spends no budget of the dashboard's fetches
 * (outside review G, F1).
 */
export function isNavigation(req: IncomingMessage): boolean {
  const h = req.headers;
  const mode = h['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  if (h['upgrade-insecure-requests'] === '1') return true;
  const accept = h.accept;
  return typeof accept === 'string' && /^\s*text\/html/i.test(accept);
}
