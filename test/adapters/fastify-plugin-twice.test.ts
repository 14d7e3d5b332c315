// Outside review 42, RT42-10: since the nested-plugin fix (RT39-3) reaches the app's root instance wherever
// `monitor.plugin()` is registered, the same monitor's plugin registered at the root AND inside an encapsulated plugin
// (an @fastify/autoload plugins/monitoring.js without fastify-plugin) counted every request of the app twice,
// silently. A second registration of the same monitor in one app now does nothing, with one warning naming the
// monitor (its admin base path); two different monitors each still see every request once. Real Fastify 5 and 4
// servers on port 0; oracle: the client's own count of requests and statuses.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createMonitor, type FastifyMonitor } from '../../src/adapters/fastify.js';
import { FASTIFY_MAJORS, realFastify, statusOf } from './fastify-real.js';

const BASE = '/api/core/admin/system';
const TOKEN = 'plugin-twice-token-0123456789abcdef012345';

const majors = FASTIFY_MAJORS;
const { listen, closeAfter } = realFastify();

function newMonitor(warnings: string[], basePath?: string): FastifyMonitor {
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    adminToken: TOKEN,
    ...(basePath ? { basePath } : {}),
    logger: { warn: (...a: unknown[]) => warnings.push(String(a.at(-1))), error() {} },
  });
  closeAfter(() => monitor.close());
  return monitor;
}

const nested =
  (p: FastifyPluginAsync): FastifyPluginAsync =>
  async (f) =>
    void (await f.register(p));
const plugin = (m: FastifyMonitor) => m.plugin() as unknown as FastifyPluginAsync;

// 9 × 200 and 1 × 500, as repro/rt42-10.cjs.
const PATHS = [...Array.from({ length: 9 }, () => '/root'), '/fail'];

async function drive(app: FastifyInstance): Promise<{ url: string; statuses: number[] }> {
  app.get('/root', async () => 'root');
  app.get('/fail', async (_q, reply) => reply.code(500).send('x'));
  const url = await listen(app);
  const statuses: number[] = [];
  for (const p of PATHS) statuses.push(await statusOf(`${url}${p}`));
  return { url, statuses };
}

function routeCounts(m: Awaited<ReturnType<FastifyMonitor['getMetrics']>>): Array<[string, number, number]> {
  return m.routes
    .map((r) => [r.route, r.count, r.count_5xx] as [string, number, number])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe.each(majors)('%s: the same monitor.plugin() registered twice in one app', (_name, make) => {
  const layouts: Array<[string, (app: FastifyInstance, p: FastifyPluginAsync) => Promise<void>]> = [
    [
      'at the root, then inside a plugin',
      async (app, p) => {
        await app.register(p);
        await app.register(nested(p));
      },
    ],
    [
      'inside a plugin, then at the root',
      async (app, p) => {
        await app.register(nested(p));
        await app.register(p);
      },
    ],
    [
      'at the root twice',
      async (app, p) => {
        await app.register(p);
        await app.register(p);
      },
    ],
    [
      'inside two plugins, one two levels down',
      async (app, p) => {
        await app.register(nested(p));
        await app.register(nested(nested(p)));
      },
    ],
  ];
  it.each(layouts)('%s: each request recorded once, one warning naming the monitor', async (_l, register) => {
    const warnings: string[] = [];
    const monitor = newMonitor(warnings);
    const app = make()({ logger: false });
    await register(app, plugin(monitor));
    const { url, statuses } = await drive(app);
    // A third request at the admin API: served once, still at its base path.
    expect(await statusOf(`${url}${BASE}/metrics/`, { authorization: `Bearer ${TOKEN}` })).toBe(200);

    const ok = statuses.filter((s) => s === 200).length;
    const failed = statuses.filter((s) => s === 500).length;
    expect([ok, failed]).toEqual([9, 1]);
    const metrics = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(metrics.requests.total).toBe(PATHS.length);
    expect(metrics.errors.count_5xx).toBe(failed);
    expect(routeCounts(metrics)).toEqual([
      ['/fail', failed, failed],
      ['/root', ok, 0],
    ]);
    const twice = warnings.filter((w) => w.includes('registered a second time'));
    expect(twice).toHaveLength(1);
    expect(twice[0]).toContain(BASE);
  });

  it('a third registration warns no more', async () => {
    const warnings: string[] = [];
    const monitor = newMonitor(warnings);
    const app = make()({ logger: false });
    const p = plugin(monitor);
    await app.register(p);
    await app.register(nested(p));
    await app.register(nested(p));
    await drive(app);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(PATHS.length);
    expect(warnings.filter((w) => w.includes('registered a second time'))).toHaveLength(1);
  });

  it('two different monitors, one at the root and one inside a plugin: each sees every request once', async () => {
    const warnings: string[] = [];
    const a = newMonitor(warnings);
    const b = newMonitor(warnings, '/other-monitor');
    const app = make()({ logger: false });
    await app.register(plugin(a));
    await app.register(nested(plugin(b)));
    await drive(app);
    for (const m of [a, b]) {
      const metrics = await m.getMetrics({ maxAgeMs: 0 });
      expect(metrics.requests.total).toBe(PATHS.length);
      expect(metrics.errors.count_5xx).toBe(1);
    }
    expect(warnings.filter((w) => w.includes('registered a second time'))).toEqual([]);
  });

  it('the same monitor in two apps: each app recorded', async () => {
    const warnings: string[] = [];
    const monitor = newMonitor(warnings);
    const one = make()({ logger: false });
    const two = make()({ logger: false });
    await one.register(plugin(monitor));
    await two.register(nested(plugin(monitor)));
    await drive(one);
    await drive(two);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.total).toBe(2 * PATHS.length);
    expect(warnings.filter((w) => w.includes('registered a second time'))).toEqual([]);
  });
});
