// Outside review 46, RT46-9: in a process where Fastify 5 served first (two Fastify copies: a monorepo's two apps,
// or these tests), a Fastify 4 request with no route (routeOptions.url undefined) made the plugin read the deprecated
// `request.routerPath`, and Fastify 4 printed FSTDEP017 into the app's output. Fastify warns once per process, so the
// check runs in a child process of its own; the oracle is Node's 'warning' events (none of Fastify's deprecation
// codes) and the requests the client sent (routes and statuses it got).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('a Fastify 4 app after a Fastify 5 one in the same process: no FSTDEP017, every request recorded', () => {
  const script = `
const warnings = [];
process.on('warning', (w) => warnings.push(w.code ?? w.name));
const { createMonitor } = await import('./src/adapters/fastify.ts');
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const statuses = {};
async function serve(fastify) {
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: quiet });
  const app = fastify();
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/secret')) { reply.code(401).send('no'); return reply; }
  });
  await app.register(monitor.plugin());
  app.get('/open', async () => 'o');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = 'http://127.0.0.1:' + app.server.address().port;
  for (const path of ['/open', '/open', '/secret', '/missing', '/missing/2']) {
    const res = await fetch(base + path);
    await res.arrayBuffer();
    statuses[path] = (statuses[path] ?? []).concat(res.status);
  }
  const rows = monitor.endpoints('time', 1000).routes.map((r) => [r.route, r.count]).sort();
  const total = (await monitor.getMetrics()).requests.total;
  await app.close();
  await monitor.close();
  return { rows, total };
}
const five = await serve((await import('fastify')).default);
const four = await serve((await import('fastify4')).default);
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ five, four, statuses, warnings }));
process.exit(0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  expect(out.statuses).toEqual({
    '/open': [200, 200, 200, 200],
    '/secret': [401, 401],
    '/missing': [404, 404],
    '/missing/2': [404, 404],
  });
  const expected = {
    rows: [
      ['/open', 2],
      ['unmatched', 3],
    ],
    total: 5,
  };
  expect({ five: out.five, four: out.four }).toEqual({ five: expected, four: expected });
  expect(out.warnings.filter((code: string) => /^FSTDEP/.test(code))).toEqual([]);
  expect(r.stderr).not.toMatch(/FSTDEP017|routerPath/);
});
