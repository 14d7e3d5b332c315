// Outside review 6, F8: with an `authorize` hook (no adminToken), writes (`POST`/`DELETE silences/`) are let in
// by the hook alone, e.g. a session cookie, while SECURITY.md said a write needs the `Authorization` header.
// The behaviour is the intent (the hook is the application's own authentication, and the dashboard it guards
// writes silences with its cookies); the documents now say so, and what keeps another site's page from
// writing: the Origin rule for writes, JSON bodies only, the Sec-Fetch-Site refusal. This pins that behaviour
// (it held before the documents changed). Real servers on each adapter, real HTTP requests with exact headers.

import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { startTarget, type Target } from './fixture.js';
import { send } from './send.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const SILENCE = JSON.stringify({ rule: 'cpu', duration_ms: 60_000, comment: 'hook write' });
const COOKIE = { cookie: 'sess=admin' };
const JSON_BODY = { 'content-type': 'application/json' };

/** The application's own authentication: a session cookie (Express req, Fastify request, Koa ctx all carry headers). */
const authorize = (r: { headers?: Record<string, unknown> }) => r.headers?.cookie === 'sess=admin';

describe.each(harnesses)('$name adapter, authorize hook (cookie), no adminToken', (harness) => {
  it('the hook alone lets a write in, from its own origin or no Origin; another site cannot write', async () => {
    const t = await startTarget(harness, { api: { authorize } as never });
    targets.push(t);
    const url = `${t.base}/silences/`;
    const own = t.url; // http://127.0.0.1:<port>
    const post = (headers: Record<string, string>, body = SILENCE) => send(url, 'POST', headers, body);

    // Served: the dashboard's own page (same origin, cookies), and a non-browser client holding the session.
    const fromPage = await post({ ...COOKIE, ...JSON_BODY, origin: own });
    expect(fromPage.status).toBe(201);
    expect((await post({ ...COOKIE, ...JSON_BODY })).status).toBe(201);
    const id = JSON.parse(fromPage.body).data.id as string;
    expect((await send(`${url}${id}`, 'DELETE', { ...COOKIE, origin: own })).status).toBe(200);

    // Refused: no session (the hook says no), another site's page (Origin, or Sec-Fetch-Site without one),
    // and what a cross-site form can send without a preflight (not JSON).
    expect(await post({ ...JSON_BODY, origin: own })).toMatchObject({ status: 403 });
    for (const origin of ['http://evil.example', 'null', `https://127.0.0.1:${new URL(own).port}`]) {
      expect(await post({ ...COOKIE, ...JSON_BODY, origin }), origin).toMatchObject({
        status: 403,
        code: 'origin_not_allowed',
      });
    }
    expect(await post({ ...COOKIE, ...JSON_BODY, 'sec-fetch-site': 'cross-site' })).toMatchObject({
      status: 403,
      code: 'origin_not_allowed',
    });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      expect((await post({ ...COOKIE, 'content-type': type, origin: own })).status, type).toBe(415);
    }
    // A signed access token (minted with the cookie) never writes, even beside the cookie.
    const minted = JSON.parse((await send(`${t.base}/token/`, 'GET', COOKIE)).body).data.token as string;
    const withToken = await send(
      `${url}?access_token=${encodeURIComponent(minted)}`,
      'POST',
      { ...COOKIE, ...JSON_BODY, origin: own },
      SILENCE,
    );
    expect(withToken.status).toBe(403);

    const list = JSON.parse((await send(url, 'GET', COOKIE)).body).data.silences as {
      id: string;
      status: string;
    }[];
    // The two written (the page's, then deleted: expired, and the one without an Origin), nothing else.
    expect(list.map((s) => [s.id === id, s.status]).sort()).toEqual([
      [false, 'active'],
      [true, 'expired'],
    ]);
  });
});
