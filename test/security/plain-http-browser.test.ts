// Outside review E in a real Chromium, with an authorize hook reading the admin's session cookie (SameSite=Lax)
// and a rate limit of 20:
// F1: a page on another site fires 60 `<img>` at `http://sv.lan:PORT/…/metrics/` (plain HTTP to a name that is not
//     potentially trustworthy: Chromium sends no Sec-Fetch-* and no Origin, and the Lax cookie stays behind). They
//     spent the refusal budget (cookie hook) or the served budget (IP allow-list hook): the admin's own read got 429.
// F2: one click on another site's page opens a window the page then navigates 80 times to `…/metrics/?n=i` (cross-
//     site top-level navigations carrying the cookie, without Sec-Fetch-User): served as "a link followed", they
//     spent the admin's served budget. Now the admin's read is served in every case.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser } from './doors.js';
import { BASE, closedAfterEach, startTarget, type Target } from './fixture.js';
import { anotherSite, imagesPage, SV_LAN_RESOLVER, sessionCookieHook } from './plain-http-site.js';

if (skipBrowser)
  console.warn('test/security/plain-http-browser.test.ts: browser test skipped: install chromium');

const MAX = 20;
const { targets, servers } = closedAfterEach();

/** The admin API on a plain node server that records the headers of what reaches `metrics/`. */
async function serve(t: Target): Promise<{ port: number; arrived: IncomingHttpHeaders[] }> {
  const arrived: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    if (req.url?.includes('/metrics/?')) arrived.push(req.headers);
    void t.adminApi.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, arrived };
}

/** Another site's page, served at http://attacker.example:PORT/. */
const site = (html: string): Promise<number> => anotherSite(servers, html);

/** The admin's own page on `host`: reads metrics/ with the session cookie; the status it got. */
async function adminRead(context: import('playwright-core').BrowserContext, origin: string): Promise<number> {
  const own = await context.newPage();
  await own.goto(`${origin}${BASE}/dashboard/`);
  return own.evaluate(async (url) => (await fetch(url)).status, `${origin}${BASE}/metrics/`);
}

describe.skipIf(skipBrowser)('another site’s page in the admin’s Chromium', () => {
  for (const [name, authorize] of [
    ['session-cookie hook', sessionCookieHook],
    ['IP allow-list hook', () => true],
  ] as const) {
    it(`F1, ${name}: 60 images over plain HTTP to sv.lan do not lock the admin out`, async () => {
      const t = await startTarget(harnesses[0]!, {
        api: { authorize: authorize as never, allowedHosts: ['sv.lan'], rateLimit: { max: MAX } },
      });
      targets.push(t);
      const { port, arrived } = await serve(t);
      const api = `http://sv.lan:${port}${BASE}/metrics/`;
      const sitePort = await site(imagesPage(api, 3 * MAX));
      const browser = await launchChromium([SV_LAN_RESOLVER]);
      try {
        await browser.context.addCookies([
          { name: 'sid', value: 'admin', domain: 'sv.lan', path: '/', sameSite: 'Lax' },
        ]);
        const attacker = await browser.context.newPage();
        await attacker.goto(`http://attacker.example:${sitePort}/`);
        await attacker.waitForFunction((n) => (window as unknown as { done: number }).done === n, 3 * MAX);
        // Every image reached the server unmarked: no Sec-Fetch-*, no Origin, no cookie (the oracle is Chromium).
        expect(arrived).toHaveLength(3 * MAX);
        for (const headers of arrived) {
          expect(headers['sec-fetch-site']).toBeUndefined();
          expect(headers.origin).toBeUndefined();
          expect(headers.cookie).toBeUndefined();
          expect(headers.referer).toBe(`http://attacker.example:${sitePort}/`);
        }
        expect(await adminRead(browser.context, `http://sv.lan:${port}`)).toBe(200);
      } finally {
        await browser.close();
      }
    }, 60_000);
  }

  it('F2: a window navigated 80 times by another site’s script does not spend the admin’s budget', async () => {
    const t = await startTarget(harnesses[0]!, {
      api: { authorize: sessionCookieHook as never, rateLimit: { max: MAX } },
    });
    targets.push(t);
    const { port, arrived } = await serve(t);
    const api = `http://127.0.0.1:${port}${BASE}/metrics/`;
    const sitePort = await site(`<button id=b>win a prize</button><script>
      b.onclick = async () => { const w = window.open('about:blank', 'x');
        for (let i = 0; i < ${4 * MAX}; i++) { w.location = '${api}?n=' + i; await new Promise((r) => setTimeout(r, 25)); }
        await new Promise((r) => setTimeout(r, 500)); w.close(); document.title = 'done'; };
    </script>`);
    const browser = await launchChromium(['--host-resolver-rules=MAP attacker.example 127.0.0.1']);
    try {
      await browser.context.addCookies([
        { name: 'sid', value: 'admin', domain: '127.0.0.1', path: '/', sameSite: 'Lax' },
      ]);
      const attacker = await browser.context.newPage();
      await attacker.goto(`http://attacker.example:${sitePort}/`);
      await attacker.click('#b');
      await attacker.waitForFunction(() => document.title === 'done', null, { timeout: 30_000 });
      // Chromium marked them as another site's navigations, with the cookie; those after the click's activation
      // without Sec-Fetch-User. More than MAX reached the server: served, they spent the admin's budget before.
      expect(arrived.length).toBeGreaterThan(MAX);
      expect(arrived.filter((h) => h['sec-fetch-user'] === undefined).length).toBeGreaterThan(0);
      for (const headers of arrived) {
        expect(headers).toMatchObject({
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
          cookie: 'sid=admin',
        });
      }
      expect(await adminRead(browser.context, `http://127.0.0.1:${port}`)).toBe(200);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
