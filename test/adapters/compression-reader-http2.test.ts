// Regression (outside review 9, F2, and review 8, F5, on HTTP/2): a response whose HTTP/2 stream is blocked on its
// client (flow control: the client opens its window by reading) is not timed at its client's pace when its producer
// waits for the drain: Fastify 5 writes a payload over 64 KiB in 64 KiB chunks, each after the previous drained (a
// 200 KB body read late by 3 clients read 3.0 s, review 8 F5), and koa-compress pipes its gzip stream. Fastify 4
// writes the payload in one end(): timed to that call, as before.
// Real servers on port 0 (node:http2's compat API), HTTP/2 sessions whose streams hold reading 1.5 s once the server
// is blocked on them; the oracle is the server's own stamps (compression-apps.ts, bounds()).

import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import KoaRouter from '@koa/router';
import { describe, expect, it } from 'vitest';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import {
  bounds,
  handlerStarts,
  instrument,
  koaCompression,
  type Stamps,
  watchRequests,
} from './compression-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

/** Over 64 KiB: Fastify 5 writes it in 4 chunks; far over the 64 KiB window a client's stream opens unread. */
const PAYLOAD = Buffer.alloc(256 * 1024, 97);
/** Koa's body, gzipped behind koa-compress's mechanism (~1.5 MB gzipped). */
const TEXT = randomBytes(1_500_000).toString('base64');
const READERS = 3;
const HOLD_MS = 500; // the unfixed code timed the hold in: any hold past the bounds fails it

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const options: MonitorOptions = { sampleIntervalMs: 0, logger: quiet };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hdrHi = (ms: number) => ms * 1.001 + 0.001;

interface H2App {
  monitor: SystemMonitor;
  url: string;
  seen: Stamps[];
  close(): Promise<void>;
}

async function fastifyH2(modules: FrameworkModules): Promise<H2App> {
  const monitor = createFastifyMonitor(options);
  const app = modules.fastify({ http2: true } as { http2: true });
  const seen: Stamps[] = [];
  await app.register(monitor.plugin());
  app.addHook('onRequest', async (_req, reply) => {
    instrument(seen.find((s) => s.res === (reply.raw as unknown)) as Stamps);
  });
  app.get('/export', async (_req, reply) => {
    handlerStarts(seen, reply.raw as never);
    return reply.type('application/octet-stream').send(PAYLOAD);
  });
  await app.ready();
  watchRequests(app.server as never, seen);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const close = async () => {
    await app.close();
    await monitor.close();
  };
  return { monitor, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, seen, close };
}

async function koaH2(modules: FrameworkModules): Promise<H2App> {
  const monitor = createKoaMonitor(options);
  const app = new modules.koa();
  const router = new KoaRouter();
  const seen: Stamps[] = [];
  router.get('/export', (ctx) => {
    handlerStarts(seen, ctx.res);
    ctx.type = 'text/plain';
    ctx.body = TEXT;
  });
  app.use(monitor.middleware());
  koaCompression(app, seen, '/export');
  app.use(router.routes());
  const server = http2.createServer(app.callback());
  watchRequests(server as never, seen);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      setTimeout(r, 500).unref();
    });
    await monitor.close();
  };
  return { monitor, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

const cases = [CURRENT_MAJORS, olderMajors()].flatMap((modules) => [
  { framework: 'fastify', major: modules.majors.fastify, start: () => fastifyH2(modules) },
  { framework: 'koa', major: modules.majors.koa, start: () => koaH2(modules) },
]);

/** The response has been blocked on its client (a span open, undrained) for 200 ms. */
const heldUp = (s: Stamps) => s.open !== null && performance.now() - s.open.post > 200;

describe.each(cases)(
  '$framework $major on HTTP/2: a stream blocked on its client',
  ({ framework, major, start }) => {
    it(`${READERS} streams that hold reading ${HOLD_MS} ms once the server is blocked on them: timed at the server's work`, async () => {
      const app = await start();
      // A session per stream (one holding an unread body stops Node dispatching the next streams of its session).
      const sessions = Array.from({ length: READERS }, () => {
        const session = http2.connect(app.url);
        session.on('error', () => {});
        return session;
      });
      try {
        const streams = sessions.map((session) => {
          const s = session.request({ ':path': '/export', 'accept-encoding': 'gzip' });
          s.on('error', () => {});
          s.pause();
          s.end();
          const done = new Promise<number>((resolve) => {
            let bytes = 0;
            s.on('data', (d: Buffer) => {
              bytes += d.length;
            });
            s.on('end', () => resolve(bytes));
          });
          return { s, done };
        });
        // Fastify 4 writes its payload in one end(): no write to find blocked, timed to that call.
        const chunked = !(framework === 'fastify' && major < 5);
        if (chunked) await eventually(async () => app.seen.length === READERS && app.seen.every(heldUp));
        else
          await eventually(async () => app.seen.length === READERS && app.seen.every((s) => s.endPost > 0));
        await sleep(HOLD_MS);
        for (const { s } of streams) s.resume();
        for (const bytes of await Promise.all(streams.map((x) => x.done)))
          expect(bytes).toBeGreaterThan(65_536);
        await eventually(
          async () => (await app.monitor.getMetrics({ maxAgeMs: 0 })).requests.total === READERS,
        );
        const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
        expect([m.requests.total, m.errors.count_aborted]).toEqual([READERS, 0]);
        const b = app.seen.map(bounds);
        if (chunked) for (const x of b) expect(x.waited).toBeGreaterThanOrEqual(HOLD_MS);
        const row = m.routes.find((r) => r.route === '/export');
        expect(row?.count).toBe(READERS);
        expect(row?.max_ms).toBeLessThanOrEqual(hdrHi(Math.max(...b.map((x) => x.hi))));
      } finally {
        for (const session of sessions) session.destroy();
        await app.close();
      }
    }, 60_000);
  },
);
