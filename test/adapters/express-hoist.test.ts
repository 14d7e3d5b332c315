// Issue 18: mounted first, the Express middleware costs Express's router no layer per request (the router's
// pass over a layer reads and writes properties of a request whose hidden class is its own: ~10,000
// instructions under callgrind). Requests are still recorded exactly; admin URLs still answered by the
// middleware with the router's request fields set. Real Express servers.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { recordingSource } from './harness.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function serve(app: Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Counts the router layers Express runs (Layer.prototype.handleRequest) while `run` goes. */
async function layersRun(app: Express, run: () => Promise<void>): Promise<number> {
  const proto = Object.getPrototypeOf(app.router.stack[0]) as { handleRequest: (...a: unknown[]) => unknown };
  const original = proto.handleRequest;
  let count = 0;
  proto.handleRequest = function counted(this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    proto.handleRequest = original;
  }
  return count;
}

function appWith(mount: 'first' | 'second' | 'bare', source = recordingSource(), authorized: Request[] = []) {
  const app = express();
  const sysvitals = expressMiddleware(source, {
    rateLimit: false,
    authorize: (req: Request) => {
      authorized.push(req);
      return true;
    },
  });
  if (mount === 'second') app.use((_req, _res, next) => next());
  if (mount !== 'bare') app.use(sysvitals);
  app.get('/users/:id', (req, res) => {
    res.status(req.params.id === '404' ? 404 : 200).json({ id: req.params.id });
  });
  return { app, source, authorized };
}

async function settle(records: unknown[], n: number): Promise<void> {
  const guard = Date.now() + 30_000; // a hang guard: recorded as each response finishes
  while (records.length < n && Date.now() < guard) await new Promise((r) => setTimeout(r, 10));
}

describe('express: the middleware mounted first passes no router layer per request', () => {
  it('runs as many router layers per request as the bare app, and records every request exactly', async () => {
    const bare = appWith('bare');
    const watched = appWith('first');
    const bareUrl = await serve(bare.app);
    const url = await serve(watched.app);
    const ids = ['1', '404', '3'];
    const get = async (base: string) => {
      for (const id of ids) await (await fetch(`${base}/users/${id}`)).arrayBuffer();
    };
    await get(url); // the first request lifts the layer
    const bareLayers = await layersRun(bare.app, () => get(bareUrl));
    const layers = await layersRun(watched.app, () => get(url));
    expect(layers).toBe(bareLayers);
    await settle(watched.source.records, 2 * ids.length);
    expect(watched.source.records.map((r) => [r.method, r.route, r.status])).toEqual(
      [...ids, ...ids].map((id) => ['GET', '/users/:id', id === '404' ? 404 : 200]),
    );
  });

  it('answers admin URLs from the middleware, with the router fields set, and records none of them', async () => {
    const { app, source, authorized } = appWith('first');
    const url = await serve(app);
    await (await fetch(`${url}/users/1`)).arrayBuffer();
    const res = await fetch(`${url}/api/core/admin/system/alerts/`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(authorized).toHaveLength(1);
    expect(authorized[0]?.originalUrl).toBe('/api/core/admin/system/alerts/');
    expect(authorized[0]?.baseUrl).toBe('');
    await (await fetch(`${url}/users/2`)).arrayBuffer();
    await settle(source.records, 2);
    expect(source.records.map((r) => r.route)).toEqual(['/users/:id', '/users/:id']);
    // The application's route and the error handler appended at the first request (express-errors.ts): the
    // middleware's layer stays lifted.
    expect(app.router.stack.map((l: { handle: { name: string } }) => l.handle.name)).toEqual([
      'handle',
      'sysvitalsLateError',
    ]);
  });

  it('keeps its layer when mounted after other middleware, and records the same', async () => {
    const { app, source } = appWith('second');
    const url = await serve(app);
    for (const id of ['1', '404']) await (await fetch(`${url}/users/${id}`)).arrayBuffer();
    await settle(source.records, 2);
    expect(app.router.stack).toHaveLength(4); // its layer kept, and the error handler appended (express-errors.ts)
    expect(source.records.map((r) => [r.route, r.status])).toEqual([
      ['/users/:id', 200],
      ['/users/:id', 404],
    ]);
  });
});

describe('express: a request the application re-dispatches (req.app.handle) is counted once (review 2, F5)', () => {
  for (const mount of ['first', 'second'] as const) {
    it(`5 requests rewritten from /old to /new: 5 records, route /new (mounted ${mount})`, async () => {
      const { app, source } = appWith(mount);
      app.get('/old', (req, res, next) => {
        req.url = '/new';
        // Express's own app.handle(), which its types leave out.
        (req.app as unknown as { handle: RequestHandler }).handle(req, res, next);
      });
      app.get('/new', (_req, res) => {
        res.send('new');
      });
      const url = await serve(app);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${url}/old`);
        statuses.push(r.status);
        expect(await r.text()).toBe('new');
      }
      // One more request that cannot be re-dispatched: once it is recorded, every /old response before it is too.
      await (await fetch(`${url}/users/1`)).arrayBuffer();
      await settle(source.records, 6);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(source.records.map((r) => [r.method, r.route, r.status])).toEqual([
        ...Array.from({ length: 5 }, () => ['GET', '/new', 200]),
        ['GET', '/users/:id', 200],
      ]);
    });
  }
});
