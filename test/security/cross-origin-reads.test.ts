// Hunt finding: reads let in by ambient authority (a loopback address; an authorize hook reading cookies) were
// served to any Origin. sysvitals sends no CORS headers, but a CORS middleware the app mounts before it
// (`cors({ origin: true, credentials: true })`, @koa/cors) adds them, and then a page on any site the local user
// visits reads the whole API. Such reads are now 403 origin_not_allowed unless the Origin is the server's own or
// listed in allowedOrigins; a bearer token (not ambient) still reads from anywhere.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';
import { rawRequest } from './raw-client.js';

const targets: Target[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const EVIL = 'https://evil.example';

for (const harness of harnesses) {
  describe(`cross-origin reads (${harness.name})`, () => {
    it('loopback mode: a read from another site is 403; no Origin, the own origin and allowedOrigins are served', async () => {
      const t = await startTarget(harness, { api: { allowedOrigins: ['https://ops.example'] } });
      targets.push(t);
      const host = new URL(t.url).host;
      const get = (origin?: string) =>
        rawRequest(t.url, {
          method: 'GET',
          path: `${BASE}/metrics/`,
          headers: origin === undefined ? {} : { origin },
        });
      const evil = await get(EVIL);
      expect(evil.status).toBe(403);
      expect(JSON.parse(evil.body).error.code).toBe('origin_not_allowed');
      expect(evil.body).not.toContain('cpu');
      expect((await get()).status).toBe(200);
      expect((await get(`http://${host}`)).status).toBe(200);
      expect((await get('https://ops.example')).status).toBe(200);
      expect((await get('null')).status).toBe(403);
    });

    it('loopback mode: probe details (?verbose) from another site are 403; the plain verdict is public', async () => {
      const t = await startTarget(harness);
      targets.push(t);
      const probe = (path: string, origin?: string) =>
        rawRequest(t.url, { method: 'GET', path, headers: origin === undefined ? {} : { origin } });
      const evil = await probe('/livez?verbose', EVIL);
      expect(evil.status).toBe(403);
      expect(JSON.parse(evil.body).error.code).toBe('origin_not_allowed');
      expect((await probe('/livez?verbose')).status).toBe(200);
      expect((await probe('/livez', EVIL)).body).toBe('ok\n');
    });

    it('authorize hook: a read from another site is 403; a bearer token from anywhere is still served', async () => {
      const t = await startTarget(harness, {
        api: { adminToken: TOKEN, authorize: () => true, rateLimit: false },
      });
      targets.push(t);
      const get = (headers: Record<string, string>) =>
        rawRequest(t.url, { method: 'GET', path: `${BASE}/health/`, headers });
      expect((await get({ origin: EVIL })).status).toBe(403);
      expect((await get({})).status).toBe(200);
      expect((await get({ origin: EVIL, authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });
}

/** The app's own CORS layer, as `cors({ origin: true, credentials: true })` configures it: reflect any Origin. */
function reflectOrigin(origin: string | undefined, set: (name: string, value: string) => void): void {
  if (origin === undefined) return;
  set('access-control-allow-origin', origin);
  set('access-control-allow-credentials', 'true');
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('behind an app-level CORS middleware (loopback mode)', () => {
  it('a foreign page gets no admin data on Express and Koa', async () => {
    const t = await startTarget(harnesses[0]!); // a real monitor (its own server is not used here)
    targets.push(t);
    const app = express();
    app.use((req, res, next) => {
      reflectOrigin(req.headers.origin, (n, v) => res.setHeader(n, v));
      next();
    });
    app.use(expressMiddleware(t.monitor, {}));
    const koa = new Koa();
    koa.use(async (ctx, next) => {
      reflectOrigin(ctx.get('origin') || undefined, (n, v) => ctx.set(n, v));
      await next();
    });
    koa.use(koaMiddleware(t.monitor, {}));
    for (const url of [await listen(createServer(app)), await listen(createServer(koa.callback()))]) {
      const res = await rawRequest(url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { origin: EVIL },
      });
      // The browser would let the page read this answer (the app's header is there): it must hold no data.
      expect(res.headers['access-control-allow-origin']).toBe(EVIL);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({
        success: false,
        error: { code: 'origin_not_allowed', message: expect.stringContaining('allowedOrigins') },
      });
    }
  });
});
