// A CORS preflight (`OPTIONS`) under a basePath shared with the app reaches the app when one of its routes takes the
// path with any method (outside review 32, RT32-7); sysvitals' own endpoints keep their 401. Real servers.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { silentLogger } from '../../src/logger.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const common = { adminToken: TOKEN, basePath: '/api', sampleIntervalMs: 0, logger: silentLogger } as const;

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function closing(server: ReturnType<typeof createServer>): () => Promise<unknown> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(closing(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Each app: sysvitals first (as README orders), then a CORS layer answering preflights 204, then POST /api/users.
const apps: Record<string, () => Promise<string>> = {
  async express() {
    const monitor = createExpressMonitor(common);
    cleanup.push(() => monitor.close());
    const app = express();
    app.use(monitor.middleware());
    app.use((req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (req.method === 'OPTIONS') res.status(204).end();
      else next();
    });
    app.post('/api/users', (_req, res) => res.status(201).send('created'));
    return listen(createServer(app));
  },
  async koa() {
    const monitor = createKoaMonitor(common);
    cleanup.push(() => monitor.close());
    const app = new Koa();
    app.use(monitor.middleware());
    app.use(async (ctx, next) => {
      ctx.set('Access-Control-Allow-Origin', '*');
      if (ctx.method === 'OPTIONS') ctx.status = 204;
      else await next();
    });
    const r = new Router();
    r.post('/api/users', (ctx) => {
      ctx.status = 201;
      ctx.body = 'created';
    });
    app.use(r.routes());
    return listen(createServer(app.callback()));
  },
  async fastify() {
    const monitor = createFastifyMonitor(common);
    const app = Fastify();
    await app.register(monitor.plugin());
    app.addHook('onRequest', async (q, r) => {
      r.header('Access-Control-Allow-Origin', '*');
      if (q.method === 'OPTIONS') {
        r.code(204).send();
        return r;
      }
    });
    app.post('/api/users', async (_q, r) => r.code(201).send('created'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  },
};

const preflight = { origin: 'https://app.example', 'access-control-request-method': 'POST' };

describe.each(Object.keys(apps))('%s: CORS preflight under a shared basePath', (name) => {
  it("reaches the app's CORS layer for a path an app route has (oracle: the app's 204 + header)", async () => {
    const url = await apps[name]!();
    const pre = await fetch(`${url}/api/users`, { method: 'OPTIONS', headers: preflight });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    const post = await fetch(`${url}/api/users`, { method: 'POST' });
    expect(post.status).toBe(201);
  });
  it('keeps the 401 for sysvitals endpoints and for paths no app route has', async () => {
    const url = await apps[name]!();
    for (const path of ['/api/metrics', '/api/nothing']) {
      const r = await fetch(`${url}${path}`, { method: 'OPTIONS', headers: preflight });
      expect([path, r.status]).toEqual([path, 401]);
    }
  });
});
