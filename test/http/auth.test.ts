import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { type AuthOptions, createAccessTokens, createAuthenticator } from '../../src/http/auth.js';
import { clientAddress, isLoopback } from '../../src/http/client-address.js';

function fakeReq(
  remoteAddress: string | undefined,
  headers: Record<string, string | undefined> = {},
): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

function make<R = IncomingMessage>(options: AuthOptions<R>) {
  const logger = { warn: vi.fn(), error: vi.fn() };
  const auth = createAuthenticator<R>(options, { logger, now: () => 1_000_000, basePath: '/admin' });
  return { auth, logger };
}

describe('isLoopback', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '::ffff:127.0.0.1',
    '::FFFF:127.1.2.3',
    '::ffff:7f00:1',
    '0:0:0:0:0:0:0:1',
  ])('%s is loopback', (a) => expect(isLoopback(a)).toBe(true));
  it.each([
    '192.0.2.2',
    '10.0.0.1',
    '::ffff:192.0.2.2',
    '128.0.0.1',
    '::2',
    '',
    undefined,
    'localhost',
    '127.0.0.1.evil',
  ])('%s is not loopback', (a) => expect(isLoopback(a)).toBe(false));
});

describe('clientAddress', () => {
  const req = fakeReq('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' });
  it('ignores X-Forwarded-For unless trustProxy is set', () => {
    expect(clientAddress(req)).toBe('127.0.0.1');
    expect(clientAddress(req, false)).toBe('127.0.0.1');
    expect(clientAddress(req, 0)).toBe('127.0.0.1');
  });
  it('takes the left-most address with trustProxy true', () => {
    expect(clientAddress(req, true)).toBe('6.6.6.6');
  });
  it('counts trusted hops from the socket with a number', () => {
    expect(clientAddress(req, 1)).toBe('203.0.113.7');
    expect(clientAddress(req, 2)).toBe('6.6.6.6');
    expect(clientAddress(req, 9)).toBe('6.6.6.6');
  });
  it('normalises ports and brackets', () => {
    expect(clientAddress(fakeReq('::1', { 'x-forwarded-for': '[2001:db8::1]:443' }), 1)).toBe('2001:db8::1');
    expect(clientAddress(fakeReq('::1', { 'x-forwarded-for': '198.51.100.1:5000' }), 1)).toBe('198.51.100.1');
  });
});

describe('loopback mode (no adminToken, no authorize)', () => {
  it('warns once at setup', () => {
    const { auth, logger } = make({});
    expect(auth.mode).toBe('loopback');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(String(logger.warn.mock.calls[0]?.[1])).toMatch(/loopback clients only/);
  });

  it('serves loopback clients and refuses others with 403', async () => {
    const { auth } = make({});
    const r = fakeReq('127.0.0.1');
    expect(await auth.check(r, r, undefined)).toEqual({ ok: true, via: 'loopback' });
    const remote = fakeReq('192.0.2.2');
    expect(await auth.check(remote, remote, undefined)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a request forwarded by a local proxy unless trustProxy is set', async () => {
    const { auth } = make({});
    for (const h of [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9' },
      { 'x-real-ip': '1.2.3.4' },
    ]) {
      const r = fakeReq('127.0.0.1', h);
      expect(await auth.check(r, r, undefined)).toMatchObject({ ok: false, status: 403, message: /proxy/ });
    }
  });

  it('with trustProxy judges the forwarded client, so a remote client behind a local proxy is refused', async () => {
    const { auth } = make({ trustProxy: 1 });
    const remote = fakeReq('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' });
    expect(await auth.check(remote, remote, undefined)).toMatchObject({ ok: false, status: 403 });
    const local = fakeReq('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' });
    expect(await auth.check(local, local, undefined)).toEqual({ ok: true, via: 'loopback' });
  });

  it('does not let a client spoof loopback through X-Forwarded-For without trustProxy', async () => {
    const { auth } = make({});
    const r = fakeReq('192.0.2.2', { 'x-forwarded-for': '127.0.0.1' });
    expect(await auth.check(r, r, undefined)).toMatchObject({ ok: false, status: 403 });
  });
});

describe('token length', () => {
  it('warns once at setup, with the length and never the token, for a token under 32 characters', () => {
    for (const token of ['x', 's3cret-token', 'a'.repeat(31)]) {
      const { logger } = make({ adminToken: token });
      expect(logger.warn, token).toHaveBeenCalledTimes(1);
      const [fields, message] = logger.warn.mock.calls[0] as [Record<string, unknown>, string];
      expect(message).toContain(`adminToken is ${token.length} characters; use at least 32`);
      expect(fields.adminTokenLength).toBe(token.length);
      expect(JSON.stringify([fields, message])).not.toContain(token === 'x' ? '"x"' : token);
    }
  });

  it('says nothing for 32 characters or more', () => {
    for (const token of ['a'.repeat(32), 'f'.repeat(64)]) {
      const { logger } = make({ adminToken: token });
      expect(logger.warn).not.toHaveBeenCalled();
    }
  });
});

describe('token mode', () => {
  const { auth } = make({ adminToken: 's3cret-token' });

  it('accepts the right bearer token from anywhere', async () => {
    const r = fakeReq('192.0.2.2', { authorization: 'Bearer s3cret-token' });
    expect(await auth.check(r, r, undefined)).toEqual({ ok: true, via: 'token' });
    const lower = fakeReq('192.0.2.2', { authorization: 'bearer s3cret-token' });
    expect(await auth.check(lower, lower, undefined)).toEqual({ ok: true, via: 'token' });
  });

  it('401 without credentials, even from loopback', async () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }]) {
      const r = fakeReq('127.0.0.1', headers);
      expect(await auth.check(r, r, undefined)).toMatchObject({
        ok: false,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it('403 with a wrong token, including oversized and prefix/suffix variants', async () => {
    for (const t of ['wrong', 's3cret-toke', 's3cret-token2', 'x'.repeat(100_000)]) {
      const r = fakeReq('127.0.0.1', { authorization: `Bearer ${t}` });
      expect(await auth.check(r, r, undefined)).toMatchObject({ ok: false, status: 403 });
    }
  });

  it.each([[''], [42], [null]])('refuses adminToken %j at setup', (adminToken) => {
    expect(() => make({ adminToken: adminToken as never })).toThrow(SysvitalsError);
  });

  it.each([[-1], [1.5], ['yes']])('refuses trustProxy %j at setup', (trustProxy) => {
    expect(() => make({ trustProxy: trustProxy as never })).toThrow(SysvitalsError);
  });
});

describe('authorize hook', () => {
  it('receives the framework request and decides (sync and async)', async () => {
    const seen: unknown[] = [];
    const { auth } = make<{ user?: string }>({
      authorize: (r) => {
        seen.push(r);
        return r.user === 'admin';
      },
    });
    const req = fakeReq('192.0.2.2');
    expect(await auth.check(req, { user: 'admin' }, undefined)).toEqual({ ok: true, via: 'authorize' });
    expect(await auth.check(req, { user: 'bob' }, undefined)).toMatchObject({ ok: false, status: 403 });
    expect(seen).toEqual([{ user: 'admin' }, { user: 'bob' }]);
    const asyncAuth = make({ authorize: async () => true }).auth;
    expect(await asyncAuth.check(req, req, undefined)).toEqual({ ok: true, via: 'authorize' });
  });

  it('a hook that throws or rejects means 403, never an exception', async () => {
    const req = fakeReq('192.0.2.2');
    for (const authorize of [
      () => {
        throw new Error('no session');
      },
      async () => {
        throw new Error('no session');
      },
      () => 'yes' as unknown as boolean,
    ]) {
      const { auth } = make({ authorize });
      expect(await auth.check(req, req, undefined)).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('with a token too: the token alone is enough; no credentials and a refusing hook is 401', async () => {
    const hook = vi.fn(() => false);
    const { auth } = make({ adminToken: 'tok', authorize: hook });
    expect(auth.mode).toBe('token+authorize');
    const good = fakeReq('192.0.2.2', { authorization: 'Bearer tok' });
    expect(await auth.check(good, good, undefined)).toEqual({ ok: true, via: 'token' });
    expect(hook).not.toHaveBeenCalled();
    const none = fakeReq('192.0.2.2');
    expect(await auth.check(none, none, undefined)).toMatchObject({ ok: false, status: 401 });
    const wrong = fakeReq('192.0.2.2', { authorization: 'Bearer nope' });
    expect(await auth.check(wrong, wrong, undefined)).toMatchObject({ ok: false, status: 403 });
  });
});

describe('signed access tokens', () => {
  it('are valid until they expire', () => {
    const { issue: issueAccessToken, verify: verifyAccessToken } = createAccessTokens();
    const { token, expires_at } = issueAccessToken(1_000_000, 300_000);
    expect(expires_at).toBe(new Date(1_300_000).toISOString());
    expect(verifyAccessToken(token, 1_000_000)).toEqual({ expires: 1_300_000, hook: false });
    expect(verifyAccessToken(token, 1_299_999)).toEqual({ expires: 1_300_000, hook: false });
    expect(verifyAccessToken(token, 1_300_000)).toBe('expired');
  });

  it('refuse tampering', () => {
    const { issue: issueAccessToken, verify: verifyAccessToken } = createAccessTokens();
    const { token } = issueAccessToken(1_000_000);
    const [prefix, exp, sig] = token.split('.') as [string, string, string];
    const later = (Number.parseInt(exp, 36) + 10_000_000).toString(36);
    expect(verifyAccessToken(`${prefix}.${later}.${sig}`, 1_000_000)).toBe('invalid');
    // Another ending than the signature's own (a random key makes it end in AA one time in 4096).
    const ending = sig.endsWith('AA') ? 'BB' : 'AA';
    expect(verifyAccessToken(`${prefix}.${exp}.${sig.slice(0, -2)}${ending}`, 1_000_000)).toBe('invalid');
    for (const bad of ['', 'a.b.c', 'sv1..', `sv1.${exp}`, 'x'.repeat(10_000), `sv1.${exp}.${sig}.x`]) {
      expect(verifyAccessToken(bad, 1_000_000)).toBe('invalid');
    }
    // The hook binding is signed: it can be neither added to nor stripped from a token.
    expect(verifyAccessToken(`${prefix}.${exp}.h.${sig}`, 1_000_000)).toBe('invalid');
    const bound = issueAccessToken(1_000_000, 1000, true).token;
    expect(verifyAccessToken(bound, 1_000_000)).toEqual({ expires: 1_001_000, hook: true });
    const [, bexp, , bsig] = bound.split('.') as [string, string, string, string];
    expect(verifyAccessToken(`${prefix}.${bexp}.${bsig}`, 1_000_000)).toBe('invalid');
  });

  it('let a client in through check(), 401 when expired, 403 when forged', async () => {
    let t = 1_000_000;
    const auth = createAuthenticator(
      { adminToken: 'tok' },
      { logger: { warn() {}, error() {} }, now: () => t, basePath: '/admin' },
    );
    const r = fakeReq('192.0.2.2');
    const { token } = auth.issueAccessToken(t, 1000);
    expect(await auth.check(r, r, token)).toEqual({ ok: true, via: 'access_token', expiresAt: t + 1000 });
    t += 1000;
    expect(await auth.check(r, r, token)).toMatchObject({ ok: false, status: 401, code: 'token_expired' });
    expect(await auth.check(r, r, 'sv1.zz.forged')).toMatchObject({ ok: false, status: 403 });
  });
});

describe('cluster mode: access tokens signed with a key derived from the shared secret (outside review D4)', () => {
  const secret = Buffer.alloc(32, 7);
  const worker = (opts: AuthOptions<{ ok: boolean }>, basePath = '/admin', shared: Buffer | null = secret) =>
    createAuthenticator<{ ok: boolean }>(opts, {
      logger: { warn: vi.fn(), error: vi.fn() },
      now: () => 1_000_000,
      basePath,
      sharedSecret: () => shared ?? undefined,
    });
  const req = fakeReq('192.0.2.9');

  it('another worker’s API accepts the token; another base path, mode or secret does not', async () => {
    const token = worker({ adminToken: 'x'.repeat(40) }).issueAccessToken(1_000_000).token;
    const other = worker({ adminToken: 'x'.repeat(40) });
    expect(await other.check(req, { ok: true }, token)).toMatchObject({ ok: true, via: 'access_token' });
    for (const api of [
      worker({ adminToken: 'x'.repeat(40) }, '/elsewhere'),
      worker({ authorize: () => true }),
      worker({ adminToken: 'x'.repeat(40) }, '/admin', Buffer.alloc(32, 8)),
      worker({ adminToken: 'x'.repeat(40) }, '/admin', null), // no shared secret: a key of its own
    ]) {
      expect(await api.check(req, { ok: true }, token)).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('stays bound to the hook and to its expiry on every worker', async () => {
    const opts: AuthOptions<{ ok: boolean }> = { authorize: (r) => r.ok };
    const token = worker(opts).issueAccessToken(1_000_000, 60_000, true).token;
    const other = worker(opts);
    expect(await other.check(req, { ok: true }, token)).toMatchObject({ ok: true, via: 'access_token' });
    expect(await other.check(req, { ok: false }, token)).toMatchObject({ ok: false, status: 403 });
    const expired = worker(opts).issueAccessToken(1_000_000, -1, true).token;
    expect(await other.check(req, { ok: true }, expired)).toMatchObject({
      status: 401,
      code: 'token_expired',
    });
  });
});
