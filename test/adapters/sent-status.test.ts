// Regression (outside review 24, RT24-3 and RT24-7): the status recorded was `res.statusCode` when the response
// ended, not the status line its client received: `writeHead(500)`, then `res.statusCode = 200` recorded a 2xx
// (a hidden server error); `writeHead(200)` or `flushHeaders()`, then `res.statusCode = 5xx` recorded a 5xx the
// client never got. A complete 999 (Node sends 100–999) vanished from every count. A matched route's own 501 was
// counted as a 4xx. Real Express 5 and 4, Fastify 5 and Koa 3 servers; the oracle is the status each client received
// (its `statusCode`), turned into the expected counts by the README's rules, independently of the recorder.

import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { httpSend } from '../helpers/http-get.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const opts: MonitorOptions = { sampleIntervalMs: 0, logger: { warn() {}, error() {} } };

/** A raw response's head, then a status change it cannot send any more. */
type Raw = import('node:http').ServerResponse;
const lateOk = (res: Raw) => {
  res.writeHead(500);
  res.write('a');
  res.statusCode = 200;
  res.end('b');
};
const late503 = (res: Raw) => {
  res.writeHead(200);
  res.write('a');
  res.statusCode = 503;
  res.end('b');
};
const flushedThen500 = (res: Raw) => {
  res.statusCode = 200; // Koa set 404 on its response until a body is given
  res.flushHeaders();
  res.statusCode = 500;
  res.end('x');
};
const linkedIn = (res: Raw) => {
  res.statusCode = 999;
  res.end('LinkedIn-style');
};
const ROUTES: [string, (res: Raw) => void][] = [
  ['/b', lateOk],
  ['/a', late503],
  ['/e', flushedThen500],
  ['/d', linkedIn],
];
/** What each client must receive (checked: the oracle is what it did receive). */
const SENT: Record<string, number> = {
  '/b': 500,
  '/a': 200,
  '/e': 200,
  '/d': 999,
  '/feature': 501,
  '/ok': 200,
};
const PLAN = ['/b', '/a', '/e', '/d', '/feature', '/feature', '/ok', '/ok', '/ok'];

const express = (modules: FrameworkModules) => () =>
  expressApp(
    opts,
    (app) => {
      for (const [path, answer] of ROUTES) app.get(path, (_req, res) => answer(res));
      app.get('/feature', (_req, res) => void res.status(501).send('not implemented yet'));
      app.get('/ok', (_req, res) => void res.send('ok'));
    },
    modules,
  );
const fastify = () =>
  fastifyApp(opts, (app) => {
    for (const [path, answer] of ROUTES)
      app.get(path, (_request, reply) => {
        reply.hijack();
        answer(reply.raw);
      });
    app.get('/feature', (_request, reply) => void reply.code(501).send('not implemented yet'));
    app.get('/ok', async () => 'ok');
  });
const koa = () =>
  koaApp(opts, (router) => {
    for (const [path, answer] of ROUTES)
      router.get(path, (ctx) => {
        ctx.respond = false;
        answer(ctx.res);
      });
    router.get('/feature', (ctx) => {
      ctx.status = 501;
      ctx.body = 'not implemented yet';
    });
    router.get('/ok', (ctx) => {
      ctx.body = 'ok';
    });
  });

describe.each([
  ['express 5', express(CURRENT_MAJORS)],
  ['express 4', express(olderMajors())],
  ['fastify 5', fastify],
  ['koa 3', koa],
])('%s', (_name, make) => {
  it('records the status line the client received, a 999 as a request, a matched 501 as a 5xx', async () => {
    const { monitor, server } = await make();
    const port = await listen(server, monitor);
    const got: [string, number][] = [];
    for (const path of PLAN)
      got.push([path, (await httpSend('GET', `http://127.0.0.1:${port}${path}`)).status]);
    for (const [path, status] of got) expect([path, status]).toEqual([path, SENT[path]]);

    // Expected, from the statuses received: every route here is matched, so 4xx is 400–499, 5xx 500–599 (a matched
    // 501 included), and a status of 600–999 a request that is neither.
    const want = new Map<string, { count: number; c4: number; c5: number }>();
    for (const [path, status] of got) {
      const row = want.get(path) ?? { count: 0, c4: 0, c5: 0 };
      row.count++;
      if (status >= 400 && status < 500) row.c4++;
      if (status >= 500 && status < 600) row.c5++;
      want.set(path, row);
    }
    const m = await monitor.getMetrics();
    const rows = new Map(
      m.routes.map((r) => [r.route, { count: r.count, c4: r.count_4xx, c5: r.count_5xx }]),
    );
    expect(rows).toEqual(want);
    const c5 = got.filter(([, s]) => s >= 500 && s < 600).length;
    expect(m.requests.total).toBe(got.length);
    expect(m.errors.count_5xx).toBe(c5);
    expect(m.errors.count_4xx).toBe(0);
    expect(m.errors.count_judged).toBe(got.length);
    expect(m.errors.error_rate_percent).toBeCloseTo((100 * c5) / got.length, 2);
    expect(m.dropped_observations?.requests).toBe(0);

    // Prometheus: the matched 501s under status_class="5xx", the 999 under "1xx" (the label set stays five values).
    const family = parseExposition(renderPrometheus(await collectPrometheusData(monitor))).get(
      'sysvitals_http_requests_total',
    );
    const byRoute = (route: string) =>
      Object.fromEntries(
        (family?.samples ?? [])
          .filter((x) => x.labels.route === route)
          .map((x) => [x.labels.status_class, x.value]),
      );
    expect(byRoute('/feature')).toEqual({ '5xx': 2 });
    expect(byRoute('/d')).toEqual({ '1xx': 1 });
    expect(byRoute('/b')).toEqual({ '5xx': 1 });
    expect(byRoute('/a')).toEqual({ '2xx': 1 });
  });
});

describe('koa 3 on node:http2 (compat API)', () => {
  it("records the status its stream sent (sentHeaders[':status']), not a later statusCode", async () => {
    const { default: Koa } = await import('koa');
    const { default: KoaRouter } = await import('@koa/router');
    const { createMonitor } = await import('../../src/adapters/koa.js');
    const m = createMonitor(opts);
    const app = new Koa();
    const router = new KoaRouter();
    for (const [path, answer] of ROUTES.slice(0, 2))
      router.get(path, (ctx) => {
        ctx.respond = false;
        answer(ctx.res);
      });
    app.use(m.middleware());
    app.use(router.routes());
    const server = http2.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const got: [string, number][] = [];
      for (const path of ['/b', '/a', '/b'])
        got.push([
          path,
          await new Promise<number>((resolve, reject) => {
            const req = session.request({ ':path': path });
            let status = 0;
            req.on('response', (h) => {
              status = h[':status'] as number;
            });
            req.on('error', reject);
            req.resume();
            req.on('end', () => resolve(status));
            req.end();
          }),
        ]);
      expect(got).toEqual([
        ['/b', 500],
        ['/a', 200],
        ['/b', 500],
      ]);
      const want = new Map<string, { count: number; c5: number }>();
      for (const [path, status] of got) {
        const row = want.get(path) ?? { count: 0, c5: 0 };
        row.count++;
        if (status >= 500) row.c5++;
        want.set(path, row);
      }
      // A stream is recorded at its close: wait for the three.
      for (let i = 0; i < 100 && (await m.getMetrics()).requests.total < got.length; i++)
        await new Promise((r) => setTimeout(r, 10));
      const metrics = await m.getMetrics();
      expect(new Map(metrics.routes.map((r) => [r.route, { count: r.count, c5: r.count_5xx }]))).toEqual(
        want,
      );
    } finally {
      session.close();
      await new Promise((r) => server.close(r));
      await m.close();
    }
  });
});
