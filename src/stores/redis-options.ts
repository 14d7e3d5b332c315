// RedisStore options: the client it takes (typed without ioredis), what a user may pass, and their checks at construction.

import { hostname } from 'node:os';
import { invalidOption } from '../errors.js';
import { DEFAULT_RESOLUTION_MS, DEFAULT_RETENTION_MS } from '../history/periods.js';
import { clockOption } from '../options/clock.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import { rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock, Logger } from '../types.js';
import { positive, wholeMs } from './options.js';
import { redisUrlProblem } from './redis-url.js';

/**
 * An ioredis `Redis` or `Cluster`, described by the few members the store's signature needs, so that
 * sysvitals' type declarations do not require ioredis for users who never use RedisStore.
 */
export interface RedisClient {
  readonly status: string;
  /** Starts a pipeline (ioredis's `pipeline()`). */
  pipeline(): unknown;
  /** Connects a lazyConnect client. */
  connect(): Promise<void>;
  /** Listens to client events (`ready`, `error`, `end`, …). */
  // biome-ignore lint/suspicious/noExplicitAny: matches ioredis's own listener type.
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** Options of a RedisStore: the client, key prefix, retention and resolution, outage buffer. */
export interface RedisStoreOptions {
  /** Your ioredis client (Redis or Cluster). The store never quits it. */
  client?: RedisClient;
  /** Or a URL (`redis://…`, `rediss://…`): the store creates, connects and closes its own client. */
  url?: string;
  /** Key prefix, used as the hash tag of every key (`{sysvitals}:…`). @defaultValue 'sysvitals' */
  prefix?: string;
  /** This process's id in the fleet; tags its alert records. @defaultValue `${hostname}:${pid}` */
  instanceId?: string;
  /** Points, rollups, the instance index and the alert list expire after this. @defaultValue 7 days */
  retentionMs?: number;
  /** The monitor's bucket length; picks the rollup steps and the buffer size. @defaultValue 60 000 */
  resolutionMs?: number;
  /** Alert history bound (a capped list). @defaultValue 1000 */
  alertLimit?: number;
  /** Points kept in memory while Redis is unreachable. @defaultValue 60 minutes of points (60) */
  bufferLimit?: number;
  /** A command (or a pipeline) that has not answered by then counts as failed. @defaultValue 1000 */
  commandTimeoutMs?: number;
  /** The time source (trims to the retention): a function returning ms, such as `() => t`, or an object with `now()`. @defaultValue Date.now */
  clock?: Clock | (() => number);
  /**
   * Where the store's outage and data-loss lines go.
   * @defaultValue the `logger` of the monitor it is given to (createMonitor's `store`), else stderr
   */
  logger?: Logger;
}

const KNOWN = [
  'client',
  'url',
  'prefix',
  'instanceId',
  'retentionMs',
  'resolutionMs',
  'alertLimit',
  'bufferLimit',
  'commandTimeoutMs',
  'clock',
  'logger',
] as const;

/** The checked figures of RedisStore options, defaults applied. */
export interface RedisStoreConfig {
  readonly prefix: string;
  readonly instanceId: string;
  readonly retentionMs: number;
  readonly resolutionMs: number;
  readonly alertLimit: number;
  readonly bufferLimit: number;
  readonly commandTimeoutMs: number;
  /** The `clock` option as a Clock (a function wrapped), Date.now when not given. */
  readonly clock: Clock;
}

/** Checks RedisStore options and applies the defaults; throws ERR_SYSVITALS_* errors at construction. */
export function parseRedisStoreOptions(options: RedisStoreOptions): RedisStoreConfig {
  const owner = 'RedisStore';
  if (!options || typeof options !== 'object') {
    throw invalidOption(`${owner}: pass { client } (an ioredis instance) or { url: 'redis://…' }.`);
  }
  rejectUnknownOptions(options, KNOWN, owner, { maxDistance: 3 });
  if (options.client && options.url)
    throw invalidOption(`${owner}: pass either \`client\` or \`url\`, not both.`);
  if (!options.client && !options.url) {
    throw invalidOption(`${owner}: pass { client } (an ioredis instance) or { url: 'redis://…' }.`);
  }
  const urlProblem = options.url === undefined ? undefined : redisUrlProblem(options.url);
  if (urlProblem !== undefined) {
    // Never the value: a refused URL may still carry the password (outside review 39, RT39-1).
    throw invalidOption(
      `${owner}: \`url\` must be a redis:// or rediss:// URL with a host (redis://user:password@host:6379/0): ${urlProblem}. The value is not shown (it may hold a password).`,
    );
  }
  const prefix = options.prefix ?? 'sysvitals';
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw invalidOption(
      `${owner}: \`prefix\` must be a non-empty string without { or } (it becomes the hash tag).`,
    );
  }
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  if (typeof instanceId !== 'string' || instanceId === '') {
    throw invalidOption(`${owner}: \`instanceId\` must be a non-empty string.`);
  }
  const retentionMs = wholeMs(
    owner,
    'retentionMs',
    options.retentionMs,
    DEFAULT_RETENTION_MS,
    Number.MAX_SAFE_INTEGER,
  );
  const resolutionMs = wholeMs(
    owner,
    'resolutionMs',
    options.resolutionMs,
    DEFAULT_RESOLUTION_MS,
    Number.MAX_SAFE_INTEGER,
  );
  const alertLimit = positive(owner, 'alertLimit', options.alertLimit, 1000, true);
  const bufferLimit = positive(
    owner,
    'bufferLimit',
    options.bufferLimit,
    Math.max(1, Math.ceil(3_600_000 / resolutionMs)),
    true,
  );
  // A timer's delay: above 2^31-1 ms Node fires after 1 ms, and every command would time out at once (RT47-4).
  const commandTimeoutMs = wholeMs(owner, 'commandTimeoutMs', options.commandTimeoutMs, 1000, MAX_TIMER_MS);
  const clock = clockOption(owner, options.clock) ?? { now: () => Date.now() };
  return { prefix, instanceId, retentionMs, resolutionMs, alertLimit, bufferLimit, commandTimeoutMs, clock };
}
