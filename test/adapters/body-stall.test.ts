// Regression (outside review 2, G1): a request whose body the server does not read is the server's wait, not a slow
// upload. A handler that stalls before reading a body larger than the socket buffers leaves `req.complete` false
// for ever (Node stops reading the connection once the unread body reaches the stream's highWaterMark), and such a
// hang on POST /stall was never aged: latency read healthy until it ended, and a client giving up read as an early
// close. Real Express, Fastify and Koa servers on port 0, raw clients; the monitor's clock is injected, so the
// ages are exact; the oracle is what the clients and handlers did.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { closedAfterEach } from './framework-apps.js';
import { eventually, FRAMEWORKS, type Framework } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const BIG = 4 * 1024 * 1024; // far over the stream's highWaterMark and the socket buffers
const SLOW_BODY = '{"a":1234}'; // sent 1 byte per 200 ms
const never = () => new Promise<never>(() => {});

/** Reads a request body to its end, as the application would (Koa has no body parser of its own). */
async function drain(req: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of req);
}

/** Node's own cut of a request not received in time (`requestTimeout`, checked every `connectionsCheckingInterval`). */
interface ServerCut {
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * An app with three POST routes: /stall never reads its body and never answers; /read-hang reads its body in full,
 * then never answers; /echo reads a JSON body (the framework's parser; Koa: the handler) and answers it. With
 * `cut`, its server (node:http, as each framework makes it) ends requests not received in time.
 */
async function start(framework: Framework, options: MonitorOptions, cut?: ServerCut) {
  const stalled: IncomingMessage[] = [];
  let bodiesRead = 0;
  const readThenHang = async (req: IncomingMessage) => {
    await drain(req);
    bodiesRead++;
    return never();
  };
  let server: Server;
  let monitor: SystemMonitor;
  if (framework === 'express') {
    const m = createExpressMonitor(options);
    const app = express();
    app.use(m.middleware());
    app.post('/stall', (req) => void stalled.push(req));
    app.post('/read-hang', (req) => void readThenHang(req));
    app.post('/echo', express.json(), (req, res) => void res.json(req.body));
    server = createServer(cut ?? {}, app);
    monitor = m;
  } else if (framework === 'fastify') {
    const m = createFastifyMonitor(options);
    const app = Fastify(cut ? { requestTimeout: cut.requestTimeout, http: cut } : {});
    await app.register(m.plugin());
    // A raw body left to the handler (Fastify's documented pass-through parser): nothing reads it here.
    app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));
    app.post('/stall', async (request) => {
      stalled.push(request.raw);
      return never();
    });
    app.post('/read-hang', (request) => readThenHang(request.raw));
    app.post('/echo', async (request) => request.body); // Fastify's own JSON parser reads it
    await app.ready();
    server = app.server;
    monitor = m;
  } else {
    const m = createKoaMonitor(options);
    const app = new Koa();
    const router = new Router();
    router.post('/stall', async (ctx) => {
      stalled.push(ctx.req);
      await never();
    });
    router.post('/read-hang', (ctx) => readThenHang(ctx.req));
    router.post('/echo', async (ctx) => {
      let text = '';
      for await (const chunk of ctx.req) text += chunk;
      ctx.body = JSON.parse(text);
    });
    app.use(m.middleware());
    app.use(router.routes());
    server = createServer(cut ?? {}, app.callback());
    monitor = m;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  running.push({ server, monitor });
  return { monitor, port, stalled, bodiesRead: () => bodiesRead };
}

const running = closedAfterEach();
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A raw POST of `length` bytes: its head at once; the body is the caller's (`socket.write`). */
function post(port: number, path: string, type: string, length: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  let answer = '';
  let closed = false;
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`,
  );
  return {
    socket,
    answer: () => answer,
    closed: () => closed,
  };
}

function fastUpload(port: number, path: string) {
  const client = post(port, path, 'application/octet-stream', BIG);
  client.socket.write(Buffer.alloc(BIG, 120));
  return client;
}

/** The latency figures of a fresh snapshot `ms` later on the injected clock. */
async function latencyAfter(app: { monitor: SystemMonitor }, clock: { t: number }, ms: number) {
  clock.t += ms;
  const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
  return { in_flight: m.requests.in_flight, ...m.latency };
}

describe.each(FRAMEWORKS)('%s: a request whose body the server does not read', (framework) => {
  it('(a) a handler that never reads a 4 MB POST body and never answers is aged from its start', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await start(framework, { sampleIntervalMs: 0, clock });
    fastUpload(app.port, '/stall');
    // The handler has the request, and Node has stopped reading its body: the client cannot send the rest.
    await eventually(async () => {
      const req = app.stalled[0];
      return req !== undefined && req.readableLength >= req.readableHighWaterMark;
    });
    expect(app.stalled[0]?.complete).toBe(false);
    expect(await latencyAfter(app, clock, 6_000)).toMatchObject({
      in_flight: 1,
      in_flight_counted: 1,
      max_ms: 6_000,
      status: 'critical',
    });
    expect((await app.monitor.getHealth()).components.latency).toBe('critical');
  }, 30_000);

  it("(a) ended by Node's requestTimeout, it is a request that waited (failed), not an early close", async () => {
    const clock = { t: T0, now: () => clock.t };
    // Node cuts a request not received within 300 ms (408); abortedFailureMs 100: a close after it is a failed
    // request unless the body's state makes it an early close.
    const cut = { requestTimeout: 300, connectionsCheckingInterval: 50 };
    const app = await start(framework, { sampleIntervalMs: 0, clock, abortedFailureMs: 100 }, cut);
    const client = fastUpload(app.port, '/stall');
    await eventually(async () => client.closed());
    expect(client.answer()).toMatch(/^HTTP\/1\.1 408 /);
    await eventually(async () => app.monitor.requests.total === 1);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    // The server cut it itself (Node's timer, the body not arriving: the server had stopped reading it): a failed
    // request in the 5xx class, as every connection the server closes (outside review 16, F4); before, an aborted one
    // (failed past abortedFailureMs, an early close under it).
    expect([
      m.requests.in_flight,
      m.requests.total,
      m.errors.count_5xx,
      m.errors.count_aborted,
      m.errors.count_aborted_early,
    ]).toEqual([0, 1, 1, 0, 0]);
    expect(m.errors.error_rate_percent).toBe(100);
    expect(m.routes.find((r) => r.route === '/stall')).toMatchObject({
      method: 'POST',
      count: 1,
      count_5xx: 1,
    });
  }, 30_000);

  it('(b) a slow upload the server reads (1 byte per 200 ms) is not aged while it arrives', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await start(framework, { sampleIntervalMs: 0, clock });
    const client = post(app.port, '/echo', 'application/json', SLOW_BODY.length);
    let sent = 0;
    const sentAtLeast = (n: number) => eventually(async () => sent >= n);
    const trickle = setInterval(() => {
      if (sent < SLOW_BODY.length) client.socket.write(SLOW_BODY[sent++] as string);
    }, 200);
    try {
      await eventually(async () => app.monitor.lifecycle.inFlight >= 1);
      for (const bytes of [2, 5, 8]) {
        await sentAtLeast(bytes);
        expect(await latencyAfter(app, clock, 12_000)).toMatchObject({
          in_flight: 1,
          in_flight_counted: 0,
          status: 'unknown', // nothing measured yet (aged, it would read critical)
        });
      }
      await sentAtLeast(SLOW_BODY.length);
    } finally {
      clearInterval(trickle);
    }
    await eventually(async () => client.answer().includes(SLOW_BODY));
    expect(client.answer()).toMatch(/^HTTP\/1\.1 200/);
    await eventually(async () => app.monitor.requests.total >= 1);
    clock.t += 1_000; // a new snapshot (the last one is younger than maxAgeMs on the injected clock)
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.in_flight, m.requests.total, m.errors.count_aborted]).toEqual([0, 1, 0]);
    expect(m.routes.find((r) => r.route === '/echo')).toMatchObject({ method: 'POST', count: 1 });
  }, 30_000);

  it('(c) a 4 MB upload read in full, then a handler that hangs, is aged (as before)', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await start(framework, { sampleIntervalMs: 0, clock });
    fastUpload(app.port, '/read-hang');
    await eventually(async () => app.bodiesRead() === 1);
    expect(await latencyAfter(app, clock, 6_000)).toMatchObject({
      in_flight: 1,
      in_flight_counted: 1,
      max_ms: 6_000,
      status: 'critical',
    });
  }, 30_000);
});
