// RegExp routes under a shared basePath (outside review 38, RT38-5): Express's `app.get(/^\/api\/j[a-z]+$/)` and
// @koa/router's `router.get(/^\/api\/(jobs|routes)$/)` lose `/api/jobs` (and `/api/routes`) to the admin API (its
// 401; the app's route never runs), and were not warned. A RegExp that also takes paths outside the base (`/.*/`)
// is a fallback and is not told, as `/:page` is not. Oracle: which handler ran for each endpoint's path on the real
// Express 5 and 4, Koa 3 and 2 with @koa/router.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function captured() {
  const warnings: string[] = [];
  const debugs: string[] = [];
  const logger = {
    error() {},
    info() {},
    warn(o: unknown, m?: string) {
      warnings.push(typeof o === 'string' ? o : String(m));
    },
    debug(o: unknown, m?: string) {
      debugs.push(typeof o === 'string' ? o : String(m));
    },
  };
  return { warnings, debugs, logger };
}

/** Waits for the once-only check to finish (its debug line), bounded by event-loop turns. */
async function checked(c: ReturnType<typeof captured>): Promise<void> {
  for (let turns = 0; turns < 5_000; turns++) {
    if (c.debugs.includes('sysvitals: basePath shadow check done')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the basePath shadow check did not finish within 5,000 event-loop turns');
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const JOBS = /^\/api\/j[a-z]+$/;
const TWO = /^\/api\/(jobs|routes)$/;
const FALLBACK = /.*/;
/** Which app handler ran (per request, from its x-handler header; '' for none: the admin API answered). */
const handlerOf = async (url: string, path: string) => {
  const res = await fetch(`${url}${path}`);
  await res.text();
  return res.headers.get('x-handler') ?? '';
};

async function expressApp(fw: FrameworkModules, c: ReturnType<typeof captured>): Promise<string> {
  const monitor = createExpressMonitor({
    adminToken: TOKEN,
    basePath: '/api',
    basePathShared: true,
    sampleIntervalMs: 0,
    logger: c.logger,
  });
  cleanup.push(() => monitor.close());
  const app = fw.express();
  app.use(monitor.middleware());
  app.get(JOBS, (_q, s) => void s.set('x-handler', 'jobs').send('jobs'));
  app.get(TWO, (_q, s) => void s.set('x-handler', 'two').send('two'));
  app.get(FALLBACK, (_q, s) => void s.set('x-handler', 'fallback').send('fallback'));
  return listen(app);
}

async function koaApp(fw: FrameworkModules, c: ReturnType<typeof captured>): Promise<string> {
  const monitor = createKoaMonitor({
    adminToken: TOKEN,
    basePath: '/api',
    basePathShared: true,
    sampleIntervalMs: 0,
    logger: c.logger,
  });
  cleanup.push(() => monitor.close());
  const app = new fw.koa();
  app.use(monitor.middleware());
  const r = new Router();
  const answer = (name: string) => (ctx: { set(k: string, v: string): void; body: unknown }) => {
    ctx.set('x-handler', name);
    ctx.body = name;
  };
  r.get(JOBS, answer('jobs'));
  r.get(TWO, answer('two'));
  r.get(FALLBACK, answer('fallback'));
  app.use(r.routes());
  return listen(app.callback());
}

const frameworks = [CURRENT_MAJORS, olderMajors()].flatMap((m) => [
  [`express ${m.versions.express}`, m, expressApp] as const,
  [`koa ${m.versions.koa}`, m, koaApp] as const,
]);

describe.each(frameworks)('%s: RegExp routes under a shared basePath', (_name, fw, build) => {
  it('warns for a RegExp route that loses endpoint paths, naming them; not for a fallback RegExp', async () => {
    const c = captured();
    const url = await build(fw, c);
    // The oracle: the app's handlers for these paths without the admin API, and which ran with it.
    expect(await handlerOf(url, '/api/jabc')).toBe('jobs');
    expect(await handlerOf(url, '/api/jobs')).toBe(''); // the admin API's 401: the RegExp route lost it
    expect(await handlerOf(url, '/api/routes')).toBe('');
    expect(await handlerOf(url, '/elsewhere')).toBe('fallback');
    await checked(c);
    const told = c.warnings.filter(
      (w) => w.includes('covers the admin endpoint') || w.includes('is an admin endpoint'),
    );
    expect(told.sort()).toEqual(
      [
        `sysvitals: GET ${String(JOBS)} covers the admin endpoint /api/jobs under basePath '/api'; the app's route never runs for that path. Choose another basePath`,
        `sysvitals: GET ${String(TWO)} covers the admin endpoint /api/routes under basePath '/api'; the app's route never runs for that path. Choose another basePath`,
      ].sort(),
    );
  }, 30_000);
});
