// Outside review A, RTA-2: README's basePath setup (`parent.use('/v1', app)`, the monitor first in the sub-app). The
// parent's session middleware, before the mount, answers 503 once its store is down: after 25 × 200 then 20 × 503,
// Express 5 read total 25, count_5xx 0, healthy (the 20 only in unseen_total), where Express 4, or Express 5 with a
// no-op middleware before the monitor, read 45 / 20 / 44.44 % / critical. On Express 5 the monitor mounted first is
// lifted out of the sub-app's router stack at its first request (issue 18), and the ownership check of RT48-4 (an
// unseen 5xx is the app's only when the request would have reached it) looked for its layer there. Real Express 5
// and 4 servers over raw sockets; the oracle is the statuses the client received.

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { statuses } from './raw-clients.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

type Next = () => void;
type Res = { status(n: number): { end(b: string): void } };

/** The parent app with its session check before the mount, the monitored sub-app under /v1; `noop` first in it. */
async function mounted(modules: typeof CURRENT_MAJORS, noop: boolean) {
  const monitor = createMonitor({
    adminToken: 'x'.repeat(32),
    basePath: '/v1/api/core/admin/system',
    sampleIntervalMs: 0,
    logger: quiet,
  });
  const parent = modules.express();
  const app = modules.express();
  const session = { down: false };
  parent.use((_q: unknown, s: Res, next: Next) => {
    if (session.down) return s.status(503).end('session store down');
    next();
  });
  if (noop) app.use((_q: unknown, _s: unknown, next: Next) => next());
  app.use(monitor.middleware());
  app.get('/ok', (_q, s) => void s.end('ok'));
  parent.use('/v1', app);
  const port = await listen(createServer(parent), monitor);
  return { monitor, port, session };
}

async function figures(monitor: ReturnType<typeof createMonitor>) {
  await monitor.sample();
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return {
    total: m.requests.total,
    unseen: m.requests.unseen_total,
    count5xx: m.errors.count_5xx,
    rate: m.errors.error_rate_percent,
    status: m.errors.status,
  };
}

describe.each(majors.map((m) => [m.versions.express, m] as const))(
  'express %s: a sub-app mounted under /v1, its parent failing requests before the mount',
  (_e, modules) => {
    for (const noop of [false, true]) {
      it(`25 × 200 then 20 × 503 read 45 requests, 20 failed${noop ? ' (a no-op middleware first)' : ''}`, async () => {
        const { monitor, port, session } = await mounted(modules, noop);
        const before = await statuses(port, '/v1/ok', 25);
        session.down = true;
        const after = await statuses(port, '/v1/ok', 20);
        expect([before, after]).toEqual([{ 200: 25 }, { 503: 20 }]);
        // 45 requests the client sent; 20 of them 5xx: 20 / 45 = 44.44 %.
        expect(await figures(monitor)).toEqual({
          total: 45,
          unseen: 20,
          count5xx: 20,
          rate: Math.round((20 / 45) * 10_000) / 100,
          status: 'critical',
        });
      });
    }

    it('every request failed before the mount: 20 requests, 20 failed', async () => {
      const { monitor, port, session } = await mounted(modules, false);
      session.down = true;
      expect(await statuses(port, '/v1/ok', 20)).toEqual({ 503: 20 });
      expect(await figures(monitor)).toEqual({
        total: 20,
        unseen: 20,
        count5xx: 20,
        rate: 100,
        status: 'critical',
      });
    });
  },
);
