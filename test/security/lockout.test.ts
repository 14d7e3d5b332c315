// Issue 12, door 3, from outside: anonymous traffic cannot lock an administrator out. A flood from more
// addresses than maxClients does not lock out a 32+ character token (a short token and an authorize hook are locked out
// while the shared budget is spent: serving them was a guessing oracle, RT23-4); IPv6 clients are counted by /64;
// each client's window starts with its own first request (no instant when every budget resets).

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '../../src/http/rate-limit.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
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

describe.each(harnesses)('$name adapter', (harness) => {
  async function start(options: Parameters<typeof startTarget>[1]): Promise<Target> {
    const target = await startTarget(harness, options);
    cleanups.push(() => target.close());
    return target;
  }
  const send = (target: Target, xff: string, headers: Record<string, string> = {}) =>
    rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/metrics/`,
      headers: { 'x-forwarded-for': xff, ...headers },
    });

  it('a flood from more addresses than maxClients never locks out a 32+ character token', async () => {
    const long = `${TOKEN}-${'x'.repeat(16)}`; // 47 characters: unguessable, served from a spent address
    const target = await start({
      api: { adminToken: long, trustProxy: true, rateLimit: { max: 3, maxClients: 5 } },
    });
    // 40 forged addresses (trustProxy: true takes the left-most), each guessing until refused with 429.
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const res = await send(target, `203.0.113.${i}`, { authorization: `Bearer guess-${i}` });
      expect([401, 403, 429]).toContain(res.status);
      if (res.status === 429) limited++;
    }
    expect(limited).toBe(40 - 5 - 3); // 5 tracked clients with their own budgets, 3 refusals of the shared one
    // An administrator arriving now from an address never seen: served.
    expect((await send(target, '198.51.100.7', { authorization: `Bearer ${long}` })).status).toBe(200);
    expect((await send(target, '198.51.100.9', { authorization: 'Bearer guess' })).status).toBe(429);
  });

  it('past maxClients, a spent shared budget locks out a short token and the authorize hook from any new address (outside review 23, RT23-4)', async () => {
    const target = await start({
      api: {
        adminToken: TOKEN, // 30 characters: guessable, checked only while a budget lasts
        authorize: (req: { headers: Record<string, unknown> }) => req.headers['x-session'] === 'admin',
        trustProxy: true,
        rateLimit: { max: 3, maxClients: 5 },
      },
    });
    for (let i = 0; i < 5; i++)
      expect((await send(target, `203.0.113.${i}`, { authorization: 'Bearer g' })).status).toBe(403);
    // The table is full; the newcomers share 3 refusals, then 429.
    for (let i = 5; i < 8; i++)
      expect((await send(target, `203.0.113.${i}`, { authorization: 'Bearer g' })).status).toBe(403);
    // Before: a wrong token 429, the right one 200, from any new address, without limit (an oracle).
    for (const xff of ['203.0.113.8', '198.51.100.7']) {
      expect((await send(target, xff, { authorization: 'Bearer wrong' })).status).toBe(429);
      expect((await send(target, xff, { authorization: `Bearer ${TOKEN}` })).status).toBe(429);
      expect((await send(target, xff, { 'x-session': 'admin' })).status).toBe(429);
    }
    // A tracked client with budget left is served as before.
    expect((await send(target, '203.0.113.0', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('counts IPv6 clients by /64: rotating addresses within one /64 buys no fresh budget', async () => {
    const target = await start({ api: { adminToken: TOKEN, trustProxy: 1, rateLimit: { max: 3 } } });
    const guess = { authorization: 'Bearer guess' };
    for (let i = 1; i <= 3; i++) expect((await send(target, `2001:db8:1:2::${i}`, guess)).status).toBe(403);
    expect((await send(target, '2001:db8:1:2:ffff:ffff:ffff:fffe', guess)).status).toBe(429);
    expect((await send(target, '2001:0db8:0001:0002:0:0:0:abcd', guess)).status).toBe(429);
    // Another /64 has its own budget.
    expect((await send(target, '2001:db8:1:3::1', guess)).status).toBe(403);
  });

  it('starts each client’s window at its own first request, not at a clock boundary', async () => {
    let now = Date.parse('2026-01-05T10:00:59.000Z'); // one second before a clock minute ends
    const target = await start({
      api: { adminToken: TOKEN, trustProxy: 1, rateLimit: { max: 2, windowMs: 60_000 } },
      clock: { now: () => now },
    });
    const guess = { authorization: 'Bearer guess' };
    expect((await send(target, '192.0.2.1', guess)).status).toBe(403);
    expect((await send(target, '192.0.2.1', guess)).status).toBe(403);
    const limited = await send(target, '192.0.2.1', guess);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    now += 1_500; // past the clock minute: a clock-aligned window would have reset here
    expect((await send(target, '192.0.2.1', guess)).status).toBe(429);
    now += 58_500; // 60 s after this client's first request
    expect((await send(target, '192.0.2.1', guess)).status).toBe(403);
  });

  it('the public dashboard assets are never rate-limited and never spend the refusal budget a right credential needs', async () => {
    const target = await start({ api: { adminToken: TOKEN, trustProxy: true, rateLimit: { max: 3 } } });
    const asset = (xff: string) =>
      rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/dashboard/app.css`,
        headers: { 'x-forwarded-for': xff },
      });
    // Outside review D2: the assets had a per-address budget of their own, so anonymous requests from the
    // admin's address (NAT, proxy, forged X-Forwarded-For) made the page answer 429 even with a bearer.
    for (let i = 0; i < 20; i++) expect((await asset('10.0.0.1')).status).toBe(200);
    for (const path of ['dashboard/', 'dashboard/app.js']) {
      const page = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/${path}`,
        headers: { 'x-forwarded-for': '10.0.0.1', authorization: `Bearer ${TOKEN}` },
      });
      expect(page.status, path).toBe(200);
    }
    // The refusal budget of that address is untouched: a right token is served, a guess gets its 403.
    expect((await send(target, '10.0.0.1', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await send(target, '10.0.0.1', { authorization: 'Bearer guess' })).status).toBe(403);
  });

  it('a long token (>= 32 chars) and signed access tokens pass an address locked by wrong guesses; a short token does not', async () => {
    const LONG = `${'f'.repeat(8)}0123456789abcdef0123456789abcdef`;
    const target = await start({ api: { adminToken: LONG, trustProxy: true, rateLimit: { max: 3 } } });
    const admin = { authorization: `Bearer ${LONG}` };
    const minted = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/token/`,
      headers: { 'x-forwarded-for': '10.9.9.8', ...admin },
    });
    expect(minted.status).toBe(200);
    const accessToken = (JSON.parse(minted.body) as { data: { token: string } }).data.token;
    // The attacker spends the victim's address's refusal budget with wrong guesses.
    for (let i = 0; i < 3; i++) {
      expect((await send(target, '10.9.9.9', { authorization: `Bearer wrong${i}` })).status).toBe(403);
    }
    expect((await send(target, '10.9.9.9', { authorization: 'Bearer wrong' })).status).toBe(429);
    expect((await send(target, '10.9.9.9', { authorization: `Bearer ${LONG.slice(0, -1)}x` })).status).toBe(
      429,
    );
    // The scraper at that address with the right token, and the dashboard's access token: served.
    expect((await send(target, '10.9.9.9', admin)).status).toBe(200);
    const viaUrl = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/metrics/?access_token=${encodeURIComponent(accessToken)}`,
      headers: { 'x-forwarded-for': '10.9.9.9' },
    });
    expect(viaUrl.status).toBe(200);
    // Guesses stay refused at 429 (the budget is still spent).
    expect((await send(target, '10.9.9.9', { authorization: 'Bearer wrong' })).status).toBe(429);

    // A short token can be reached by an online guesser, so its lock-out stands (documented in SECURITY.md).
    const short = await start({ api: { adminToken: TOKEN, trustProxy: true, rateLimit: { max: 3 } } });
    for (let i = 0; i < 4; i++) await send(short, '10.9.9.9', { authorization: `Bearer wrong${i}` });
    expect((await send(short, '10.9.9.9', { authorization: `Bearer ${TOKEN}` })).status).toBe(429);
  });

  it('served requests spend their own budget: an admin over it waits, anonymous clients do not', async () => {
    const target = await start({ api: { adminToken: TOKEN, trustProxy: 1, rateLimit: { max: 2 } } });
    const admin = { authorization: `Bearer ${TOKEN}` };
    expect((await send(target, '192.0.2.5', admin)).status).toBe(200);
    expect((await send(target, '192.0.2.5', admin)).status).toBe(200);
    expect((await send(target, '192.0.2.5', admin)).status).toBe(429);
    expect((await send(target, '192.0.2.6', admin)).status).toBe(200);
  });
});

describe('createRateLimiter', () => {
  it('sweeps expired clients so newcomers get their own budget again, memory bounded by maxClients', () => {
    let t = 0;
    const limiter = createRateLimiter({ max: 1, windowMs: 1000, maxClients: 2 }, () => t);
    expect(limiter.hit('a').ok).toBe(true);
    expect(limiter.hit('b').ok).toBe(true);
    expect(limiter.hit('c').ok).toBe(true); // overflow budget
    expect(limiter.hit('d').ok).toBe(false); // overflow spent
    expect(limiter.hit('e', { overflow: false }).ok).toBe(true); // not counted, not refused
    t = 1000;
    expect(limiter.hit('d').ok).toBe(true); // a and b expired and were swept: d has its own entry
    expect(limiter.spent('d').ok).toBe(false);
    expect(limiter.spent('zzz').ok).toBe(true);
  });
});
