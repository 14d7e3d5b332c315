// `excludeRoutes` in an Express app whose routers route letter case each by its own rule: a `Router({ caseSensitive:
// true })` in an app that is not (it routes `/r/POLL` to its `/:page`, not to its excluded `/poll`: that request was
// left unmonitored), and an app with `case sensitive routing` whose default router still routes `/r/POLL` to `/poll`
// (that request was counted, and shed under load, although the excluded route answered it). The oracle is the real
// Express 4 and 5 router: which handler answered each request; an excluded handler's requests are neither recorded
// nor shed, every other handler's are.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { rawGetStatus, sendTargets } from '../helpers/http-get.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {} };

beforeAll(() => {
  vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** Spellings of /r/poll and /r/poll/1 in several letter cases (and near misses), as sent on the request line. */
const TARGETS = [
  '/r/poll',
  '/r/poll/1',
  '/r/POLL',
  '/r/Poll/1',
  '/R/poll',
  '/R/POLL/2',
  '/r/pollx',
  '/r/x/y',
  'http://h/r/POLL/3',
];

interface Served {
  port: number;
  monitor: SystemMonitor;
  /** Which handler answered each request so far, in order: 'poll' (excluded) or 'other'. */
  ran: string[];
}

/**
 * An Express app with the monitor, and a router at `/r` with `/poll`, `/poll/:id` (excluded as `/r/poll`), `/:page`
 * and `/:a/:b`: `router` its Router options, `app` its `case sensitive routing` setting.
 */
async function build(
  modules: FrameworkModules,
  options: MonitorOptions,
  caseSensitive: { router: boolean; app: boolean },
): Promise<Served> {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = modules.express();
  if (caseSensitive.app) app.set('case sensitive routing', true);
  app.use(monitor.middleware());
  const ran: string[] = [];
  const router = modules.express.Router({ caseSensitive: caseSensitive.router });
  router.get('/poll', (_q, s) => void s.send(`poll ${ran.push('poll')}`));
  router.get('/poll/:id', (_q, s) => void s.send(`poll ${ran.push('poll')}`));
  router.get('/:page', (_q, s) => void s.status(500).send(`other ${ran.push('other')}`));
  router.get('/:a/:b', (_q, s) => void s.status(500).send(`other ${ran.push('other')}`));
  app.use('/r', router);
  return { port: await listen(createServer(app), monitor), monitor, ran };
}

const settings = [
  // The router routes letter case exactly, the app does not: `/r/POLL` goes to `/:page`.
  { name: 'Router({ caseSensitive: true })', router: true, app: false, toOther: ['/r/POLL', '/r/Poll/1'] },
  // The app routes letter case exactly, its default router does not: `/r/POLL` goes to `/poll`.
  { name: "app 'case sensitive routing'", router: false, app: true, toPoll: ['/r/POLL', '/r/Poll/1'] },
];

describe.each([CURRENT_MAJORS, olderMajors()].map((m) => [`express ${m.versions.express}`, m] as const))(
  '%s: excludeRoutes as Express routes each letter case',
  (_name, modules) => {
    describe.each(settings)('$name', (setting) => {
      it('the excluded route is never recorded; every request another route (or none) answered is', async () => {
        const served = await build(
          modules,
          { sampleIntervalMs: 0, excludeRoutes: ['/r/poll'], logger: quiet },
          setting,
        );
        const sent = await sendTargets(served, TARGETS);
        // Express routed these spellings as the setting says (else this test proves nothing).
        const handlerOf = (t: string) => sent.find((r) => r.target === t)?.handler;
        for (const t of setting.toOther ?? []) expect([t, handlerOf(t)]).toEqual([t, 'other']);
        for (const t of setting.toPoll ?? []) expect([t, handlerOf(t)]).toEqual([t, 'poll']);
        expect(sent.filter((r) => r.handler === 'poll' && r.recorded !== 0).map((r) => r.target)).toEqual([]);
        expect(sent.filter((r) => r.handler !== 'poll' && r.recorded !== 1).map((r) => r.target)).toEqual([]);
        const m = await served.monitor.getMetrics({ maxAgeMs: 0 });
        expect(m.requests.in_flight).toBe(0);
      }, 30_000);

      it('while the server sheds, the excluded route still runs; a request another route would answer gets 503', async () => {
        const plain = await build(
          modules,
          { sampleIntervalMs: 0, excludeRoutes: ['/r/poll'], logger: quiet },
          setting,
        );
        const routed = await sendTargets(plain, TARGETS);
        const shedding = await build(
          modules,
          {
            sampleIntervalMs: 0,
            excludeRoutes: ['/r/poll'],
            logger: quiet,
            shed: { maxHeapUsedBytes: 1, sampleIntervalMs: 20 },
          },
          setting,
        );
        // Bounded wait for the first shedding reading (the heap is always over 1 byte).
        for (let i = 0; i < 200 && (await rawGetStatus(shedding.port, '/a/b')) !== 503; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        const sent = await sendTargets(shedding, TARGETS);
        const byTarget = new Map(sent.map((r) => [r.target, r]));
        const toPoll = routed.filter((r) => r.handler === 'poll').map((r) => r.target);
        expect(toPoll.map((t) => [t, byTarget.get(t)?.status])).toEqual(toPoll.map((t) => [t, 200]));
        const toOther = routed.filter((r) => r.handler !== 'poll').map((r) => r.target);
        expect(toOther.map((t) => [t, byTarget.get(t)?.status])).toEqual(toOther.map((t) => [t, 503]));
      }, 30_000);
    });
  },
);
