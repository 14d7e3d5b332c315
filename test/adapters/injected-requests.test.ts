// Regression (outside review 9, F1): requests sent in-process with light-my-request (Fastify's `app.inject()`,
// `inject(app, …)` on an Express app or a Koa `app.callback()`) were never counted, and once one real request had
// been served each one stayed in flight forever: `http_server_active_requests` only grew, and shutdown waited the
// whole drainMs and reported them dropped. Now each is recorded like any request (status, route), in flight until
// answered. Real Express 4/5, Fastify 4/5 and Koa 2/3 apps on real servers on port 0, one real HTTP request first
// (what made the injected ones stick), then a seeded mix of injected requests, some concurrent, and real requests
// that fan out with inject(); the oracle is the test's own tally of what it sent and what each answered.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import Router from '@koa/router';
import { inject } from 'light-my-request';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { UNMATCHED_ROUTE } from '../../src/requests/route-counters.js';
import { httpGet } from '../helpers/http-get.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const TOKEN = 'injected-requests-token-0123456789abcdef';
const BASE = '/api/core/admin/system';
const INJECTED = 120;
const BATCHES = 4; // real GET /batch requests, each fanning out FAN_OUT injected GET /users/:id
const FAN_OUT = 3;
const DRAIN_MS = 3_000;

/** An app with sysvitals, served on port 0, and how to inject into it. */
interface InjectApp {
  monitor: SystemMonitor;
  /** The monitor's admin API handler (served apart: requestCounters). */
  admin(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  url: string;
  inject(method: string, url: string): Promise<number>;
  /** Lets the injected GET /hold answer (200). */
  release(): void;
  /**
   * Whether real requests still work once a request was injected: not on Express with `inject(app, …)`, where
   * light-my-request puts its own classes under Express's request and response prototypes (every app's).
   */
  realAfterInject: boolean;
  warnings: string[];
  server: Server;
  close(): Promise<void>;
}

type Build = (modules: FrameworkModules, clock: { now(): number }) => Promise<InjectApp>;

const options = (clock: { now(): number }, warnings: string[]) => ({
  clock,
  sampleIntervalMs: 0,
  adminToken: TOKEN,
  logger: { warn: (_o: unknown, m?: string) => void warnings.push(String(m)), error() {} },
});

/** A promise the test resolves: GET /hold waits on it. */
function holder(): { wait(): Promise<void>; release(): void } {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { wait: () => held, release: () => release() };
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve(`http://127.0.0.1:${address.port}`);
    }),
  );

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const status = (r: { statusCode: number }) => r.statusCode;
const fanOut = <T>(send: (url: string) => Promise<T>) =>
  Promise.all(Array.from({ length: FAN_OUT }, (_, i) => send(`/users/${i + 1}`)));

const fastifyApp: Build = async ({ fastify: Fastify }, clock) => {
  const warnings: string[] = [];
  const monitor = createFastifyMonitor(options(clock, warnings));
  const app = Fastify({ logger: false });
  await app.register(monitor.plugin());
  const hold = holder();
  app.get('/users/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  app.post('/users/:id', async (_req, reply) => reply.code(201).send({ created: true }));
  app.get('/teapot', async (_req, reply) => reply.code(418).send('teapot'));
  app.get('/fail', async () => {
    throw new Error('route failure');
  });
  app.get('/hold', async () => {
    await hold.wait();
    return 'held';
  });
  app.get('/batch', async () => fanOut((url) => app.inject({ method: 'GET', url }).then(status)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  return {
    monitor,
    admin: (req, res) => monitor.adminApi.handle(req, res),
    url: `http://127.0.0.1:${address.port}`,
    inject: (method, url) => app.inject({ method: method as 'GET', url }).then(status),
    release: hold.release,
    realAfterInject: true,
    warnings,
    server: app.server,
    close: async () => {
      await app.close();
      await monitor.close();
    },
  };
};

/**
 * `wrapped`: injected into `(req, res) => app(req, res)`, so Express sets its own classes on light-my-request's
 * request and response (whose 'close' then never comes); else into the app, as light-my-request's README says.
 */
const expressApp =
  (wrapped: boolean): Build =>
  async ({ express }, clock) => {
    const warnings: string[] = [];
    const monitor = createExpressMonitor(options(clock, warnings));
    // What light-my-request's `inject(app, …)` rewires on this Express copy (every app's), put back at close: else
    // Node's server throws in light-my-request's Request#destroy() at each real client's abort, in every later
    // test file of the same process (failed-requests.test.ts with --no-isolate).
    const shared = express as unknown as { request: object; response: object };
    const under = [shared.request, shared.response].map((p) => [p, Object.getPrototypeOf(p)] as const);
    const app = express();
    app.set('env', 'test'); // Express prints a failure's stack elsewhere
    app.use(monitor.middleware());
    const hold = holder();
    const target = wrapped ? (req: never, res: never) => app(req, res) : app;
    const send = (method: string, url: string) =>
      inject(target as never, { method: method as 'GET', url }).then(status);
    app.get('/users/:id', (req, res) => void res.json({ id: req.params.id }));
    app.post('/users/:id', (_req, res) => void res.status(201).json({ created: true }));
    app.get('/teapot', (_req, res) => void res.status(418).send('teapot'));
    app.get('/fail', () => {
      throw new Error('route failure');
    });
    app.get('/hold', (_req, res) => void hold.wait().then(() => res.send('held')));
    app.get('/batch', (_req, res, next) => {
      fanOut((url) => send('GET', url)).then((s) => res.json(s), next);
    });
    const server = createServer(app);
    const url = await listen(server);
    return {
      monitor,
      admin: (req, res) => monitor.adminApi.handle(req, res),
      url,
      inject: send,
      release: hold.release,
      realAfterInject: wrapped,
      warnings,
      server,
      close: async () => {
        await closeServer(server);
        await monitor.close();
        for (const [proto, was] of under) Object.setPrototypeOf(proto, was);
      },
    };
  };

const koaApp: Build = async ({ koa: Koa }, clock) => {
  const warnings: string[] = [];
  const monitor = createKoaMonitor(options(clock, warnings));
  const app = new Koa();
  app.silent = true; // Koa prints the failure of /fail otherwise
  app.use(monitor.middleware());
  const hold = holder();
  const router = new Router();
  // Koa composes its middleware when callback() is called: taken once the router is mounted, below.
  let served: ReturnType<typeof app.callback> | undefined;
  const send = (method: string, url: string) =>
    inject(served as never, { method: method as 'GET', url }).then(status);
  router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  router.post('/users/:id', (ctx) => {
    ctx.status = 201;
    ctx.body = { created: true };
  });
  router.get('/teapot', (ctx) => {
    ctx.status = 418;
    ctx.body = 'teapot';
  });
  router.get('/fail', () => {
    throw new Error('route failure');
  });
  router.get('/hold', async (ctx) => {
    await hold.wait();
    ctx.body = 'held';
  });
  router.get('/batch', async (ctx) => {
    ctx.body = await fanOut((url) => send('GET', url));
  });
  app.use(router.routes());
  served = app.callback();
  const server = createServer(served);
  const url = await listen(server);
  return {
    monitor,
    admin: (req, res) => monitor.adminApi.handle(req, res),
    url,
    inject: send,
    release: hold.release,
    realAfterInject: true,
    warnings,
    server,
    close: async () => {
      await closeServer(server);
      await monitor.close();
    },
  };
};

/** One request of the script: what is sent, and the route and status it is recorded with. */
interface Sent {
  method: string;
  path: string;
  route: string;
  status: number;
}

/** A seeded (mulberry32) mix of the app's routes, unmatched URLs included. */
function script(seed: number, n: number): Sent[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const kinds: ((i: number) => Sent)[] = [
    (i) => ({ method: 'GET', path: `/users/${i}`, route: '/users/:id', status: 200 }),
    (i) => ({ method: 'POST', path: `/users/${i}`, route: '/users/:id', status: 201 }),
    () => ({ method: 'GET', path: '/teapot', route: '/teapot', status: 418 }),
    () => ({ method: 'GET', path: '/fail', route: '/fail', status: 500 }),
    (i) => ({ method: 'GET', path: `/nowhere/${i}`, route: UNMATCHED_ROUTE, status: 404 }),
  ];
  return Array.from({ length: n }, (_, i) =>
    (kinds[Math.floor(random() * kinds.length)] as (i: number) => Sent)(i),
  );
}

const classOf = (s: number) => `${Math.floor(s / 100)}xx`;

/**
 * Every `sysvitals_http_requests_total` sample, `method route status_class` → count, and `active`: read from the
 * monitor's admin API on a server of its own (the Express app serves no real request once one was injected).
 */
async function requestCounters(app: InjectApp): Promise<Map<string, number>> {
  const admin = createServer((req, res) => void app.admin(req, res));
  const url = await listen(admin);
  const res = await httpGet(`${url}${BASE}/metrics/prometheus`, { authorization: `Bearer ${TOKEN}` }).finally(
    () => closeServer(admin),
  );
  expect(res.status).toBe(200);
  const families = parseExposition(res.body);
  const counts = new Map<string, number>();
  for (const s of families.get('sysvitals_http_requests_total')?.samples ?? []) {
    counts.set(`${s.labels.method} ${s.labels.route} ${s.labels.status_class}`, s.value);
  }
  const active = families.get('sysvitals_http_server_active_requests')?.samples[0]?.value;
  counts.set('active', active ?? Number.NaN);
  return counts;
}

// The wrapped Express app first: light-my-request's changes to Express's prototypes (the other one) are for good.
const BUILDS: [string, Build][] = [
  ['express (wrapped handler)', expressApp(true)],
  ['express', expressApp(false)],
  ['fastify', fastifyApp],
  ['koa', koaApp],
];
const MAJORS: [string, () => FrameworkModules][] = [
  ['current majors', () => CURRENT_MAJORS],
  ['older majors', olderMajors],
];

const open: InjectApp[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) {
    app.release();
    await app.close();
  }
});

describe.each(MAJORS)('%s', (_label, modules) => {
  describe.each(BUILDS)('%s: requests sent with light-my-request', (name, build) => {
    it('are recorded like any request, in flight until answered, and never held at shutdown', async () => {
      const clock = { t: T0, now: () => clock.t };
      const app = await build(modules(), clock);
      open.push(app);
      const tally = new Map<string, number>();
      const count = (method: string, route: string, s: number) => {
        const key = `${method} ${route} ${classOf(s)}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      };

      // One real request first: from then on the finish channel is known to work, and injected requests stuck.
      expect((await httpGet(`${app.url}/users/0`)).status).toBe(200);
      count('GET', '/users/:id', 200);

      const sent = script(name.length * 7919 + 17, INJECTED);
      // Half one at a time, half five at a time (concurrent injected requests).
      const half = INJECTED / 2;
      const answered: number[] = [];
      for (const s of sent.slice(0, half)) answered.push(await app.inject(s.method, s.path));
      for (let i = half; i < INJECTED; i += 5) {
        const group = sent.slice(i, i + 5);
        answered.push(...(await Promise.all(group.map((s) => app.inject(s.method, s.path)))));
      }
      expect(answered).toEqual(sent.map((s) => s.status));
      for (const s of sent) count(s.method, s.route, s.status);

      // Requests that fan out with inject() (a BFF/batch endpoint): real ones, or injected too on Express.
      for (let b = 0; b < BATCHES; b++) {
        const got = app.realAfterInject
          ? (await httpGet(`${app.url}/batch`)).status
          : await app.inject('GET', '/batch');
        expect(got).toBe(200);
        count('GET', '/batch', 200);
        for (let i = 0; i < FAN_OUT; i++) count('GET', '/users/:id', 200);
      }
      const total = [...tally.values()].reduce((n, c) => n + c, 0);
      expect(total).toBe(1 + INJECTED + BATCHES * (FAN_OUT + 1));

      // An injected request not answered yet is in flight, and leaves once answered.
      const held = app.inject('GET', '/hold');
      await eventually(async () => app.monitor.requests.total >= total);
      clock.t += 1_000;
      let m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect([m.requests.total, m.requests.in_flight]).toEqual([total, 1]);
      app.release();
      expect(await held).toBe(200);
      count('GET', '/hold', 200);
      await eventually(async () => app.monitor.requests.total >= total + 1);

      clock.t += 1_000;
      m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect([m.requests.total, m.requests.in_flight]).toEqual([total + 1, 0]);
      expect(m.errors.count_aborted).toBe(0);
      const counters = await requestCounters(app);
      expect(counters.get('active')).toBe(0);
      counters.delete('active');
      expect(Object.fromEntries([...counters].sort())).toEqual(Object.fromEntries([...tally].sort()));

      // Nothing is left for shutdown to wait for.
      const report = await app.monitor.shutdown({ delayMs: 0, drainMs: DRAIN_MS });
      expect(report.dropped).toBe(0);
      expect(app.warnings.filter((w) => w.includes('still in flight'))).toEqual([]);
    });
  });
});
