// HMAC-SHA256 request signing for webhooks, so a receiver can tell our requests from forgeries and replays.

import { nodeCrypto } from '../builtins.js';

/** Header carrying `sha256=<hex>`: HMAC-SHA256 with your secret of `<timestamp>.<raw body>`. */
export const SIGNATURE_HEADER = 'x-sysvitals-signature';
/** Header carrying the Unix time in seconds that the signature covers (refuse old ones to stop replays). */
export const TIMESTAMP_HEADER = 'x-sysvitals-timestamp';

/** The two headers for `body` sent at `nowMs`. */
export function signatureHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const mac = nodeCrypto().createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { [SIGNATURE_HEADER]: `sha256=${mac}`, [TIMESTAMP_HEADER]: timestamp };
}

/**
 * Checks a received signature (for receivers written in Node): true when `signature` is the
 * HMAC of `<timestamp>.<body>` and the timestamp (whole seconds, digits only) is within
 * `toleranceSeconds` of now. Never throws: a missing header (undefined), an empty secret (the sender
 * refuses one, so a receiver whose secret variable is unset accepts nothing) or any value that is not a
 * string gives false.
 */
export function verifySignature(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  options: { nowMs?: number; toleranceSeconds?: number } = {},
): boolean {
  if (typeof secret !== 'string' || secret === '' || typeof body !== 'string') return false;
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d{1,15}$/.test(timestamp))
    return false;
  const t = Number(timestamp);
  const now = (options.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(
    `sha256=${nodeCrypto().createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  const got = Buffer.from(signature);
  return got.length === expected.length && nodeCrypto().timingSafeEqual(got, expected);
}
