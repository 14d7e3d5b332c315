// Outside review E, F1 (MEDIUM): on plain HTTP to a name that is not potentially trustworthy (http://sv.lan),
// Chromium sends no Sec-Fetch-* and no Origin with another site's `<img>` (Fetch Metadata), so 320 of them were
// not recognised as another site's. With a session-cookie authorize hook (SameSite=Lax: no cookie on them) they
// spent the REFUSAL budget; with an IP allow-list hook they spent the SERVED budget: the admin got 429 either way.
// Now a request that carries nothing a hook could compare (no Authorization, no Cookie, no header of its own)
// spends no refusal budget, nor does a signed `?access_token=` refused for its signature or expiry, and what the
// hook lets in is counted per peer and digest of the credential headers. Wrong credentials still spend the
// refusal budget. Real adapters and servers; the frozen clock keeps every budget's window open.

import { afterEach, describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const MAX = 10;
/** What Chromium sends for another site's `<img>` to a plain-HTTP intranet name: no Sec-Fetch-*, no Origin. */
const IMAGE = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  referer: 'http://attacker.example/',
  'accept-encoding': 'gzip, deflate',
  'accept-language': 'en-US,en;q=0.9',
};
const ADMIN = { cookie: 'sid=admin' };
type Headers = Record<string, string | undefined>;
const code = (res: { body: string }) => (JSON.parse(res.body) as { error: { code: string } }).error.code;

/** The request's headers, whatever the framework hands the hook (a request, or Koa's context). */
const headersOf = (r: { headers?: Headers; req?: { headers: Headers } }): Headers =>
  r.headers ?? r.req?.headers ?? {};
/** A session-cookie hook. */
const cookieHook = (r: { headers?: Headers }): boolean =>
  /(^|;\s*)sid=admin(;|$)/.test(headersOf(r).cookie ?? '');
/** An API-key hook reading a header of its own. */
const keyHook = (r: { headers?: Headers }): boolean => headersOf(r)['x-api-key'] === 'right-key';

describe.each(harnesses)('$name: another site cannot lock the admin out over plain HTTP', (harness) => {
  const get = (t: Target, headers: Record<string, string>, path = `${BASE}/metrics/`) =>
    rawRequest(t.url, { method: 'GET', path, headers });
  async function start(api: Record<string, unknown>): Promise<Target> {
    const t = await startTarget(harness, {
      api: { rateLimit: { max: MAX }, ...api } as unknown as AdminApiOptions<never>,
    });
    targets.push(t);
    return t;
  }

  it('cookie hook: 3 × max images (with and without ?access_token=) are refused unspent; the admin is served', async () => {
    const t = await start({ authorize: cookieHook });
    for (let i = 0; i < 3 * MAX; i++) {
      const res = await get(t, IMAGE, `${BASE}/metrics/?x=${i}`);
      expect(res.status).toBe(403);
      expect(code(res)).toBe('forbidden');
      const forged = await get(t, IMAGE, `${BASE}/metrics/?access_token=sv1.zzzzzz.x${i}`);
      expect(forged.status).toBe(403);
    }
    expect((await get(t, ADMIN)).status).toBe(200);
    expect((await get(t, ADMIN, `${BASE}/token/`)).status).toBe(200);
  });

  it('cookie hook: wrong cookies still spend the refusal budget, and a spent budget locks the hook out', async () => {
    const t = await start({ authorize: cookieHook });
    for (let i = 0; i < MAX; i++)
      expect((await get(t, { ...IMAGE, cookie: `sid=guess${i}` })).status).toBe(403);
    const spent = await get(t, { cookie: 'sid=guess' });
    expect(spent.status).toBe(429);
    expect(spent.headers['retry-after']).toBe('60');
    expect((await get(t, ADMIN)).status).toBe(429);
    // A request with nothing to compare is answered by the hook, unspent, not told to wait.
    expect((await get(t, IMAGE)).status).toBe(403);
  });

  it('a hook reading a header of its own: guesses in that header spend the budget', async () => {
    const t = await start({ authorize: keyHook });
    for (let i = 0; i < 3 * MAX; i++) expect((await get(t, IMAGE)).status).toBe(403);
    expect((await get(t, { 'x-api-key': 'right-key' })).status).toBe(200);
    for (let i = 0; i < MAX; i++) expect((await get(t, { 'x-api-key': `guess-${i}` })).status).toBe(403);
    expect((await get(t, { 'x-api-key': 'right-key' })).status).toBe(429);
  });

  it('adminToken + cookie hook: images are 401 unspent; the short token and the cookie are served', async () => {
    const t = await start({ adminToken: TOKEN, authorize: cookieHook });
    for (let i = 0; i < 3 * MAX; i++) expect((await get(t, IMAGE)).status).toBe(401);
    expect((await get(t, ADMIN)).status).toBe(200);
    expect((await get(t, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    for (let i = 0; i < MAX; i++)
      expect((await get(t, { authorization: `Bearer guess${i}` })).status).toBe(403);
    expect((await get(t, { authorization: `Bearer ${TOKEN}` })).status).toBe(429);
  });

  it('adminToken alone: forged ?access_token= images spend nothing; the short token is served', async () => {
    const t = await start({ adminToken: TOKEN });
    for (let i = 0; i < 3 * MAX; i++)
      expect((await get(t, IMAGE, `${BASE}/health/?access_token=sv1.zzzzzz.x${i}`)).status).toBe(403);
    expect((await get(t, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('IP allow-list hook: images count apart from the admin’s cookie-bearing requests', async () => {
    // The hook lets this client's address in (an allow-list that names it).
    const t = await start({ authorize: () => true });
    // The images are served (the hook lets the address in) until their own budget is spent.
    for (let i = 0; i < MAX; i++) expect((await get(t, IMAGE)).status).toBe(200);
    for (let i = 0; i < MAX; i++) expect((await get(t, IMAGE)).status).toBe(429);
    // The admin's browser carries a cookie for the host (the app's session): a budget of its own.
    for (let i = 0; i < MAX; i++) expect((await get(t, ADMIN)).status).toBe(200);
    expect((await get(t, ADMIN)).status).toBe(429);
    // Another cookie, another budget; nothing at all shares the images' (documented: indistinguishable).
    expect((await get(t, { cookie: 'sid=other' })).status).toBe(200);
    expect((await get(t, {})).status).toBe(429);
  });
});
