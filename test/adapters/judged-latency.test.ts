// Regression (outside review 25, F2) on real Express, Fastify and Koa servers on port 0: the server-wide latency left
// out an `unmatched` row's 4xx by dropping as many of the row's FASTEST values, the row keeping one histogram for
// all its statuses. 40 static-file 200s (a middleware before any route: `unmatched`, judged) beside 10
// `/wp-login.php` 404s behind a 300 ms auth middleware (`unmatched`, not judged) read p95 and max at 300 ms and
// raised `api_response_time`. The oracle is the raw list of the requests the adapter recorded (status and duration,
// read off RequestStats.record): nearest-rank percentiles of the judged ones within the histogram's precision, avg
// and max exact, the Apdex counts exact.

import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { exactLatency, micros, percentileError } from '../oracle/workload.js';
import { CURRENT_MAJORS } from './framework-modules.js';
import { FRAMEWORKS, type Framework, get, type ServedApp, serveFastify, serveHttp } from './workload-apps.js';

const SLOW_MS = 300;
/** api_response_time levels under SLOW_MS: the 404s' latency, were it judged, is critical. */
const API = { warning: 150, critical: 250 };
const options = { sampleIntervalMs: 0, alerts: { api_response_time: API } };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A static-file middleware before any route (`/static.css`, 200) and a slow auth middleware, then no route: 404. */
async function start(framework: Framework): Promise<ServedApp> {
  if (framework === 'express') {
    const monitor = createExpressMonitor(options);
    const app = CURRENT_MAJORS.express();
    app.use(monitor.middleware());
    app.use((req, res, next) => (req.path === '/static.css' ? res.status(200).send('body{}') : next()));
    app.use((_req, _res, next) => setTimeout(next, SLOW_MS));
    return serveHttp(createServer(app), monitor);
  }
  if (framework === 'fastify') {
    const monitor = createFastifyMonitor(options);
    const app = CURRENT_MAJORS.fastify({ logger: false });
    await app.register(monitor.plugin());
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/static.css') return reply.code(200).send('body{}');
      await sleep(SLOW_MS);
    });
    return serveFastify(app, monitor);
  }
  const monitor = createKoaMonitor(options);
  const app = new CURRENT_MAJORS.koa();
  app.silent = true;
  app.use(monitor.middleware());
  app.use(async (ctx, next) => {
    if (ctx.path === '/static.css') {
      ctx.body = 'body{}';
      return;
    }
    await sleep(SLOW_MS);
    await next();
  });
  return serveHttp(createServer(app.callback()), monitor);
}

let apps: ServedApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

describe.each(FRAMEWORKS)(
  '%s: an unmatched row judged value by value (outside review 25, F2)',
  (framework) => {
    it('40 static-file 200s beside 10 slow /wp-login.php 404s: the judged latency is the 200s', async () => {
      const app = await start(framework);
      apps.push(app);
      // The raw list: every request the adapter recorded, as it recorded it.
      const raw: Array<{ route: string; status: number; ms: number }> = [];
      const stats = app.monitor.requests;
      const record = stats.record.bind(stats);
      stats.record = (method, route, status, durationMs) => {
        raw.push({ route, status, ms: durationMs });
        record(method, route, status, durationMs);
      };
      for (let i = 0; i < 40; i++) expect(await get(`${app.url}/static.css`)).toBe(200);
      const slow = Array.from({ length: 10 }, () => get(`${app.url}/wp-login.php`));
      expect(await Promise.all(slow)).toEqual(Array(10).fill(404));
      await app.monitor.sample(); // the rules read this window
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(raw.map((r) => r.route)).toEqual(Array(50).fill('unmatched'));
      const judged = raw.filter((r) => !(r.status >= 400 && r.status < 500));
      const exact = exactLatency(judged.map((r) => r.ms));
      expect([exact.n, m.errors.count_judged, m.errors.count_unmatched_4xx]).toEqual([40, 40, 10]);
      // Before: p95, p99 and max were the 404s' (300 ms and more), the latency critical.
      for (const p of [50, 95, 99] as const)
        expect(percentileError(m.latency[`p${p}_ms`] as number, exact, p)).toBe('');
      expect(m.latency.max_ms).toBe(exact.maxUs / 1000);
      expect(m.latency.avg_ms).toBe(Math.round(exact.sumUs / exact.n) / 1000);
      // The exact p95 is a static file's, well under the warning level: healthy, and no api_response_time alert.
      expect(exact.sorted[37] as number).toBeLessThan(API.warning * 1000);
      expect(m.latency.status).toBe('healthy');
      expect(app.monitor.alertSystem.getActiveAlerts().filter((a) => a.rule === 'api_response_time')).toEqual(
        [],
      );
      // Apdex (T 500 ms) of the 40 judged, exactly: the 404s' counts left out.
      const satisfied = exact.sorted.filter((us) => us <= 500_000).length;
      const tolerating = exact.sorted.filter((us) => us > 500_000 && us <= 2_000_000).length;
      expect(m.apdex).toMatchObject({ satisfied, tolerating, frustrated: 40 - satisfied - tolerating });
      // health/ and routes/ read the same window: the unmatched row keeps every value (its max is a 404's).
      const base = `${app.url}/api/core/admin/system`;
      const health = (await (await fetch(`${base}/health/`)).json()) as {
        data: { components: Record<string, string> };
      };
      expect(health.data.components.latency).toBe('healthy');
      const routes = (await (await fetch(`${base}/routes/`)).json()) as {
        data: {
          apdex: { satisfied: number; count_unmatched_4xx: number };
          routes: Array<Record<string, number>>;
        };
      };
      expect(routes.data.apdex).toMatchObject({ satisfied, count_unmatched_4xx: 10 });
      const all = exactLatency(raw.map((r) => r.ms));
      expect(routes.data.routes[0]).toMatchObject({ count: 50, count_4xx: 10, max_ms: all.maxUs / 1000 });
      expect(micros(SLOW_MS)).toBeLessThanOrEqual(all.maxUs);
    });
  },
);
