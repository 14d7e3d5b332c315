// Outside review G, over the wire (real adapters and servers; the frozen clock keeps every window open):
// F1: with a cookie hook over plain HTTP, another site's script navigating a window (no Sec-Fetch-*, the admin's
//     SameSite=Lax cookie, `Upgrade-Insecure-Requests: 1`, `Accept: text/html…`) spent the admin's served budget,
//     and so did those answered 400 for an unknown `?n=`. Navigations now count apart; a 400 spends nothing.
// F2: one address sending a distinct Cookie on each request filled the served table (maxClients), and new
//     clients then shared one overflow budget that counted served requests: a new admin's cookie and even a
//     32-character bearer token got 429. One address holds at most 8 digests; the served budget has no overflow.
// F3: loopback mode with allowedHosts ['sv.lan'] (plain HTTP, no Fetch Metadata): another site's <img> counted on
//     the address's served budget. A browser's request to such a name is refused (403) unspent.

import { describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, closedAfterEach, startTarget, type Target } from './fixture.js';
import { rawRequest } from './raw-client.js';

const MAX = 5;
const LONG_TOKEN = 'f3b1c2d4e5a69788a1b2c3d4e5f60718';
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** What Chromium sends for a script's `w.location = …` over plain HTTP to a name it does not trust. */
const NAVIGATION = {
  'user-agent': CHROME_UA,
  'upgrade-insecure-requests': '1',
  accept:
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
};
/** The dashboard's own fetch there. */
const FETCH = { 'user-agent': CHROME_UA, accept: 'application/json' };
const cookieHook = (req: { headers: Record<string, unknown> }): boolean =>
  /(^|;\s*)sid=admin(;|$)/.test(String(req.headers.cookie ?? ''));

describe.each(harnesses)('$name: served budgets by kind, digest and client', (harness) => {
  const { targets } = closedAfterEach();
  async function start(api: AdminApiOptions<never>): Promise<Target> {
    const t = await startTarget(harness, { api });
    targets.push(t);
    return t;
  }
  const get = (t: Target, headers: Record<string, string>, path = '/metrics/', localAddress?: string) =>
    rawRequest(t.url, { method: 'GET', path: `${BASE}${path}`, headers, localAddress }).then((r) => r.status);

  it('F1: a flood of navigations carrying the admin’s cookie leaves the dashboard’s fetches and a bearer served', async () => {
    const t = await start({
      authorize: cookieHook as never,
      adminToken: LONG_TOKEN,
      rateLimit: { max: MAX },
    });
    const cookie = { cookie: 'sid=admin' };
    // Unknown query parameters: 400 once let in, and no budget spent.
    for (let i = 0; i < 3 * MAX; i++)
      expect(await get(t, { ...NAVIGATION, ...cookie }, `/metrics/?n=${i}`)).toBe(400);
    for (let i = 0; i < 3 * MAX; i++)
      expect(await get(t, { ...FETCH, ...cookie }, `/metrics/?n=${i}`)).toBe(400);
    // Navigations: MAX served, then 429 (without Fetch Metadata, and marked navigate alike).
    const codes: number[] = [];
    for (let i = 0; i < 2 * MAX; i++) {
      const marked: Record<string, string> =
        i % 2 === 0 ? {} : { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
      codes.push(await get(t, { ...NAVIGATION, ...marked, ...cookie }));
    }
    expect(codes).toEqual([...Array<number>(MAX).fill(200), ...Array<number>(MAX).fill(429)]);
    // The dashboard's fetches have a budget of their own, whole: MAX served.
    for (let i = 0; i < MAX; i++) expect(await get(t, { ...FETCH, ...cookie })).toBe(200);
    expect(await get(t, { ...FETCH, ...cookie })).toBe(429);
    // A bearer token counts on the address alone.
    expect(await get(t, { authorization: `Bearer ${LONG_TOKEN}` })).toBe(200);
  });

  it('F2: one address cycling cookies cannot fill the table; a new admin and a bearer token are served', async () => {
    const t = await start({
      authorize: (() => true) as never,
      adminToken: LONG_TOKEN,
      rateLimit: { max: MAX, maxClients: 20 },
    });
    const flood: number[] = [];
    for (let i = 0; i < 60; i++) flood.push(await get(t, { cookie: `junk=${i}` }, '/metrics/', '127.0.0.1'));
    // Each of the first 8 digests has a budget of its own (one request each here); the others share one of the
    // address's own: MAX served, then 429.
    const own = 8; // SERVED_DIGESTS_PER_CLIENT (src/http/rate-limit.ts), the documented cap
    expect(flood).toEqual([
      ...Array<number>(own + MAX).fill(200),
      ...Array<number>(60 - own - MAX).fill(429),
    ]);
    // Other addresses fill the table (20 clients): their clients beyond it are served uncounted, never 429.
    for (let a = 2; a < 30; a++)
      expect(await get(t, { cookie: 'x=1' }, '/metrics/', `127.0.0.${a}`)).toBe(200);
    for (let i = 0; i < 3 * MAX; i++) {
      expect(await get(t, { cookie: 'sid=admin' }, '/metrics/', '127.0.0.40')).toBe(200);
      expect(await get(t, { authorization: `Bearer ${LONG_TOKEN}` }, '/metrics/', '127.0.0.41')).toBe(200);
    }
  });

  it('F3: loopback mode refuses a browser’s request to a name with no Fetch Metadata, unspent', async () => {
    const t = await start({ allowedHosts: ['sv.lan'], rateLimit: { max: MAX } });
    const port = new URL(t.url).port;
    const onName = { host: `sv.lan:${port}` };
    for (let i = 0; i < 3 * MAX; i++) {
      const res = await rawRequest(t.url, {
        method: 'GET',
        path: `${BASE}/metrics/?x=${i}`,
        headers: { ...onName, 'user-agent': CHROME_UA, accept: 'image/avif,image/webp,*/*' },
      });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.message).toContain(`open it at http://localhost:${port}/`);
    }
    // Nothing was spent: a tool on the name is served, and the browser at localhost (where it marks other sites'
    // requests), on a budget by kind: navigations (a URL typed: Sec-Fetch-Site none) apart from fetches.
    expect(await get(t, { ...onName, 'user-agent': 'curl/8.5.0' })).toBe(200);
    const typed = { host: `localhost:${port}`, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
    for (let i = 0; i < MAX; i++) expect(await get(t, { ...NAVIGATION, ...typed })).toBe(200);
    expect(await get(t, { ...NAVIGATION, ...typed })).toBe(429);
    const own = { host: `localhost:${port}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };
    // The curl above and the dashboard's fetches share one budget (the address, no credential): MAX in all.
    for (let i = 0; i < MAX - 1; i++) expect(await get(t, { ...FETCH, ...own })).toBe(200);
    expect(await get(t, { ...FETCH, ...own })).toBe(429);
  });
});
