// Outside review 46, RT46-8: the same monitor's Koa middleware met twice by one request (`app.use(mw)` twice, two
// `monitor.middleware()` calls, or the parent app and a koa-mount'ed sub-app both using it from a shared module)
// counted every request twice (24 for 12, 20 for 10 under the mount), as Express (held) and Fastify's second
// registration (a no-op) do not. Real Koa 3 and 2 and Express 5 and 4 servers on port 0; the oracle is what the
// client sent and got: 12 requests, 2 of them answered 500, one endpoint row per route.

import { createServer } from 'node:http';
import mount from 'koa-mount';
import { describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();

/** Sends `ok` GET /x and `failing` GET /fail, one at a time; the statuses the client got, counted. */
async function send(port: number, ok: number, failing: number, prefix = ''): Promise<Record<number, number>> {
  const got: Record<number, number> = {};
  for (const [path, n] of [
    [`${prefix}/x`, ok],
    [`${prefix}/fail`, failing],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
      await res.arrayBuffer();
      got[res.status] = (got[res.status] ?? 0) + 1;
    }
  }
  return got;
}

type Counted = { total: number; count5xx: number; rows: Array<[string, number]> };

async function counted(
  monitor: ReturnType<typeof createKoaMonitor | typeof createExpressMonitor>,
): Promise<Counted> {
  const m = await monitor.getMetrics();
  const rows = monitor
    .endpoints('time', 1000)
    .routes.map((r) => [r.route, r.count] as [string, number])
    .sort();
  return { total: m.requests.total, count5xx: m.errors.count_5xx, rows };
}

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
// The monitors read no host group (NO_HOST_FILES): the oracle is what the clients sent and got; each monitor's
// first read waited a real 250 ms CPU window for host figures nothing here checks.
const majors = [CURRENT_MAJORS, olderMajors()];

describe.each(majors.map((m) => [`koa ${m.versions.koa}`, m] as const))(
  '%s: the same monitor met twice',
  (_n, modules) => {
    const answer = (ctx: { path: string; status: number; body: unknown }) => {
      if (ctx.path.endsWith('/fail')) {
        ctx.status = 500;
        ctx.body = 'no';
      } else ctx.body = 'ok';
    };

    it.each(['app.use(mw) twice', 'two middleware() calls'])(
      '%s: each request counted once',
      async (variant) => {
        const monitor = createKoaMonitor({ sampleIntervalMs: 0, logger: quiet, ...NO_HOST_FILES });
        const app = new modules.koa();
        const mw = monitor.middleware();
        app.use(mw);
        app.use(variant === 'app.use(mw) twice' ? mw : monitor.middleware());
        app.use(answer as never);
        const port = await listen(createServer(app.callback()), monitor);
        expect(await send(port, 10, 2)).toEqual({ 200: 10, 500: 2 });
        expect(await counted(monitor)).toEqual({
          total: 12,
          count5xx: 2,
          rows: [['unmatched', 12]],
        });
      },
    );

    it('the parent app and a koa-mount sub-app using the same monitor: each request counted once', async () => {
      const monitor = createKoaMonitor({ sampleIntervalMs: 0, logger: quiet, ...NO_HOST_FILES });
      const sub = new modules.koa();
      sub.use(monitor.middleware());
      sub.use(answer as never);
      const app = new modules.koa();
      app.use(monitor.middleware());
      app.use(mount('/v1', sub as never));
      const port = await listen(createServer(app.callback()), monitor);
      expect(await send(port, 8, 2, '/v1')).toEqual({ 200: 8, 500: 2 });
      const c = await counted(monitor);
      expect({
        total: c.total,
        count5xx: c.count5xx,
        rowsSum: c.rows.reduce((s, [, n]) => s + n, 0),
      }).toEqual({
        total: 10,
        count5xx: 2,
        rowsSum: 10,
      });
    });
  },
);

describe.each(majors.map((m) => [`express ${m.versions.express}`, m] as const))(
  '%s: the same monitor met twice (held before the Koa fix; kept as its guard)',
  (_n, modules: FrameworkModules) => {
    it.each(['app.use(mw) twice', 'app and a router', 'two middleware() calls'])('%s', async (variant) => {
      const monitor = createExpressMonitor({ sampleIntervalMs: 0, logger: quiet, ...NO_HOST_FILES });
      const app = modules.express();
      const mw = monitor.middleware();
      app.use(mw);
      const router = modules.express.Router();
      if (variant === 'app.use(mw) twice') app.use(mw);
      if (variant === 'app and a router') router.use(mw);
      if (variant === 'two middleware() calls') app.use(monitor.middleware());
      router.get('/x', (_q, s) => void s.send('ok'));
      router.get('/fail', (_q, s) => void s.status(500).send('no'));
      app.use(router);
      const port = await listen(createServer(app), monitor);
      expect(await send(port, 10, 2)).toEqual({ 200: 10, 500: 2 });
      expect(await counted(monitor)).toEqual({
        total: 12,
        count5xx: 2,
        rows: [
          ['/fail', 2],
          ['/x', 10],
        ],
      });
    });
  },
);
