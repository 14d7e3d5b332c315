// Each adapter entry's createMonitor: the real core monitor, options split between it and the admin API.

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
import { SysvitalsError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { getJson } from '../http/admin-fixture.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'integration-token';
const common = { adminToken: TOKEN, sampleIntervalMs: 0, logger: silentLogger } as const;
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const apps: { name: string; start(): Promise<{ url: string; monitor: SystemMonitor }> }[] = [
  {
    name: 'express',
    async start() {
      const monitor = createExpressMonitor(common);
      const app = express();
      app.use(monitor.middleware());
      app.get('/users/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      return { monitor, url: await listen(app) };
    },
  },
  {
    name: 'fastify',
    async start() {
      const monitor = createFastifyMonitor(common);
      const app = Fastify();
      await app.register(monitor.plugin());
      app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      cleanup.push(() => app.close());
      return { monitor, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
    },
  },
  {
    name: 'koa',
    async start() {
      const monitor = createKoaMonitor(common);
      const app = new Koa();
      const router = new Router();
      router.get('/users/:id', (ctx) => {
        ctx.body = { id: ctx.params.id };
      });
      app.use(monitor.middleware());
      app.use(router.routes());
      return { monitor, url: await listen(app.callback()) };
    },
  },
];

/** Waits until the monitor has recorded `n` requests (each is recorded when its response ends); 30 s hang guard. */
async function recordedTotal(monitor: { requests: { total: number } }, n: number): Promise<void> {
  const guard = Date.now() + 30_000;
  while (monitor.requests.total < n) {
    if (Date.now() > guard) throw new Error(`${n} requests not recorded within the 30 s guard`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(apps)('$name createMonitor', ({ start }) => {
  it('returns the core monitor with the admin API mounted; requests show under their route template', async () => {
    const { monitor, url } = await start();
    cleanup.push(() => monitor.close());
    for (const id of [1, 2, 3]) expect((await fetch(`${url}/users/${id}`)).status).toBe(200);
    await recordedTotal(monitor, 3); // recording happens on response end
    expect((await getJson(`${url}${BASE}/metrics/`)).status).toBe(401);
    const metrics = await getJson(`${url}${BASE}/metrics/`, auth);
    expect(metrics.status).toBe(200);
    expect(metrics.body.data.requests.total).toBe(3);
    const routes = metrics.body.data.routes as { route: string; method: string; count: number }[];
    expect(routes).toEqual([expect.objectContaining({ method: 'GET', route: '/users/:id', count: 3 })]);
    const health = await getJson(`${url}${BASE}/health/`, auth);
    expect(['green', 'yellow', 'red']).toContain(health.body.data.status);
    const history = await getJson(`${url}${BASE}/history/?period=1h`, auth);
    expect(history.status).toBe(200);
    const alerts = await getJson(`${url}${BASE}/alerts/?history=true`, auth);
    expect(alerts.body.data).toMatchObject({ type: 'history', count: expect.any(Number) });
  });
});

describe('a short adminToken', () => {
  it.each([
    ['express', createExpressMonitor],
    ['fastify', createFastifyMonitor],
    ['koa', createKoaMonitor],
  ] as const)('%s: one warning at setup naming its length, none for 32 characters', async (_name, create) => {
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, m?: string) => void warnings.push(String(m)), error() {} };
    const short = create({ ...common, logger, adminToken: 'short-token' });
    cleanup.push(() => short.close());
    const about = () => warnings.filter((w) => w.includes('adminToken is'));
    expect(about()).toEqual([expect.stringContaining('adminToken is 11 characters; use at least 32')]);
    expect(warnings.join('\n')).not.toContain('short-token');
    warnings.length = 0;
    const strong = create({ ...common, logger, adminToken: '0123456789abcdef0123456789abcdef' });
    cleanup.push(() => strong.close());
    expect(about()).toEqual([]);
  });
});

describe('live methods', () => {
  it('attachWebSocket serves events with the admin auth, trackWebSockets counts, close() ends both', async () => {
    const { WebSocket, WebSocketServer } = await import('ws');
    const monitor = createExpressMonitor(common);
    const app = express();
    app.use(monitor.middleware());
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const attachment = monitor.attachWebSocket(server);
    expect(attachment.path).toBe(`${BASE}/ws`);
    const chat = new WebSocketServer({ noServer: true });
    const untrack = monitor.trackWebSockets(chat);
    chat.emit('connection', new (await import('node:events')).EventEmitter());
    expect((await monitor.sample()).websocket.active_connections).toBe(1);
    untrack();

    const refused = new WebSocket(`ws://127.0.0.1:${port}${BASE}/ws`);
    const status = await new Promise((resolve) =>
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    );
    expect(status).toBe(401);

    const client = new WebSocket(`ws://127.0.0.1:${port}${BASE}/ws`, auth);
    const first = await new Promise<{ event: string }>((resolve) =>
      client.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    expect(first.event).toMatch(/metrics|health/);
    const closed = new Promise((resolve) => client.on('close', resolve));
    await monitor.close();
    await closed;
    expect(attachment.clients).toBe(0);
  });
});

describe('createMonitor options', () => {
  it('passes the prometheus option to metrics/prometheus', async () => {
    const monitor = createExpressMonitor({ ...common, prometheus: { prefix: 'shop_' } });
    cleanup.push(() => monitor.close());
    const app = express();
    app.use(monitor.middleware());
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const url = await listen(app);
    await fetch(`${url}/`);
    await recordedTotal(monitor, 1); // recording happens on response end
    const text = await (await fetch(`${url}${BASE}/metrics/prometheus`, auth)).text();
    expect(text).toMatch(/^shop_http_requests_total\{method="GET",route="\/",status_class="2xx"\} 1$/m);
    expect(text).not.toMatch(/^sysvitals_/m);
  });

  it.each([
    ['express', createExpressMonitor],
    ['fastify', createFastifyMonitor],
    ['koa', createKoaMonitor],
  ] as const)('%s: a bad admin option throws at setup with a coded error', (_name, create) => {
    expect(() => create({ ...common, basePath: '/' })).toThrow(SysvitalsError);
    expect(() => create({ ...common, rateLimit: { max: 0 } })).toThrow(SysvitalsError);
    expect(() => create({ ...common, prometheus: { prefix: 'bad prefix' } })).toThrow(SysvitalsError);
  });

  it.each([
    ['express', createExpressMonitor],
    ['fastify', createFastifyMonitor],
    ['koa', createKoaMonitor],
  ] as const)(
    '%s: a misspelt option names the one meant, from monitor and admin options alike',
    (_name, create) => {
      expect(() => create({ ...common, adminTokn: 'x' } as never)).toThrow(
        expect.objectContaining({
          code: 'ERR_SYSVITALS_UNKNOWN_OPTION',
          message: expect.stringContaining('`adminToken`'),
        }),
      );
      expect(() => create({ ...common, resolutionMS: 1000 } as never)).toThrow(/Did you mean `resolutionMs`/);
    },
  );
});
