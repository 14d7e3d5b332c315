// The same small app on Express, Fastify and Koa, bare or with sysvitals, on a real server on port 0; on the
// majors in devDependencies (`harnesses`) or on others (`frameworkHarnesses(olderMajors())`: Express 4, ...).

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type express from 'express';
import type { AdapterSource } from '../../src/adapters/common.js';
import { expressMiddleware } from '../../src/adapters/express.js';
import { fastifyPlugin } from '../../src/adapters/fastify.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import type { AdminApiOptions } from '../../src/http/admin-api-options.js';
import type { RequestRecord } from '../../src/monitor/options.js';
import { type FakeSource, fakeSource } from '../http/admin-fixture.js';
import { CURRENT_MAJORS, type FrameworkModules } from './framework-modules.js';

export interface RecordingSource extends FakeSource {
  records: RequestRecord[];
  recordRequest(r: RequestRecord): void;
}

export function recordingSource(): RecordingSource {
  const records: RequestRecord[] = [];
  return Object.assign(fakeSource(), { records, recordRequest: (r: RequestRecord) => void records.push(r) });
}

export interface Running {
  url: string;
  /** The node:http server (for upgrade listeners such as attachWebSocket). */
  server: Server;
  close(): Promise<void>;
}

/** Mounts sysvitals on an app (or not, for the bare baseline); `source` is a RecordingSource or a real monitor. */
export type Mount = 'bare' | { source: AdapterSource; api: AdminApiOptions<never> };

export interface Harness {
  name: 'express' | 'fastify' | 'koa';
  /** The framework's major version (Express 5 or 4, Fastify 5 or 4, Koa 3 or 2). */
  major: number;
  start(mount: Mount, host?: string): Promise<Running>;
}

async function listen(server: Server, host: string): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `/forever` responses the apps opened, and those that saw 'close' (the stream never ends by itself). */
export const foreverStreams = { opened: 0, closed: 0 };

/** The body of `/forever`: a first line, then nothing, never ended; counted in `foreverStreams`. */
function forever(res: ServerResponse): PassThrough {
  foreverStreams.opened++;
  res.on('close', () => foreverStreams.closed++);
  const body = new PassThrough();
  body.write('tick\n');
  return body;
}

const readText = async (req: AsyncIterable<Buffer>): Promise<string> => {
  let text = '';
  for await (const chunk of req) text += chunk.toString('utf8');
  return text;
};

/** Every app: `/forever` a never-ending text stream, `POST /echo` answers `got <body>`, `/` text, `/users/:id` JSON, `/fail` throws, `/teapot` 418 with a custom header, `/api/items/:id` in a prefixed router, `/api/broken/:id` fails after an await. */
export function frameworkHarnesses(modules: FrameworkModules): Harness[] {
  const { express: Express, fastify: Fastify, koa: Koa, majors } = modules;
  const broken = async (): Promise<never> => {
    await Promise.resolve();
    throw new Error('broken');
  };
  return [
    {
      name: 'express',
      major: majors.express,
      async start(mount, host = '127.0.0.1') {
        const app = Express();
        app.set('env', 'production'); // no stack trace in error pages (it would name sysvitals' frame)
        if (mount !== 'bare')
          app.use(expressMiddleware(mount.source, mount.api as AdminApiOptions<express.Request>));
        app.get('/', (_req, res) => {
          res.send('home');
        });
        app.get('/forever', (_req, res) => {
          res.type('text/plain');
          forever(res).pipe(res);
        });
        app.post('/echo', Express.text({ type: '*/*' }), (req, res) => {
          res.type('text/plain').send(`got ${String(req.body)}`);
        });
        app.get('/users/:id', (req, res) => {
          res.json({ id: req.params.id });
        });
        app.get('/fail', () => {
          throw new Error('fail');
        });
        app.get('/teapot', (_req, res) => {
          res.status(418).set('x-custom', 'tea').send('short and stout');
        });
        const router = Express.Router();
        router.get('/items/:id', (req, res) => {
          res.json({ item: req.params.id });
        });
        // Express 5 passes a rejected handler's error on; Express 4 leaves it unhandled: there it is passed to next().
        if (majors.express >= 5) router.get('/broken/:id', broken);
        else router.get('/broken/:id', (_req, _res, next) => void broken().catch(next));
        app.use('/api', router);
        return listen(createServer(app), host);
      },
    },
    {
      name: 'fastify',
      major: majors.fastify,
      async start(mount, host = '127.0.0.1') {
        const app = Fastify({ logger: false });
        if (mount !== 'bare') await app.register(fastifyPlugin(mount.source, mount.api as never));
        app.get('/', async () => 'home');
        app.get('/forever', async (_req, reply) => reply.type('text/plain').send(forever(reply.raw)));
        app.post<{ Body: string }>('/echo', async (req) => `got ${req.body}`);
        app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
        app.get('/fail', async () => {
          throw new Error('fail');
        });
        app.get('/teapot', async (_req, reply) => {
          reply.code(418).header('x-custom', 'tea');
          return 'short and stout';
        });
        await app.register(
          async (child) => {
            child.get<{ Params: { id: string } }>('/items/:id', async (req) => ({ item: req.params.id }));
            child.get('/broken/:id', broken);
          },
          { prefix: '/api' },
        );
        await app.ready();
        const running = await listen(app.server, host);
        return { ...running, close: () => app.close().then(() => undefined) };
      },
    },
    {
      name: 'koa',
      major: majors.koa,
      async start(mount, host = '127.0.0.1') {
        const app = new Koa();
        app.silent = true;
        if (mount !== 'bare') app.use(koaMiddleware(mount.source, mount.api as never));
        const router = new Router();
        router.get('/', (ctx) => {
          ctx.body = 'home';
        });
        router.get('/forever', (ctx) => {
          ctx.type = 'text/plain';
          ctx.body = forever(ctx.res);
        });
        router.post('/echo', async (ctx) => {
          ctx.body = `got ${await readText(ctx.req)}`;
        });
        router.get('/users/:id', (ctx) => {
          ctx.body = { id: ctx.params.id };
        });
        router.get('/fail', () => {
          throw new Error('fail');
        });
        router.get('/teapot', (ctx) => {
          ctx.status = 418;
          ctx.set('x-custom', 'tea');
          ctx.body = 'short and stout';
        });
        const api = new Router({ prefix: '/api' });
        api.get('/items/:id', (ctx) => {
          ctx.body = { item: ctx.params.id };
        });
        api.get('/broken/:id', broken);
        app.use(router.routes());
        app.use(api.routes());
        return listen(createServer(app.callback()), host);
      },
    },
  ];
}

/** The harnesses on Express 5, Fastify 5 and Koa 3 (devDependencies). */
export const harnesses: Harness[] = frameworkHarnesses(CURRENT_MAJORS);
