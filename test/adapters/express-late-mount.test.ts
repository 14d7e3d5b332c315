// Regression (outside review 20, F6): an Express app whose routes are registered before
// `app.use(monitor.middleware())` has its requests answered before the middleware: 100 requests, 50 of them 500,
// read `requests: healthy`, total 0, errors and latency unknown, and nothing was logged. The middleware now warns
// once, at the first request it sees, naming the routes and routers before it. Real Express 5 and 4 servers on
// port 0; the oracle is the app's own registration order and the log.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type ExpressMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const lateWarnings = (w: string[]) => w.filter((m) => m.includes('is mounted after'));

async function serve(
  fw: FrameworkModules,
  build: (app: Express, monitor: ExpressMonitor) => void,
): Promise<{ url: string; warnings: string[]; monitor: ExpressMonitor }> {
  const warnings: string[] = [];
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: { warn: push, error: push, info() {} } });
  const app = fw.express();
  build(app, monitor);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await monitor.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, warnings, monitor };
}

describe.each([
  ['Express 5', () => CURRENT_MAJORS],
  ['Express 4', olderMajors],
])('%s: the middleware mounted after routes', (_name, fw) => {
  it('warns once, naming the routes and routers registered before it', async () => {
    const { url, warnings, monitor } = await serve(fw(), (app, monitor) => {
      app.get('/ok', (_req, res) => void res.send('ok'));
      app.post('/fail', (_req, res) => void res.status(500).send('no'));
      const router = fw().express.Router();
      router.get('/x', (_req, res) => void res.send('x'));
      app.use('/api', router);
      app.use(monitor.middleware());
      app.get('/after', (_req, res) => void res.send('after'));
    });
    // Answered before the middleware: never reach it (what the warning is about), and not measured.
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/ok`)).status).toBe(200);
    expect(lateWarnings(warnings)).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/after`)).status).toBe(200);
    const lines = lateWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('after 3 route(s)');
    expect(lines[0]).toContain('GET /ok, POST /fail, a router');
    // What the warning says: only the route after the middleware was measured.
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(3);
  });

  it('counts sub-apps and routers holding routes, at any depth, and names app.all() routes ALL', async () => {
    const { url, warnings } = await serve(fw(), (app, monitor) => {
      const sub = fw().express();
      sub.get('/x', (_req, res) => void res.send('x'));
      app.use('/v1', sub);
      app.all('/any', (_req, res) => void res.send('any'));
      const outer = fw().express.Router();
      const inner = fw().express.Router();
      inner.get('/deep', (_req, res) => void res.send('deep'));
      outer.use('/in', inner);
      app.use(outer);
      app.use(monitor.middleware());
      app.get('/after', (_req, res) => void res.send('after'));
    });
    expect((await fetch(`${url}/after`)).status).toBe(200);
    const lines = lateWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('after 3 route(s) of this app (a sub-app, ALL /any, a router)');
  });

  it('mounted in a router after its routes: those routes and the app routes before the router', async () => {
    const { url, warnings } = await serve(fw(), (app, monitor) => {
      app.get('/first', (_req, res) => void res.send('first'));
      const router = fw().express.Router();
      router.get('/x', (_req, res) => void res.send('x'));
      router.use(monitor.middleware());
      router.get('/y', (_req, res) => void res.send('y'));
      app.use(router);
    });
    expect((await fetch(`${url}/y`)).status).toBe(200);
    const lines = lateWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('after 2 route(s) of this app (GET /first, GET /x)');
  });

  it('after a router or sub-app holding only middleware: no warning (every request still reaches it)', async () => {
    const { url, warnings, monitor } = await serve(fw(), (app, monitor) => {
      const router = fw().express.Router();
      router.use(fw().express.json());
      app.use(router);
      const sub = fw().express();
      sub.use((_req, _res, next) => next());
      app.use('/v1', sub);
      app.use(monitor.middleware());
      app.get('/ok', (_req, res) => void res.send('ok'));
    });
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/ok`)).status).toBe(200);
    expect(lateWarnings(warnings)).toEqual([]);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(3);
  });

  it('mounted first (or after plain middleware): no warning', async () => {
    const { url, warnings } = await serve(fw(), (app, monitor) => {
      app.use((_req, _res, next) => next());
      app.use(monitor.middleware());
      app.get('/ok', (_req, res) => void res.send('ok'));
    });
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/ok`)).status).toBe(200);
    expect(lateWarnings(warnings)).toEqual([]);
  });
});
