// `103 Early Hints` before the final response (`res.writeEarlyHints()`, Fastify's `reply.writeEarlyHints()`; on an
// HTTP/2 stream answered directly, `stream.additionalHeaders({ ':status': 103 })`): the status recorded is the final
// one, never the 103, on Express, Fastify and Koa over HTTP/1.1, and Fastify and Koa over HTTP/2 (h2c; Express does
// not run on node:http2). Real servers on port 0; the oracle is what the client received: the status lines read off
// a raw socket (HTTP/1.1), the `:status` of each HEADERS frame on the stream (HTTP/2, test/helpers/raw-h2.ts).

import http, { type Server } from 'node:http';
import http2 from 'node:http2';
import { type AddressInfo, connect } from 'node:net';
import Router from '@koa/router';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { fastifyPlugin } from '../../src/adapters/fastify.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { rawH2Get } from '../helpers/raw-h2.js';
import { CURRENT_MAJORS } from './framework-modules.js';
import { type RecordingSource, recordingSource } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LINK = '</style.css>; rel=preload; as=style';

/** Every status line the server sent for one GET on a connection of its own (informational ones included). */
function rawH1Statuses(port: number, path: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve([...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))));
  });
}

async function recorded(source: RecordingSource, n: number): Promise<[string, number][]> {
  for (let i = 0; i < 500 && source.records.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return source.records.map((r) => [r.route, r.status]);
}

async function serve(server: Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => r());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** `/hints` answers 201 after a 103, `/hints-fail` throws after a 103 (the framework's 500). */
const PATHS = ['/hints', '/hints-fail'];
const WANT: [string, number][] = [
  ['/hints', 201],
  ['/hints-fail', 500],
];

async function express(source: RecordingSource): Promise<number> {
  const app = CURRENT_MAJORS.express();
  app.use(expressMiddleware(source));
  app.get('/hints', (_req, res) => {
    res.writeEarlyHints({ link: LINK });
    res.status(201).send('ok');
  });
  app.get('/hints-fail', (_req, res) => {
    res.writeEarlyHints({ link: LINK });
    throw new Error('after the hints');
  });
  app.use(
    (_err: unknown, _req: unknown, res: { status(n: number): { send(b: string): void } }, _next: unknown) =>
      res.status(500).send('failed'),
  );
  return serve(http.createServer(app));
}

async function fastify(source: RecordingSource, h2: boolean): Promise<number> {
  const app = (h2 ? Fastify({ http2: true }) : Fastify()) as unknown as FastifyInstance;
  await app.register(fastifyPlugin(source) as never);
  app.get('/hints', (_req, reply) => {
    reply.writeEarlyHints({ link: LINK });
    reply.code(201).send('ok');
  });
  app.get('/hints-fail', (_req, reply) => {
    reply.writeEarlyHints({ link: LINK });
    throw new Error('after the hints');
  });
  app.get('/stream', (req, reply) => {
    reply.hijack();
    const stream = (req.raw as unknown as { stream: http2.ServerHttp2Stream }).stream;
    stream.additionalHeaders({ ':status': 103, link: LINK });
    stream.respond({ ':status': 202 });
    stream.end('direct');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  return (app.server.address() as AddressInfo).port;
}

async function koa(source: RecordingSource, h2: boolean): Promise<number> {
  const app = new CURRENT_MAJORS.koa();
  app.silent = true;
  app.use(koaMiddleware(source));
  const router = new Router();
  router.get('/hints', (ctx) => {
    (ctx.res as http.ServerResponse).writeEarlyHints({ link: LINK });
    ctx.status = 201;
    ctx.body = 'ok';
  });
  router.get('/hints-fail', (ctx) => {
    (ctx.res as http.ServerResponse).writeEarlyHints({ link: LINK });
    throw new Error('after the hints');
  });
  router.get('/stream', (ctx) => {
    ctx.respond = false;
    const stream = (ctx.req as unknown as { stream: http2.ServerHttp2Stream }).stream;
    stream.additionalHeaders({ ':status': 103, link: LINK });
    stream.respond({ ':status': 202 });
    stream.end('direct');
  });
  app.use(router.routes());
  return serve(h2 ? http2.createServer(app.callback()) : http.createServer(app.callback()));
}

describe('103 Early Hints, then the final response: the final status is recorded', () => {
  it.each([
    ['Express', (s: RecordingSource) => express(s)],
    ['Fastify', (s: RecordingSource) => fastify(s, false)],
    ['Koa', (s: RecordingSource) => koa(s, false)],
  ] as const)('%s over HTTP/1.1', async (_name, start) => {
    const source = recordingSource();
    const port = await start(source);
    expect(await rawH1Statuses(port, '/hints')).toEqual([103, 201]);
    expect(await rawH1Statuses(port, '/hints-fail')).toEqual([103, 500]);
    expect(await recorded(source, 2)).toEqual(WANT);
  });

  it.each([
    ['Fastify', (s: RecordingSource) => fastify(s, true)],
    ['Koa', (s: RecordingSource) => koa(s, true)],
  ] as const)(
    '%s over HTTP/2 (the compat response, and the stream answered directly)',
    async (_name, start) => {
      const source = recordingSource();
      const port = await start(source);
      const statuses = [];
      for (const path of [...PATHS, '/stream']) {
        const reply = await rawH2Get(port, path);
        expect(reply.endStream).toBe(true);
        statuses.push(reply.statuses);
      }
      expect(statuses).toEqual([
        [103, 201],
        [103, 500],
        [103, 202],
      ]);
      expect(await recorded(source, 3)).toEqual([...WANT, ['/stream', 202]]);
    },
  );
});
