// Requests a server answers without passing the sysvitals middleware (a terminal handler mounted before it:
// `app.use((req, res) => res.send('x'))`, express.static, a plain Koa middleware that sets a body, a koa-mount'ed
// sub-app): before, nothing told, and a monitor that saw none read `requests: healthy` with a total of 0 while the
// app served traffic. Now the first is logged once (method, path, status) and getUnseenRequests() counts them.
// Real Express 5/4 and Koa 3/2 servers on port 0, real HTTP requests. Two oracles: the requests the test sends to
// paths answered before the middleware, and the server's own count of the requests it served (a 'request'
// listener of the test's): served = recorded + admin API requests + unseen.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import type Koa from 'koa';
import mount from 'koa-mount';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const unseenWarnings = (w: string[]) => w.filter((m) => m.includes('without passing monitor.middleware()'));
const lateWarnings = (w: string[]) => w.filter((m) => m.includes('is mounted after'));

interface Served {
  get: (path: string) => Promise<number>;
  /** A request on a connection of its own that the server closes after the response (`Connection: close`). */
  getClosing: (path: string) => Promise<number>;
  /** Every response the server started has finished (its 'finish' came after Node published it). */
  settled: () => Promise<void>;
  served: () => number;
  url: string;
  warnings: string[];
}

function logger(warnings: string[]) {
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  return { warn: push, error: push, info() {} };
}

async function serve(
  listener: RequestListener,
  warnings: string[],
  close: () => Promise<void>,
): Promise<Served> {
  const server: Server = createServer(listener);
  const finishes: Promise<unknown>[] = [];
  server.on('request', (_req, res) => void finishes.push(new Promise((r) => res.once('finish', r))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: async (path) => {
      const res = await fetch(url + path);
      await res.arrayBuffer();
      return res.status;
    },
    getClosing: (path) =>
      new Promise((resolve, reject) => {
        const { port } = server.address() as AddressInfo;
        const headers = { connection: 'close' };
        request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      }),
    settled: async () => void (await Promise.all(finishes)),
    served: () => finishes.length,
    url,
    warnings,
  };
}

/** GET `target` written as is on the request line (an absolute-form or raw path no client library sends); the reply. */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket
      .on('data', (d) => {
        text += d;
      })
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

const ADMIN = '/api/core/admin/system/health/';
const TOKEN = 'unseen-requests-test-token-0123456789abcdef';

/** The admin API's metrics/ and metrics/prometheus as a client reads them (over HTTP, with the token). */
async function adminReads(
  url: string,
): Promise<{ unseenJson: unknown; unseenProm: number | null; prom: string }> {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const json = (await (await fetch(`${url}/api/core/admin/system/metrics/`, { headers })).json()) as {
    data: { requests: { unseen_total?: unknown } };
  };
  const prom = await (await fetch(`${url}/api/core/admin/system/metrics/prometheus`, { headers })).text();
  const line = prom.split('\n').find((l) => l.startsWith('sysvitals_http_unseen_requests_total '));
  return {
    unseenJson: json.data.requests.unseen_total,
    unseenProm: line === undefined ? null : Number(line.split(' ')[1]),
    prom,
  };
}

/** `n` requests at once, path i from `pick(i)`; their statuses. */
async function concurrently(s: Served, n: number, pick: (i: number) => string): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => s.get(pick(i))));
}

describe.each([
  ['Express 5', () => CURRENT_MAJORS],
  ['Express 4', olderMajors],
])('%s: requests answered before the middleware', (_name, fw: () => FrameworkModules) => {
  it('a catch-all handler before it (the monitor sees nothing): counted, the first told once', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use((_req, res) => void res.send('caught'));
    app.use(monitor.middleware());
    app.get('/after', (_req, res) => void res.send('after'));
    const s = await serve(app, warnings, () => monitor.close());
    for (const path of ['/a?token=secret', '/b', '/after', '/a']) expect(await s.get(path)).toBe(200);
    await s.settled();
    const lines = unseenWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('GET /a was answered (200)');
    expect(lines[0]).not.toContain('secret');
    expect(monitor.getUnseenRequests()).toEqual({
      total: 4,
      first: { method: 'GET', path: '/a', status: 200 },
    });
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(0);
    expect(s.served()).toBe(4);
  });

  it('an absolute-form target: only its path is told, not its user, password, host or fragment (outside review 23, RT23-1)', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use((_req, res) => void res.send('caught'));
    app.use(monitor.middleware());
    const s = await serve(app, warnings, () => monitor.close());
    const { port } = new URL(s.url);
    const targets = [
      'http://admin:hunter2@example.com/healthz?token=abc',
      'HTTP://admin:hunter2@example.com:8080',
      '/frag#access_token=SECRET',
    ];
    for (const target of targets) {
      const raw = await rawGet(Number(port), target);
      expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    }
    await s.settled();
    const lines = unseenWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('GET /healthz was answered (200)');
    for (const secret of ['hunter2', 'admin:', 'example.com', 'SECRET', 'abc'])
      expect(lines[0]).not.toContain(secret);
    expect(monitor.getUnseenRequests()).toEqual({
      total: 3,
      first: { method: 'GET', path: '/healthz', status: 200 },
    });
  });

  it('a user:password in a path, `;` parameters and tokens in segments stay out of the warning (outside review 25, F1)', async () => {
    // Each target the first request a fresh monitor missed (the one its warning and `first` name). The oracle:
    // none of the secret parts appears; the path's other segments do.
    const cases: [string, string][] = [
      ['//admin:hunter2@example.com/healthz', '//admin:[redacted]@example.com/healthz'],
      ['/x/http://admin:hunter2@evil/', '/x/http://admin:[redacted]@evil/'],
      ['/%2F%2Fadmin:hunter2@example.com/x', '///admin:[redacted]@example.com/x'],
      ['/healthz;jsessionid=SECRETSESSION123', '/healthz'],
      ['/callback/access_token=SECRETTOKEN', '/callback/access_token=[redacted]'],
      ['/users/42', '/users/42'],
    ];
    for (const [target, shown] of cases) {
      const warnings: string[] = [];
      const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
      const app = fw().express();
      app.use((_req, res) => void res.send('caught'));
      app.use(monitor.middleware());
      const s = await serve(app, warnings, () => monitor.close());
      const { port } = new URL(s.url);
      await rawGet(Number(port), target);
      await s.settled();
      const lines = unseenWarnings(warnings);
      expect(lines, target).toHaveLength(1);
      for (const secret of ['hunter2', 'SECRETSESSION123', 'SECRETTOKEN'])
        expect(lines[0]).not.toContain(secret);
      expect(monitor.getUnseenRequests().first?.path, target).toBe(shown);
    }
  });

  it('credential-looking path segments are redacted in the warning and `first` (outside review 39, RT39-8)', async () => {
    // The oracle: the credential in each path (as the app's URL carries it) appears nowhere in the warning or in
    // `first`, while the path's ordinary segments do.
    const telegram = 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const slack = 'Xy7kQ9pL2mN4vB8cR3tW6zY1';
    const reset = 'Xy7kQ9pL2mN4vB8cR3tW';
    const hex = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const discord = 'Xy7kQ9pL2mN4vB8cR3tW6zY1aBcDeFgHiJkLmNoPqRsTuVwXyZ';
    const cases: [target: string, secret: string, kept: string[]][] = [
      [`/bot123456789:${telegram}/getUpdates`, telegram, ['/getUpdates']],
      [`/services/T01ABCDEF/B02GHIJKL/${slack}`, slack, ['/services/T01ABCDEF/B02GHIJKL/']],
      [`/reset/${reset}`, reset, ['/reset/']],
      [`/magic/${hex}`, hex, ['/magic/']],
      [`/api/webhooks/123456789012345678/${discord}`, discord, ['/api/webhooks/123456789012345678/']],
    ];
    for (const [target, secret, kept] of cases) {
      const warnings: string[] = [];
      const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
      const app = fw().express();
      app.use((_req, res) => void res.send('caught'));
      app.use(monitor.middleware());
      const s = await serve(app, warnings, () => monitor.close());
      const { port } = new URL(s.url);
      await rawGet(Number(port), target);
      await s.settled();
      const lines = unseenWarnings(warnings);
      expect(lines, target).toHaveLength(1);
      const first = monitor.getUnseenRequests().first?.path ?? '';
      for (const text of [lines[0] ?? '', first]) {
        expect(text, target).not.toContain(secret);
        expect(text, target).not.toContain(secret.slice(0, 12)); // no long part of it either
        for (const k of kept) expect(text, target).toContain(k);
        expect(text, target).toContain('[redacted]');
      }
    }
  });

  it('a decoded path cannot forge log lines or send escapes through a custom logger (outside review 27, RT27-9)', async () => {
    // The reviewer's request: a newline, a fake sysvitals line, ESC[2J, a bidi override and a CR, percent-encoded.
    // With a custom logger (`logger: console` prints the message as given) the message must hold none of them.
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use('/healthz', (_req, res) => void res.status(204).end());
    app.use(monitor.middleware());
    const s = await serve(app, warnings, () => monitor.close());
    const { port } = new URL(s.url);
    await rawGet(Number(port), '/healthz/%0aFAKE%20sysvitals:%20all%20good%1b[2J%e2%80%ae%0d%c2%9b');
    await s.settled();
    const lines = unseenWarnings(warnings);
    expect(lines).toHaveLength(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that forge log lines are the point
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(lines[0]).toContain(
      'GET /healthz/\\u000aFAKE sysvitals: all good\\u001b[2J\\u202e\\u000d\\u009b was answered (204)',
    );
  });

  it('a path-mounted terminal handler and express.static before it: exactly the requests they answered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-unseen-'));
    writeFileSync(join(dir, 'app.css'), 'body{}');
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use('/healthz', (_req, res) => void res.status(204).end());
    app.use('/static', fw().express.static(dir));
    app.use(monitor.middleware());
    app.get('/after', (_req, res) => void res.send('after'));
    const s = await serve(app, warnings, () => monitor.close());
    // Sent to paths answered before the middleware: 3 health checks, 2 files found.
    const sent: [string, number, boolean][] = [
      ['/after', 200, true],
      ['/healthz', 204, false],
      ['/static/app.css', 200, false],
      ['/after', 200, true],
      ['/healthz', 204, false],
      ['/static/missing.css', 404, true], // not a file: static passes it on, the monitor sees it
      ['/static/app.css', 200, false],
      ['/healthz', 204, false],
      [ADMIN, 0, true], // the admin API (loopback): answered by the middleware itself (its status not checked)
    ];
    for (const [path, status] of sent) {
      const got = await s.get(path);
      if (path !== ADMIN) expect(got).toBe(status);
    }
    await s.settled();
    const unseen = sent.filter(([, , seen]) => !seen).length;
    expect(monitor.getUnseenRequests().total).toBe(unseen);
    expect(monitor.getUnseenRequests().first).toEqual({ method: 'GET', path: '/healthz', status: 204 });
    const recorded = (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total;
    expect(recorded).toBe(3);
    expect(s.served()).toBe(recorded + 1 + unseen); // the server's own count: recorded + admin + unseen
    expect(unseenWarnings(warnings)).toHaveLength(1);
    expect(unseenWarnings(warnings)[0]).toContain('GET /healthz was answered (204)');
  });

  it('a response on a connection the server closes after it (Connection: close) is counted', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use('/healthz', (_req, res) => void res.end('ok'));
    app.use(monitor.middleware());
    app.get('/after', (_req, res) => void res.send('after'));
    const s = await serve(app, warnings, () => monitor.close());
    for (const path of ['/healthz', '/after', '/healthz', '/healthz'])
      expect(await s.getClosing(path)).toBe(200);
    await s.settled();
    expect(monitor.getUnseenRequests().total).toBe(3);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(1);
  });

  it('mounted first: nothing unseen, nothing told (admin API requests and 404s included)', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use(monitor.middleware());
    app.get('/ok', (_req, res) => void res.send('ok'));
    const s = await serve(app, warnings, () => monitor.close());
    for (const path of ['/ok', '/nope', ADMIN, '/ok']) await s.get(path);
    await concurrently(s, 100, (i) => (i % 2 ? '/ok' : '/nope'));
    await s.settled();
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect(unseenWarnings(warnings)).toEqual([]);
    expect(s.served()).toBe(104);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.unseen_total).toBe(0);
  });

  it('100 concurrent requests: the count is exact, and is metrics/ requests.unseen_total and Prometheus http_unseen_requests_total', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings), adminToken: TOKEN });
    const app = fw().express();
    app.use('/healthz', (_req, res) => void res.status(204).end());
    app.use(monitor.middleware());
    app.get('/after', (_req, res) => void res.send('after'));
    const s = await serve(app, warnings, () => monitor.close());
    // 3 of every 5 to the handler before the middleware: 60 unseen, 40 seen.
    const statuses = await concurrently(s, 100, (i) => (i % 5 < 3 ? '/healthz' : '/after'));
    expect(statuses.filter((st) => st === 204)).toHaveLength(60);
    await s.settled();
    expect(monitor.getUnseenRequests().total).toBe(60);
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(40);
    expect(m.requests.unseen_total).toBe(60);
    const reads = await adminReads(s.url); // 2 admin requests: answered by the middleware, not unseen
    expect(reads.unseenJson).toBe(60);
    expect(reads.unseenProm).toBe(60);
    expect(reads.prom).toContain('# TYPE sysvitals_http_unseen_requests_total counter');
    expectPromtoolAccepts(reads.prom);
    await s.settled();
    expect(s.served()).toBe(40 + 2 + 60);
    expect(monitor.getUnseenRequests().total).toBe(60);
  });

  it('after close(), the server answering requests before the middleware counts nothing more', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = fw().express();
    app.use('/healthz', (_req, res) => void res.end());
    app.use(monitor.middleware());
    const s = await serve(app, warnings, async () => {});
    await s.get('/healthz');
    await s.settled();
    expect(monitor.getUnseenRequests().total).toBe(1);
    await monitor.close();
    await s.get('/healthz');
    await s.settled();
    expect(monitor.getUnseenRequests().total).toBe(1);
  });
});

type KoaClass = typeof Koa;

describe.each([
  ['Koa 3', () => CURRENT_MAJORS.koa],
  ['Koa 2', () => olderMajors().koa],
])('%s: the middleware mounted after what answers requests', (_name, koa: () => KoaClass) => {
  async function koaApp(build: (app: Koa, mw: Koa.Middleware) => void) {
    const warnings: string[] = [];
    const monitor = koaMonitor({ sampleIntervalMs: 0, logger: logger(warnings), adminToken: TOKEN });
    const KoaApp = koa();
    const app = new KoaApp();
    build(app, monitor.middleware());
    const s = await serve(app.callback(), warnings, () => monitor.close());
    return { s, monitor, warnings };
  }

  it('after routers holding routes: warns once at its first request, naming their routes', async () => {
    const { s, monitor, warnings } = await koaApp((app, mw) => {
      const api = new Router({ prefix: '/api' });
      api.get('/ok', (ctx) => {
        ctx.body = 'ok';
      });
      api.post('/fail', (ctx) => {
        ctx.status = 500;
      });
      const nested = new Router();
      nested.get('/deep', (ctx) => {
        ctx.body = 'deep';
      });
      api.use('/n', nested.routes());
      app.use(api.routes());
      app.use(api.allowedMethods());
      const any = new Router();
      any.all('/any', (ctx) => {
        ctx.body = 'any';
      });
      any.use((_ctx, next) => next()); // router middleware: not a route
      app.use(any.routes());
      app.use(mw);
      const after = new Router();
      after.get('/after', (ctx) => {
        ctx.body = 'after';
      });
      app.use(after.routes());
    });
    for (let i = 0; i < 2; i++) expect(await s.get('/api/ok')).toBe(200);
    expect(await s.get('/after')).toBe(200);
    expect(await s.get('/after')).toBe(200);
    await s.settled();
    const lines = lateWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'after 4 route(s) of this app (GET /api/ok, POST /api/fail, GET /api/n/deep, ALL /any)',
    );
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(2);
    // Answered before its first request: counted as they came (the only Koa middleware of the process that had
    // learnt no server is given its Koa server's), told at the first.
    expect(monitor.getUnseenRequests()).toEqual({
      total: 2,
      first: { method: 'GET', path: '/api/ok', status: 200 },
    });
    expect(unseenWarnings(warnings)).toHaveLength(1);
    expect(unseenWarnings(warnings)[0]).not.toContain('requests so far');
  });

  it('a plain middleware and a koa-mount sub-app that answer: counted exactly, the first told once', async () => {
    const { s, monitor, warnings } = await koaApp((app, mw) => {
      app.use((ctx, next) => {
        if (ctx.path !== '/healthz') return next();
        ctx.status = 204;
        return undefined;
      });
      const sub = new (koa())();
      const r = new Router();
      r.get('/items/:id', (ctx) => {
        ctx.body = { id: ctx.params.id };
      });
      sub.use(r.routes());
      app.use(mount('/v1', sub));
      app.use(mw);
      const after = new Router();
      after.get('/after', (ctx) => {
        ctx.body = 'after';
      });
      app.use(after.routes());
    });
    const sent: [string, number, boolean][] = [
      ['/healthz', 204, false],
      ['/v1/items/1', 200, false],
      ['/after', 200, true],
      ['/healthz', 204, false],
      ['/v1/nothing', 404, true], // the sub-app passes it on: the monitor sees it
      ['/v1/items/2', 200, false],
      [ADMIN, 0, true],
      ['/after', 200, true],
    ];
    for (const [path, status] of sent) {
      const got = await s.get(path);
      if (path !== ADMIN) expect(got).toBe(status);
    }
    await s.settled();
    const unseen = sent.filter(([, , seen]) => !seen).length;
    expect(monitor.getUnseenRequests()).toEqual({
      total: unseen,
      first: { method: 'GET', path: '/healthz', status: 204 },
    });
    const recorded = (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total;
    expect(recorded).toBe(3);
    expect(s.served()).toBe(recorded + 1 + unseen);
    expect(unseenWarnings(warnings)).toHaveLength(1);
    expect(lateWarnings(warnings)).toEqual([]); // nothing it can name: the runtime count tells
  });

  it('mounted first (or after plain middleware): no warning, nothing unseen', async () => {
    const { s, monitor, warnings } = await koaApp((app, mw) => {
      app.use((_ctx, next) => next());
      app.use(mw);
      const r = new Router();
      r.get('/ok', (ctx) => {
        ctx.body = 'ok';
      });
      app.use(r.routes());
    });
    for (const path of ['/ok', '/nope', ADMIN, '/ok']) await s.get(path);
    await concurrently(s, 100, (i) => (i % 2 ? '/ok' : '/nope'));
    await s.settled();
    expect([...unseenWarnings(warnings), ...lateWarnings(warnings)]).toEqual([]);
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    const reads = await adminReads(s.url);
    expect(reads.unseenJson).toBe(0);
    expect(reads.unseenProm).toBe(0);
    expectPromtoolAccepts(reads.prom);
  });

  it('a catch-all before it (the monitor sees no request at all): counted exactly, also 100 at once, in metrics/ and Prometheus', async () => {
    const { s, monitor, warnings } = await koaApp((app, mw) => {
      app.use((ctx) => {
        ctx.body = 'caught';
      });
      app.use(mw);
    });
    expect(await s.get('/first?token=secret')).toBe(200);
    const statuses = await concurrently(s, 100, (i) => `/c/${i}`);
    expect(statuses.every((st) => st === 200)).toBe(true);
    await s.settled();
    expect(monitor.getUnseenRequests()).toEqual({
      total: 101,
      first: { method: 'GET', path: '/first', status: 200 },
    });
    const lines = unseenWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('GET /first was answered (200)');
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(0);
    expect(m.requests.unseen_total).toBe(101);
    expect(s.served()).toBe(101);
    // Prometheus as the scrape renders it (the admin API is behind the catch-all too)
    const text = renderPrometheus(await collectPrometheusData(monitor, 0));
    expect(text).toMatch(/^sysvitals_http_unseen_requests_total 101$/m);
    expectPromtoolAccepts(text);
  });

  it('two Koa monitors that saw no request: whose server is which cannot be told until each sees a request', async () => {
    const a = await koaApp((app, mw) => {
      app.use((ctx) => {
        ctx.body = 'a';
      });
      app.use(mw);
    });
    const b = await koaApp((app, mw) => {
      app.use((ctx, next) => {
        if (ctx.path === '/seen') return next();
        ctx.body = 'b';
        return undefined;
      });
      app.use(mw);
    });
    for (const s of [a.s, b.s, a.s, b.s]) expect(await s.get('/x')).toBe(200);
    await a.s.settled();
    await b.s.settled();
    expect(a.monitor.getUnseenRequests().total).toBe(0);
    expect(b.monitor.getUnseenRequests().total).toBe(0);
    // b sees a request: its server's 2 are taken over; a is then the only one without a server.
    expect(await b.s.get('/seen')).toBe(404);
    await b.s.settled();
    expect(b.monitor.getUnseenRequests()).toEqual({
      total: 2,
      first: { method: 'GET', path: '/x', status: 200 },
    });
    expect(unseenWarnings(b.warnings)[0]).toContain('(2 requests so far, the first of them this one)');
    // Changed (outside review C, RTC-1): a, the only one that has seen no request, no longer takes a Koa server of a
    // process with two (b's server or another app's could be its): it counts nothing until its first request.
    expect(await a.s.get('/y')).toBe(200);
    await a.s.settled();
    expect(a.monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect(unseenWarnings(a.warnings)).toEqual([]);
    expect(b.monitor.getUnseenRequests().total).toBe(2);
  });
});
