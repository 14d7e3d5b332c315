// Per-client request limit on the admin routes (the seed recommends one): per-key windows, bounded memory.

import { nodeNet } from '../builtins.js';
import { invalidOption } from '../errors.js';

/** The admin API's `rateLimit` option: requests per client per window, and how many clients are tracked. */
export interface RateLimitOptions {
  /** Requests per client per window. @defaultValue 300 */
  max?: number;
  /** Window length in milliseconds; each client's window starts at its first request. @defaultValue 60_000 */
  windowMs?: number;
  /**
   * Clients tracked at once (per budget: refused and authenticated requests are counted apart); new
   * clients beyond it share one budget, so memory stays bounded. @defaultValue 10_000
   */
  maxClients?: number;
}

export const DEFAULT_RATE_LIMIT: Readonly<Required<RateLimitOptions>> = Object.freeze({
  max: 300,
  windowMs: 60_000,
  maxClients: 10_000,
});

/** `until`: when a client's own spent window ends (absent for the shared overflow budget). */
export type RateLimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; until?: number };

export interface RateLimiter {
  /**
   * Counts one request of `client` and says whether it may proceed. A client that finds every slot
   * taken counts in the shared overflow budget, or, with `overflow: false`, is not counted and passes.
   */
  hit(client: string, options?: { overflow?: boolean }): RateLimitVerdict;
  /** Whether `client`'s budget is spent, without counting: its own, or the shared overflow budget when its next refusal would be counted there. */
  spent(client: string): RateLimitVerdict;
  readonly config: Readonly<Required<RateLimitOptions>>;
}

interface Entry {
  count: number;
  start: number;
}

const ALLOWED: RateLimitVerdict = Object.freeze({ ok: true });

/**
 * Each client's window starts at its own first request (so there is no instant when every budget resets
 * at once, which a flood could aim at). Entries live in a Map in the order their windows started, so
 * expired ones are at the front and are swept from there when the map is full: O(1) amortised.
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
  const entries = new Map<string, Entry>();
  const overflow: Entry = { count: 0, start: Number.NEGATIVE_INFINITY };

  const expired = (e: Entry, t: number): boolean => t - e.start >= config.windowMs;

  function verdict(e: Entry, t: number, limit = config.max): RateLimitVerdict {
    if (e.count <= limit) return ALLOWED;
    const until = e.start + config.windowMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((until - t) / 1000));
    // Cluster mode remembers a client's spent window until it ends (cluster/admin-guesses.ts); not the overflow's.
    return e === overflow ? { ok: false, retryAfterSeconds } : { ok: false, retryAfterSeconds, until };
  }

  function sweep(t: number): void {
    for (const [key, e] of entries) {
      if (!expired(e, t)) return;
      entries.delete(key);
    }
  }

  function hit(client: string, opts?: { overflow?: boolean }): RateLimitVerdict {
    const t = now();
    let e = entries.get(client);
    if (e && expired(e, t)) {
      // A new window: moved to the end, so the map stays in window-start order.
      entries.delete(client);
      e = undefined;
    }
    if (!e) {
      if (entries.size >= config.maxClients) sweep(t);
      if (entries.size >= config.maxClients) {
        if (opts?.overflow === false) return ALLOWED;
        if (expired(overflow, t)) {
          overflow.count = 0;
          overflow.start = t;
        }
        overflow.count += 1;
        return verdict(overflow, t);
      }
      e = { count: 0, start: t };
      entries.set(client, e);
    }
    e.count += 1;
    return verdict(e, t);
  }

  function spent(client: string): RateLimitVerdict {
    const e = entries.get(client);
    const t = now();
    // Spent once `max` are counted: the next one would be over.
    if (e && !expired(e, t)) return verdict(e, t, config.max - 1);
    // A client without a window of its own whose next refusal would go to the shared overflow budget (the table is
    // full) is as spent as that budget: answering its right short token 200 and a wrong one 429 handed a guesser
    // unlimited tries from any address once maxClients were tracked (outside review 23, RT23-4).
    if (entries.size >= config.maxClients) sweep(t);
    if (entries.size < config.maxClients || expired(overflow, t)) return ALLOWED;
    return verdict(overflow, t, config.max - 1);
  }

  return { hit, spent, config };
}

/** Credential digests one client may hold at once on the served budget (per window; see createServedLimiter). */
export const SERVED_DIGESTS_PER_CLIENT = 8;

/**
 * The served budget's limiter. Its keys are a client's (`peer`, a bearer or signed token) or `peer\nkind\ndigest`
 * (a request let in by what a browser brings along, admission.ts). One client holds at most
 * SERVED_DIGESTS_PER_CLIENT digests a window; its further ones share one bucket of its own (`peer\nkind\n*`), so
 * one address sending a distinct Cookie on each request cannot fill the table (outside review G, F2). Once the
 * table is full, a new client is served uncounted: the shared overflow budget is for refusals only, and a request
 * the hook or a token let in is never limited by what other clients spent (memory stays bounded either way).
 */
export function createServedLimiter(options: RateLimitOptions, now: () => number): RateLimiter {
  const inner = createRateLimiter(options, now);
  const { windowMs, maxClients } = inner.config;
  /** Per client: the digests it holds, in a window that starts at its first; in window-start order. */
  const held = new Map<string, { start: number; digests: Set<string> }>();

  function bucket(key: string): string {
    const parts = key.split('\n');
    if (parts.length !== 3) return key;
    const [peer, kind, digest] = parts as [string, string, string];
    if (digest === '-') return key;
    const t = now();
    let h = held.get(peer);
    if (h && t - h.start >= windowMs) {
      held.delete(peer);
      h = undefined;
    }
    if (!h) {
      if (held.size >= maxClients) {
        for (const [k, e] of held) {
          if (t - e.start < windowMs) break;
          held.delete(k);
        }
      }
      if (held.size >= maxClients) return `${peer}\n${kind}\n*`;
      h = { start: t, digests: new Set() };
      held.set(peer, h);
    }
    if (h.digests.has(digest)) return key;
    if (h.digests.size >= SERVED_DIGESTS_PER_CLIENT) return `${peer}\n${kind}\n*`;
    h.digests.add(digest);
    return key;
  }

  return {
    hit: (key) => inner.hit(bucket(key), { overflow: false }),
    spent: (key) => inner.spent(bucket(key)),
    config: inner.config,
  };
}

/**
 * The rate-limit key of a client address: IPv6 addresses by their /64 (one host gets a whole /64, so
 * keying by the full address would give one client 2^64 budgets); IPv4-mapped IPv6 as the IPv4 address.
 */
export function clientKey(address: string): string {
  if (nodeNet().isIP(address) !== 6) return address;
  const lower = address.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1] as string;
  return `${expandIPv6(lower).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), without leading zeros. */
function expandIPv6(address: string): string[] {
  const a = address.replace(/%.*$/, '');
  const [head = '', tail] = a.split('::') as [string, string | undefined];
  const parse = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let groups = parse(head);
  if (tail !== undefined) {
    const right = parse(tail);
    groups = [...groups, ...new Array<string>(8 - groups.length - right.length).fill('0'), ...right];
  }
  return groups.map((g) => (g.includes('.') ? g : (Number.parseInt(g, 16) || 0).toString(16)));
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
