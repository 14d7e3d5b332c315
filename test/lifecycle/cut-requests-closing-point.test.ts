// Outside review 29, RT29-5: requests whose connections the server closed while their clients waited (shutdown's cut
// at `drainMs`, or the user's `server.closeAllConnections()` right before `monitor.close()`) are failed requests
// (count_5xx) in the closing history point. close() wrote the last bucket before Node delivered those sockets'
// 'close' events, so the point read only the requests that completed, 0 % errors. Real Express 5, Fastify 5 and Koa 3
// servers on port 0 with a MemoryStore; the oracle is the clients: every request in the points the store receives,
// and as many 5xx as clients whose connection was reset.

import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import KoaRouter from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const HUNG = 5;
const ANSWERED = 3;

interface App {
  monitor: SystemMonitor;
  server: Server;
  /** Requests the hung route received so far. */
  hung: () => number;
  points: HistoryPoint[];
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A MemoryStore that keeps every point it is given (the oracle reads those, not the monitor's reads). */
function capturingStore(points: HistoryPoint[]): MemoryStore {
  const store = new MemoryStore();
  const append = store.appendPoint.bind(store);
  store.appendPoint = (instance, point) => {
    points.push(point);
    return append(instance, point);
  };
  return store;
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
}

async function build(framework: 'express' | 'fastify' | 'koa'): Promise<App> {
  const points: HistoryPoint[] = [];
  const options = { logger: silentLogger, sampleIntervalMs: 0, store: capturingStore(points) };
  let hung = 0;
  if (framework === 'express') {
    const monitor = expressMonitor(options);
    const app = express();
    app.use(monitor.middleware());
    app.get('/hang', () => {
      hung++;
    });
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    const server = createServer(app);
    await listen(server);
    return { monitor, server, hung: () => hung, points };
  }
  if (framework === 'fastify') {
    const monitor = fastifyMonitor(options);
    const app = Fastify();
    await app.register(monitor.plugin());
    app.get('/hang', () => {
      hung++;
      return new Promise(() => undefined);
    });
    app.get('/ok', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close().catch(() => undefined));
    return { monitor, server: app.server, hung: () => hung, points };
  }
  const monitor = koaMonitor(options);
  const app = new Koa();
  app.silent = true;
  const router = new KoaRouter();
  router.get('/hang', () => {
    hung++;
    return new Promise(() => undefined);
  });
  router.get('/ok', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(monitor.middleware());
  app.use(router.routes());
  const server = createServer(app.callback());
  await listen(server);
  return { monitor, server, hung: () => hung, points };
}

/** The status the client got, or its error's code (ECONNRESET when the server closed the connection). */
function request(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/**
 * Sends the hung and the answered requests; once every hung one is being served, resolves with the clients' outcomes
 * to come (wrapped: an async function's returned promise would be awaited).
 */
async function load(app: App): Promise<{ outcomes: Promise<Array<number | string>> }> {
  const port = (app.server.address() as AddressInfo).port;
  const answered = Array.from({ length: ANSWERED }, () => request(port, '/ok'));
  const outcomes = Promise.all([...Array.from({ length: HUNG }, () => request(port, '/hang')), ...answered]);
  await Promise.all(answered);
  while (app.hung() < HUNG) await new Promise((r) => setTimeout(r, 5));
  return { outcomes };
}

function totals(points: readonly HistoryPoint[]) {
  let requests = 0;
  let errors5xx = 0;
  for (const p of points) {
    requests += p.requests;
    errors5xx += p.errors_5xx;
  }
  return { requests, errors5xx };
}

describe.each(['express', 'fastify', 'koa'] as const)(
  '%s: requests cut by the server in the closing point',
  (fw) => {
    it('shutdown() past drainMs: every request counted, the reset ones as 5xx', async () => {
      const app = await build(fw);
      const { outcomes } = await load(app);
      const report = await app.monitor.shutdown({ server: app.server, delayMs: 0, drainMs: 20 });
      const clients = await outcomes;
      const resets = clients.filter((c) => c === 'ECONNRESET').length;
      expect(clients.filter((c) => c === 200)).toHaveLength(ANSWERED);
      expect(resets).toBe(HUNG);
      expect(report.dropped).toBe(resets);
      expect(totals(app.points)).toEqual({ requests: clients.length, errors5xx: resets });
    });

    it('server.closeAllConnections() then monitor.close(): the same', async () => {
      const app = await build(fw);
      const { outcomes } = await load(app);
      app.server.close();
      app.server.closeAllConnections();
      await app.monitor.close();
      const clients = await outcomes;
      const resets = clients.filter((c) => c === 'ECONNRESET').length;
      expect(resets).toBe(HUNG);
      expect(totals(app.points)).toEqual({ requests: clients.length, errors5xx: resets });
    });
  },
);
