// Outside review C. RTC-4: one monitored Express app mounted at two paths (`parent.use('/v1', app);
// parent.use('/v2', app)`) labelled every request with the last mount (5 × /v1/ok read `/v2/ok`), and
// `parent.use(['/v1', '/v2'], app)` read `/v1,/v2/ok`. RTC-6: with the sub-app monitored, the parent's own 5xx on
// paths outside every mount path of the sub-app (`/early`, `/other`) were counted as the sub-app's `unseen`
// failures (9 where 6 of them came through /v1 or /v2). Real Express 5 and 4 servers; the oracle is the requests
// the client sent and the statuses it received.

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { sendPlan } from './raw-clients.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

type Next = (err?: unknown) => void;
type Req = { path: string };
type Res = { status(n: number): { end(b: string): void } };

/** The monitored app: its middleware, then `/ok`; each test adds the rest. */
function monitoredApp(modules: (typeof majors)[number]) {
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
  const app = modules.express();
  app.use(monitor.middleware());
  app.get('/ok', (_q, s) => void s.end('ok'));
  return { monitor, app };
}

/** The request totals: all the monitor read, the unseen ones, the 5xx. */
async function counts(monitor: ReturnType<typeof createMonitor>) {
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return { total: m.requests.total, unseen: m.requests.unseen_total, count5xx: m.errors.count_5xx };
}

async function routes(monitor: ReturnType<typeof createMonitor>) {
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return m.routes
    .map((r) => [r.method, r.route, r.count, r.count_5xx])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

describe.each(majors.map((m) => [m.versions.express, m] as const))(
  'express %s: one app at two mount paths',
  (_e, modules) => {
    for (const how of ['two use() calls', 'an array of paths']) {
      it(`labels each request with the mount it came through (${how})`, async () => {
        const { monitor, app } = monitoredApp(modules);
        const router = modules.express.Router();
        router.get('/items/:id', (_q: unknown, s: { end(b: string): void }) => void s.end('item'));
        app.use('/org/:org', router);
        const parent = modules.express();
        if (how === 'two use() calls') {
          parent.use('/v1', app);
          parent.use('/v2', app);
        } else parent.use(['/v1', '/v2'], app);
        const port = await listen(createServer(parent), monitor);
        const tally = await sendPlan(port, [
          ['/v1/ok', 5],
          ['/v2/ok', 2],
          ['/v1/ok', 1],
          ['/V2/org/acme/items/7', 3],
          ['/v1/org/acme/items/8', 1],
        ]);
        expect(tally).toEqual({
          '/v1/ok': { 200: 6 },
          '/v2/ok': { 200: 2 },
          '/V2/org/acme/items/7': { 200: 3 },
          '/v1/org/acme/items/8': { 200: 1 },
        });
        expect(await routes(monitor)).toEqual([
          ['GET', '/v1/ok', 6, 0],
          ['GET', '/v1/org/:org/items/:id', 1, 0],
          ['GET', '/v2/ok', 2, 0],
          ['GET', '/v2/org/:org/items/:id', 3, 0],
        ]);
      });
    }

    it("counts the parent's 5xx as the sub-app's only on paths under its mounts", async () => {
      const { monitor, app } = monitoredApp(modules);
      app.set('env', 'test');
      app.get('/boom', () => {
        throw new Error('boom');
      });
      // A final handler of its own, so nothing is logged to stderr; the sub-app answers its own failures.
      app.use((_e: unknown, _q: unknown, s: Res, _n: Next) => s.status(500).end('failed'));
      const parent = modules.express();
      parent.use((q: Req, s: Res, next: Next) =>
        q.path.endsWith('/early') ? s.status(503).end('early') : next(),
      );
      parent.use((q: Req, _s: Res, next: Next) =>
        next(q.path.endsWith('/nexterr') ? new Error('parent') : undefined),
      );
      parent.use('/v1', app);
      parent.use('/v2', app);
      parent.get('/other', (_q: unknown, s: Res) => s.status(500).end('parent route'));
      parent.use((_e: unknown, _q: unknown, s: Res, _n: Next) => s.status(500).end('parent failed'));
      const port = await listen(createServer(parent), monitor);
      const tally = await sendPlan(port, [
        ['/v1/ok', 5],
        ['/v1/boom', 2],
        ['/v1/early', 3],
        ['/v1/nexterr', 2],
        ['/v2/ok', 2],
        ['/v2/early', 1],
        ['/early', 2],
        ['/other', 1],
      ]);
      expect(tally).toEqual({
        '/v1/ok': { 200: 5 },
        '/v1/boom': { 500: 2 },
        '/v1/early': { 503: 3 },
        '/v1/nexterr': { 500: 2 },
        '/v2/ok': { 200: 2 },
        '/v2/early': { 503: 1 },
        '/early': { 503: 2 },
        '/other': { 500: 1 },
      });
      // Seen: 5 + 2 + 2; missed under /v1 and /v2: 3 + 2 + 1 (all 5xx); missed outside them: 2 + 1 (unseen_total only).
      expect(await counts(monitor)).toEqual({
        total: 9 + 6,
        unseen: 6 + 3,
        count5xx: 2 + 6,
      });
      expect(await routes(monitor)).toEqual([
        ['GET', '/v1/boom', 2, 2],
        ['GET', '/v1/ok', 5, 0],
        ['GET', '/v2/ok', 2, 0],
        ['GET', 'unseen', 6, 6],
      ]);
    });
    // Outside review D, RTD-1: an app given to a Router's use() (`router.use('/t/:tenant', app)`) is the Router
    // layer's handle itself, not Express's mounted_app: the parent's 503 under that mount read as nobody's
    // (3 × 200 + 2 × 503 read total 3, 5xx 0).
    it("counts the parent's 5xx under a mount through a Router as the app's", async () => {
      const { monitor, app } = monitoredApp(modules);
      const parent = modules.express();
      parent.use((q: Req, s: Res, next: Next) =>
        q.path.endsWith('/early') ? s.status(503).end('early') : next(),
      );
      const router = modules.express.Router();
      router.use('/t/:tenant', app);
      parent.use('/api', router);
      const port = await listen(createServer(parent), monitor);
      const tally = await sendPlan(port, [
        ['/api/t/acme/ok', 3],
        ['/api/t/acme/early', 2],
        ['/early', 1],
      ]);
      expect(tally).toEqual({
        '/api/t/acme/ok': { 200: 3 },
        '/api/t/acme/early': { 503: 2 },
        '/early': { 503: 1 },
      });
      // Seen: 3; missed under /api/t/:tenant: 2 (both 5xx); missed outside it: 1 (unseen_total only).
      expect(await counts(monitor)).toEqual({
        total: 3 + 2,
        unseen: 2 + 1,
        count5xx: 2,
      });
    });
  },
);
