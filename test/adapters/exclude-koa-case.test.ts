// `excludeRoutes` in a Koa app whose @koa/router routes letter case by its `sensitive` option, or whose koa-mount
// matches its prefix in its own letter case (outside review 38, RT38-4): `/POLL` (a `new Router({ sensitive: true })`
// sends it to `/:page`) and `/R/poll` (outside `mount('/r', …)`, taken by the main router's `/:a/:b`) were left
// unmonitored and unshed, as the excluded `/poll` and `/r/poll`. The oracle is the real Koa 3 and 2 with @koa/router
// and koa-mount: which handler answered each request; an excluded handler's requests are neither recorded nor
// shed, every other handler's are.

import Router from '@koa/router';
import mount from 'koa-mount';
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

const EXCLUDED = ['/poll', '/s/poll', '/m/poll'];

/** Spellings of the excluded paths in several letter cases (and near misses), as sent on the request line. */
const TARGETS = [
  '/poll',
  '/poll/1',
  '/POLL',
  '/Poll/1',
  '/s/poll',
  '/s/POLL',
  '/S/poll',
  '/m/poll',
  '/m/POLL',
  '/M/poll',
  '/M/POLL',
  '/pollx',
  'http://h/POLL',
];

interface Served {
  port: number;
  monitor: SystemMonitor;
  /** Which handler answered each request so far, in order: 'poll' (excluded) or 'other'. */
  ran: string[];
}

/**
 * A Koa app with the monitor; a koa-mount at `/m` whose sub-app answers everything (excluded as `/m/poll`); a
 * router (`sensitive` as given) with `/poll`, `/poll/:id` (excluded as `/poll`), a router prefixed `/s` with
 * `/poll` (excluded as `/s/poll`) and `/:x`; then `/:page` and `/:a/:b`.
 */
async function build(
  modules: FrameworkModules,
  options: MonitorOptions,
  sensitive: boolean,
): Promise<Served> {
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.use(monitor.middleware());
  const ran: string[] = [];
  const answer = (which: 'poll' | 'other') => (ctx: { status: number; body: unknown }) => {
    ctx.status = which === 'poll' ? 200 : 500;
    ctx.body = `${which} ${ran.push(which)}`;
  };
  const sub = new modules.koa();
  sub.use(answer('poll'));
  app.use(mount('/m', sub as never));
  const r = new Router({ sensitive });
  r.get('/poll', answer('poll'));
  r.get('/poll/:id', answer('poll'));
  const s = new Router({ sensitive, prefix: '/s' });
  s.get('/poll', answer('poll'));
  s.get('/:x', answer('other'));
  const rest = new Router({ sensitive });
  rest.get('/:page', answer('other'));
  rest.get('/:a/:b', answer('other'));
  app.use(r.routes());
  app.use(s.routes());
  app.use(rest.routes());
  return { port: await listen(createServer(app.callback()), monitor), monitor, ran };
}

const settings = [
  // `/POLL` goes to `/:page`, `/s/POLL` to `/s/:x`; `/M/poll` misses the mount (koa-mount is case-sensitive).
  {
    name: 'Router({ sensitive: true })',
    sensitive: true,
    toOther: ['/POLL', '/Poll/1', '/s/POLL', '/M/poll'],
  },
  // `/POLL` goes to `/poll`, `/s/POLL` to `/s/poll`; `/m/POLL` enters the mount.
  {
    name: 'Router({ sensitive: false })',
    sensitive: false,
    toPoll: ['/POLL', '/Poll/1', '/s/POLL', '/m/POLL'],
  },
];

describe.each([CURRENT_MAJORS, olderMajors()].map((m) => [`koa ${m.versions.koa}`, m] as const))(
  '%s: excludeRoutes as @koa/router and koa-mount route each letter case',
  (_name, modules) => {
    describe.each(settings)('$name', (setting) => {
      it('the excluded routes are never recorded; every request another route (or none) answered is', async () => {
        const served = await build(
          modules,
          { sampleIntervalMs: 0, excludeRoutes: EXCLUDED, logger: quiet },
          setting.sensitive,
        );
        const sent = await sendTargets(served, TARGETS);
        // Koa routed these spellings as the setting says (else this test proves nothing).
        const handlerOf = (t: string) => sent.find((r) => r.target === t)?.handler;
        for (const t of setting.toOther ?? []) expect([t, handlerOf(t)]).toEqual([t, 'other']);
        for (const t of setting.toPoll ?? []) expect([t, handlerOf(t)]).toEqual([t, 'poll']);
        expect(sent.filter((r) => r.handler === 'poll' && r.recorded !== 0).map((r) => r.target)).toEqual([]);
        expect(sent.filter((r) => r.handler !== 'poll' && r.recorded !== 1).map((r) => r.target)).toEqual([]);
        const m = await served.monitor.getMetrics({ maxAgeMs: 0 });
        expect(m.requests.in_flight).toBe(0);
      }, 30_000);

      it('while the server sheds, the excluded routes still run; a request another route would answer gets 503', async () => {
        const plain = await build(
          modules,
          { sampleIntervalMs: 0, excludeRoutes: EXCLUDED, logger: quiet },
          setting.sensitive,
        );
        const routed = await sendTargets(plain, TARGETS);
        const shedding = await build(
          modules,
          {
            sampleIntervalMs: 0,
            excludeRoutes: EXCLUDED,
            logger: quiet,
            shed: { maxHeapUsedBytes: 1, sampleIntervalMs: 20 },
          },
          setting.sensitive,
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
