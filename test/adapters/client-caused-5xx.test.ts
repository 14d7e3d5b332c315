// Red team F4: koa-router answers methods it does not implement with 501, and 30 anonymous PROPFINDs raised
// a critical error_rate alert. 501 and 505 are counted with the 4xx (client-caused) in the core, so the rule
// is the same on every framework.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

const servers: Array<{ server: Server; close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await new Promise((r) => s.server.close(r));
    await s.close();
  }
});

const opts = { sampleIntervalMs: 0, logger: { warn() {}, error() {} } };

async function expressApp() {
  const { default: express } = await import('express');
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(opts);
  const app = express();
  app.use(monitor.middleware());
  app.get('/', (_req, res) => void res.send('ok'));
  app.use((req, res) => void res.status(req.method === 'GET' ? 505 : 501).send('no'));
  return { monitor, server: createServer(app) };
}
async function fastifyApp() {
  const { default: Fastify } = await import('fastify');
  const { createMonitor } = await import('../../src/adapters/fastify.js');
  const monitor = createMonitor(opts);
  const app = Fastify();
  await app.register(monitor.plugin());
  app.get('/', async () => 'ok');
  app.setNotFoundHandler((req, reply) => void reply.code(req.method === 'GET' ? 505 : 501).send('no'));
  await app.ready();
  return { monitor, server: app.server };
}
async function koaApp() {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(opts);
  const app = new Koa();
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/v', (ctx) => {
    ctx.status = 505;
  });
  app.use(monitor.middleware());
  app.use(router.routes());
  app.use(router.allowedMethods()); // the README's setup: PROPFIND -> 501
  return { monitor, server: createServer(app.callback()) };
}

function send(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['express', expressApp, '/nowhere'],
  ['fastify', fastifyApp, '/nowhere'],
  ['koa', koaApp, '/v'],
])('%s', (_name, make, versionPath) => {
  it('501 and 505 count as client errors: no error rate, no error_rate alert', async () => {
    const { monitor, server } = await make();
    servers.push({ server, close: () => monitor.close() });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await send(port, 'PROPFIND', '/'));
    for (let i = 0; i < 2; i++) statuses.push(await send(port, 'GET', versionPath));
    for (let i = 0; i < 4; i++) statuses.push(await send(port, 'GET', '/'));
    expect(statuses.filter((s) => s === 501)).toHaveLength(30);
    expect(statuses.filter((s) => s === 505)).toHaveLength(2);
    const snapshot = await monitor.sample();
    expect(snapshot.errors.count_5xx).toBe(0);
    expect(snapshot.errors.count_4xx).toBe(32);
    expect(snapshot.errors.error_rate_percent).toBe(0);
    const alerts = await monitor.getAlerts();
    expect(JSON.stringify(alerts)).not.toContain('error_rate');
  });
});
