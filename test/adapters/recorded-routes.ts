// The routes an adapter records, in order, read off RequestStats.record; a fetch that reads its body; and a Koa
// app that refuses (401) a request without `x-auth: ok` before its routers.

import type Koa from 'koa';
import { createMonitor, type KoaMonitor, type KoaMonitorOptions } from '../../src/adapters/koa.js';
import type { SystemMonitor } from '../../src/monitor.js';
import type { FrameworkModules } from './framework-modules.js';

/** Every route the monitor's RequestStats.record is called with from now on, in order. */
export function recordedRoutes(monitor: SystemMonitor): string[] {
  const raw: string[] = [];
  const stats = monitor.requests;
  const record = stats.record.bind(stats);
  stats.record = (method, route, status, durationMs) => {
    raw.push(route);
    record(method, route, status, durationMs);
  };
  return raw;
}

/** GET `url` with `headers`, its body read; its status. */
export async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A silent Koa app (of `modules`) with a monitor of `options` mounted first, then an auth step that answers 401
 * (no body) without `x-auth: ok`; the test adds its routers after.
 */
export function koaAuthApp(
  modules: FrameworkModules,
  options: KoaMonitorOptions,
): { app: Koa; monitor: KoaMonitor } {
  const monitor = createMonitor(options);
  const app = new modules.koa();
  app.silent = true;
  app.use(monitor.middleware());
  app.use(async (ctx, next) => {
    if (ctx.headers['x-auth'] === 'ok') return next();
    ctx.status = 401;
  });
  return { app, monitor };
}
