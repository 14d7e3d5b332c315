// Apdex (apdex.org): (satisfied + tolerating / 2) / total, satisfied at or under T, tolerating at or
// under 4T; failed requests (5xx, aborted) are frustrated whatever their time. Options parsed once.

import { METHODS } from 'node:http';
import { invalidOption } from '../errors.js';
import { rejectUnknownOptions } from '../options/option-keys.js';
import { methodIndex, methodLabel, OTHER_HTTP_METHOD } from '../requests/route-counters.js';

/** The monitor's `apdex` option: the target time T (ms), globally and per route. */
export interface ApdexOptions {
  /** The target time T in ms. @defaultValue 500 */
  thresholdMs?: number;
  /** Per route template (`'/search'`, or `'GET /search'` for one method): its own T in ms. */
  routes?: Record<string, number>;
}

export interface ApdexConfig {
  /** T in microseconds (the recorder's unit). */
  readonly thresholdUs: number;
  /** Per-route T in microseconds, by `route` or `METHOD route`. */
  readonly routesUs: ReadonlyMap<string, number>;
}

export const DEFAULT_APDEX_THRESHOLD_MS = 500;
/** A request is tolerating up to this many times T. */
export const TOLERATING_FACTOR = 4;

function checkT(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 3_600_000) {
    throw invalidOption(
      `\`${what}\` must be a number of ms above 0, at most an hour (got ${String(value)}).`,
    );
  }
  return Math.round(value * 1000);
}

/**
 * A key that some request can match: a route template (`/search`; `unmatched` for requests no route matched),
 * optionally after a method label a request is recorded under (`POST /upload`; `OTHER /dav` for PROPFIND and the
 * other non-standard methods). Anything else never applies its T.
 */
function checkRouteKey(key: string): void {
  const space = key.indexOf(' ');
  const method = space < 0 ? undefined : key.slice(0, space);
  const route = space < 0 ? key : key.slice(space + 1);
  const routeOk = route === 'unmatched' || route.startsWith('/') || route.startsWith('*');
  if (method !== undefined && methodLabel(method, methodIndex(method)) !== method) {
    if (METHODS.includes(method)) {
      throw invalidOption(
        `\`apdex.routes\` key ${JSON.stringify(key)}: ${method} requests are recorded under the method ` +
          `${OTHER_HTTP_METHOD} (only GET POST PUT DELETE PATCH HEAD OPTIONS keep their own); write ` +
          `${JSON.stringify(`${OTHER_HTTP_METHOD} ${route}`)}.`,
      );
    }
    throw invalidOption(
      `\`apdex.routes\` key ${JSON.stringify(key)}: ${JSON.stringify(method)} is not an HTTP method; ` +
        "write a route template (`'/search'`) or a method in capitals and one (`'POST /upload'`).",
    );
  }
  if (!routeOk) {
    throw invalidOption(
      `\`apdex.routes\` key ${JSON.stringify(key)} can never match a route: a route template starts with \`/\` ` +
        `(\`'/${route}'\`), optionally after a method (\`'GET /${route}'\`).`,
    );
  }
}

/** Validates `apdex` options into a frozen config (coded errors, did-you-mean for unknown keys). */
export function parseApdexOptions(options: ApdexOptions | undefined): ApdexConfig {
  if (options === undefined) {
    return Object.freeze({ thresholdUs: DEFAULT_APDEX_THRESHOLD_MS * 1000, routesUs: new Map() });
  }
  if (options === null || typeof options !== 'object') throw invalidOption('`apdex` must be an object.');
  rejectUnknownOptions(options, ['thresholdMs', 'routes'], 'apdex');
  const thresholdUs =
    options.thresholdMs === undefined
      ? DEFAULT_APDEX_THRESHOLD_MS * 1000
      : checkT(options.thresholdMs, 'apdex.thresholdMs');
  const routesUs = new Map<string, number>();
  if (options.routes !== undefined) {
    if (options.routes === null || typeof options.routes !== 'object') {
      throw invalidOption("`apdex.routes` must be an object such as { '/search': 1000 }.");
    }
    for (const [route, ms] of Object.entries(options.routes)) {
      checkRouteKey(route);
      routesUs.set(route, checkT(ms, `apdex.routes['${route}']`));
    }
  }
  return Object.freeze({ thresholdUs, routesUs });
}

/** T (µs) of one method + route under a config: `METHOD route` first, then `route`, then the default. */
export function thresholdFor(config: ApdexConfig, method: string, route: string): number {
  if (config.routesUs.size === 0) return config.thresholdUs;
  return config.routesUs.get(`${method} ${route}`) ?? config.routesUs.get(route) ?? config.thresholdUs;
}

/** The score from counts, rounded to 3 decimals; null without requests. */
export function apdexScore(satisfied: number, tolerating: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.round(((satisfied + tolerating / 2) / total) * 1000) / 1000;
}
