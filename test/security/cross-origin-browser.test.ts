// The cross-origin read door in a real Chromium: in loopback mode, behind an app-level CORS middleware that
// reflects any Origin (`cors({ origin: true, credentials: true })`), a page on another site read the whole API
// (200 with the metrics); now it reads a 403 `origin_not_allowed`. The dashboard's own page still reads (its
// same-origin GETs carry no Origin).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { harnesses } from '../adapters/harness.js';
import { launchChromium, skipBrowser } from './doors.js';
import { BASE, closedAfterEach, startTarget } from './fixture.js';

if (skipBrowser)
  console.warn('test/security/cross-origin-browser.test.ts: browser test skipped: install chromium');

const { targets, servers } = closedAfterEach();

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(skipBrowser)('a page on another site, in the local user browser (loopback mode)', () => {
  it('reads no admin data through an app CORS middleware; the dashboard page still reads', async () => {
    const t = await startTarget(harnesses[0]!); // a real monitor; loopback mode (no token, no hook)
    targets.push(t);
    const app = express();
    app.use((req, res, next) => {
      if (req.headers.origin) {
        res.setHeader('access-control-allow-origin', req.headers.origin);
        res.setHeader('access-control-allow-credentials', 'true');
      }
      next();
    });
    app.use(expressMiddleware(t.monitor, {}));
    const port = await listen(createServer(app));
    const sitePort = await listen(
      createServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><title>another site</title>');
      }),
    );
    const api = `http://127.0.0.1:${port}${BASE}/metrics/`;
    const browser = await launchChromium();
    try {
      const read = (page: import('playwright-core').Page, url: string) =>
        page.evaluate(async (u) => {
          try {
            const res = await fetch(u, { credentials: 'include' });
            return { status: res.status, body: await res.text() };
          } catch (err) {
            return { status: 0, body: String(err) };
          }
        }, url);
      const attacker = await browser.context.newPage();
      await attacker.goto(`http://localhost:${sitePort}/`);
      const stolen = await read(attacker, api);
      expect(stolen.status).toBe(403);
      expect(JSON.parse(stolen.body).error.code).toBe('origin_not_allowed');
      expect(stolen.body).not.toContain('current_percent');

      const own = await browser.context.newPage();
      await own.goto(`http://127.0.0.1:${port}${BASE}/dashboard/`);
      const mine = await read(own, api);
      expect(mine.status).toBe(200);
      expect(mine.body).toContain('current_percent');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
