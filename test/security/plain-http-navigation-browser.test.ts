// Outside review G in a real Chromium, over plain HTTP to `sv.lan` (mapped to 127.0.0.1: not potentially
// trustworthy, so Chromium sends no Sec-Fetch-* there), rate limit 20:
// F1: a cookie hook and the admin's SameSite=Lax session cookie: another site's script navigates a window it opened
//     60 times to metrics/ (Lax cookies go along on top-level navigations). Those counted on the admin's own
//     (address, cookie) served budget, and those answered 400 for `?n=` spent it too: the admin's read got 429.
//     Now navigations count apart (told by what Chromium sends only on them, checked below) and a 400 spends
//     nothing. With SameSite=Strict the navigations carry no cookie at all.
// F3: loopback mode with allowedHosts ['sv.lan']: 60 `<img>` on another site's page were served on the address's
//     budget. A browser's request to that name is now refused (403) unspent; at http://localhost the admin is served.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser } from './doors.js';
import { BASE, closedAfterEach, startTarget } from './fixture.js';
import { anotherSite, imagesPage, SV_LAN_RESOLVER, sessionCookieHook } from './plain-http-site.js';

if (skipBrowser)
  console.warn('test/security/plain-http-navigation-browser.test.ts: browser test skipped: install chromium');

const MAX = 20;
const { targets, servers } = closedAfterEach();

/** The admin API on a plain node server that records the headers and status of every metrics/ request. */
async function serve(api: AdminApiOptions<never>) {
  const t = await startTarget(harnesses[0]!, { api });
  targets.push(t);
  const arrived: { url: string; headers: IncomingHttpHeaders; status: () => number }[] = [];
  const server = createServer((req, res) => {
    if (req.url?.includes('/metrics/'))
      arrived.push({ url: req.url, headers: req.headers, status: () => res.statusCode });
    void t.adminApi.handle(req, res).then((handled) => {
      // The app's own page (no script): where the admin's read below runs.
      if (!handled)
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>own</title>');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, arrived };
}

/** Another site's page, served at http://attacker.example:PORT/. */
const site = (html: string): Promise<number> => anotherSite(servers, html);

/** A page of the admin's own app on `origin` (no script of its own) reading metrics/. */
async function adminRead(context: import('playwright-core').BrowserContext, origin: string) {
  const own = await context.newPage();
  await own.goto(`${origin}/own-page`);
  return own.evaluate(async (url) => {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }, `${origin}${BASE}/metrics/`);
}

describe.skipIf(skipBrowser)(
  'another site’s page over plain HTTP, in the admin’s Chromium (review G)',
  () => {
    for (const sameSite of ['Lax', 'Strict'] as const) {
      it(`F1, SameSite=${sameSite}: 60 navigations of a window another site opened leave the admin served`, async () => {
        const { port, arrived } = await serve({
          authorize: sessionCookieHook as never,
          allowedHosts: ['sv.lan'],
          rateLimit: { max: MAX },
        });
        const api = `http://sv.lan:${port}${BASE}/metrics/`;
        // Two in three without a query (served, or refused for the missing cookie), one in three with `?n=` (400).
        const sitePort = await site(`<button id=b>win a prize</button><script>
        b.onclick = async () => { const w = window.open('about:blank', 'x');
          for (let i = 0; i < ${3 * MAX}; i++) {
            w.location = i % 3 === 0 ? '${api}?n=' + i : '${api}' + (i % 3 === 1 ? '' : '?');
            await new Promise((r) => setTimeout(r, 40));
          }
          await new Promise((r) => setTimeout(r, 500)); w.close(); document.title = 'done'; };
      </script>`);
        const browser = await launchChromium([SV_LAN_RESOLVER]);
        try {
          await browser.context.addCookies([
            { name: 'sid', value: 'admin', domain: 'sv.lan', path: '/', sameSite },
          ]);
          const attacker = await browser.context.newPage();
          await attacker.goto(`http://attacker.example:${sitePort}/`);
          await attacker.click('#b');
          await attacker.waitForFunction(() => document.title === 'done', null, { timeout: 30_000 });
          const navigations = arrived.splice(0);
          // More than MAX reached the server, unmarked, and Chromium marks them as navigations only by what it sends on
          // navigations (the oracle for isNavigation); the Lax cookie went along, the Strict one did not.
          expect(navigations.length).toBeGreaterThan(MAX);
          for (const { headers } of navigations) {
            expect(headers['sec-fetch-site']).toBeUndefined();
            expect(headers['upgrade-insecure-requests']).toBe('1');
            expect(headers.accept).toMatch(/^text\/html/);
            expect(headers.cookie).toBe(sameSite === 'Lax' ? 'sid=admin' : undefined);
          }
          if (sameSite === 'Lax')
            expect(navigations.filter((n) => n.status() === 429).length).toBeGreaterThan(0);
          const read = await adminRead(browser.context, `http://sv.lan:${port}`);
          expect(read.status).toBe(200);
          // The dashboard's fetch carries neither mark: counted on a budget of its own.
          const [own] = arrived;
          expect(own?.headers['upgrade-insecure-requests']).toBeUndefined();
          expect(own?.headers.accept).toBe('*/*');
          expect(own?.headers.cookie).toBe('sid=admin');
        } finally {
          await browser.close();
        }
      }, 60_000);
    }

    it('F3, loopback mode: 60 images to sv.lan are refused unspent; the admin at localhost is served', async () => {
      const { port, arrived } = await serve({ allowedHosts: ['sv.lan'], rateLimit: { max: MAX } });
      const api = `http://sv.lan:${port}${BASE}/metrics/`;
      const sitePort = await site(imagesPage(api, 3 * MAX));
      const browser = await launchChromium([SV_LAN_RESOLVER]);
      try {
        const attacker = await browser.context.newPage();
        await attacker.goto(`http://attacker.example:${sitePort}/`);
        await attacker.waitForFunction((n) => (window as unknown as { done: number }).done === n, 3 * MAX);
        const images = arrived.splice(0);
        expect(images).toHaveLength(3 * MAX);
        for (const { headers, status } of images) {
          expect(headers['sec-fetch-site']).toBeUndefined();
          expect(headers['user-agent']).toMatch(/^Mozilla\//);
          expect(status()).toBe(403);
        }
        // On the name the admin's own page is refused too, told where to open it; at localhost it is served.
        const onName = await adminRead(browser.context, `http://sv.lan:${port}`);
        expect(onName.status).toBe(403);
        expect(onName.body).toContain(`open it at http://localhost:${port}/`);
        expect((await adminRead(browser.context, `http://localhost:${port}`)).status).toBe(200);
        expect(arrived.at(-1)?.headers['sec-fetch-site']).toBe('same-origin');
      } finally {
        await browser.close();
      }
    }, 60_000);
  },
);
