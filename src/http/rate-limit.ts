// Per-client request limit on the admin routes (the seed recommends one): a fixed window, bounded memory.

import { invalidOption } from '../errors.js';

export interface RateLimitOptions {
  /** Requests per client per window. @defaultValue 300 */
  max?: number;
  /** Window length in milliseconds. @defaultValue 60_000 */
  windowMs?: number;
  /** Clients tracked per window; clients beyond it share one budget, so memory stays bounded. @defaultValue 10_000 */
  maxClients?: number;
}

export const DEFAULT_RATE_LIMIT: Readonly<Required<RateLimitOptions>> = Object.freeze({
  max: 300,
  windowMs: 60_000,
  maxClients: 10_000,
});

export type RateLimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request of `client` and says whether it may proceed. */
  hit(client: string): RateLimitVerdict;
  readonly config: Readonly<Required<RateLimitOptions>>;
}

/** The key that clients beyond `maxClients` share during a window. */
const OVERFLOW = '\0overflow';

/**
 * A fixed window aligned on the clock: every client's count resets at the same instant, which lets
 * the whole map be dropped at once, so memory is bounded by maxClients and nothing needs sweeping.
 */
export function createRateLimiter(options: RateLimitOptions, now: () => number): RateLimiter {
  const config = Object.freeze({ ...DEFAULT_RATE_LIMIT, ...dropUndefined(options) });
  for (const key of ['max', 'windowMs', 'maxClients'] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) {
      throw invalidOption(`\`rateLimit.${key}\` must be a positive integer (got ${String(v)}).`);
    }
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_RATE_LIMIT)) {
      throw invalidOption(`\`rateLimit.${key}\` is not an option; use max, windowMs or maxClients.`);
    }
  }
  const counts = new Map<string, number>();
  let windowEnd = 0;

  function hit(client: string): RateLimitVerdict {
    const t = now();
    if (t >= windowEnd) {
      counts.clear();
      windowEnd = (Math.floor(t / config.windowMs) + 1) * config.windowMs;
    }
    let key = client;
    if (!counts.has(key) && counts.size >= config.maxClients) key = OVERFLOW;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count <= config.max) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - t) / 1000)) };
  }

  return { hit, config };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
