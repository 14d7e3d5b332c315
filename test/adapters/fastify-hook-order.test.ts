// Outside review 6, F11: on Fastify 4 and 5, an application `onRequest` hook added before
// `app.register(monitor.plugin())` ran before sysvitals' hook: the 401s it answered were never recorded, and a request
// it held (an auth service that hangs) was not in flight, the monitor reading healthy. The plugin now records from
// the head of the hook lists whatever the order (src/adapters/fastify-hook-order.ts), while the admin API still runs
// after the application's earlier hooks (an `authorize` may read what they set). Real Fastify 5 and 4 servers on
// port 0; oracles: the client's requests and statuses, the time the hook itself waited (a lower bound of the
// recorded duration) and the client's round trip (an upper bound), the monitor's injected clock for ages.

import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, fastifyPlugin } from '../../src/adapters/fastify.js';
import { putRecordingFirst } from '../../src/adapters/fastify-hook-order.js';
import type { EndpointRow } from '../../src/profiling/endpoints.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { recordingSource } from './harness.js';
import { eventually, type PendingGet, startGet } from './workload-apps.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'hook-order-token-0123456789abcdef0123';
const quiet = { warn() {}, error() {} };
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

type Factory = (opts?: object) => FastifyInstance;
const majors: Array<[string, () => Factory]> = [
  [`fastify ${CURRENT_MAJORS.versions.fastify}`, () => CURRENT_MAJORS.fastify as unknown as Factory],
  [`fastify ${olderMajors().versions.fastify} (fastify4)`, () => olderMajors().fastify as unknown as Factory],
];

const closers: Array<() => Promise<void>> = [];
const clients: PendingGet[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.abandon();
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(async () => {
    app.server.closeAllConnections();
    await app.close();
  });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An auth hook: /private/* answered 401 after `waitMs` (how long it waited pushed to `waited`), /hang/* held. */
function authHook(waited: number[], held: Array<() => void>, waitMs = 30) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const entered = performance.now();
    if (request.url.startsWith('/private/')) {
      await sleep(waitMs);
      waited.push(performance.now() - entered);
      return reply.code(401).send('no');
    }
    if (request.url.startsWith('/hang/')) await new Promise<void>((resolve) => held.push(resolve));
  };
}

function routes(app: FastifyInstance): void {
  app.get('/private/:id', async () => 'secret');
  app.get('/hang/:id', async () => 'late');
  app.get('/ok', async () => 'ok');
}

async function timedGet(url: string): Promise<{ status: number; elapsed: number }> {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, elapsed: performance.now() - t };
}

describe.each(majors)('%s: onRequest hooks added before the plugin', (_name, make) => {
  it('requests an earlier hook answers are recorded with their status, route and duration', async () => {
    const source = recordingSource();
    const app = make()({ logger: false });
    const waited: number[] = [];
    app.addHook('onRequest', authHook(waited, []));
    // An encapsulated plugin registered before sysvitals, with its own hook: its routes are recorded too.
    await app.register(async (child) => {
      child.addHook('onRequest', async (_request, reply) => reply.code(429).send('slow down'));
      child.get('/limited/:id', async () => 'never');
    });
    await app.register(fastifyPlugin(source, { adminToken: TOKEN }));
    routes(app);
    const url = await listen(app);

    const seen: Array<{ path: string; status: number; elapsed: number }> = [];
    for (const path of ['/private/1', '/ok', '/private/2', '/limited/1', '/private/3', '/ok', '/nope']) {
      seen.push({ path, ...(await timedGet(`${url}${path}`)) });
    }
    expect(seen.map((s) => s.status)).toEqual([401, 200, 401, 429, 401, 200, 404]);
    await eventually(async () => source.records.length === seen.length);

    expect(source.records.map((r) => [r.method, r.route, r.status])).toEqual([
      ['GET', '/private/:id', 401],
      ['GET', '/ok', 200],
      ['GET', '/private/:id', 401],
      ['GET', '/limited/:id', 429],
      ['GET', '/private/:id', 401],
      ['GET', '/ok', 200],
      ['GET', 'unmatched', 404],
    ]);
    // Each 401's duration holds the hook's whole wait (recording started before the hook ran) and no more than the
    // client's round trip.
    const privates = source.records.filter((r) => r.route === '/private/:id');
    const trips = seen.filter((s) => s.path.startsWith('/private/'));
    expect(waited).toHaveLength(3);
    privates.forEach((r, i) => {
      expect(r.durationMs).toBeGreaterThanOrEqual(waited[i] as number);
      expect(r.durationMs).toBeLessThanOrEqual(trips[i]?.elapsed as number);
    });
  });

  it('a request an earlier hook holds is in flight under its route; closed by its client, it is aborted', async () => {
    const clock = { t: T0, now: () => clock.t };
    const monitor = createMonitor({ sampleIntervalMs: 0, adminToken: TOKEN, logger: quiet, clock });
    closers.push(() => monitor.close());
    const app = make()({ logger: false });
    const held: Array<() => void> = [];
    app.addHook('onRequest', authHook([], held));
    await app.register(monitor.plugin());
    routes(app);
    const url = await listen(app);

    const hung = Array.from({ length: 3 }, () => startGet(`${url}/hang/1`));
    clients.push(...hung);
    await eventually(async () => held.length === 3);
    clock.t += 6_000;
    const metrics = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(metrics.requests.in_flight).toBe(3);
    const res = await fetch(`${url}${BASE}/routes/?sort=in_flight`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const rows = ((await res.json()) as { data: { routes: EndpointRow[] } }).data.routes;
    const inFlight = rows.filter((r) => 'in_flight' in r).map((r) => [r.method, r.route, r.in_flight]);
    expect(inFlight).toEqual([['GET', '/hang/:id', 3]]);
    expect(rows.find((r) => r.route === '/hang/:id')?.oldest_in_flight_ms).toBe(6_000);

    // The clients give up: three aborted requests of /hang/:id, none in flight.
    for (const c of hung) c.abandon();
    await eventually(async () => monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0) === 3);
    clock.t += 1_000; // a new snapshot (the last one is younger than maxAgeMs on the injected clock)
    const after = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(after.requests.in_flight).toBe(0);
    expect(after.errors.count_aborted).toBe(3);
    expect(after.routes.map((r) => [r.method, r.route, r.count_aborted])).toEqual([['GET', '/hang/:id', 3]]);
  });

  it('the admin API still runs after the earlier hooks: an authorize reads what they set', async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: quiet,
      authorize: (request: FastifyRequest) => (request as FastifyRequest & { who?: string }).who === 'ops',
    });
    closers.push(() => monitor.close());
    const app = make()({ logger: false });
    // A session hook added first: it sets who the caller is, as @fastify/session and the like do.
    app.decorateRequest('who', '');
    app.addHook('onRequest', async (request) => {
      (request as FastifyRequest & { who?: string }).who = String(request.headers['x-who'] ?? '');
    });
    app.addHook('onRequest', authHook([], []));
    await app.register(monitor.plugin());
    routes(app);
    const url = await listen(app);

    const health = (who: string) => fetch(`${url}${BASE}/metrics/`, { headers: { 'x-who': who } });
    expect((await health('ops')).status).toBe(200);
    expect((await health('guest')).status).toBe(403);
    expect((await fetch(`${url}/private/9`)).status).toBe(401);
    await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total === 1);
    // The admin API's requests are not application traffic; the hook's 401 is.
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.routes.map((r) => [r.method, r.route, r.count, r.count_4xx])).toEqual([
      ['GET', '/private/:id', 1, 1],
    ]);
  });

  it('registered before any other hook, the plugin stays the only sysvitals hook of a request', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, adminToken: TOKEN, logger: quiet });
    closers.push(() => monitor.close());
    const app = make()({ logger: false });
    await app.register(monitor.plugin());
    const mine = async () => {};
    app.addHook('onRequest', mine);
    routes(app);
    await app.ready();
    // Fastify's hook list (the one the routes copied): the plugin's hook, then the application's.
    const hooks = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.hooks') as symbol;
    const list = (app as unknown as Record<symbol, { onRequest: unknown[] }>)[hooks]?.onRequest;
    expect(list).toHaveLength(2);
    expect(list?.[1]).toBe(mine);
  });
});

describe('putRecordingFirst', () => {
  const HOOKS = Symbol('fastify.hooks');
  const CHILDREN = Symbol('fastify.children');
  const instance = (onRequest: unknown[], children: object[] = []) => ({
    [HOOKS]: { onRequest },
    [CHILDREN]: children,
  });

  it('leaves the lists alone when the hook is first in each, else puts `front` at the head of each holding it', () => {
    const [hook, front, a, b] = ['hook', 'front', 'a', 'b'];
    expect(putRecordingFirst(instance([hook, a], [instance([hook, b])]), hook, front)).toBe('first');
    const child = instance([b, hook]);
    const other = instance([a]);
    const root = instance([hook, a], [child, other]);
    expect(putRecordingFirst(root, hook, front)).toBe('moved');
    expect(root[HOOKS].onRequest).toEqual([front, hook, a]);
    expect(child[HOOKS].onRequest).toEqual([front, b, hook]);
    // A list without the hook (an instance outside the one the plugin was registered on: RT39-3) gets it too.
    expect(other[HOOKS].onRequest).toEqual([front, hook, a]);
  });

  it('is `unknown` (nothing changed) when Fastify keeps its hooks elsewhere', () => {
    expect(putRecordingFirst({}, 'hook', 'front')).toBe('unknown');
    const root = instance(['a', 'hook'], [{}]);
    expect(putRecordingFirst(root, 'hook', 'front')).toBe('unknown');
    expect(root[HOOKS].onRequest).toEqual(['a', 'hook']);
  });
});
