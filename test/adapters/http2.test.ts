// Regression (outside review 3, findings 1-3): on HTTP/2 (Fastify `http2: true`, Koa on node:http2's compat API)
// each request is recorded when its stream ends, not when the connection closes. Real servers on port 0 (h2c), a
// node:http2 client keeping ONE session open; the oracle is what the client did and measured.

import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';

const TOKEN = 'h'.repeat(40);
const BASE = '/api/core/admin/system';
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface H2App {
  url: string;
  monitor: SystemMonitor;
  /** Requests a handler has started on. */
  readonly received: number;
  /** The responses of `/big` (BIG, sent in one call), as the server holds them. */
  readonly big: { writableEnded: boolean; writableFinished: boolean }[];
  /** The responses of `/stream` (HUGE, written by the app in chunks as its client reads), as the server holds them. */
  readonly streamed: StreamedResponse[];
  close(): Promise<void>;
}

type Clock = { t: number; now(): number };

/** What the oracle reads of a `/stream` response: ended by the app or not, and what its HTTP/2 stream holds. */
type StreamedResponse = { writableEnded: boolean; stream: { writableLength: number } };

const tlsFile = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)));
/** HTTPS serving HTTP/2 and HTTP/1.1 on one port (ALPN), with the fixture's localhost certificate. */
const TLS = { key: tlsFile('localhost.key'), cert: tlsFile('localhost.crt'), allowHTTP1: true };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Sent by `/big` in one call: 60 KiB, under Fastify 5's HTTP/2 chunk size (64 KiB: a larger body Fastify writes in
 * chunks as its client reads, so the response is not ended), far beyond the flow-control window of a client that
 * allows 1 KiB and does not read.
 */
const BIG = Buffer.alloc(60 * 1024, 97);

/**
 * Sent by `/stream`: 4 MB, which Fastify 5 writes in 64 KiB chunks as its client reads, and Koa pipes from a stream
 * body (`ctx.body = stream`) that stays open: neither is ended while its client does not read (outside review 6, F1
 * family).
 */
const HUGE = Buffer.alloc(4 * 1024 * 1024, 98);

/** `/ok` answers 200, `/fail` 500, `/hang` never (until the client gives up), `/big` BIG. */
async function startFastify(clock: Clock, secure = false, abortedFailureMs?: number): Promise<H2App> {
  let received = 0;
  const big: H2App['big'] = [];
  const streamed: StreamedResponse[] = [];
  const monitor = createFastifyMonitor({
    adminToken: TOKEN,
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    abortedFailureMs,
  });
  // Typed as h2c's instance: the routes and hooks used here are the same on the secure one.
  const app = Fastify({ http2: true, ...(secure ? { https: TLS } : {}) } as { http2: true });
  await app.register(monitor.plugin());
  app.get('/ok', async () => {
    received++;
    return { ok: 1 };
  });
  app.get('/fail', async (_req, reply) => {
    received++;
    return reply.code(500).send({ failed: 1 });
  });
  app.get('/hang', async () => {
    received++;
    await new Promise(() => {});
  });
  app.get('/big', async (_req, reply) => {
    received++;
    big.push(reply.raw);
    return reply.type('application/octet-stream').send(BIG);
  });
  app.get('/stream', async (_req, reply) => {
    received++;
    streamed.push(reply.raw as unknown as StreamedResponse);
    return reply.type('application/octet-stream').send(HUGE);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    monitor,
    get received() {
      return received;
    },
    big,
    streamed,
    close: async () => {
      await app.close();
      await monitor.close();
    },
  };
}

/**
 * As startFastify, on Koa (3 unless `options.Koa` is another major); `options.serves`: the server is given to
 * `monitor.serves()` before it listens.
 */
async function startKoa(
  clock: Clock,
  secure = false,
  abortedFailureMs?: number,
  options: { serves?: boolean; Koa?: typeof Koa } = {},
): Promise<H2App> {
  let received = 0;
  const big: H2App['big'] = [];
  const streamed: StreamedResponse[] = [];
  const monitor = createKoaMonitor({
    adminToken: TOKEN,
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    abortedFailureMs,
  });
  const app = new (options.Koa ?? Koa)();
  app.silent = true;
  const router = new Router();
  router.get('/ok', (ctx) => {
    received++;
    ctx.body = { ok: 1 };
  });
  router.get('/fail', (ctx) => {
    received++;
    ctx.status = 500;
    ctx.body = { failed: 1 };
  });
  router.get('/hang', async () => {
    received++;
    await new Promise(() => {});
  });
  router.get('/big', (ctx) => {
    received++;
    big.push(ctx.res);
    ctx.body = BIG;
  });
  router.get('/stream', (ctx) => {
    received++;
    streamed.push(ctx.res as unknown as StreamedResponse);
    ctx.type = 'application/octet-stream';
    // A stream the app is still writing (a live feed: HUGE, then more to come), so not ended.
    const body = new Readable({ read() {} });
    body.push(HUGE);
    ctx.body = body;
  });
  app.use(monitor.middleware());
  app.use(router.routes());
  const server = secure ? http2.createSecureServer(TLS, app.callback()) : http2.createServer(app.callback());
  if (options.serves) monitor.serves(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    monitor,
    get received() {
      return received;
    },
    big,
    streamed,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 500).unref();
      });
      await monitor.close();
    },
  };
}

const STARTERS = { fastify: startFastify, koa: startKoa } as const;

/** A server of `framework` on an injected clock (closed after the test) and one client session kept open on it. */
async function openSession(framework: keyof typeof STARTERS, secure = false, abortedFailureMs?: number) {
  const clock = { t: T0, now: () => clock.t };
  const app = await STARTERS[framework](clock, secure, abortedFailureMs);
  cleanups.push(() => app.close());
  return { clock, app, session: connect(app.url) };
}

function connect(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url, { ca: TLS.cert });
  session.on('error', () => {});
  cleanups.push(() => {
    session.destroy();
  });
  return session;
}

/** One request on `session`: its status, response headers and the time the client waited (ms). */
function request(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const s = session.request({ ':path': path, ...headers });
    let status = 0;
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    s.setEncoding('utf8');
    s.on('response', (h) => {
      status = Number(h[':status']);
      head = h;
    });
    s.on('data', (d: string) => {
      body += d;
    });
    s.on('end', () => resolve({ status, headers: head, body, ms: performance.now() - t }));
    s.on('error', reject);
    s.end();
  });
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(10);
}

async function adminJson(url: string, path: string): Promise<Record<string, unknown>> {
  const admin = connect(url);
  const r = await request(admin, `${BASE}/${path}`, { authorization: `Bearer ${TOKEN}` });
  admin.close();
  expect(r.status).toBe(200);
  return JSON.parse(r.body).data as Record<string, unknown>;
}

describe.each(['fastify', 'koa'] as const)('%s on HTTP/2 (h2c), one session kept open', (framework) => {
  it('records each stream when it ends: totals, errors and durations exact while the session lives', async () => {
    const { clock, app, session } = await openSession(framework);

    const answered = [];
    for (let i = 0; i < 5; i++) answered.push(await request(session, '/ok'));
    for (let i = 0; i < 2; i++) answered.push(await request(session, '/fail'));
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 500, 500]);
    // A stream the client cancels (RST_STREAM CANCEL) while its handler is still working: the client's abort.
    const hung = session.request({ ':path': '/hang' });
    hung.on('error', () => {});
    hung.end();
    await eventually(() => app.received === 8);
    expect(app.received).toBe(8);
    hung.close(http2.constants.NGHTTP2_CANCEL);
    await eventually(() => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) === 1);

    expect(session.closed || session.destroyed).toBe(false);
    clock.t += 1_000;
    const m = (await adminJson(app.url, 'metrics/')) as {
      requests: { total: number; in_flight: number };
      errors: { count_5xx: number; count_aborted: number; count_aborted_early: number };
    };
    // The cancelled stream closed within abortedFailureMs: an early close, counted as aborted, not a request.
    expect(m.requests.total).toBe(7);
    expect(m.requests.in_flight).toBe(0);
    expect(m.errors.count_5xx).toBe(2);
    expect(m.errors.count_aborted).toBe(1);
    expect(m.errors.count_aborted_early).toBe(1);
    const routes = (await adminJson(app.url, 'routes/')).routes as { route: string; max_ms: number }[];
    const row = (route: string) => routes.find((r) => r.route === route);
    expect(row('/ok')).toMatchObject({ count: 5, count_5xx: 0, count_aborted: 0 });
    expect(row('/fail')).toMatchObject({ count: 2, count_5xx: 2 });
    // Each recorded duration is within what its client waited (nearest ms; the session is still open).
    const okMax = Math.max(...answered.slice(0, 5).map((r) => r.ms));
    const failMax = Math.max(...answered.slice(5).map((r) => r.ms));
    expect(row('/ok')?.max_ms).toBeLessThanOrEqual(okMax);
    expect(row('/fail')?.max_ms).toBeLessThanOrEqual(failMax);
    expect(session.closed || session.destroyed).toBe(false);
  });

  it('a request answered on a session left open is not aged: no critical latency after the aging threshold', async () => {
    const { clock, app, session } = await openSession(framework);
    expect((await request(session, '/ok')).status).toBe(200);

    clock.t += 75_000; // the session stays open, idle
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(0);
    expect(m.latency.in_flight_counted).toBe(0);
    expect(m.latency.status).not.toBe('critical');
    expect((await app.monitor.getHealth()).components.latency).not.toBe('critical');
    const alerts = (await app.monitor.getAlerts()) as { rule: string }[];
    expect(alerts.filter((a) => a.rule === 'api_response_time')).toEqual([]);
    expect(session.closed || session.destroyed).toBe(false);
  });

  // Outside review 4, finding 1: an HTTP/2 GET's request stream is never read, so `req.complete` stays false, and
  // every hung stream read as an upload still arriving: never aged (latency unknown, health green, no alert).
  it('a hang is aged on HTTP/2 as on HTTP/1.1: 3 hung GETs read critical at their age, named in routes/', async () => {
    const { clock, app, session } = await openSession(framework);
    for (let i = 0; i < 3; i++) {
      const s = session.request({ ':path': '/hang' });
      s.on('error', () => {});
      s.end();
    }
    await eventually(() => app.received === 3);
    expect(app.received).toBe(3);
    clock.t += 6_000; // past the api_response_time critical level (5 s)
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(3);
    expect(m.latency.in_flight_counted).toBe(3);
    expect(m.latency.max_ms).toBe(6_000);
    expect(m.latency.status).toBe('critical');
    const rows = app.monitor.endpoints().routes;
    expect(rows.find((r) => r.route === '/hang')?.in_flight).toBe(3);
  });

  // Outside review 6, F1/F1c on HTTP/2: a body the application ended that its client does not read (its stream's
  // flow-control window closed) is the client's wait: not aged while held, an early close when the client cancels
  // it after abortedFailureMs (1 ms here), not a failed request. A hung handler beside it is aged, as above.
  // The F1 family on HTTP/2: a body the application is still writing (Fastify 5 writing a 4 MB Buffer in chunks, Koa
  // piping a stream body) that its client does not read is blocked on its client (its stream's flow-control window
  // closed, what the app wrote pending in the stream): not aged while held, an early close (answered) when the client
  // cancels it after abortedFailureMs (1 ms here), not a failed request. A hung handler beside it is aged and failed.
  const unreadCases = [
    {
      title:
        'a response ended by the app and not read by its client is not aged, and its cancel is an early close',
      path: '/big',
      // The oracle: the app ended it, and its stream still holds part of it (the client took not all).
      state: (app: H2App) => app.big.map((r) => [r.writableEnded, r.writableFinished]),
      unreadState: [[true, false]],
      errors: { count_aborted: 2, count_aborted_early: 1, count_4xx: 1 },
    },
    {
      title:
        'a response the app is still writing, blocked on a client that does not read, is not aged, and its cancel is an early close',
      path: '/stream',
      // The oracle: the app has not ended it, and its stream holds what the app wrote and the client did not take.
      state: (app: H2App) => app.streamed.map((r) => [r.writableEnded, r.stream.writableLength > 0]),
      unreadState: [[false, true]],
      errors: { count_aborted: 2, count_aborted_early: 1, count_aborted_answered: 1, count_4xx: 1 },
    },
  ];
  for (const { title, path, state, unreadState, errors } of unreadCases) {
    it(title, async () => {
      const { clock, app, session } = await openSession(framework, false, 1);
      // Its own session, with a 1 KiB window (the unread body closes the session's window too).
      const reader = http2.connect(app.url, { settings: { initialWindowSize: 1024 } });
      reader.on('error', () => {});
      cleanups.push(() => {
        reader.destroy();
      });
      const unread = reader.request({ ':path': path });
      unread.on('error', () => {});
      unread.pause(); // never read
      unread.end();
      const hung = session.request({ ':path': '/hang' });
      hung.on('error', () => {});
      hung.end();
      await eventually(() => app.received === 2 && isDeepStrictEqual(state(app), unreadState));
      expect(state(app)).toEqual(unreadState);
      clock.t += 6_000;
      const held = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(held.requests.in_flight).toBe(2);
      expect([held.latency.in_flight_counted, held.latency.max_ms]).toEqual([1, 6_000]);
      expect(
        app.monitor
          .endpoints()
          .routes.filter((r) => r.in_flight !== undefined)
          .map((r) => [r.route, r.in_flight]),
      ).toEqual([['/hang', 1]]);

      await sleep(20); // both well past abortedFailureMs (1 ms)
      unread.close(http2.constants.NGHTTP2_CANCEL);
      hung.close(http2.constants.NGHTTP2_CANCEL);
      await eventually(() => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) === 2);
      clock.t += 1_000;
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      // The hung one waited on its handler: a failed request. The unread one: an early close, not a request.
      expect(m.requests.total).toBe(1);
      expect(m.errors).toMatchObject(errors);
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute[path]).toMatchObject({ count: 1, failed: 0 });
      expect(byRoute['/hang']).toMatchObject({ count: 1, failed: 1 });
    });
  }

  it('graceful shutdown: answered streams are not dropped, no Connection header, the session gets GOAWAY', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    cleanups.push(() => {
      process.off('warning', onWarning);
    });
    const { app, session } = await openSession(framework);
    let goaway = false;
    session.on('goaway', () => {
      goaway = true;
    });
    expect((await request(session, '/ok')).status).toBe(200);

    const report = app.monitor.shutdown({ delayMs: 1_000, drainMs: 20_000 });
    // During the delay the server still answers, without the HTTP/1 `Connection: close` (forbidden on HTTP/2).
    const during = await request(session, '/ok');
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBeUndefined();
    const r = await report;
    expect(r.dropped).toBe(0);
    expect(goaway).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.startsWith('UnsupportedWarning'))).toEqual([]);
    expect(app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0)).toBe(0);
  });
});

/** Resolves once the server's SETTINGS reached `session`: the server holds its side of it (a session of its own). */
function settled(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => session.once('remoteSettings', () => resolve()));
}

/** Whether `session` has received GOAWAY so far (its 'goaway' event), read when asked. */
function goawayOf(session: http2.ClientHttp2Session): () => boolean {
  let received = false;
  session.once('goaway', () => {
    received = true;
  });
  return () => received;
}

// Issue 13 (outside review 4, finding 3): the monitor knew a server's sessions from its first application request
// on, so a session that carried only admin traffic, or one opened before that request, got no GOAWAY at shutdown and
// was left open. The oracle: the 'goaway' event each client session receives, and its connection closing.
describe.each(['fastify', 'koa'] as const)('%s on HTTP/2 (h2c): GOAWAY at shutdown', (framework) => {
  it('a session that carried only admin API requests gets GOAWAY, and closes', async () => {
    const { app, session } = await openSession(framework);
    const goaway = goawayOf(session);
    const r = await request(session, `${BASE}/metrics/`, { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(app.received).toBe(0);

    const report = await app.monitor.shutdown({ delayMs: 0, drainMs: 20_000 });
    expect(report.dropped).toBe(0);
    await eventually(goaway);
    expect(goaway()).toBe(true);
    await eventually(() => session.closed || session.destroyed);
    expect(session.closed || session.destroyed).toBe(true);
  });

  it("a session opened before the server's first request gets GOAWAY with the others", async () => {
    const { app, session: early } = await openSession(framework);
    await settled(early);
    const later = connect(app.url);
    const goaways = [goawayOf(early), goawayOf(later)];
    // The server's first request comes on the later session; the early one's come after it.
    expect((await request(later, '/ok')).status).toBe(200);
    expect((await request(early, '/ok')).status).toBe(200);
    expect((await request(early, `${BASE}/routes/`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);

    const report = await app.monitor.shutdown({ delayMs: 0, drainMs: 20_000 });
    expect(report.dropped).toBe(0);
    await eventually(() => goaways.every((g) => g()));
    expect(goaways.map((g) => g())).toEqual([true, true]);
  });
});

describe('fastify on HTTP/2 (h2c): GOAWAY at shutdown, the plugin knows its server from registration', () => {
  it('a session that carried no request at all gets GOAWAY, and so does an admin-only one', async () => {
    const { app, session: idle } = await openSession('fastify');
    await settled(idle);
    const admin = connect(app.url);
    const goaways = [goawayOf(idle), goawayOf(admin)];
    expect((await request(admin, `${BASE}/metrics/`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);

    const report = await app.monitor.shutdown({ delayMs: 0, drainMs: 20_000 });
    expect(report.dropped).toBe(0);
    await eventually(() => goaways.every((g) => g()));
    expect(goaways.map((g) => g())).toEqual([true, true]);
    await eventually(() => [idle, admin].every((s) => s.closed || s.destroyed));
    expect([idle, admin].map((s) => s.closed || s.destroyed)).toEqual([true, true]);
  });
});

// A Koa server's sessions opened before its first request were not known (the adapter learns its server from that
// request), so an idle one got no GOAWAY at shutdown and held the server's close until its client left. Node 20's
// node:http2 servers neither list their sessions nor close them (no closeAllConnections; close() leaves them open):
// the application names its server at start-up, `monitor.serves(server)`. Koa 3 and Koa 2, h2c.
describe.each(
  [CURRENT_MAJORS, olderMajors()].map((m) => ({ major: m.majors.koa, Koa: m.koa as unknown as typeof Koa })),
)('koa $major on HTTP/2 (h2c): monitor.serves(server) at start-up', ({ Koa: KoaClass }) => {
  it('a session opened before any request and left idle gets GOAWAY at shutdown, and closes; so does one that carried a request', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await startKoa(clock, false, undefined, { serves: true, Koa: KoaClass });
    cleanups.push(() => app.close());
    const idle = connect(app.url);
    await settled(idle);
    const later = connect(app.url);
    const goaways = [goawayOf(idle), goawayOf(later)];
    expect((await request(later, '/ok')).status).toBe(200);
    expect(app.received).toBe(1);

    const report = await app.monitor.shutdown({ delayMs: 0, drainMs: 20_000 });
    expect(report.dropped).toBe(0);
    await eventually(() => goaways.every((g) => g()));
    expect(goaways.map((g) => g())).toEqual([true, true]);
    await eventually(() => [idle, later].every((s) => s.closed || s.destroyed));
    expect([idle, later].map((s) => s.closed || s.destroyed)).toEqual([true, true]);
    expect(app.monitor.requests.total).toBe(1);
  });
});

/** An HTTP/1.1 GET over HTTPS on a keep-alive agent: its status and the time the client waited (ms). */
function getHttp1(agent: Agent, url: string): Promise<{ status: number; version: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = httpsRequest(url, { agent, ca: TLS.cert }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, version: res.httpVersion, ms: performance.now() - t }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(['fastify', 'koa'] as const)(
  '%s on HTTPS with allowHTTP1: HTTP/2 and HTTP/1.1 on one server',
  (framework) => {
    it('counts both protocols exactly while an HTTP/2 session and an HTTP/1.1 keep-alive connection stay open', async () => {
      const { clock, app, session } = await openSession(framework, true);
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: TLS.cert });
      cleanups.push(() => agent.destroy());

      const h2 = [];
      const h1 = [];
      for (let i = 0; i < 3; i++) {
        h2.push(await request(session, '/ok'));
        h1.push(await getHttp1(agent, `${app.url}/ok`));
        h1.push(await getHttp1(agent, `${app.url}/fail`));
      }
      h2.push(await request(session, '/fail'));
      expect(h2.map((r) => r.status)).toEqual([200, 200, 200, 500]);
      expect(h1.map((r) => [r.status, r.version])).toEqual(
        Array(3)
          .fill([
            [200, '1.1'],
            [500, '1.1'],
          ])
          .flat(),
      );

      clock.t += 1_000;
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(10);
      expect(m.requests.in_flight).toBe(0);
      expect(m.errors.count_5xx).toBe(4);
      expect(m.errors.count_aborted).toBe(0);
      const ok = m.routes.find((r) => r.route === '/ok');
      expect(ok?.count).toBe(6);
      const slowest = Math.max(...[...h2, ...h1].map((r) => r.ms));
      expect(ok?.max_ms).toBeLessThanOrEqual(slowest);

      clock.t += 75_000; // both connections stay open, idle: nothing answered is aged
      const later = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(later.requests.in_flight).toBe(0);
      expect(later.latency.in_flight_counted).toBe(0);
      expect(session.closed || session.destroyed).toBe(false);
    });
  },
);
