// RedisStore's record of the live processes writing under one instanceId (outside review 48, RT48-3): each store
// has a random token; each claim marks it live and says which token holds the instance's saved state.

import type { IoRedisClient } from './redis-client.js';
import type { RedisKeys } from './redis-layout.js';
import type { InstanceClaim } from './store.js';

/** A writer not seen for this many resolutions (one flush each) is gone: a process that died without closing. */
export const LIVE_RESOLUTIONS = 3;

// One script, so that two processes claiming at once cannot both take the holder's role. KEYS: writers, holder.
// ARGV: token, now, live window ms, the cut (`(now - live`, computed by the caller: Lua prints big numbers as floats).
const CLAIM = `
local me = ARGV[1]
redis.call('ZADD', KEYS[1], ARGV[2], me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local holder = redis.call('GET', KEYS[2])
if (not holder) or (not redis.call('ZSCORE', KEYS[1], holder)) then holder = me end
if holder == me then redis.call('SET', KEYS[2], me, 'PX', ARGV[3]) end
return {holder, redis.call('ZRANGE', KEYS[1], 0, -1)}
`;

// A closing process is no writer any more, and leaves the holder's role to the next claim.
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`;

type Eval = (script: string, numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** Marks `token` a live writer of `instance` at `now` and reads who holds its saved state. */
export async function claimInstance(
  client: IoRedisClient,
  keys: RedisKeys,
  instance: string,
  token: string,
  now: number,
  liveMs: number,
): Promise<InstanceClaim> {
  const run = (client.eval as Eval).bind(client);
  const answer = await run(CLAIM, 2, keys.writers(instance), keys.holder(instance), token, now, liveMs, `(${now - liveMs}`);
  const [holder, writers] = answer as [string, string[]];
  return { holds: holder === token, others: writers.filter((w) => w !== token) };
}

/** Removes `token` from the writers of `instance`, and from its holder's role if it held it. */
export async function releaseInstance(
  client: IoRedisClient,
  keys: RedisKeys,
  instance: string,
  token: string,
): Promise<void> {
  const run = (client.eval as Eval).bind(client);
  await run(RELEASE, 2, keys.writers(instance), keys.holder(instance), token);
}
