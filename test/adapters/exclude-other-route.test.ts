// Regression (outside review 33, RT33-7): `excludeRoutes: ['/poll']` also excluded spellings the framework routes
// to another route: `/%70oll/1`, `/poll;x/y`, `/poll\x/y` on Express and Koa (their routers match the undecoded
// path: `/:user/:repo` answers them), `/POLL/1` on Fastify (case-sensitive). Those requests were not counted,
// timed, in flight or shed: a load-shedding bypass. Real servers on port 0, both majors of each framework, raw
// sockets for the request-targets. The oracle is the framework's own routing, read from which handler ran: a
// request a non-excluded route answered is recorded (once), and while the server sheds it is answered 503.

import KoaRouter from '@koa/router';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { rawGetStatus, sendTargets } from '../helpers/http-get.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {} };

beforeAll(() => {
  vi.spyOn(process, 'emitWarning').mockImplementation(() => {}); // Fastify 5's deprecation notes
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** Spellings of /poll and /poll/1 (and near misses), as sent on the request line. */
const TARGETS = [
  '/poll/1',
  '/POLL/1',
  '/Poll',
  '/poll',
  '/%70oll/1',
  '/%70oll/proj',
  '/P%4FLL/3',
  '/poll;x/y',
  '/poll;x',
  '/poll%3Bx/y',
  '/poll\\x/y',
  '/poll\\x',
  '//poll/x',
  '/poll%2f1/x',
  '/poll/1;x',
  '/poll#x',
  'http://h/poll/1',
  'http://h/%70oll/1',
  'http://h/poll;x/y',
  'http://h/POLL/2',
];

interface Served {
  port: number;
  monitor: SystemMonitor;
  /** Which handler answered each request so far, in order: 'poll' (excluded) or 'other'. */
  ran: string[];
}

type Build = (modules: FrameworkModules, options: MonitorOptions) => Promise<Served>;

const expressBuild: Build = async (modules, options) => {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = modules.express();
  app.use(monitor.middleware());
  const ran: string[] = [];
  app.get('/poll', (_q, s) => void s.send(`poll ${ran.push('poll')}`));
  app.get('/poll/:id', (_q, s) => void s.send(`poll ${ran.push('poll')}`));
  app.get('/:page', (_q, s) => void s.status(500).send(`other ${ran.push('other')}`));
  app.get('/:user/:repo', (_q, s) => void s.status(500).send(`other ${ran.push('other')}`));
  const server = createServer(app);
  return { port: await listen(server, monitor), monitor, ran };
};

const koaBuild: Build = async (modules, options) => {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.silent = true;
  const router = new KoaRouter();
  const ran: string[] = [];
  const poll = (ctx: { body: unknown }) => {
    ctx.body = `poll ${ran.push('poll')}`;
  };
  const other = (ctx: { body: unknown; status: number }) => {
    ctx.status = 500;
    ctx.body = `other ${ran.push('other')}`;
  };
  router.get('/poll', poll);
  router.get('/poll/:id', poll);
  router.get('/:page', other);
  router.get('/:user/:repo', other);
  app.use(monitor.middleware());
  app.use(router.routes());
  const server = createServer(app.callback());
  return { port: await listen(server, monitor), monitor, ran };
};

const fastifyBuild: Build = async (modules, options) => {
  const { createMonitor } = await import('../../src/adapters/fastify.js');
  const monitor = createMonitor(options);
  const app = modules.fastify();
  await app.register(monitor.plugin());
  const ran: string[] = [];
  app.get('/poll', async () => `poll ${ran.push('poll')}`);
  app.get('/poll/:id', async () => `poll ${ran.push('poll')}`);
  app.get('/:page', async (_q, reply) => reply.code(500).send(`other ${ran.push('other')}`));
  app.get('/:user/:repo', async (_q, reply) => reply.code(500).send(`other ${ran.push('other')}`));
  await app.ready();
  return { port: await listen(app.server, monitor), monitor, ran };
};

const MAJORS = [CURRENT_MAJORS, olderMajors()];
const cases = MAJORS.flatMap((modules) => [
  {
    name: `express ${modules.versions.express}`,
    modules,
    build: expressBuild,
    odd: ['/%70oll/1', '/poll;x/y'],
  },
  { name: `koa ${modules.versions.koa}`, modules, build: koaBuild, odd: ['/%70oll/1', '/poll\\x/y'] },
  {
    name: `fastify ${modules.versions.fastify}`,
    modules,
    build: fastifyBuild,
    odd: ['/POLL/1', '/poll\\x/y'],
  },
]);

describe.each(MAJORS)('express $versions.express with case sensitive routing', (modules) => {
  it('a spelling in another letter case the app routes elsewhere is recorded', async () => {
    const { createServer } = await import('node:http');
    const { createMonitor } = await import('../../src/adapters/express.js');
    const monitor = createMonitor({ sampleIntervalMs: 0, excludeRoutes: ['/poll'], logger: quiet });
    const app = modules.express();
    app.enable('case sensitive routing');
    app.use(monitor.middleware());
    const ran: string[] = [];
    app.get('/poll/:id', (_q, s) => void s.send(`poll ${ran.push('poll')}`));
    app.get('/:user/:repo', (_q, s) => void s.status(500).send(`other ${ran.push('other')}`));
    const served = { port: await listen(createServer(app), monitor), monitor, ran };
    const sent = await sendTargets(served, ['/poll/1', '/POLL/1', '/Poll/2']);
    expect(sent.map((r) => [r.target, r.handler, r.recorded])).toEqual([
      ['/poll/1', 'poll', 0],
      ['/POLL/1', 'other', 1],
      ['/Poll/2', 'other', 1],
    ]);
  });
});

describe.each(cases)(
  '$name: excludeRoutes never hides a request another route answers',
  ({ modules, build, odd }) => {
    it('every request a non-excluded route answered is recorded; none the excluded route answered is', async () => {
      const served = await build(modules, { sampleIntervalMs: 0, excludeRoutes: ['/poll'], logger: quiet });
      const sent = await sendTargets(served, TARGETS);
      const other = sent.filter((r) => r.handler === 'other');
      // The framework routed the review's spellings to the other route (else this test proves nothing).
      expect(other.map((r) => r.target)).toEqual(expect.arrayContaining(odd));
      expect(other.filter((r) => r.recorded !== 1).map((r) => r.target)).toEqual([]);
      const poll = sent.filter((r) => r.handler === 'poll');
      expect(poll.map((r) => r.target)).toEqual(expect.arrayContaining(['/poll/1', '/poll']));
      expect(poll.filter((r) => r.recorded !== 0).map((r) => r.target)).toEqual([]);
      const m = await served.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.count_5xx).toBe(other.length);
      expect(m.requests.in_flight).toBe(0);
    }, 30_000);

    it('while the server sheds, a request another route would answer gets 503; the excluded route still runs', async () => {
      // Routing first, on a server that does not shed.
      const plain = await build(modules, { sampleIntervalMs: 0, excludeRoutes: ['/poll'], logger: quiet });
      const routed = await sendTargets(plain, TARGETS);
      const shedding = await build(modules, {
        sampleIntervalMs: 0,
        excludeRoutes: ['/poll'],
        logger: quiet,
        shed: { maxHeapUsedBytes: 1, sampleIntervalMs: 20 },
      });
      // Bounded wait for the first shedding reading (the heap is always over 1 byte).
      for (let i = 0; i < 200 && (await rawGetStatus(shedding.port, '/a/b')) !== 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const sent = await sendTargets(shedding, TARGETS);
      const byTarget = new Map(sent.map((r) => [r.target, r]));
      const toOther = routed.filter((r) => r.handler === 'other').map((r) => r.target);
      expect(toOther).toEqual(expect.arrayContaining(odd));
      expect(toOther.filter((t) => byTarget.get(t)?.status !== 503)).toEqual([]);
      expect(toOther.filter((t) => byTarget.get(t)?.handler !== '')).toEqual([]);
      const toPoll = routed.filter((r) => r.handler === 'poll').map((r) => r.target);
      expect(toPoll.map((t) => [t, byTarget.get(t)?.status])).toEqual(toPoll.map((t) => [t, 200]));
    }, 30_000);
  },
);
