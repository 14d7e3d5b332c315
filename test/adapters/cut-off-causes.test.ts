// Regression (outside review redteam-1, F6, F3, F10(b)): what a response that did not complete normally is recorded
// as, on real Express, Fastify and Koa servers (port 0). F6: an application failure after the response started
// (Express: a handler throws after res.write; Fastify and Koa: a stream body fails) is a failed request, 500, on
// its route, not a client's early close. F3: a response the application completes with status 499 is an ordinary
// 4xx request. F10(b): a close while the request's body is still arriving is an early close whatever its duration.
// On the majors in devDependencies and on the older majors of the peer ranges (Express 4, Fastify 4, Koa 2).
// The oracle is what the clients did and saw.

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { cutOffApps, type FrameworkRoutes, MAJOR_CASES } from './cut-off-apps.js';
import type { FrameworkModules } from './framework-modules.js';
import { eventually, type Framework } from './workload-apps.js';

const N = 5;

/** A stream body that sends a chunk, then fails (as a file read or an upstream that breaks mid-download). */
function failingBody(): Readable {
  const body = new Readable({ read() {} });
  body.push('partial');
  setTimeout(() => body.destroy(new Error('mid-stream')), 30);
  return body;
}

/** Reads a request body to its end (Koa has no body parser of its own); false when the client closed first. */
async function readBody(req: AsyncIterable<unknown>): Promise<boolean> {
  try {
    for await (const _ of req);
    return true;
  } catch {
    return false;
  }
}

/**
 * `/s499` answers 499, `/fail-mid` fails after its response started, `/upload` answers once it has read its body,
 * `/slow` after 5 s.
 */
const ROUTES: FrameworkRoutes = {
  express: (app) => {
    app.get('/s499', (_req, res) => void res.status(499).send('s'));
    app.get('/fail-mid', (_req, res) => {
      res.write('partial');
      throw new Error('after the headers');
    });
    app.post('/upload', (req, res) => {
      void readBody(req).then((whole) => whole && res.send('u'));
    });
    app.get('/slow', (_req, res) => void setTimeout(() => res.send('s'), 5_000).unref());
  },
  fastify: (app) => {
    app.get('/s499', async (_req, reply) => reply.code(499).send('s'));
    app.get('/fail-mid', (_req, reply) => void reply.send(failingBody()));
    app.post('/upload', async () => 'u');
    app.get('/slow', (_req, reply) => void setTimeout(() => reply.send('s'), 5_000).unref());
  },
  koa: (router) => {
    router.get('/s499', (ctx) => {
      ctx.status = 499;
      ctx.body = 's';
    });
    router.get('/fail-mid', (ctx) => {
      ctx.body = failingBody();
    });
    router.post('/upload', async (ctx) => {
      if (await readBody(ctx.req)) ctx.body = 'u';
    });
    router.get('/slow', async (ctx) => {
      await new Promise((r) => setTimeout(r, 5_000).unref());
      ctx.body = 's';
    });
  },
};

const listen = cutOffApps();
const start = (framework: Framework, options: MonitorOptions, modules: FrameworkModules) =>
  listen(framework, options, modules, ROUTES);

/**
 * GET on a new connection: its status and whether the body arrived whole (false: the connection was cut, or the
 * client gave up after `giveUpMs` and closed it, as a client's timeout does).
 */
function fetchWhole(
  port: number,
  path: string,
  giveUpMs?: number,
): Promise<{ status: number; whole: boolean }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (giveUpMs !== undefined)
        setTimeout(() => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, whole: false });
        }, giveUpMs).unref();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, whole: true }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, whole: false }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, whole: false }));
    });
    req.on('error', () => resolve({ status: 0, whole: false }));
    req.end();
  });
}

/** A raw client: sends `head` (and whatever body it holds), waits for `received()` to reach `atLeast`, then `closeAfterMs`, then closes. */
function rawClose(port: number, head: string): { close(): Promise<void> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(head));
  socket.on('error', () => {});
  return {
    close: () =>
      new Promise<void>((r) => {
        socket.on('close', () => r());
        socket.destroy();
      }),
  };
}

/** Requests recorded, early closes included (which are not requests). */
function ended(monitor: {
  requests: { total: number; abortedTotals(): { count: number; failed: number }[] };
}): number {
  return (
    monitor.requests.total + monitor.requests.abortedTotals().reduce((n, t) => n + t.count - t.failed, 0)
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(MAJOR_CASES)(
  '$framework $major: what a response that did not complete normally counts as',
  ({ framework, modules }) => {
    it(`F6: ${N} responses cut off by an application failure after they started are failed requests (500) on their route`, async () => {
      const app = await start(framework, {}, modules);
      const ok = await Promise.all(Array.from({ length: N }, () => fetchWhole(app.port, '/ok')));
      // Koa 2 pipes the body (`body.pipe(res)`) and leaves the response open when the stream fails: its clients
      // give up (after 300 ms, before abortedFailureMs: an early close, were it the client's).
      const giveUp = framework === 'koa' && modules.majors.koa < 3 ? 300 : undefined;
      const cut = await Promise.all(
        Array.from({ length: N }, () => fetchWhole(app.port, '/fail-mid', giveUp)),
      );
      expect(ok).toEqual(Array(N).fill({ status: 200, whole: true }));
      // Every client saw its response cut short (with its 200 head, or before the head reached it).
      expect(cut.map((c) => c.whole)).toEqual(Array(N).fill(false));
      await eventually(async () => ended(app.monitor) >= 2 * N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(2 * N);
      expect([m.errors.count_5xx, m.errors.count_4xx, m.errors.count_aborted]).toEqual([N, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(50);
      expect(m.routes.find((r) => r.route === '/fail-mid')).toMatchObject({
        method: 'GET',
        count: N,
        count_aborted: 0,
      });
    }, 60_000);

    it(`F3: ${N} responses the application completes with status 499 are ordinary 4xx requests, not aborted`, async () => {
      const app = await start(framework, {}, modules);
      const got = await Promise.all(Array.from({ length: N }, () => fetchWhole(app.port, '/s499')));
      expect(got).toEqual(Array(N).fill({ status: 499, whole: true }));
      await eventually(async () => ended(app.monitor) >= N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(N);
      expect([
        m.errors.count_4xx,
        m.errors.count_5xx,
        m.errors.count_aborted,
        m.errors.count_aborted_early,
      ]).toEqual([N, 0, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(0);
      expect(m.routes.find((r) => r.route === '/s499')).toMatchObject({ count: N, count_aborted: 0 });
    }, 60_000);

    it(`F10(b): ${N} closes while the request body is still arriving are early closes; a close with the body read stays failed`, async () => {
      // abortedFailureMs 1: every close below comes after it (the clients wait 100 ms), so only the body's state
      // tells the two kinds apart.
      const app = await start(framework, { abortedFailureMs: 1 }, modules);
      const uploads = Array.from({ length: N }, () =>
        rawClose(
          app.port,
          'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{',
        ),
      );
      const waiting = rawClose(app.port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await eventually(async () => app.seen.length >= N + 1);
      await sleep(100);
      await Promise.all([...uploads, waiting].map((c) => c.close()));
      await eventually(
        async () => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) >= N + 1,
      );
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.count_aborted).toBe(N + 1);
      expect(m.errors.count_aborted_early).toBe(N);
      // The one that waited for a response with its request sent in full: a request, a failed 4xx.
      expect([m.requests.total, m.errors.count_4xx, m.errors.error_rate_percent]).toEqual([1, 1, 100]);
      // (routes/ lists no route whose requests were all early closes: outside review F1, not changed here.)
      const upload = app.monitor.requests.abortedTotals().find((t) => t.route === '/upload');
      expect(upload).toMatchObject({ method: 'POST', count: N, failed: 0 });
    }, 60_000);
  },
);
