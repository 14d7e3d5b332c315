// With database instrumentation on (request scopes enabled), the Fastify plugin runs the rest of a request's lifecycle
// inside its scope: the application's later hooks and the handler (and a query they issue) see the route of the request
// that runs them, after the body was parsed too (the preHandler hook enters the scope again). No Fastify test pinned
// this path, which the plugin's onRequest hook takes on every request when scopes are on (perf-fastify, issue 18,
// tried and reverted a restructuring of it). Real Fastify 5 and 4 servers on port 0; oracle: the route templates the
// application registered.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/fastify.js';
import { currentScope, enableRequestContext, routeOfScope } from '../../src/profiling/request-context.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const quiet = { warn() {}, error() {} };

type Factory = (opts?: object) => FastifyInstance;
const majors: Array<[string, () => Factory]> = [
  [`fastify ${CURRENT_MAJORS.versions.fastify}`, () => CURRENT_MAJORS.fastify as unknown as Factory],
  [`fastify ${olderMajors().versions.fastify} (fastify4)`, () => olderMajors().fastify as unknown as Factory],
];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe.each(majors)('%s: request scopes on', (_name, make) => {
  it("a handler runs in its request's scope, with and without a body, and each request is recorded once", async () => {
    // What instrumentPg/instrumentMysql/instrumentRedis turn on (process-wide, as they do).
    enableRequestContext();
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: quiet });
    closers.push(() => monitor.close());
    const app = make()({ logger: false });
    await app.register(monitor.plugin());
    const seen: Array<string | undefined> = [];
    // An application hook after the plugin's: it runs inside the scope the plugin's onRequest hook entered (the
    // preHandler hook enters it only later, before the handler).
    app.addHook('onRequest', (_request, _reply, done) => {
      seen.push(`hook ${routeOfScope(currentScope())}`);
      done();
    });
    app.get('/users/:id', async () => {
      await new Promise((r) => setImmediate(r)); // across an asynchronous step
      seen.push(routeOfScope(currentScope()));
      return 'ok';
    });
    app.post('/orders/:id', async () => {
      seen.push(routeOfScope(currentScope()));
      return 'ok';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(async () => {
      app.server.closeAllConnections();
      await app.close();
    });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    expect((await fetch(`${url}/users/7`)).status).toBe(200);
    const post = await fetch(`${url}/orders/9`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(post.status).toBe(200);
    expect(seen).toEqual(['hook /users/:id', '/users/:id', 'hook /orders/:id', '/orders/:id']);
    // Outside a request: no scope.
    expect(currentScope()).toBeUndefined();

    await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total === 2);
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(2);
  });
});
