// `sysvitals serve`'s options and flags: what the standalone server takes, and how the command line and the
// environment (SYSVITALS_ADMIN_TOKEN, SYSVITALS_REDIS_URL, SYSVITALS_INSTANCE_ID) become those options, with a usage
// error naming the flag for a bad value.

import { redisUrlProblem } from '../stores/redis-url.js';
import type { Logger } from '../types.js';

export interface StandaloneOptions {
  /** TCP port; 0 picks a free one (see `url`). @defaultValue 9100 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Bearer token the admin API requires. Without it only loopback clients are served. */
  token?: string;
  /** History and alert history in Redis (`redis://…`); in memory when absent. */
  redisUrl?: string;
  /**
   * The name of this host's series in the store (history, active alerts, models): keep it across restarts
   * to keep the history. @defaultValue `<hostname>:<pid>`, a new series each run (warned with `redisUrl`)
   */
  instanceId?: string;
  /** How often host metrics are sampled. @defaultValue 5000 */
  intervalMs?: number;
  /** @defaultValue warnings and errors to stderr */
  logger?: Logger;
}

export const DEFAULT_STANDALONE_PORT = 9100;
export const DEFAULT_STANDALONE_HOST = '127.0.0.1';

/** The flags of `sysvitals serve`, in the CLI's command-table form (each documented in --help). */
export const SERVE_FLAGS = {
  port: {
    type: 'string',
    short: 'p',
    valueName: 'port',
    description: `TCP port to listen on; 0 picks a free one (default ${DEFAULT_STANDALONE_PORT})`,
  },
  host: {
    type: 'string',
    valueName: 'address',
    description: `Interface to listen on, e.g. 0.0.0.0 for all (default ${DEFAULT_STANDALONE_HOST})`,
  },
  token: {
    type: 'string',
    valueName: 'token',
    description:
      'Bearer token the API, dashboard and Prometheus endpoint require (or set SYSVITALS_ADMIN_TOKEN, which keeps ' +
      'it out of ps). Without one, only loopback clients are served',
  },
  redis: {
    type: 'string',
    valueName: 'url',
    description:
      'Keep the 7-day history in Redis (redis://host:6379/0; or set SYSVITALS_REDIS_URL, which keeps a password ' +
      'out of ps); in memory without it',
  },
  'instance-id': {
    type: 'string',
    valueName: 'id',
    description:
      'Stable name of this host in the history (or set SYSVITALS_INSTANCE_ID), so that --redis keeps it ' +
      'across restarts; letters, digits and . _ - : @ (at most 128), e.g. web-1 (default <host>:<pid>, new each run)',
  },
  interval: {
    type: 'string',
    valueName: 'ms',
    description: 'How often host metrics are sampled, in milliseconds (default 5000)',
  },
} as const;

/** Values as parsed from the command line (node:util parseArgs). */
export type ServeFlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A bad flag value: the message names the flag and what it accepts. */
export class ServeUsageError extends Error {}

/** Turns flag values into StandaloneOptions; throws ServeUsageError for a bad value. */
export function standaloneOptionsFromFlags(
  values: ServeFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): StandaloneOptions {
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ServeUsageError(`--${name} needs a value`);
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < min || n > max) {
      throw new ServeUsageError(`--${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
    }
    return n;
  };
  // The URL may carry a password: SYSVITALS_REDIS_URL keeps it out of `ps` (outside review 9b, F7), and a usage error
  // shows it with its credentials masked.
  const flagRedis = text('redis');
  const redisUrl = flagRedis ?? (env.SYSVITALS_REDIS_URL ? env.SYSVITALS_REDIS_URL : undefined);
  const urlProblem = redisUrl === undefined ? undefined : redisUrlProblem(redisUrl);
  if (urlProblem !== undefined) {
    // The reason, never the value: masking missed the password behind a mistyped scheme (outside review 39, RT39-1).
    const where = flagRedis !== undefined ? '--redis' : 'SYSVITALS_REDIS_URL';
    throw new ServeUsageError(
      `${where} must be a redis:// or rediss:// URL with a host: ${urlProblem} (the value is not shown: it may hold a password)`,
    );
  }
  const envToken = env.SYSVITALS_ADMIN_TOKEN;
  const envId = env.SYSVITALS_INSTANCE_ID;
  const flagId = text('instance-id');
  const instanceId = flagId ?? (envId ? envId : undefined);
  if (instanceId !== undefined)
    checkInstanceId(instanceId, flagId !== undefined ? '--instance-id' : 'SYSVITALS_INSTANCE_ID');
  return {
    port: int('port', 0, 65_535) ?? DEFAULT_STANDALONE_PORT,
    host: text('host') ?? DEFAULT_STANDALONE_HOST,
    token: text('token') ?? (envToken ? envToken : undefined),
    redisUrl,
    ...(instanceId === undefined ? {} : { instanceId }),
    intervalMs: int('interval', 100, 3_600_000) ?? 5_000,
  };
}

/** What an instance id may be on the command line: a name that reads the same in Redis keys, logs and URLs. */
const INSTANCE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

function checkInstanceId(id: string, where: string): void {
  if (!INSTANCE_ID.test(id)) {
    throw new ServeUsageError(
      `${where} must be 1 to 128 letters, digits or . _ - : @ (got ${JSON.stringify(id.slice(0, 140))}); ` +
        'it names this host in the history, e.g. web-1',
    );
  }
  if (id === 'all') {
    throw new ServeUsageError(`${where} cannot be 'all': it names the fleet view in history/?instance=all`);
  }
}
