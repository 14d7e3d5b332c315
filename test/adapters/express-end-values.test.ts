// Issue 18: the Express adapter reads what it records at a request's end (its method, route and status) and its
// connection at its start in the cheapest way V8 offers on Express's per-request hidden classes. What is recorded
// must not change: the method as the application left it (a method override after sysvitals), the status the
// client received (on the status line: one set again after the headers went out, or after end(), is not sent;
// outside review 24, RT24-3, where this test had asserted the response object's late value), HEAD as HEAD. Real
// Express servers; the oracle is what each handler did to `req` and the status each client received.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, expressMiddleware } from '../../src/adapters/express.js';
import { recordingSource } from './harness.js';

const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  for (const close of closers.splice(0)) await close();
});

async function serve(app: Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** One request on its own connection; resolves with the status the client received. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function settle(records: unknown[], n: number): Promise<void> {
  const guard = Date.now() + 30_000; // a hang guard: recorded as each response finishes
  while (records.length < n && Date.now() < guard) await new Promise((r) => setTimeout(r, 10));
}

/**
 * The application: a method override from a header (as the method-override package's header getter does), run
 * before or after sysvitals; a status set again after the headers were written; a status set after `end()`.
 */
function app(mount: 'first' | 'after-override') {
  const source = recordingSource();
  const app = express();
  const sysvitals = expressMiddleware(source, { rateLimit: false });
  const override: express.RequestHandler = (req, _res, next) => {
    const method = req.headers['x-http-method-override'];
    if (typeof method === 'string') req.method = method.toUpperCase();
    next();
  };
  if (mount === 'first') app.use(sysvitals, override);
  else app.use(override, sysvitals);
  app.get('/users/:id', (req, res) => {
    res.status(req.params.id === '404' ? 404 : 200).json({ id: req.params.id });
  });
  app.delete('/users/:id', (_req, res) => {
    res.status(204).end();
  });
  app.post('/rewritten', (_req, res) => {
    res.writeHead(201, { 'content-length': '2' });
    res.statusCode = 202; // after the headers went out: the object holds 202 at its end, the client got 201
    res.end('ok');
  });
  app.post('/after-end', (_req, res) => {
    res.status(200).end('ok');
    res.statusCode = 503; // after end(), before 'finish': the client got the 200 its status line says
  });
  return { app, source };
}

describe('express: the method, route and status recorded at the end are those the application left', () => {
  for (const mount of ['first', 'after-override'] as const) {
    it(`a method override, HEAD, a status set after the headers or after end() (mounted ${mount})`, async () => {
      const { app: a, source } = app(mount);
      const { port } = await serve(a);
      const statuses = [
        await send(port, 'GET', '/users/1'), // the first request lifts the layer when mounted first
        await send(port, 'POST', '/users/7', { 'x-http-method-override': 'delete' }),
        await send(port, 'HEAD', '/users/404'),
        await send(port, 'POST', '/rewritten'),
        await send(port, 'POST', '/after-end'),
        await send(port, 'GET', '/users/2'),
      ];
      await settle(source.records, statuses.length);
      expect(statuses).toEqual([200, 204, 404, 201, 200, 200]);
      expect(source.records.map((r) => [r.method, r.route, r.status])).toEqual([
        ['GET', '/users/:id', 200],
        ['DELETE', '/users/:id', 204],
        ['HEAD', '/users/:id', 404],
        ['POST', '/rewritten', 201],
        ['POST', '/after-end', 200],
        ['GET', '/users/:id', 200],
      ]);
    });
  }
});

describe('express: the connection read once at the start serves the lifecycle too', () => {
  it('learns the server from the request (hoisted path), and ends every request in flight', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {} } });
    closers.push(() => monitor.close());
    const a = express();
    a.use(monitor.middleware());
    a.get('/users/:id', (req, res) => void res.json({ id: req.params.id }));
    const { server, port } = await serve(a);
    const lifecycle = (
      monitor as unknown as { lifecycle: { knownServers: ReadonlySet<Server>; inFlight: number } }
    ).lifecycle;
    for (const id of ['1', '2', '3']) expect(await send(port, 'GET', `/users/${id}`)).toBe(200);
    expect([...lifecycle.knownServers]).toEqual([server]);
    const guard = Date.now() + 30_000;
    while (lifecycle.inFlight > 0 && Date.now() < guard) await new Promise((r) => setTimeout(r, 10));
    expect(lifecycle.inFlight).toBe(0);
  });
});
