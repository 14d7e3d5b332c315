// Outside review D5 (INFO): a stranger refused in loopback mode was told why ("serves loopback clients only
// until adminToken or authorize is configured", "came through a proxy; set trustProxy …"), so it learned the
// instance has no credential (any SSRF in the app reads everything). The answer is now the same as an
// authorize hook's refusal; the reason goes to the server log, once per reason.

import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { createAuthenticator } from '../../src/http/auth.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget } from './fixture.js';
import { rawRequest } from './raw-client.js';

beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const GENERIC = {
  ok: false,
  status: 403,
  code: 'forbidden',
  message: 'not authorized to read the admin API',
};
const fakeRequest = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('loopback mode refusals say nothing about the mode', () => {
  it('a remote client gets the authorize hook’s generic 403; the reason is logged once', async () => {
    const lines: string[] = [];
    const push = (_o: unknown, m?: string) => void lines.push(String(m));
    const logger = { warn: push, error: push, info: push };
    const auth = createAuthenticator({}, { logger, now: () => 0, basePath: BASE });
    const hook = createAuthenticator({ authorize: () => false }, { logger, now: () => 0, basePath: BASE });
    const before = lines.length; // the startup warning
    for (let i = 0; i < 3; i++) {
      expect(await auth.check(fakeRequest('192.0.2.2'), undefined, undefined)).toEqual(GENERIC);
    }
    expect(await hook.check(fakeRequest('192.0.2.2'), undefined, undefined)).toEqual(GENERIC);
    // Through a proxy on this machine, without trustProxy: the same answer, another logged reason.
    for (let i = 0; i < 2; i++) {
      const proxied = fakeRequest('127.0.0.1', { 'x-forwarded-for': '192.0.2.2' });
      expect(await auth.check(proxied, undefined, undefined)).toEqual(GENERIC);
    }
    const logged = lines.slice(before);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain('loopback clients only');
    expect(logged[1]).toContain('set trustProxy');
  });

  it.each(harnesses)('$name: the proxied refusal body is the hook’s, byte for byte', async (harness) => {
    const bodies: string[] = [];
    for (const api of [{}, { authorize: () => false }]) {
      const target = await startTarget(harness, { api: api as AdminApiOptions<never> });
      cleanups.push(() => target.close());
      const res = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { 'x-forwarded-for': '192.0.2.2' },
      });
      expect(res.status).toBe(403);
      bodies.push(res.body);
    }
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[0]).not.toMatch(/loopback|adminToken|trustProxy|proxy/);
  });
});
