// Regression (outside review 1, F5): in loopback mode a foreign page's no-cors subresource requests
// (`<img src="http://127.0.0.1:PORT/api/core/admin/system/health/">`: no Origin, `Sec-Fetch-Site: cross-site`)
// were served and spent the admin API's served budget, so the developer's own reads got 429 for the minute.
// Requests let in by what a browser brings along (a loopback address, an authorize hook) that a browser marks
// as sent by another site (Sec-Fetch-Site cross-site or same-site) without an allowed Origin are now 403 before
// any budget is spent; top-level navigations the user started (a link followed: Sec-Fetch-User ?1, on a budget of
// their own since outside review E, F2), scripts without Sec-Fetch headers, the own pages and allowedOrigins are
// served. Real adapters and servers; the frozen clock keeps the budget's window.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const MAX = 5;
/** What Chrome sends for `<img src=…>` on a page of another site. */
const IMAGE = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };
/** What Chrome sends for a link the user clicked on a page of another site. */
const NAVIGATION = {
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
};

describe.each(harnesses)('$name: cross-site browser requests spend no budget', (harness) => {
  const get = (t: Target, headers: Record<string, string>, path = `${BASE}/health/`) =>
    rawRequest(t.url, { method: 'GET', path, headers });

  it('loopback mode: a foreign page’s images are 403 and the developer keeps the whole budget', async () => {
    const t = await startTarget(harness, {
      api: { rateLimit: { max: MAX }, allowedOrigins: ['https://ops.example'] },
    });
    targets.push(t);
    const own = `http://${new URL(t.url).host}`;
    for (let i = 0; i < 3 * MAX; i++) {
      const res = await get(t, IMAGE);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('origin_not_allowed');
      expect(JSON.parse(res.body).error.message).toContain('Sec-Fetch-Site: cross-site');
    }
    const sameSite = await get(t, { ...IMAGE, 'sec-fetch-site': 'same-site' });
    expect(sameSite.status).toBe(403);
    expect(
      (await get(t, { ...IMAGE, 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' })).status,
    ).toBe(403);
    // A navigation no user started (a script navigating a window it opened: no Sec-Fetch-User, outside review
    // E, F2) is another site's request like the images.
    for (let i = 0; i < 2 * MAX; i++)
      expect((await get(t, { ...NAVIGATION, 'sec-fetch-user': '?0' })).status).toBe(403);
    const { 'sec-fetch-user': _, ...scripted } = NAVIGATION;
    expect((await get(t, scripted)).status).toBe(403);
    // Served, each spending one of the MAX: curl (no Sec-Fetch), the dashboard's own fetch, an allowed origin's
    // CORS read, and the own origin.
    const served: Record<string, string>[] = [
      {},
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', origin: 'https://ops.example' },
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', origin: own },
    ];
    for (const headers of served) expect((await get(t, headers, `${BASE}/metrics/`)).status).toBe(200);
    // A link the user followed from another site (a user-activated top-level navigation) is served, but on a
    // budget of its own: another site's links cannot fill the developer's (outside review E, F2).
    for (let i = 0; i < MAX; i++) expect((await get(t, NAVIGATION, `${BASE}/metrics/`)).status).toBe(200);
    expect((await get(t, NAVIGATION)).status).toBe(429);
    // The developer's budget was MAX, four spent: one more read, then the first one refused.
    expect((await get(t, {})).status).toBe(200);
    expect((await get(t, {})).status).toBe(429);
  });

  it('a foreign Origin with Sec-Fetch-Site is refused before the budget too; a bearer token is not ambient', async () => {
    const t = await startTarget(harness, {
      api: { adminToken: TOKEN, authorize: () => true, rateLimit: { max: MAX } },
    });
    targets.push(t);
    const cors = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', origin: 'https://evil.example' };
    for (let i = 0; i < 2 * MAX; i++) expect((await get(t, IMAGE)).status).toBe(403);
    for (let i = 0; i < 2 * MAX; i++) expect((await get(t, cors)).status).toBe(403);
    // The bearer token from another site's page: served (a page cannot know it), spending the budget.
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await get(t, { ...IMAGE, ...bearer })).status).toBe(200);
    for (let i = 1; i < MAX; i++) expect((await get(t, bearer)).status).toBe(200);
    expect((await get(t, bearer)).status).toBe(429);
    // What the hook lets in counts apart from the bearer token, by the credential headers it carried (outside
    // review E, F1): none here, so MAX of its own, and a cookie's requests MAX more.
    for (let i = 0; i < MAX; i++) expect((await get(t, {})).status).toBe(200);
    expect((await get(t, {})).status).toBe(429);
    for (let i = 0; i < MAX; i++) expect((await get(t, { cookie: 'sid=admin' })).status).toBe(200);
    expect((await get(t, { cookie: 'sid=admin' })).status).toBe(429);
  });
});
