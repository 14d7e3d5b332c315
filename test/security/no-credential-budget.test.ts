// Regression (outside review G3): in token mode a request with no credential at all (a foreign page's
// `<img src="http://127.0.0.1:PORT/api/core/admin/system/health/">`, curl without the header) got 401 and spent
// the refusal budget, so a page the local user visited locked the admin's sign-in out (429) with a short
// token. A request that presents no credential guesses nothing: it is answered 401 and spends nothing; wrong
// credentials spend the budget as before, and a spent budget still refuses a short right token. Real adapters
// and servers; the frozen clock keeps every budget's window open.

import { afterEach, describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const MAX = 20;
/** What Chrome sends for `<img src=…>` on a page of another site. */
const IMAGE = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };
const body = (res: { body: string }) => JSON.parse(res.body) as { error: { code: string; message: string } };

describe.each(harnesses)('$name: requests without a credential spend no refusal budget', (harness) => {
  const get = (t: Target, headers: Record<string, string> = {}, path = `${BASE}/health/`) =>
    rawRequest(t.url, { method: 'GET', path, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  async function start(api: AdminApiOptions<never>): Promise<Target> {
    const t = await startTarget(harness, { api });
    targets.push(t);
    return t;
  }

  it('200 requests with no credential, then the dashboard sign-in with the right (short) token is served', async () => {
    expect(TOKEN.length).toBeLessThan(32); // a short token: a spent budget would lock it out
    const t = await start({ adminToken: TOKEN, rateLimit: { max: MAX } });
    const noCredential: Record<string, string>[] = [
      {}, // curl, an old browser's <img>
      { authorization: 'Basic dXNlcjpwYXNz' }, // a proxy's own sign-in: compared with nothing here
      { authorization: 'Bearer' }, // no token after the scheme
    ];
    for (let i = 0; i < 200; i++) {
      const res = await get(t, noCredential[i % noCredential.length]);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="sysvitals"');
      expect(body(res).error).toEqual({
        code: 'unauthorized',
        message: 'credentials required: send Authorization: Bearer <token>',
      });
    }
    // The dashboard's sign-in: token/ with the token typed in, then its reads.
    const signIn = await get(t, bearer(TOKEN), `${BASE}/token/`);
    expect(signIn.status).toBe(200);
    expect(JSON.parse(signIn.body).data.token).toMatch(/^sv1\./);
    expect((await get(t, bearer(TOKEN), `${BASE}/metrics/`)).status).toBe(200);
    // The refusal budget is whole: MAX wrong guesses are answered 403, the next one 429.
    for (let i = 0; i < MAX; i++) expect((await get(t, bearer(`wrong-${i}`))).status).toBe(403);
    expect((await get(t, bearer('wrong'))).status).toBe(429);
    // Once it is spent, a request with nothing to compare is still told what to send (401), not to wait.
    const after = await get(t);
    expect(after.status).toBe(401);
    expect(after.headers['retry-after']).toBeUndefined();
  });

  // Outside review 4, finding 2: a query credential is something any page can put in a URL, so `?access_token=x`
  // on another site's <img> counted as presented, skipped the Sec-Fetch-Site refusal and spent the budget: after
  // rateLimit.max such images the admin's short token got 429 (review 1's F5 reopened).
  it('another site’s <img> with ?access_token= is refused unspent: the short right token is still served', async () => {
    const t = await start({ adminToken: TOKEN, rateLimit: { max: MAX } });
    for (let i = 0; i < 3 * MAX; i++) {
      const res = await get(t, IMAGE, `${BASE}/health/?access_token=x${i}`);
      expect(res.status).toBe(403);
      expect(body(res).error.code).toBe('origin_not_allowed');
    }
    expect((await get(t, bearer(TOKEN), `${BASE}/metrics/`)).status).toBe(200);
    // A bearer token in the header (which another site's page cannot attach to an <img>) is still compared.
    expect((await get(t, { ...IMAGE, ...bearer('wrong') })).status).toBe(403);
  });

  it('wrong tokens still spend the budget: 429 after rateLimit.max, and then a short right token is refused too', async () => {
    const t = await start({ adminToken: TOKEN, rateLimit: { max: MAX } });
    for (let i = 0; i < MAX; i++) {
      const res = await get(t, bearer(`guess-${i}`));
      expect(res.status).toBe(403);
      expect(body(res).error.code).toBe('forbidden');
    }
    for (const headers of [bearer('guess'), bearer(TOKEN), { ...bearer(TOKEN), ...IMAGE }]) {
      const res = await get(t, headers);
      expect(res.status).toBe(429);
      expect(body(res).error.code).toBe('rate_limited');
      expect(res.headers['retry-after']).toBe('60');
    }
    // A signed access token is a guess too when it is not ours.
    const forged = await get(t, {}, `${BASE}/metrics/?access_token=sv1.zzzzzz.AAAA`);
    expect(forged.status).toBe(429);
    // A long token passes a spent budget (documented in SECURITY.md): served, guesses still 429.
    const LONG = `${TOKEN}-0123456789abcdef`;
    const long = await start({ adminToken: LONG, rateLimit: { max: MAX } });
    for (let i = 0; i < MAX; i++) expect((await get(long, bearer(`guess-${i}`))).status).toBe(403);
    expect((await get(long, bearer('guess'))).status).toBe(429);
    expect((await get(long, bearer(LONG), `${BASE}/token/`)).status).toBe(200);
    expect((await get(long, bearer('guess'))).status).toBe(429);
  });

  it('another site’s page (Sec-Fetch-Site) without a token is refused before an authorize hook runs or spends', async () => {
    let hookCalls = 0;
    const t = await start({
      adminToken: TOKEN,
      // Session cookie SameSite=Lax (browsers' default): another site's <img> does not carry it.
      authorize: (req: { headers: Record<string, unknown> }) => {
        hookCalls++;
        return req.headers.cookie === 'session=admin';
      },
      rateLimit: { max: MAX },
    });
    for (let i = 0; i < 3 * MAX; i++) {
      const res = await get(t, IMAGE);
      expect(res.status).toBe(403);
      expect(body(res).error.code).toBe('origin_not_allowed');
    }
    expect(hookCalls).toBe(0);
    // The admin, signed in by the hook, is served from the same address.
    expect((await get(t, { cookie: 'session=admin' }, `${BASE}/token/`)).status).toBe(200);
    // Without Sec-Fetch-* (an old browser, curl) a request the hook refuses is a guess at what the hook
    // reads (its strength is unknown): it spends the budget, and the hook is locked out once it is spent.
    for (let i = 0; i < MAX; i++) expect((await get(t, { cookie: `session=${i}` })).status).toBe(401);
    expect((await get(t, { cookie: 'session=guess' })).status).toBe(429);
    expect((await get(t, { cookie: 'session=admin' })).status).toBe(429);
  });
});
