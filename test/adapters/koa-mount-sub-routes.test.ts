// Regression: a koa-mount'ed sub-app's own @koa/router routes were hidden from sysvitals' route matching
// (koa-would-match.ts reads the app's middleware; koa-mount keeps the sub-app in its closure). So, under
// `mount('/api', sub)` (and a mount nested in it): `excludeRoutes: ['/api/poll']` excluded `/api/POLL` too, which the
// sub-app's `Router({ sensitive: true })` sends to its `/:page` (another route, left unmonitored); and a request a
// middleware answered before the sub-app's router (an auth check in the sub-app, or in the main app before the
// mount) was recorded `unmatched` instead of the route its URL reaches, as it is outside a mount. The sub-app's
// routers are now learnt from the requests they route; before one has, the setup warning names the entry.
// Real Koa 3 and 2 servers, @koa/router, koa-mount 4, raw sockets. Oracles: which handler answered each request
// (each answers with its own template, mount paths joined as the app wrote them), and the status the client got.

import { createServer } from 'node:http';
import Router from '@koa/router';
import mount from 'koa-mount';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();

/** A GET with `target` on a connection of its own; the status and body the client got. */
async function get(port: number, target: string, deny = ''): Promise<{ status: number; body: string }> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
    });
    const done = () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0),
        body: data.slice(data.indexOf('\r\n\r\n') + 4),
      });
    socket.on('close', done);
    socket.on('error', done);
    const header = deny === '' ? '' : `X-Deny: ${deny}\r\n`;
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${header}Connection: close\r\n\r\n`);
  });
}

/**
 * The main app: the monitor, an auth check (401 for `X-Deny: main`), `mount('/api', sub)`, then its own router.
 * `sub`: an auth check (401 for `X-Deny: sub`), a `Router({ sensitive: true })` with `/poll` (excluded as
 * `/api/poll`), `/items/:id` and `/:page`, then `mount('/v2', inner)`, whose router has `/things/:id`.
 * Every route answers 200 with its template as the app wrote it, mount paths joined.
 */
async function build(modules: FrameworkModules, warnings: string[]) {
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    excludeRoutes: ['/api/poll'],
    logger: { warn: push, error: push, info() {}, debug() {} },
  });
  const deny =
    (who: string) =>
    async (ctx: { get(h: string): string; status: number; body: unknown }, next: () => Promise<void>) => {
      if (ctx.get('x-deny') === who) {
        ctx.status = 401;
        ctx.body = 'denied';
        return;
      }
      await next();
    };
  const answer = (template: string) => (ctx: { body: unknown }) => {
    ctx.body = template;
  };
  const inner = new modules.koa();
  const innerRouter = new Router();
  innerRouter.get('/things/:id', answer('/api/v2/things/:id'));
  inner.use(innerRouter.routes());
  const sub = new modules.koa();
  sub.use(deny('sub') as never);
  const subRouter = new Router({ sensitive: true });
  subRouter.get('/poll', answer('/api/poll'));
  subRouter.get('/items/:id', answer('/api/items/:id'));
  subRouter.get('/:page', answer('/api/:page'));
  sub.use(subRouter.routes());
  sub.use(mount('/v2', inner as never));
  const app = new modules.koa();
  app.use(monitor.middleware());
  app.use(deny('main') as never);
  app.use(mount('/api', sub as never));
  const mainRouter = new Router();
  mainRouter.get('/home', answer('/home'));
  app.use(mainRouter.routes());
  const port = await listen(createServer(app.callback()), monitor);
  return { monitor, port };
}

/** Route → count of the monitor's endpoint rows. */
function counts(monitor: ReturnType<typeof createMonitor>): Map<string, number> {
  return new Map(monitor.endpoints('time', 1000).routes.map((r) => [r.route, r.count]));
}

/** Sends `target` (denied by `deny`, if given); the client's status and body, and the routes recorded for it. */
async function send(served: Awaited<ReturnType<typeof build>>, target: string, deny = '') {
  const before = counts(served.monitor);
  const reply = await get(served.port, target, deny);
  const after = counts(served.monitor);
  const recorded = [...after].filter(([r, n]) => n !== (before.get(r) ?? 0)).map(([r]) => r);
  return { ...reply, recorded };
}

describe.each([CURRENT_MAJORS, olderMajors()].map((m) => [`koa ${m.versions.koa}`, m] as const))(
  '%s: routes of a koa-mount sub-app',
  (_name, modules) => {
    it('excludeRoutes and route names follow the sub-app routers, nested mounts included', async () => {
      const warnings: string[] = [];
      const served = await build(modules, warnings);
      // Each sub-app's router routes a request first (what they hold is learnt from the requests they route).
      const warm = [await send(served, '/api/items/1'), await send(served, '/api/v2/things/1')];
      expect(warm.map((r) => [r.status, r.body, r.recorded])).toEqual([
        [200, '/api/items/:id', ['/api/items/:id']],
        [200, '/api/v2/things/:id', ['/api/v2/things/:id']],
      ]);
      // The excluded route in its own spelling: answered by it, not recorded.
      expect(await send(served, '/api/poll')).toEqual({ status: 200, body: '/api/poll', recorded: [] });
      // Another letter case: the sensitive sub-app router sends it to `/:page`, which is monitored.
      expect(await send(served, '/api/POLL')).toEqual({
        status: 200,
        body: '/api/:page',
        recorded: ['/api/:page'],
      });

      // Requests an auth check answered: recorded under the route the same URL reaches when allowed.
      for (const [target, deny] of [
        ['/api/items/2', 'sub'],
        ['/api/items/3', 'main'],
        ['/api/v2/things/2', 'sub'],
        ['/api/v2/things/3', 'main'],
        ['/api/other', 'main'],
      ] as const) {
        const allowed = await send(served, target);
        const denied = await send(served, target, deny);
        expect([target, deny, denied.status, denied.recorded]).toEqual([target, deny, 401, [allowed.body]]);
        expect(allowed.recorded).toEqual([allowed.body]);
      }
      // A path no route has stays unmatched.
      expect((await send(served, '/api/a/b/c', 'sub')).recorded).toEqual(['unmatched']);
      // The setup warning named the entry the sub-app's routers decide, once.
      const told = warnings.filter((w) => w.includes("'/api/poll'"));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain("koa-mount'ed sub-app at '/api'");
    }, 30_000);
  },
);
