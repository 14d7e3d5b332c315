// The ready-made Redis probe: PING on an ioredis or node-redis client, duck-typed so sysvitals needs no driver.

import { invalidOption } from '../errors.js';
import { PROBE_PING } from '../profiling/probe-sql.js';
import { type Probe, type ReadyProbeOptions, validateProbe } from './probes.js';

/** What `redisProbe` takes: an ioredis or node-redis client. */
export interface RedisProbeTarget {
  /** Sends PING (given the message `sysvitals probe`: ioredis and node-redis send `PING "sysvitals probe"`). */
  ping(): Promise<unknown>;
  /** ioredis: 'wait' | 'connecting' | 'connect' | 'ready' | 'reconnecting' | 'close' | 'end'. */
  status?: string;
  /** node-redis v4+. */
  isReady?: boolean;
}

/** States in which a PING would only queue (or fail late): report them at once. */
const REDIS_DOWN_STATES = new Set(['reconnecting', 'close', 'end']);

/**
 * ioredis (or node-redis) client: times `PING "sysvitals probe"` (the message tells instrumentRedis that the command
 * is the probe's, not the application's); a client that is not connected fails at once.
 */
export function redisProbe(client: RedisProbeTarget, options: ReadyProbeOptions = {}): Probe {
  if (typeof client !== 'object' || client === null || typeof client.ping !== 'function') {
    throw invalidOption(
      'redisProbe(client) expects an ioredis (or node-redis) client (an object with ping())',
    );
  }
  return validateProbe(
    {
      check: async () => {
        if (typeof client.status === 'string' && REDIS_DOWN_STATES.has(client.status)) {
          throw new Error(`redis connection is ${client.status}`);
        }
        if (client.isReady === false && client.status === undefined) {
          throw new Error('redis client is not ready');
        }
        // The message marks the probe's PING (instrumentRedis leaves it out); a ping() that takes none ignores it.
        return (client.ping as (message: string) => Promise<unknown>).call(client, PROBE_PING);
      },
      timeoutMs: options.timeoutMs,
    },
    'redisProbe',
  );
}
