// Regression (outside review 6, F3): `excludeRoutes: ['/poll']` was matched on the raw URL, so spellings of the
// path that the framework routes to the excluded route were monitored: the absolute-form target
// `GET http://x/poll/1 HTTP/1.1` (RFC 9112) on Express 4/5, Fastify 4/5 and Koa 2/3, `/%70oll/1` on Fastify (its
// router decodes the path), `//poll/3` with Fastify's ignoreDuplicateSlashes, `/poll;x` with its semicolon
// delimiter, `/poll#x` everywhere. Real servers on port 0, both majors of each framework, raw sockets for the
// request-targets no client library sends. The oracle is the framework's own routing: every target whose request
// reached the excluded route's handler must leave nothing recorded, whatever its spelling; requests to other
// routes (absolute-form included) are recorded.

import KoaRouter from '@koa/router';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { rawGetStatus } from '../helpers/http-get.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const options = { sampleIntervalMs: 0, excludeRoutes: ['/poll'], logger: { warn() {}, error() {} } };

beforeAll(() => {
  vi.spyOn(process, 'emitWarning').mockImplementation(() => {}); // Fastify 5's deprecation notes
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** Request-targets, as sent on the request line: spellings of /poll and /poll/1 and their near misses. */
const TARGETS = [
  '/poll/1',
  '/POLL/1',
  '/poll',
  '/poll/',
  '/%70oll/1',
  '/p%6Fll/2',
  '/P%4FLL/3',
  '/%70%6f%6c%6c/4',
  '/poll%2F5',
  '/%2Fpoll/6',
  '//poll/7',
  '///poll/8',
  '/poll//9',
  '//poll',
  '/./poll/10',
  '/x/../poll/11',
  '/%2e%2e/poll/12',
  '/poll;a/13',
  '/poll;x',
  '/poll#x',
  '/poll/14#x',
  '/poll\\15#x',
  '/poll?/x',
  '/poll%3Fx',
  '/poll%zz/16',
  '/%zzpoll',
  'http://x/poll/17',
  'HTTP://X/poll/18',
  'https://x:443/poll/19',
  'http://u:p@x/poll/20',
  'http://x?/poll/21',
  'http://x//poll/22',
  'http://x/%70oll/23',
  'http://x;/poll/24',
  'http://x%2F/poll',
  'http://[::1]/poll/25',
  'http://x/poll',
  'http:///poll/26',
  'x://y/poll',
  '*',
];

/** Requests that are not to the excluded route: each is recorded. */
const COUNTED = ['/ok', 'http://x/ok', '/pollx', '/x/poll', '/%6Fk'];

interface Served {
  port: number;
  monitor: SystemMonitor;
  /** Requests the excluded route's handler answered so far. */
  polled(): number;
}

type Build = (modules: FrameworkModules) => Promise<Served>;

const expressBuild: Build = async (modules) => {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = modules.express();
  app.use(monitor.middleware());
  let polled = 0;
  app.get('/poll', (_q, s) => void s.send(`poll ${++polled}`));
  app.get('/poll/:id', (_q, s) => void s.send(`poll ${++polled}`));
  app.get('/ok', (_q, s) => void s.send('ok'));
  const server = createServer(app);
  return { port: await listen(server, monitor), monitor, polled: () => polled };
};

const koaBuild: Build = async (modules) => {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.silent = true;
  const router = new KoaRouter();
  let polled = 0;
  router.get('/poll', (ctx) => {
    ctx.body = `poll ${++polled}`;
  });
  router.get('/poll/:id', (ctx) => {
    ctx.body = `poll ${++polled}`;
  });
  router.get('/ok', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(monitor.middleware());
  app.use(router.routes());
  const server = createServer(app.callback());
  return { port: await listen(server, monitor), monitor, polled: () => polled };
};

/** Fastify with its defaults, or with the router options that route more spellings (`routerOptions` on 5). */
const fastifyBuild =
  (lenient: boolean): Build =>
  async (modules) => {
    const { createMonitor } = await import('../../src/adapters/fastify.js');
    const monitor = createMonitor(options);
    const router = lenient
      ? {
          ignoreDuplicateSlashes: true,
          ignoreTrailingSlash: true,
          caseSensitive: false,
          useSemicolonDelimiter: true,
        }
      : {};
    const app = modules.fastify(modules.majors.fastify >= 5 ? { routerOptions: router } : router);
    await app.register(monitor.plugin());
    let polled = 0;
    app.get('/poll', async () => `poll ${++polled}`);
    app.get('/poll/:id', async () => `poll ${++polled}`);
    app.get('/ok', async () => 'ok');
    await app.ready();
    return { port: await listen(app.server, monitor), monitor, polled: () => polled };
  };

/** Each target in turn: whether the excluded route's handler answered it, and how many requests it recorded. */
async function sendTargets(s: Served, targets: readonly string[]) {
  const out: { target: string; status: number; routed: boolean; recorded: number }[] = [];
  for (const target of targets) {
    const [polled, n] = [s.polled(), s.monitor.requests.cumulativeCounts().n];
    // The response is recorded when it finishes (response-end.ts), before the server closes the connection.
    const status = await rawGetStatus(s.port, target);
    out.push({
      target,
      status,
      routed: s.polled() > polled,
      recorded: s.monitor.requests.cumulativeCounts().n - n,
    });
  }
  return out;
}

const MAJORS = [CURRENT_MAJORS, olderMajors()];
const cases = MAJORS.flatMap((modules) => [
  { name: `express ${modules.versions.express}`, modules, build: expressBuild, odd: ['http://x/poll/17'] },
  { name: `koa ${modules.versions.koa}`, modules, build: koaBuild, odd: ['http://x/poll/17'] },
  {
    name: `fastify ${modules.versions.fastify}`,
    modules,
    build: fastifyBuild(false),
    odd: ['http://x/poll/17', '/%70oll/1', '/p%6Fll/2', '/poll#x'],
  },
  {
    name: `fastify ${modules.versions.fastify} (ignoreDuplicateSlashes, caseSensitive false, useSemicolonDelimiter)`,
    modules,
    build: fastifyBuild(true),
    odd: ['//poll/7', '/poll//9', '/P%4FLL/3', '/poll;x', 'http://x//poll/22'],
  },
]);

describe.each(cases)(
  '$name: excludeRoutes whatever the spelling the router routes',
  ({ modules, build, odd }) => {
    it('no request the excluded route answered is recorded; requests to other routes are', async () => {
      const served = await build(modules);
      const sent = await sendTargets(served, TARGETS);
      const routed = sent.filter((r) => r.routed);
      // The framework routed the plain spelling and the odd ones the review found (else this test proves nothing).
      expect(routed.map((r) => r.target)).toEqual(expect.arrayContaining(['/poll/1', '/poll', ...odd]));
      expect(routed.every((r) => r.status === 200)).toBe(true);
      expect(routed.filter((r) => r.recorded !== 0).map((r) => r.target)).toEqual([]);
      expect((await served.monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight).toBe(0);

      const counted = await sendTargets(served, COUNTED);
      expect(counted.map((r) => [r.target, r.routed, r.recorded])).toEqual(COUNTED.map((t) => [t, false, 1]));
    }, 30_000);
  },
);

describe.each(MAJORS)('fastify $versions.fastify: the matched route template is tested too', (modules) => {
  it('a URL rewritten to an excluded route (rewriteUrl: the path tested is the original) is excluded', async () => {
    const { createMonitor } = await import('../../src/adapters/fastify.js');
    const monitor = createMonitor(options);
    const app = modules.fastify({
      rewriteUrl: (req) => (req.url?.startsWith('/legacy/') ? `/poll/${req.url.slice(8)}` : (req.url ?? '/')),
    });
    await app.register(monitor.plugin());
    let polled = 0;
    app.get('/poll/:id', async () => `poll ${++polled}`);
    app.get('/ok', async () => 'ok');
    await app.ready();
    const served = { port: await listen(app.server, monitor), monitor, polled: () => polled };
    const sent = await sendTargets(served, ['/legacy/1', '/legacy/2', '/ok']);
    expect(sent.map((r) => [r.target, r.status, r.routed, r.recorded])).toEqual([
      ['/legacy/1', 200, true, 0],
      ['/legacy/2', 200, true, 0],
      ['/ok', 200, false, 1],
    ]);
  });
});
