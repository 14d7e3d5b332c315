// Outside review G3 in a real Chromium: a page on another site that the local user visits fires 50
// `<img src="http://127.0.0.1:PORT/api/core/admin/system/health/">` at the admin API (token mode, a token
// shorter than 32 characters, a refusal budget of 20). They spent the refusal budget, so the dashboard's
// sign-in with the right token got 429; now they are refused without spending it and the sign-in goes live.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser } from './doors.js';
import { BASE, closedAfterEach, startTarget, TOKEN } from './fixture.js';

if (skipBrowser)
  console.warn('test/security/no-credential-browser.test.ts: browser test skipped: install chromium');

const IMAGES = 50;
const { targets, servers } = closedAfterEach();

describe.skipIf(skipBrowser)('a page on another site firing images at the admin API (token mode)', () => {
  it('does not lock the dashboard sign-in out', async () => {
    const t = await startTarget(harnesses[0]!, { api: { adminToken: TOKEN, rateLimit: { max: 20 } } });
    targets.push(t);
    // The same admin API on a plain node server that records what reaches it (the images' headers, answers).
    const arrived: { headers: IncomingHttpHeaders; status: () => number }[] = [];
    const server = createServer((req, res) => {
      if (req.url?.includes('/health/')) arrived.push({ headers: req.headers, status: () => res.statusCode });
      void t.adminApi.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
    const images = Array.from(
      { length: IMAGES },
      (_, i) => `<img src="${apiBase}/health/?n=${i}" onload="settled()" onerror="settled()">`,
    ).join('');
    const site = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><title>another site</title><script>window.done=0;function settled(){window.done++}</script>${images}`,
      );
    });
    servers.push(site);
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const sitePort = (site.address() as AddressInfo).port;

    const browser = await launchChromium();
    try {
      const attacker = await browser.context.newPage();
      // localhost and 127.0.0.1 are different sites: the images are cross-site requests.
      await attacker.goto(`http://localhost:${sitePort}/`);
      await attacker.waitForFunction((n) => (window as unknown as { done: number }).done === n, IMAGES);

      const own = await browser.context.newPage();
      await own.goto(`${apiBase}/dashboard/`);
      await own.locator('#signin').waitFor();
      await own.locator('#token').fill(TOKEN);
      await own.locator('#signin button[type="submit"]').click();
      await expect.poll(() => own.locator('#conn').getAttribute('data-state')).toBe('live');
      expect(await own.locator('#banner').isHidden()).toBe(true);
      // All 50 reached the server, marked by Chromium as another site's images, and were refused unspent.
      expect(arrived).toHaveLength(IMAGES);
      for (const { headers, status } of arrived) {
        expect(headers).toMatchObject({ 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' });
        expect(headers.origin).toBeUndefined();
        expect(headers.authorization).toBeUndefined();
        expect(status()).toBe(403);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});
