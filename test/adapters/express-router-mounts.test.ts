// Outside review D. RTD-1: a monitored Express app handed to a Router (`router.use('/t/:tenant', app);
// parent.use('/api', router)`) labelled its routes `/ok`, not `/api/t/:tenant/ok`: Express gives such an app no
// `parent` and no mount event. RTD-2: the same app mounted through a Router and directly (`parent.use('/v1', app)`)
// labelled every request with the direct mount (`/v1/ok`). Real Express 5 and 4 servers; the oracle is the
// requests the client sent (their paths, the patterns the application wrote) and the statuses it received.

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { sendPlan as send } from './raw-clients.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

type Next = (err?: unknown) => void;
type Req = { url: string };
type Res = { status(n: number): { end(b: string): void }; end(b: string): void };

async function routes(monitor: ReturnType<typeof createMonitor>) {
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return m.routes
    .map((r) => [r.method, r.route, r.count, r.count_4xx])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

describe.each(majors.map((m) => [m.versions.express, m] as const))(
  'express %s: an app mounted through a Router',
  (_e, modules) => {
    /** The monitored app: `/ok`, `/users/:id`, a router at `/org/:org`; `?deny` answered 401 before any route. */
    function monitoredApp() {
      const monitor = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
      const app = modules.express();
      app.use(monitor.middleware());
      app.use((q: Req, s: Res, next: Next) => (q.url.includes('?deny') ? s.status(401).end('no') : next()));
      app.get('/ok', (_q, s) => void s.end('ok'));
      app.get('/users/:id', (_q, s) => void s.end('user'));
      const org = modules.express.Router();
      org.get('/items/:id', (_q: unknown, s: Res) => void s.end('item'));
      app.use('/org/:org', org);
      return { monitor, app };
    }

    it('labels its routes with the Router mount paths (RTD-1)', async () => {
      const { monitor, app } = monitoredApp();
      const router = modules.express.Router();
      router.use('/t/:tenant', app);
      const parent = modules.express();
      parent.use('/api', router);
      const port = await listen(createServer(parent), monitor);
      const tally = await send(port, [
        ['/api/t/acme/ok', 3],
        ['/api/t/beta/ok', 2],
        ['/api/t/acme/users/1', 1],
        ['/api/t/acme/org/o1/items/7', 2],
        ['/api/t/acme/ok?deny', 2],
      ]);
      expect(tally).toEqual({
        '/api/t/acme/ok': { 200: 3 },
        '/api/t/beta/ok': { 200: 2 },
        '/api/t/acme/users/1': { 200: 1 },
        '/api/t/acme/org/o1/items/7': { 200: 2 },
        '/api/t/acme/ok?deny': { 401: 2 },
      });
      expect(await routes(monitor)).toEqual([
        ['GET', '/api/t/:tenant/ok', 3 + 2 + 2, 2],
        ['GET', '/api/t/:tenant/org/:org/items/:id', 2, 0],
        ['GET', '/api/t/:tenant/users/:id', 1, 0],
      ]);
    });

    it('labels through a Router in a sub-app, and a Router at two paths', async () => {
      const { monitor, app } = monitoredApp();
      const router = modules.express.Router();
      router.use('/t/:tenant', app);
      const sub = modules.express();
      sub.use('/r', router);
      const parent = modules.express();
      parent.use('/b', sub);
      parent.use('/x', router);
      const port = await listen(createServer(parent), monitor);
      const tally = await send(port, [
        ['/b/r/t/acme/ok', 2],
        ['/x/t/acme/ok', 3],
        ['/b/r/t/acme/org/o1/items/7', 1],
        ['/x/t/beta/users/2', 1],
      ]);
      expect(tally).toEqual({
        '/b/r/t/acme/ok': { 200: 2 },
        '/x/t/acme/ok': { 200: 3 },
        '/b/r/t/acme/org/o1/items/7': { 200: 1 },
        '/x/t/beta/users/2': { 200: 1 },
      });
      expect(await routes(monitor)).toEqual([
        ['GET', '/b/r/t/:tenant/ok', 2, 0],
        ['GET', '/b/r/t/:tenant/org/:org/items/:id', 1, 0],
        ['GET', '/x/t/:tenant/ok', 3, 0],
        ['GET', '/x/t/:tenant/users/:id', 1, 0],
      ]);
    });

    for (const first of ['the direct mount', 'the Router']) {
      it(`labels each mount of an app mounted directly and through a Router (RTD-2, ${first} first)`, async () => {
        const { monitor, app } = monitoredApp();
        const router = modules.express.Router();
        router.use('/t/:tenant', app);
        const parent = modules.express();
        if (first === 'the Router') parent.use('/api', router);
        parent.use('/v1', app);
        if (first !== 'the Router') parent.use('/api', router);
        const port = await listen(createServer(parent), monitor);
        const tally = await send(port, [
          ['/v1/ok', 2],
          ['/api/t/acme/ok', 3],
          ['/v1/org/o1/items/1', 1],
          ['/api/t/beta/org/o2/items/2', 2],
          ['/api/t/acme/users/9?deny', 1],
          ['/v1/users/9?deny', 2],
        ]);
        expect(tally).toEqual({
          '/v1/ok': { 200: 2 },
          '/api/t/acme/ok': { 200: 3 },
          '/v1/org/o1/items/1': { 200: 1 },
          '/api/t/beta/org/o2/items/2': { 200: 2 },
          '/api/t/acme/users/9?deny': { 401: 1 },
          '/v1/users/9?deny': { 401: 2 },
        });
        expect(await routes(monitor)).toEqual([
          ['GET', '/api/t/:tenant/ok', 3, 0],
          ['GET', '/api/t/:tenant/org/:org/items/:id', 2, 0],
          ['GET', '/api/t/:tenant/users/:id', 1, 1],
          ['GET', '/v1/ok', 2, 0],
          ['GET', '/v1/org/:org/items/:id', 1, 0],
          ['GET', '/v1/users/:id', 2, 2],
        ]);
      });
    }

    it('labels each path of an array mount beside a Router mount (RTD-2)', async () => {
      const { monitor, app } = monitoredApp();
      const router = modules.express.Router();
      router.use('/t/:tenant', app);
      const parent = modules.express();
      parent.use(['/v1', '/v2'], app);
      parent.use('/api', router);
      const port = await listen(createServer(parent), monitor);
      const tally = await send(port, [
        ['/v1/ok', 1],
        ['/v2/ok', 2],
        ['/api/t/acme/ok', 3],
        ['/V2/org/o1/items/7', 1],
      ]);
      expect(tally).toEqual({
        '/v1/ok': { 200: 1 },
        '/v2/ok': { 200: 2 },
        '/api/t/acme/ok': { 200: 3 },
        '/V2/org/o1/items/7': { 200: 1 },
      });
      expect(await routes(monitor)).toEqual([
        ['GET', '/api/t/:tenant/ok', 3, 0],
        ['GET', '/v1/ok', 1, 0],
        ['GET', '/v2/ok', 2, 0],
        ['GET', '/v2/org/:org/items/:id', 1, 0],
      ]);
    });
  },
);
