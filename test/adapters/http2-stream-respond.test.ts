// Regression (outside review 38, RT38-1): on node:http2 (Koa on `http2.createServer(app.callback())`, Fastify
// `http2: true`), a response the application sends through the request's Http2Stream itself (Koa's
// `ctx.respond = false`, Fastify's `reply.hijack()`, then `stream.respondWithFile(file)` or `stream.respond(…)` +
// `stream.end(…)`) was recorded as a client's early abort: no request, no latency, no Prometheus series, a route
// answering 503 every time invisible to the error rate. Real servers on port 0 (h2c), a real node:http2 client;
// the oracle is the `:status` the client received, whether its stream ended normally (no RST), and for durations
// the client's own time from sending the request to seeing it recorded (the server's span lies within it).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';

const TOKEN = 'r'.repeat(40);
const BASE = '/api/core/admin/system';
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'sysvitals-rt38-1-'));
/** A small file sent whole by `/file`. */
const SMALL = join(dir, 'small.txt');
const SMALL_BODY = 'sysvitals RT38-1 file body\n'.repeat(20);
writeFileSync(SMALL, SMALL_BODY);
/** 4 MiB, far past a client's flow-control window: `/bigfile` cannot finish while its client does not read. */
const LARGE = join(dir, 'large.bin');
writeFileSync(LARGE, Buffer.alloc(4 * 1024 * 1024, 97));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Clock = { t: number; now(): number };
type Stream = http2.ServerHttp2Stream;

/**
 * The routes, each answering through the request's own Http2Stream: `/file` respondWithFile(SMALL), `/respond503`
 * respond 503 + end('x'), `/bigfile` respondWithFile(LARGE), `/partial` a 200 head and 3 bytes, then nothing
 * (until its client resets), `/server-close` a 200 head and 3 bytes, then the server's own `stream.close()`
 * (NO_ERROR) with the body unfinished.
 */
function answer(path: string, stream: Stream): void {
  if (path === '/file') stream.respondWithFile(SMALL, { 'content-type': 'text/plain' });
  else if (path === '/respond503') {
    stream.respond({ ':status': 503 });
    stream.end('x');
  } else if (path === '/bigfile') stream.respondWithFile(LARGE);
  else {
    stream.respond({ ':status': 200 });
    stream.write('abc');
    if (path === '/server-close') setImmediate(() => stream.close());
  }
}

const PATHS = ['/file', '/respond503', '/bigfile', '/partial', '/server-close'];

interface App {
  url: string;
  monitor: SystemMonitor;
  readonly received: number;
}

async function startKoa(clock: Clock): Promise<App> {
  let received = 0;
  const monitor = createKoaMonitor({ adminToken: TOKEN, sampleIntervalMs: 0, clock, logger: quiet });
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  for (const p of PATHS)
    router.get(p, (ctx) => {
      received++;
      ctx.respond = false;
      answer(p, (ctx.req as unknown as { stream: Stream }).stream);
    });
  app.use(monitor.middleware());
  app.use(router.routes());
  const server = http2.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      setTimeout(resolve, 500).unref();
    });
    await monitor.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    monitor,
    get received() {
      return received;
    },
  };
}

async function startFastify(clock: Clock): Promise<App> {
  let received = 0;
  const monitor = createFastifyMonitor({ adminToken: TOKEN, sampleIntervalMs: 0, clock, logger: quiet });
  const app = Fastify({ http2: true });
  await app.register(monitor.plugin());
  for (const p of PATHS)
    app.get(p, (_req, reply) => {
      received++;
      reply.hijack();
      answer(p, (reply.raw as unknown as { stream: Stream }).stream);
    });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await app.close();
    await monitor.close();
  });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    monitor,
    get received() {
      return received;
    },
  };
}

function connect(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url);
  session.on('error', () => {});
  cleanups.push(() => {
    session.destroy();
  });
  return session;
}

/** One request read to its end: the `:status` received, the body, and the stream's RST code (0: ended normally). */
function request(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; rstCode: number | undefined }> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':path': path, ...headers });
    let status = 0;
    let body = '';
    s.setEncoding('utf8');
    s.on('response', (h) => {
      status = Number(h[':status']);
    });
    s.on('data', (d: string) => {
      body += d;
    });
    s.on('close', () => resolve({ status, body, rstCode: s.rstCode }));
    s.on('error', reject);
    s.end();
  });
}

/**
 * A request the client resets (RST_STREAM CANCEL) once the server's head arrived, mid-response: resolves with the
 * `:status` seen when the stream has closed.
 */
function resetAfterHead(session: http2.ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve) => {
    const s = session.request({ ':path': path });
    let status = 0;
    s.on('response', (h) => {
      status = Number(h[':status']);
      s.close(http2.constants.NGHTTP2_CANCEL);
    });
    s.on('error', () => {});
    s.on('close', () => resolve(status));
    s.end();
  });
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(10);
}

const STARTERS = { koa: startKoa, fastify: startFastify } as const;

describe.each(['koa', 'fastify'] as const)(
  '%s on node:http2: a response sent through the request stream',
  (fw) => {
    it('respondWithFile is a 2xx, respond 503 a 5xx, each with its latency; a reset mid-response stays aborted', async () => {
      const clock: Clock = { t: T0, now: () => clock.t };
      const app = await STARTERS[fw](clock);
      const session = connect(app.url);
      const recorded = () => {
        const t = app.monitor.requests.abortedTotals().reduce((n, a) => n + a.count, 0);
        return t + app.monitor.endpoints().routes.reduce((n, r) => n + r.count, 0);
      };

      const N = 3;
      // Per route, the longest a client waited from sending its request to seeing it recorded.
      const waited = { '/file': 0, '/respond503': 0 };
      const timed = async (path: keyof typeof waited) => {
        const before = recorded();
        const t = performance.now();
        const r = await request(session, path);
        await eventually(() => recorded() === before + 1);
        waited[path] = Math.max(waited[path], performance.now() - t);
        return r;
      };
      for (let i = 0; i < N; i++) {
        expect(await timed('/file')).toEqual({ status: 200, body: SMALL_BODY, rstCode: 0 });
        expect(await timed('/respond503')).toEqual({ status: 503, body: 'x', rstCode: 0 });
      }
      expect(recorded()).toBe(2 * N);
      // Reset by the client after the head, mid-body: a file still being sent, a response still being written.
      expect(await resetAfterHead(session, '/bigfile')).toBe(200);
      expect(await resetAfterHead(session, '/partial')).toBe(200);
      await eventually(() => recorded() === 2 * N + 2);
      // The server's own close (NO_ERROR) of a stream whose body it never finished: cut off, not a 200.
      const cut = await request(session, '/server-close');
      expect(cut.status).toBe(200);
      expect(cut.body).toBe('abc');
      await eventually(() => recorded() === 2 * N + 3);
      expect(app.received).toBe(2 * N + 3);

      const rows = app.monitor.endpoints().routes;
      const row = (route: string) => rows.find((r) => r.route === route);
      expect(row('/file')).toMatchObject({ count: N, count_4xx: 0, count_5xx: 0, count_aborted: 0 });
      expect(row('/respond503')).toMatchObject({
        count: N,
        count_5xx: N,
        count_aborted: 0,
        error_percent: 100,
      });
      for (const route of ['/file', '/respond503'] as const) {
        expect(row(route)?.p50_ms).toBeGreaterThan(0);
        expect(row(route)?.max_ms).toBeLessThanOrEqual(waited[route]);
      }
      for (const aborted of ['/bigfile', '/partial', '/server-close'])
        expect(row(aborted)).toMatchObject({ count: 0, count_aborted: 1 });

      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(2 * N);
      expect(m.requests.in_flight).toBe(0);
      expect(m.errors.count_5xx).toBe(N);
      expect(m.errors.count_aborted).toBe(3);

      const admin = connect(app.url);
      const prom = await request(admin, `${BASE}/metrics/prometheus`, { authorization: `Bearer ${TOKEN}` });
      expect(prom.status).toBe(200);
      const series = prom.body.split('\n').filter((l) => l.startsWith('sysvitals_http_requests_total{'));
      expect(series).toContain(
        `sysvitals_http_requests_total{method="GET",route="/file",status_class="2xx"} ${N}`,
      );
      expect(series).toContain(
        `sysvitals_http_requests_total{method="GET",route="/respond503",status_class="5xx"} ${N}`,
      );
      expect(series.filter((l) => /route="\/(bigfile|partial|server-close)"/.test(l))).toEqual([]);
    });
  },
);
