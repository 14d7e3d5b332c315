// The loopback rule's decision with forged proxy headers: a request is served without credentials only when
// the client and every proxy it passed through are on this machine: every X-Forwarded-For entry, whatever
// trustProxy counts (outside review 6, F9).

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/http/auth.js';

function fakeReq(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

function decide(trustProxy: boolean | number, remoteAddress: string, headers: Record<string, string> = {}) {
  const auth = createAuthenticator(
    { trustProxy },
    { logger: { warn() {}, error() {} }, now: () => 0, basePath: '/admin' },
  );
  const req = fakeReq(remoteAddress, headers);
  return auth.check(req, req, undefined);
}

describe('loopback rule', () => {
  it.each([
    // [trustProxy, socket, X-Forwarded-For]: a remote client claiming to be local.
    [true, '127.0.0.1', '127.0.0.1, 203.0.113.7'], // nginx appended the real client after the forged entry
    [true, '192.0.2.2', '127.0.0.1'], // no proxy at all: the client wrote the header
    [1, '192.0.2.2', '127.0.0.1'],
    [2, '127.0.0.1', '127.0.0.1, 203.0.113.7'],
    [2, '127.0.0.1', '::1, 198.51.100.1, 127.0.0.1'], // the first proxy is remote
    // Outside review 6, F9: an internet-facing tunnel agent on the host (cloudflared, ngrok, ssh -R) names its
    // internet client, a local nginx appends 127.0.0.1, the operator counts the one proxy. Every entry counts,
    // not only the last trustProxy ones (these three were served).
    [1, '127.0.0.1', '8.8.8.8, 127.0.0.1'],
    [1, '::ffff:127.0.0.1', '203.0.113.7, ::1'],
    [2, '127.0.0.1', '8.8.8.8, 127.0.0.1, 127.0.0.1'],
    [1, '127.0.0.1', ', 127.0.0.1'], // an empty entry names no local client
  ])('trustProxy %j, socket %s, X-Forwarded-For %j: refused', async (trustProxy, socket, xff) => {
    expect(await decide(trustProxy, socket, { 'x-forwarded-for': xff })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it.each([
    [true, '127.0.0.1', '127.0.0.1'],
    [1, '127.0.0.1', '127.0.0.1'],
    [2, '::1', '127.0.0.1, 127.0.0.2'],
    [1, '127.0.0.1', '127.0.0.1, [::1]:8080, ::ffff:127.0.0.9'], // more local hops than counted: all local
  ])(
    'trustProxy %j, socket %s, X-Forwarded-For %j: a local client through local proxies is served',
    async (trustProxy, socket, xff) => {
      expect(await decide(trustProxy, socket, { 'x-forwarded-for': xff })).toEqual({
        ok: true,
        via: 'loopback',
      });
    },
  );

  it('trustProxy 0 means no proxy, like false: a forwarded request is refused', async () => {
    for (const headers of [{ 'x-forwarded-for': '203.0.113.7' }, { 'x-real-ip': '203.0.113.7' }] as Record<
      string,
      string
    >[]) {
      expect(await decide(0, '127.0.0.1', headers)).toMatchObject({
        ok: false,
        status: 403,
        message: /proxy/,
      });
    }
  });

  it('with trustProxy, a proxy that names the client only in X-Real-IP or Forwarded is refused', async () => {
    for (const headers of [{ 'x-real-ip': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }] as Record<
      string,
      string
    >[]) {
      expect(await decide(1, '127.0.0.1', headers)).toMatchObject({
        ok: false,
        status: 403,
        message: /X-Forwarded-For/,
      });
    }
  });
});
