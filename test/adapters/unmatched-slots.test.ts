// Outside review F4: requests to made-up URLs (route `unmatched`, one row per method) took `maxRoutes` slots
// first-come, so real routes that came later folded into `* other`, a 100 %-failing one invisible in routes/
// and Prometheus. `unmatched` rows no longer count against maxRoutes; on real Express, Fastify and Koa.

import { describe, expect, it } from 'vitest';
import { type GetReply, httpSend } from '../helpers/http-get.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { appServers } from './served-monitor.js';

const listen = appServers();

const opts = { sampleIntervalMs: 0, maxRoutes: 5, logger: { warn() {}, error() {} } };
const BASE = '/api/core/admin/system';
const JUNK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];
const ROUTES = ['/ok', '/fail', '/r1', '/r2', '/r3', '/r4'];

const express = () =>
  expressApp(opts, (app) => {
    app.set('env', 'production');
    for (const r of ROUTES) app.get(r, (_req, res) => void res.status(r === '/fail' ? 500 : 200).send('x'));
  });
const fastify = () =>
  fastifyApp(opts, (app) => {
    for (const r of ROUTES)
      app.get(r, async (_req, reply) => reply.code(r === '/fail' ? 500 : 200).send('x'));
  });
const koa = () =>
  koaApp(opts, (router) => {
    for (const r of ROUTES)
      router.get(r, (ctx) => {
        ctx.status = r === '/fail' ? 500 : 200;
        ctx.body = 'x';
      });
  });

const send = (port: number, method: string, path: string): Promise<GetReply> =>
  httpSend(method, `http://127.0.0.1:${port}${path}`);

interface Row {
  method: string;
  route: string;
  count: number;
  count_5xx: number;
}

/** http_requests_total samples keyed `method route status_class`. */
async function scrape(port: number): Promise<Map<string, number>> {
  const { status, body } = await send(port, 'GET', `${BASE}/metrics/prometheus`);
  expect(status).toBe(200);
  const families = parseExposition(body);
  const family = [...families.values()].find((f) => f.name.endsWith('http_requests_total'));
  const out = new Map<string, number>();
  for (const s of family?.samples ?? [])
    out.set(`${s.labels.method} ${s.labels.route} ${s.labels.status_class}`, s.value);
  return out;
}

async function routesOf(port: number): Promise<Row[]> {
  const { status, body } = await send(port, 'GET', `${BASE}/routes/`);
  expect(status).toBe(200);
  return (JSON.parse(body) as { data: { routes: Row[] } }).data.routes;
}

const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0);

describe.each([
  ['express', express],
  ['fastify', fastify],
  ['koa', koa],
])('%s', (_name, make) => {
  it('junk on made-up URLs never takes a matched route slot; every request is in exactly one row', async () => {
    const { monitor, server } = await make();
    const port = await listen(server, monitor);
    // The reviewer's scenario: 8 junk requests (8 methods), then 5x GET /ok and 5x GET /fail, maxRoutes 5.
    for (const [i, m] of JUNK_METHODS.entries()) await send(port, m, `/nowhere-${i}`);
    const sent = new Map<string, number>(); // `method route` -> requests, the oracle for matched routes
    for (let i = 0; i < 5; i++) {
      for (const r of ['/ok', '/fail']) {
        const { status } = await send(port, 'GET', r);
        expect(status).toBe(r === '/fail' ? 500 : 200);
        sent.set(`GET ${r}`, (sent.get(`GET ${r}`) ?? 0) + 1);
      }
    }
    let total = JUNK_METHODS.length + 10;
    const rows = await routesOf(port);
    const byKey = new Map(rows.map((r) => [`${r.method} ${r.route}`, r]));
    expect(byKey.get('GET /ok')).toMatchObject({ count: 5, count_5xx: 0 });
    expect(byKey.get('GET /fail')).toMatchObject({ count: 5, count_5xx: 5 });
    expect(byKey.has('* other')).toBe(false);
    // The junk: one `unmatched` row per method (PROPFIND as OTHER), one request each.
    const junk = rows.filter((r) => r.route === 'unmatched');
    expect(junk.map((r) => r.method).sort()).toEqual(
      ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'].sort(),
    );
    for (const r of junk) expect(r.count).toBe(1);
    expect(sum(rows.map((r) => r.count))).toBe(total);
    const first = await scrape(port);
    expect(first.get('GET /fail 5xx')).toBe(5);
    expect(first.get('GET /ok 2xx')).toBe(5);
    expect(sum(first.values())).toBe(total);

    // Three more matched routes fit (5 slots, 2 used); the fourth folds into `* other`. More junk after that
    // still gets its rows, and every series of the first scrape only grows.
    for (const r of ['/r1', '/r2', '/r3', '/r4']) await send(port, 'GET', r);
    for (const [i, m] of JUNK_METHODS.entries()) await send(port, m, `/again-${i}`);
    total += 4 + JUNK_METHODS.length;
    const after = await routesOf(port);
    const keys = new Set(after.map((r) => `${r.method} ${r.route}`));
    for (const k of ['GET /ok', 'GET /fail', 'GET /r1', 'GET /r2', 'GET /r3', '* other'])
      expect(keys).toContain(k);
    expect(keys.has('GET /r4')).toBe(false);
    expect(after.find((r) => r.route === 'other')?.count).toBe(1);
    expect(after.filter((r) => r.route === 'unmatched').map((r) => r.count)).toEqual(Array(8).fill(2));
    expect(sum(after.map((r) => r.count))).toBe(total);
    const second = await scrape(port);
    expect(sum(second.values())).toBe(total);
    for (const [k, v] of first) expect(second.get(k) ?? 0).toBeGreaterThanOrEqual(v);
    expect(monitor.requests.total).toBe(total);
  });
});
