// Regression (outside review F8): verifySignature accepted any body signed with an empty secret (a receiver
// written `verifySignature(process.env.WEBHOOK_SECRET ?? '', ...)` with the variable unset accepted forged
// alerts), threw a TypeError on a request without the signature header (the receiver answered 500), and
// accepted a space-padded timestamp. The oracle is the HMAC computed here with node:crypto.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/channels/signature.js';

const NOW = 1_767_225_600_000;
const ts = String(NOW / 1000);
const body = '{"status":"firing"}';
const sign = (key: string, t = ts) =>
  `sha256=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;

describe('verifySignature refuses, never throws', () => {
  it('accepts the right HMAC, and only that', () => {
    expect(verifySignature('whsec', body, ts, sign('whsec'), { nowMs: NOW })).toBe(true);
    expect(verifySignature('whsec', body, ts, sign('other'), { nowMs: NOW })).toBe(false);
  });

  it('an empty secret accepts nothing, not even a signature made with the empty key', () => {
    expect(verifySignature('', body, ts, sign(''), { nowMs: NOW })).toBe(false);
  });

  it('a missing header or a value that is not a string is false, not an exception', () => {
    const bad: unknown[] = [undefined, null, 42, {}, ['sha256=00']];
    for (const v of bad) {
      expect(() => verifySignature('whsec', body, ts, v as string, { nowMs: NOW })).not.toThrow();
      expect(verifySignature('whsec', body, ts, v as string, { nowMs: NOW })).toBe(false);
      expect(verifySignature('whsec', body, v as string, sign('whsec'), { nowMs: NOW })).toBe(false);
      expect(verifySignature(v as string, body, ts, sign('whsec'), { nowMs: NOW })).toBe(false);
      expect(verifySignature('whsec', v as string, ts, sign('whsec'), { nowMs: NOW })).toBe(false);
    }
  });

  it('the timestamp is digits only: a padded one, signed as sent, is refused', () => {
    for (const t of [` ${ts}`, `${ts} `, `+${ts}`, `${ts}.0`, '0x1', '']) {
      expect(verifySignature('whsec', body, t, sign('whsec', t), { nowMs: NOW }), JSON.stringify(t)).toBe(
        false,
      );
    }
  });
});
