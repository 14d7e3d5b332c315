// Outside review 39, RT39-3: on Fastify 4 and 5, `monitor.plugin()` registered inside an encapsulated plugin of the
// app's own (a plugins/monitoring.js loaded by @fastify/autoload without fastify-plugin, or
// `app.register(async (f) => { await f.register(monitor.plugin()) })`) recorded only that plugin's routes and the
// admin API answered 404 at its base path, silently. The plugin now reaches the app's root instance wherever it is
// registered (src/adapters/fastify-hook-order.ts). Real Fastify 5 and 4 servers on port 0; oracle: the client's own
// count of requests and statuses.

import type { FastifyPluginAsync } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/fastify.js';
import { FASTIFY_MAJORS, realFastify, statusOf } from './fastify-real.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'nested-plugin-token-0123456789abcdef0123';

const majors = FASTIFY_MAJORS;
const { listen, closeAfter } = realFastify();

/** The client's own tally by status. */
function tally(statuses: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe.each(majors)('%s: monitor.plugin() registered inside a plugin of the app', (_name, make) => {
  const cases: Array<[string, (plugin: FastifyPluginAsync) => FastifyPluginAsync]> = [
    ['one level down', (p) => async (f) => void (await f.register(p))],
    [
      'two levels down, with a route beside it',
      (p) => async (f) => {
        await f.register(async (g) => void (await g.register(p)));
        f.get('/inside', async () => 'in');
      },
    ],
  ];
  it.each(cases)('%s: every route of the app is recorded and the admin API answers', async (_c, wrap) => {
    const warnings: string[] = [];
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      adminToken: TOKEN,
      logger: { warn: (...a: unknown[]) => warnings.push(String(a.at(-1))), error() {} },
    });
    closeAfter(() => monitor.close());
    const app = make()({ logger: false });
    // A plugin of the app's loaded before the monitoring one, and routes at the root after it.
    await app.register(async (earlier) => {
      earlier.get('/earlier', async (_q, reply) => reply.code(503).send('down'));
    });
    await app.register(wrap(monitor.plugin() as unknown as FastifyPluginAsync));
    app.get('/orders', async (_q, reply) => reply.code(500).send('db down'));
    app.get('/users/:id', async () => ({ ok: true }));
    const url = await listen(app);

    const paths = ['/orders', '/users/1', '/earlier', '/nope', '/users/2', '/orders', '/earlier'];
    if (_c.includes('beside')) paths.push('/inside', '/inside');
    const statuses: number[] = [];
    for (const p of paths) statuses.push(await statusOf(`${url}${p}`));
    const client = tally(statuses);

    const metrics = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(metrics.requests.total).toBe(paths.length);
    expect(metrics.errors.count_5xx).toBe((client['500'] ?? 0) + (client['503'] ?? 0));
    expect(metrics.errors.count_4xx).toBe(client['404'] ?? 0);
    // The admin API at its base path, on the app's root.
    expect(await statusOf(`${url}${BASE}/metrics/`, { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await statusOf(`${url}${BASE}/metrics/`)).toBe(401);
    expect(warnings.filter((w) => w.includes('encapsulated'))).toEqual([]);
  });
});
