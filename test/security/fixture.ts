import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
// A real monitor on each adapter's real server for the security tests, a snapshot of the monitor's state,
// and the check every admin answer must pass (envelope, no 5xx, no stack trace, no redirect off the base).

import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import type { AdminApi, AdminApiOptions } from '../../src/http/admin-api-options.js';
import { createAdminApi } from '../../src/http/api.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { Logger } from '../../src/types.js';
import type { Harness, Running } from '../adapters/harness.js';
import type { RawResponse } from './raw-client.js';

export const BASE = '/api/core/admin/system';
export const TOKEN = 'security-test-token-0123456789';
const DAY_MS = 24 * 60 * 60 * 1000;
/** The CPU collector's first window (src/collector/cpu.ts FIRST_WINDOW_MS). */
const FIRST_CPU_WINDOW_MS = 250;

export interface Collecting extends Logger {
  lines: unknown[];
}

/** A logger that keeps what it is told (the admin API logs 500s here: none may appear). */
export function collectingLogger(): Collecting {
  const lines: unknown[] = [];
  const push = (obj: unknown, msg?: string) => void lines.push(msg ?? obj);
  return { lines, warn: push, error: push, info: () => {}, debug: () => {} };
}

export interface Target {
  monitor: SystemMonitor;
  /** The admin API the adapter serves. */
  adminApi: AdminApi<never>;
  logger: Collecting;
  running: Running;
  url: string;
  base: string;
  close(): Promise<void>;
}

/**
 * A real SystemMonitor on a frozen clock: one sample is taken up front, so every admin read is served from
 * that snapshot (no collection, no alert evaluation) and any change of state can only come from a request.
 */
const PROC_FIXTURE = fileURLToPath(new URL('../fixtures/proc/host/', import.meta.url));

export async function startTarget(
  harness: Harness,
  options: {
    api?: AdminApiOptions<never>;
    host?: string;
    clock?: { now(): number };
    monitor?: Partial<MonitorOptions>;
  } = {},
): Promise<Target> {
  const logger = collectingLogger();
  const now = Date.parse('2026-01-05T10:00:00.000Z');
  // The frozen clock reads FIRST_CPU_WINDOW_MS before `now` while the monitor is built (its CPU baseline), `now`
  // from then on: the first sample finds that window behind its baseline and does not wait it out in real time
  // (250 ms a target; the fixed /proc's CPU counters never move, so CPU reads `unknown` either way).
  const frozen = { t: now - FIRST_CPU_WINDOW_MS, now: () => frozen.t };
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    resolutionMs: DAY_MS,
    clock: options.clock ?? frozen,
    logger,
    instanceId: 'security-test',
    // A fixed /proc: host figures that do not depend on how busy the test machine is (a loaded machine's
    // real CPU at 100 % made health red, and these tests expect a served health/).
    procRoot: PROC_FIXTURE,
    ...options.monitor,
  });
  frozen.t = now;
  await monitor.sample();
  // Created here rather than by the adapter so that tests can hand the same API to attachWebSocket.
  const adminApi = createAdminApi<never>(monitor, options.api ?? {});
  const running = await harness.start({ source: monitor, api: adminApi as never }, options.host);
  return {
    monitor,
    adminApi,
    logger,
    running,
    url: running.url,
    base: `${running.url}${BASE}`,
    async close() {
      await running.close();
      await monitor.close();
    },
  };
}

/** What an admin request must never change: request totals, routes, alerts, stored history, subscriptions. */
export async function stateOf(monitor: SystemMonitor): Promise<unknown> {
  const now = monitor.clock.now();
  return {
    requestsTotal: monitor.requests.total,
    routes: monitor.requests.routeCount,
    dropped: monitor.requests.dropped,
    activeAlerts: monitor.alertSystem.getActiveAlerts().map((a) => a.id),
    alertHistory: monitor.alertSystem.getAlertHistory(1000).length,
    storedAlerts: (await monitor.store.readAlerts(1000)).length,
    storedPoints: (await monitor.store.readPoints(monitor.instanceId, 0, now + DAY_MS)).length,
    snapshotAt: (await monitor.getMetrics({ maxAgeMs: Number.MAX_SAFE_INTEGER })).timestamp,
    listeners: monitor.listenerCount('metrics') + monitor.listenerCount('alert'),
  };
}

/**
 * The state once streams the client hung up on have unsubscribed (the server learns of it asynchronously,
 * later on a loaded machine): polls while it differs from `expected`, for at most about 2 s.
 */
export async function settledStateOf(monitor: SystemMonitor, expected: unknown): Promise<unknown> {
  let state = await stateOf(monitor);
  for (let i = 0; i < 200 && JSON.stringify(state) !== JSON.stringify(expected); i++) {
    await new Promise((r) => setTimeout(r, 10));
    state = await stateOf(monitor);
  }
  return state;
}

/** A stack frame, or a path of this machine (the request's own path is echoed in 404s, so its words may appear). */
const STACK_FRAME = new RegExp(
  [
    String.raw`\n\s+at \S`,
    String.raw`\\n\s+at \S`,
    String.raw`\bat (?:async )?[\w.<>$]+ \((?:file:|node:|/)`,
    'node:internal',
    'file://',
    escapeRegExp(process.cwd()),
    String.raw`\.[cm]?[jt]s:\d+:\d+`,
  ].join('|'),
);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `expect(actual, message).toBe(expected)`, made only when they differ (Object.is): the same failure, no cost otherwise. */
export function sameOr(actual: unknown, expected: unknown, message: string): void {
  if (!Object.is(actual, expected)) expect(actual, message).toBe(expected);
}

/** Assets the dashboard may serve with a 2xx and no envelope. */
const ASSET_TYPES =
  /^(?:text\/html|text\/css|text\/javascript|application\/javascript|image\/|font\/|application\/manifest\+json)/;

/**
 * The contract of every answer under the base path, whatever was sent: a 4xx with the error envelope, or a
 * proper 2xx (JSON envelope, Prometheus text, health+json, an event stream, a dashboard asset), or a documented
 * 304/503; never another 5xx, a stack trace, a path of this machine, or a redirect off the admin base.
 */
export function expectSafeAnswer(res: RawResponse, what: string, requestPath?: string): void {
  const type = String(res.headers['content-type'] ?? '');
  const context = `${what} -> ${res.status} ${type} ${res.body.slice(0, 300)}`;
  // The checks every answer passes are made in plain code and reach expect() only when they fail, with the
  // same assertion and message: an expect() costs ~20 us of CPU, and hostile-input alone makes ~40,000 of them.
  sameOr(STACK_FRAME.test(res.body), false, `stack trace or local path in ${context}`);
  const cacheControl = res.headers['cache-control'];
  if (typeof cacheControl !== 'string' || !/no-store|no-cache|max-age/.test(cacheControl))
    expect(cacheControl, `cache-control of ${context}`).toMatch(/no-store|no-cache|max-age/);
  sameOr(res.headers['access-control-allow-origin'], undefined, `CORS header on ${context}`);

  if (res.status === 304) {
    expect(res.body, context).toBe('');
    return;
  }
  if (res.status >= 300 && res.status < 400) {
    // Relative Locations resolve against the request; wherever they point, it must be under the base here.
    const location = String(res.headers.location ?? '');
    const target = new URL(location, `http://origin.test${requestPath ?? `${BASE}/`}`);
    expect(
      target.origin === 'http://origin.test' && target.pathname.startsWith(`${BASE}/`),
      `redirect off the base: ${context}`,
    ).toBe(true);
    return;
  }
  const isHead = what.startsWith('HEAD ');
  if (res.status === 503 && !isHead && /^application\/(?:health\+)?json/.test(type)) {
    // Documented: health is 503 when red (same document as 200), and the monitor or stream may be unavailable.
    const body = JSON.parse(res.body);
    if (body.success === true) {
      expect(body.data.status, context).toBe('red');
      return;
    }
    if (/health\+json/.test(type)) {
      expect(body.status, context).toBe('fail');
      return;
    }
  }
  if (res.status >= 400) {
    sameOr(res.status === 503 || res.status < 500, true, `server error: ${context}`);
    if (!/^application\/json/.test(type)) expect(type, context).toMatch(/^application\/json/);
    if (isHead) {
      // Same status and headers as GET, no body.
      sameOr(res.body, '', context);
      return;
    }
    const body = JSON.parse(res.body);
    const keys = Object.keys(body).sort();
    if (keys.join() !== 'error,success') expect(keys, context).toEqual(['error', 'success']);
    sameOr(body.success, false, context);
    const errorKeys = Object.keys(body.error).sort();
    if (errorKeys.join() !== 'code,message') expect(errorKeys, context).toEqual(['code', 'message']);
    sameOr(typeof body.error.code, 'string', context);
    sameOr(typeof body.error.message, 'string', context);
    if (res.status === 503) sameOr(body.error.code, 'unavailable', context);
    if (res.status === 401) sameOr(res.headers['www-authenticate'], 'Bearer realm="sysvitals"', context);
    if (res.status === 405) expect(res.headers.allow, context).toMatch(/^[A-Z, ]+$/);
    if (res.status === 429) expect(Number(res.headers['retry-after']), context).toBeGreaterThan(0);
    return;
  }
  expect(res.status, context).toBeGreaterThanOrEqual(200);
  if (isHead) {
    expect(res.body, context).toBe('');
    return;
  }
  if (res.streaming) {
    expect(type, context).toMatch(/^text\/event-stream/);
    return;
  }
  if (/^application\/json/.test(type)) {
    const body = JSON.parse(res.body);
    expect(body.success, context).toBe(true);
    expect(body, context).toHaveProperty('data');
    return;
  }
  if (/^application\/health\+json/.test(type)) {
    expect(['pass', 'warn'], context).toContain(JSON.parse(res.body).status);
    return;
  }
  if (/^text\/plain; version=0\.0\.4/.test(type) || /^application\/openmetrics-text/.test(type)) return;
  expect(ASSET_TYPES.test(type), `unexpected 2xx content type: ${context}`).toBe(true);
}

/** True when the path part of `target` is not valid percent-encoded UTF-8. */
export function hasMalformedEncoding(target: string): boolean {
  // find-my-way (Fastify's router) ends the path at the first `?` or `#` after the leading character: `#`
  // starts a fragment (RFC 3986 §3.5), so `/a/#/%80` has the path `/a/` and nothing malformed to decode.
  const end = [target.indexOf('?', 1), target.indexOf('#', 1)].filter((i) => i !== -1);
  const pathEnd = end.length === 0 ? target.length : Math.min(...end);
  try {
    decodeURI(target.slice(0, pathEnd));
    return false;
  } catch {
    return true;
  }
}

/**
 * Fastify's router refuses a URL with malformed percent-encoding itself (FST_ERR_BAD_URL) before any hook or
 * plugin runs, so sysvitals never sees it: a 400 in Fastify's own shape. Applications shape it with Fastify's
 * `frameworkErrors` option. Checked here so that nothing else slips through under that name.
 */
export function expectFastifyBadUrl(res: RawResponse, what: string): void {
  const context = `${what} -> ${res.status} ${res.body.slice(0, 300)}`;
  expect(res.status, context).toBe(400);
  if (what.startsWith('HEAD ')) expect(res.body, context).toBe('');
  else expect(JSON.parse(res.body).code, context).toBe('FST_ERR_BAD_URL');
}

/** The route paths in the table, plus the dashboard even before its route exists (so its prefix is probed). */
export function routePaths(): string[] {
  const paths = ADMIN_ROUTES.map((r) => r.path);
  if (!paths.includes('dashboard')) paths.push('dashboard');
  return paths;
}

/** Whether a route with a path serves the admin data (everything but public assets). */
export function isPublicRoute(path: string): boolean {
  return ADMIN_ROUTES.some((r) => r.public === true && (r.path === path || path.startsWith(`${r.path}/`)));
}

/** In a test file: `start` is startTarget closed after the test; `defer` adds a cleanup; afterEach runs them, last first. */
export function useTargets(): {
  start(harness: Harness, options?: Parameters<typeof startTarget>[1]): Promise<Target>;
  defer(cleanup: () => Promise<void> | void): void;
} {
  let cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return {
    start: async (harness, options) => {
      const target = await startTarget(harness, options);
      cleanups.push(() => target.close());
      return target;
    },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
}

/**
 * In a test file: the targets and plain node:http servers (an attacker's page, a proxy) its tests start, closed
 * after each test, the servers first (their connections too), then the targets.
 */
export function closedAfterEach(): { targets: Target[]; servers: Server[] } {
  const targets: Target[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    for (const t of targets.splice(0)) await t.close();
  });
  return { targets, servers };
}

/**
 * In a test file: console.error silenced for the whole file (beforeAll, restored afterAll), and `target(harness,
 * api)`: startTarget on 127.0.0.1 with the admin API options `api`, closed after each test; it resolves with the
 * target and its port.
 */
export function loopbackTargets(): (
  harness: Harness,
  api?: AdminApiOptions<never>,
) => Promise<{ t: Target; port: string }> {
  beforeAll(() => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  const targets: Target[] = [];
  afterEach(async () => {
    for (const t of targets.splice(0)) await t.close();
  });
  return async (harness, api = {}) => {
    const t = await startTarget(harness, { api, host: '127.0.0.1' });
    targets.push(t);
    return { t, port: new URL(t.url).port };
  };
}
