// Red team F4: koa-router answers methods it does not implement with 501, and 30 anonymous PROPFINDs raised
// a critical error_rate alert. 501 and 505 are counted with the 4xx (client-caused) in the core, so the rule
// is the same on every framework.

import { describe, expect, it } from 'vitest';
import { httpSend } from '../helpers/http-get.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { appServers } from './served-monitor.js';

const listen = appServers();

const opts = { sampleIntervalMs: 0, logger: { warn() {}, error() {} } };

const express = () =>
  expressApp(opts, (app) => {
    app.get('/', (_req, res) => void res.send('ok'));
    app.use((req, res) => void res.status(req.method === 'GET' ? 505 : 501).send('no'));
  });
const fastify = () =>
  fastifyApp(opts, (app) => {
    app.get('/', async () => 'ok');
    app.setNotFoundHandler((req, reply) => void reply.code(req.method === 'GET' ? 505 : 501).send('no'));
  });
// The README's setup, router.allowedMethods() included: PROPFIND -> 501.
const koa = () =>
  koaApp(opts, (router) => {
    router.get('/', (ctx) => {
      ctx.body = 'ok';
    });
    router.get('/v', (ctx) => {
      ctx.status = 505;
    });
  });

const send = async (port: number, method: string, path: string): Promise<number> =>
  (await httpSend(method, `http://127.0.0.1:${port}${path}`)).status;

describe.each([
  ['express', express, '/nowhere'],
  ['fastify', fastify, '/nowhere'],
  ['koa', koa, '/v'],
])('%s', (_name, make, versionPath) => {
  it('501 and 505 count as client errors: no error rate, no error_rate alert', async () => {
    const { monitor, server } = await make();
    const port = await listen(server, monitor);
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
