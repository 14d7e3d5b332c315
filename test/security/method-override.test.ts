// Hunt finding: with a method-override middleware mounted before sysvitals (Express's method-override reading
// `_method` from a form body; the same by hand on Koa), a cross-site HTML form POST became `DELETE silences/<id>`,
// and only POST writes were held to `Content-Type: application/json`. With an authorize hook reading cookies and a
// browser that sends no Origin (older ones, some privacy settings), a page could expire the admin's silences.
// Every write carrying a Content-Type must now be JSON (415), so a form's body is refused whatever the method became.
// (Fastify's hooks run before its body is parsed: a form body cannot rewrite the method there.)

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, closedAfterEach, startTarget } from './fixture.js';

const { targets, servers } = closedAfterEach();

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `_method` of a urlencoded body, as method-override's body getter reads it. */
function overridden(body: string): string | undefined {
  return new URLSearchParams(body).get('_method')?.toUpperCase();
}

describe('method override of a form POST', () => {
  it('a form POST turned into DELETE silences/<id> is 415 on Express and Koa; the silence stays active', async () => {
    // authorize: () => true stands for a cookie session the browser sends along with the form.
    const t = await startTarget(harnesses[0]!, { api: { authorize: () => true, rateLimit: false } });
    targets.push(t);
    const api = { authorize: () => true, rateLimit: false as const };

    const app = express();
    app.use(express.text({ type: 'application/x-www-form-urlencoded' }));
    app.use((req, _res, next) => {
      const method = typeof req.body === 'string' ? overridden(req.body) : undefined;
      if (method) req.method = method;
      next();
    });
    app.use(expressMiddleware(t.monitor, api));

    const koa = new Koa();
    koa.use(async (ctx, next) => {
      if (ctx.is('application/x-www-form-urlencoded')) {
        let body = '';
        for await (const chunk of ctx.req) body += chunk;
        const method = overridden(body);
        if (method) ctx.method = method;
      }
      await next();
    });
    koa.use(koaMiddleware(t.monitor, api));

    for (const url of [await listen(createServer(app)), await listen(createServer(koa.callback()))]) {
      const created = await fetch(`${url}${BASE}/silences/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rule: 'cpu', duration_ms: 60_000 }),
      });
      expect(created.status).toBe(201);
      const id = (await created.json()).data.id as string;
      // What <form method="post" action=".../silences/<id>"><input name="_method" value="DELETE"> sends (no Origin).
      const form = await fetch(`${url}${BASE}/silences/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '_method=DELETE',
      });
      expect(form.status, url).toBe(415);
      const silence = await (await fetch(`${url}${BASE}/silences/${id}`)).json();
      expect(silence.data.status).toBe('active');
      // A real DELETE (no body, as curl and the dashboard's JSON writes send it) still expires it.
      const real = await fetch(`${url}${BASE}/silences/${id}`, { method: 'DELETE' });
      expect(real.status).toBe(200);
      expect((await real.json()).data.status).toBe('expired');
    }
  });
});
