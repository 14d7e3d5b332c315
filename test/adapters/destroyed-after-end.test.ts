// Regression (outside review 7, F5): a response its client received in full was recorded by how the application
// closed the connection afterwards. `res.send('ok'); res.destroy()` read as a 500 (a false server error), and the
// load-shedding `res.writeHead(503); res.end(); req.socket.destroy()` as an answered early close, so the 503 was
// hidden from count_5xx and the error rate exactly while shedding. A response whose bytes were all in the operating
// system's hands when the application's end() returned completed, with its status and its duration up to end(),
// whoever closed the connection afterwards. A body the kernel could not take at once (64 MB), destroyed by the
// application in the same tick, reaches its client cut short: `res.destroy()` is the application cutting its own
// response (500), `socket.destroy()` an answered early close (as before: indistinguishable from a server's timeout
// on a client that does not read). Real Express, Fastify and Koa servers (port 0, both majors each); the oracle is
// what each raw client received: the status line and the whole body, or not. HTTP/2 (Fastify 5 `http2: true`, Koa 3
// on node:http2; unchanged, README): a 503 shed with `session.destroy()` and a 200 whose stream the application
// closes (NO_ERROR) after end() are recorded with their status, as the node:http2 client received them.

import http2 from 'node:http2';
import { connect } from 'node:net';
import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { cutOffApps, type FrameworkRoutes, MAJOR_CASES } from './cut-off-apps.js';
import { GET, getStatus } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const N = 5;
/** Far more than loopback's socket buffers take in one write (4 MB send, the client's window far below 32 MB). */
const BIG = Buffer.alloc(64 * 1024 * 1024, 97);
const BIG_N = 2;

/**
 * `/sent-destroyed`: 'ok' (200), then the response destroyed; `/shed`: 503 with no body, then the connection
 * destroyed; `/big-cut`: BIG in one call, then the response destroyed; `/big-cut-socket`: the same, the connection
 * destroyed. Everything in the same tick as the end. Koa writes Node's response itself (`ctx.respond = false`).
 */
const ROUTES: FrameworkRoutes = {
  express: (app) => {
    app.get('/sent-destroyed', (_req, res) => {
      res.send('ok');
      res.destroy();
    });
    app.get('/shed', (req, res) => {
      res.writeHead(503);
      res.end();
      req.socket.destroy();
    });
    app.get('/big-cut', (_req, res) => {
      res.send(BIG);
      res.destroy();
    });
    app.get('/big-cut-socket', (req, res) => {
      res.send(BIG);
      req.socket.destroy();
    });
  },
  fastify: (app) => {
    app.get('/sent-destroyed', (_req, reply) => {
      reply.send('ok');
      reply.raw.destroy();
    });
    app.get('/shed', (req, reply) => {
      reply.code(503).send();
      req.raw.socket.destroy();
    });
    app.get('/big-cut', (_req, reply) => {
      reply.type('application/octet-stream').send(BIG);
      reply.raw.destroy();
    });
    app.get('/big-cut-socket', (req, reply) => {
      reply.type('application/octet-stream').send(BIG);
      req.raw.socket.destroy();
    });
  },
  koa: (router) => {
    router.get('/sent-destroyed', (ctx) => {
      ctx.respond = false;
      ctx.res.statusCode = 200;
      ctx.res.end('ok');
      ctx.res.destroy();
    });
    router.get('/shed', (ctx) => {
      ctx.respond = false;
      ctx.res.writeHead(503);
      ctx.res.end();
      ctx.req.socket.destroy();
    });
    router.get('/big-cut', (ctx) => {
      ctx.respond = false;
      ctx.res.statusCode = 200;
      ctx.res.end(BIG);
      ctx.res.destroy();
    });
    router.get('/big-cut-socket', (ctx) => {
      ctx.respond = false;
      ctx.res.statusCode = 200;
      ctx.res.end(BIG);
      ctx.req.socket.destroy();
    });
  },
};

const listen = cutOffApps();

/** What a raw client received: the status of its status line (0: none), whether the body arrived whole, the bytes. */
interface Received {
  status: number;
  whole: boolean;
  bytes: number;
}

/** GET `path` on a new keep-alive connection (the server alone closes it); what arrived until the close. */
function rawGet(port: number, path: string): Promise<Received> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(GET(path)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {}); // a reset: what arrived before it is still read
    socket.on('close', () => resolve(received(Buffer.concat(chunks))));
  });
}

/** Parses one HTTP/1.1 response: whole when its body has its Content-Length, or ends its chunks. */
function received(all: Buffer): Received {
  const headEnd = all.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: 0, whole: false, bytes: all.length };
  const head = all.subarray(0, headEnd).toString('latin1');
  const body = all.subarray(headEnd + 4);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  const whole =
    length !== null
      ? body.length === Number(length[1])
      : /\r\ntransfer-encoding: *chunked/i.test(head) &&
        body.subarray(body.length - 5).toString('latin1') === '0\r\n\r\n';
  return { status: /^HTTP\/1\.1 \d{3}/.test(head) ? Number(head.slice(9, 12)) : 0, whole, bytes: all.length };
}

/** Requests recorded plus early closes (which are not requests). */
function ended(monitor: {
  requests: { total: number; abortedTotals(): { count: number; failed: number }[] };
}): number {
  return (
    monitor.requests.total + monitor.requests.abortedTotals().reduce((n, t) => n + t.count - t.failed, 0)
  );
}

describe.each(MAJOR_CASES)(
  '$framework $major: a response destroyed by the application right after it ended it',
  ({ framework, modules }) => {
    it(`send then destroy: ${N} clients get the whole 200, recorded as 200s with their latency, not 500s`, async () => {
      const app = await listen(framework, {}, modules, ROUTES);
      for (let i = 0; i < N; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const got = await Promise.all(Array.from({ length: N }, () => rawGet(app.port, '/sent-destroyed')));
      // The oracle: every client received the status line and the whole body before the close.
      expect(got.map((g) => [g.status, g.whole])).toEqual(Array(N).fill([200, true]));
      await eventually(async () => ended(app.monitor) >= 2 * N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(2 * N);
      expect([m.errors.count_5xx, m.errors.count_4xx, m.errors.count_aborted]).toEqual([0, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(0);
      expect(m.latency.p50_ms).not.toBeNull();
      const row = m.routes.find((r) => r.route === '/sent-destroyed');
      expect(row).toMatchObject({ method: 'GET', count: N, count_aborted: 0 });
      expect(typeof row?.max_ms).toBe('number');
    }, 60_000);

    it(`shedding, 503 then socket.destroy(): ${N} clients get the 503, counted in count_5xx and the error rate`, async () => {
      const app = await listen(framework, {}, modules, ROUTES);
      for (let i = 0; i < N; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const got = await Promise.all(Array.from({ length: N }, () => rawGet(app.port, '/shed')));
      expect(got.map((g) => [g.status, g.whole])).toEqual(Array(N).fill([503, true]));
      await eventually(async () => ended(app.monitor) >= 2 * N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(2 * N);
      expect([m.errors.count_5xx, m.errors.count_aborted, m.errors.count_aborted_answered]).toEqual([
        N,
        0,
        0,
      ]);
      expect(m.errors.error_rate_percent).toBe(50);
      expect(m.routes.find((r) => r.route === '/shed')).toMatchObject({ count: N, count_aborted: 0 });
    }, 60_000);

    it(`a 64 MB body destroyed mid-write: ${BIG_N} clients get it cut short; res.destroy() is a 500, socket.destroy() an answered early close`, async () => {
      const app = await listen(framework, {}, modules, ROUTES);
      const cut = await Promise.all(Array.from({ length: BIG_N }, () => rawGet(app.port, '/big-cut')));
      const cutSocket = await Promise.all(
        Array.from({ length: BIG_N }, () => rawGet(app.port, '/big-cut-socket')),
      );
      // The oracle: the status line arrived, not the whole body (Node still held the rest when it was destroyed).
      for (const g of [...cut, ...cutSocket]) {
        expect([g.status, g.whole]).toEqual([200, false]);
        expect(g.bytes).toBeLessThan(BIG.length);
      }
      await eventually(async () => ended(app.monitor) >= 2 * BIG_N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      // res.destroy(): the application cut its own response, a failed request on its route.
      expect(m.routes.find((r) => r.route === '/big-cut')).toMatchObject({ count: BIG_N, count_aborted: 0 });
      expect([m.requests.total, m.errors.count_5xx]).toEqual([BIG_N, BIG_N]);
      // socket.destroy(): an answered early close, as a server's timeout on a client that does not read.
      expect([m.errors.count_aborted, m.errors.count_aborted_early, m.errors.count_aborted_answered]).toEqual(
        [BIG_N, BIG_N, BIG_N],
      );
    }, 60_000);
  },
);

/** Over HTTP/2 (README, documented): `/shed` answers 503 then destroys its session, `/closed` 'ok' then closes its stream. */
async function startHttp2(framework: 'fastify' | 'koa'): Promise<{ monitor: SystemMonitor; url: string }> {
  const quiet = { warn() {}, error() {}, info() {}, debug() {} };
  let server: http2.Http2Server;
  let monitor: SystemMonitor;
  if (framework === 'fastify') {
    const m = createFastifyMonitor({ logger: quiet });
    const app = Fastify({ http2: true } as { http2: true });
    await app.register(m.plugin());
    app.get('/shed', (req, reply) => {
      reply.code(503).send();
      req.raw.stream.session?.destroy();
    });
    app.get('/closed', (req, reply) => {
      reply.send('ok');
      req.raw.stream.close();
    });
    await app.ready();
    server = app.server as unknown as http2.Http2Server;
    monitor = m;
  } else {
    const m = createKoaMonitor({ logger: quiet });
    const app = new Koa();
    const router = new Router();
    router.get('/shed', (ctx) => {
      ctx.respond = false;
      const res = ctx.res as unknown as http2.Http2ServerResponse;
      res.writeHead(503);
      res.end();
      res.stream.session?.destroy();
    });
    router.get('/closed', (ctx) => {
      ctx.respond = false;
      const res = ctx.res as unknown as http2.Http2ServerResponse;
      res.statusCode = 200;
      res.end('ok');
      res.stream.close();
    });
    app.use(m.middleware());
    app.use(router.routes());
    server = http2.createServer(app.callback());
    monitor = m;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  h2Cleanups.push(async () => {
    await new Promise((r) => server.close(r));
    await monitor.close();
  });
  return { monitor, url: `http://127.0.0.1:${port}` };
}

const h2Cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of h2Cleanups.splice(0)) await c();
});

/** GET `path` on a session of its own: the status and the body's bytes the client received. */
function h2Get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(url);
    session.on('error', () => {});
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.setEncoding('latin1');
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('data', (d: string) => {
      body += d;
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      session.destroy();
      resolve({ status, body });
    });
  });
}

describe.each(['fastify', 'koa'] as const)(
  '%s on HTTP/2: a response closed by the application right after it ended it',
  (framework) => {
    it(`${N} 503s shed with session.destroy() and ${N} 200s with stream.close() are recorded with their status`, async () => {
      const app = await startHttp2(framework);
      const shed = await Promise.all(Array.from({ length: N }, () => h2Get(app.url, '/shed')));
      const closed = await Promise.all(Array.from({ length: N }, () => h2Get(app.url, '/closed')));
      expect(shed).toEqual(Array(N).fill({ status: 503, body: '' }));
      expect(closed).toEqual(Array(N).fill({ status: 200, body: 'ok' }));
      await eventually(async () => ended(app.monitor) >= 2 * N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect([m.requests.total, m.errors.count_5xx, m.errors.count_aborted]).toEqual([2 * N, N, 0]);
      expect(m.errors.error_rate_percent).toBe(50);
    }, 60_000);
  },
);
