// Issue 18: the Fastify plugin's onRequest hook answers admin URLs (and WebSocket upgrades) out of line, in
// `answerAside`, so that the hook V8 inlines into Fastify's hook runner is as small as it can be. What that hook
// decides must not move: an admin URL is answered by the admin API and stops Fastify's lifecycle there (no later
// hook, no route, a catch-all one included, and nothing recorded), and every application URL is recorded once under
// its route template. Real Fastify 5 and 4 servers on port 0; oracles: the client's statuses and bodies, the calls
// the application's own hook and handlers saw, and the monitor's recorded routes.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/fastify.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'aside-token-0123456789abcdef0123456789';
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

describe.each(majors)('%s: the plugin registered first, an application hook after it', (_name, make) => {
  it('answers admin URLs before any later hook or route, and records each application URL once', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, adminToken: TOKEN, logger: quiet });
    closers.push(() => monitor.close());
    const app = make()({ logger: false });
    await app.register(monitor.plugin());
    const seen: string[] = [];
    app.addHook('onRequest', async (request) => {
      seen.push(`hook ${request.url}`);
    });
    app.get('/users/:id', async (request) => {
      seen.push(`users ${request.url}`);
      return { id: (request.params as { id: string }).id };
    });
    app.get('/*', async (request) => {
      seen.push(`catch-all ${request.url}`);
      return 'spa';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(async () => {
      app.server.closeAllConnections();
      await app.close();
    });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };

    // Admin URLs, which the catch-all route would otherwise take: the admin API's answers.
    expect((await fetch(`${url}${BASE}/metrics/`)).status).toBe(401);
    const metrics = await fetch(`${url}${BASE}/metrics/`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(await metrics.json()).toMatchObject({ success: true });
    expect(seen).toEqual([]);

    // Application URLs: the later hook and the route run, and each request is recorded once under its template.
    const user = await fetch(`${url}/users/7`);
    expect([user.status, await user.json()]).toEqual([200, { id: '7' }]);
    const page = await fetch(`${url}/some/page`);
    expect([page.status, await page.text()]).toEqual([200, 'spa']);
    // A path that only begins like the base path is the application's.
    const near = await fetch(`${url}${BASE}x`);
    expect([near.status, await near.text()]).toEqual([200, 'spa']);
    expect(seen).toEqual([
      'hook /users/7',
      'users /users/7',
      'hook /some/page',
      'catch-all /some/page',
      `hook ${BASE}x`,
      `catch-all ${BASE}x`,
    ]);
    await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.total === 3);
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.routes.map((r) => [r.method, r.route, r.count]).sort()).toEqual([
      ['GET', '/*', 2],
      ['GET', '/users/:id', 1],
    ]);
  });
});
