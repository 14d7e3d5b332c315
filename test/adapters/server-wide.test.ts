// Outside review 39, RT39-4: plain middleware mounted before the Express or Koa monitor (a session or auth router,
// a placement README calls safe) that fails every request (503) left `requests.total` 0, no error rate, errors
// `unknown`, the failures only in `unseen_total`; one that hangs left nothing at all (not in flight, not aged).
// Now the requests the middleware never saw are recorded on the route `unseen` and, while they wait, are in flight
// (src/adapters/server-wide.ts). Real Express 5/4 and Koa 3/2 servers on port 0. Oracles: the client's own count
// of requests and statuses, the requests the test holds, the monitor's injected clock for ages.

import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { Context, Next } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { sweep, UNSEEN_ROUTE } from '../../src/adapters/server-wide.js';
import type { EndpointRow } from '../../src/profiling/endpoints.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { eventually, type PendingGet, startGet } from './workload-apps.js';

const TOKEN = 'server-wide-token-0123456789abcdef0123';
const quiet = { warn() {}, error() {} };
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

const closers: Array<() => Promise<void>> = [];
const clients: PendingGet[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.abandon();
  for (const close of closers.splice(0).reverse()) await close();
});

type Monitor = ReturnType<typeof expressMonitor> | ReturnType<typeof koaMonitor>;

/** What a case's app does before the monitor: fail `/private/*` with 503, hold `/hang/*` until released. */
interface Before {
  held: Array<() => void>;
}

/** An app with plain middleware before the monitor, then `/ok`, `/hang/:id`, `/private/:id` routes. */
type Build = (monitor: Monitor, before: Before) => RequestListener;

const expressBuild =
  (major: () => typeof import('express')): Build =>
  (monitor, before) => {
    const express = major();
    const app = express();
    const session = express.Router(); // a router of middleware only
    session.use((req: Request, _res: Response, next: NextFunction) => {
      if (req.path.startsWith('/private/')) {
        next(Object.assign(new Error('session store down'), { status: 503 }));
        return;
      }
      if (req.path.startsWith('/hang/')) before.held.push(() => next());
      else next();
    });
    app.use(session);
    app.use((monitor as ReturnType<typeof expressMonitor>).middleware());
    app.get('/ok', (_req, res) => void res.send('ok'));
    app.get('/hang/:id', (_req, res) => void res.send('late'));
    app.get('/private/:id', (_req, res) => void res.send('secret'));
    return app as unknown as RequestListener;
  };

const koaBuild =
  (major: () => typeof import('koa')): Build =>
  (monitor, before) => {
    const Koa = major();
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx: Context, next: Next) => {
      if (ctx.path.startsWith('/private/')) ctx.throw(503, 'session store down');
      if (ctx.path.startsWith('/hang/')) await new Promise<void>((resolve) => before.held.push(resolve));
      await next();
    });
    app.use((monitor as ReturnType<typeof koaMonitor>).middleware());
    app.use(async (ctx: Context) => {
      if (ctx.path === '/ok' || ctx.path.startsWith('/hang/') || ctx.path.startsWith('/private/'))
        ctx.body = 'ok';
    });
    return app.callback() as unknown as RequestListener;
  };

const cases: Array<[string, (o: object) => Monitor, Build]> = [
  [
    `express ${CURRENT_MAJORS.versions.express}`,
    (o) => expressMonitor(o),
    expressBuild(() => CURRENT_MAJORS.express),
  ],
  [
    `express ${olderMajors().versions.express} (express4)`,
    (o) => expressMonitor(o),
    expressBuild(() => olderMajors().express as unknown as typeof import('express')),
  ],
  [`koa ${CURRENT_MAJORS.versions.koa}`, (o) => koaMonitor(o), koaBuild(() => CURRENT_MAJORS.koa)],
  [
    `koa ${olderMajors().versions.koa} (koa2)`,
    (o) => koaMonitor(o),
    koaBuild(() => olderMajors().koa as unknown as typeof import('koa')),
  ],
];

async function serve(listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function statusOf(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

describe.each(cases)('%s: plain middleware before the monitor', (_name, make, build) => {
  function setup(extra: object = {}) {
    const clock = { t: T0, now: () => clock.t };
    const monitor = make({ sampleIntervalMs: 0, adminToken: TOKEN, logger: quiet, clock, ...extra });
    closers.push(() => monitor.close());
    const before: Before = { held: [] };
    // A read at a later instant of the injected clock (a read at the same instant is the same snapshot).
    const read = () => {
      clock.t += 1;
      return monitor.getMetrics({ maxAgeMs: 0 });
    };
    return { clock, monitor, before, read, listener: build(monitor, before) };
  }

  it('its 503s are recorded (route `unseen`) with the requests the monitor saw: exact totals, error rate', async () => {
    const { read, listener } = setup({ excludeRoutes: ['/private/skip'] });
    const url = await serve(listener);
    const paths = [
      ...Array.from({ length: 12 }, (_, i) => `/private/${i}`),
      ...Array.from({ length: 6 }, () => '/ok'),
      '/private/skip', // excluded: neither recorded nor judged
    ];
    const statuses: number[] = [];
    for (const p of paths) statuses.push(await statusOf(`${url}${p}`));
    const failed = statuses.filter((s) => s === 503).length;
    const ok = statuses.filter((s) => s === 200).length;
    expect([failed, ok]).toEqual([13, 6]);

    const m = await read();
    expect(m.requests.total).toBe(failed - 1 + ok); // the excluded one left out
    expect(m.errors.count_5xx).toBe(failed - 1);
    expect(m.errors.error_rate_percent).toBeCloseTo((100 * 12) / 18, 1);
    expect(m.errors.status).toBe('critical');
    expect(m.requests.unseen_total).toBe(failed);
    const res = await fetch(`${url}/api/core/admin/system/routes/`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const rows = ((await res.json()) as { data: { routes: EndpointRow[] } }).data.routes;
    expect(rows.filter((r) => r.route === UNSEEN_ROUTE).map((r) => [r.method, r.count, r.count_5xx])).toEqual([
      ['GET', 12, 12],
    ]);
  });

  it('a request it holds is in flight and aged while its client waits; a client giving up ends it aborted', async () => {
    const { clock, before, read, listener } = setup();
    const url = await serve(listener);
    expect(await statusOf(`${url}/ok`)).toBe(200);
    const hung = Array.from({ length: 3 }, (_, i) => startGet(`${url}/hang/${i}`));
    clients.push(...hung);
    await eventually(async () => before.held.length === 3);
    sweep();
    clock.t += 6_000;
    const m = await read();
    expect(m.requests.in_flight).toBe(3);
    expect(m.latency.status).toBe('critical');
    for (const c of hung) c.abandon();
    await eventually(async () => (await read()).requests.in_flight === 0);
    const after = await read();
    expect(after.errors.count_aborted).toBe(3);
    // Closes within abortedFailureMs are early closes, not requests (as the monitor's own requests' are).
    expect(after.requests.total).toBe(1 + 3 - (after.errors.count_aborted_early ?? 0));
  });

  it('a request held, then let through to the monitor, is counted once (by the monitor, on its route)', async () => {
    const { before, read, listener } = setup();
    const url = await serve(listener);
    const slow = startGet(`${url}/hang/1`);
    clients.push(slow);
    await eventually(async () => before.held.length === 1);
    sweep();
    expect((await read()).requests.in_flight).toBe(1);
    before.held[0]?.();
    expect(await slow.done).toBe(200);
    expect(await statusOf(`${url}/ok`)).toBe(200);
    sweep();
    const m = await read();
    expect(m.requests.in_flight).toBe(0);
    expect(m.requests.total).toBe(2);
    expect(m.requests.unseen_total ?? 0).toBe(0);
  });
});
