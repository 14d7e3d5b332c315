// RedisStore's record of the live processes writing under one instanceId (outside review 48, RT48-3): each store
// has a random token; each claim marks it live and says which token holds the instance's saved state.

import { nodeCrypto } from '../builtins.js';
import { type IoRedisClient, withTimeout } from './redis-client.js';
import type { RedisKeys } from './redis-layout.js';
import type { InstanceClaim } from './store.js';

/** A writer not seen for this many resolutions (one flush each) is gone: a process that died without closing. */
const LIVE_RESOLUTIONS = 3;

// One script, so that two processes claiming at once cannot both take the holder's role. KEYS: writers, holder.
// ARGV: token, now, live window ms, the cut (`(now - live`, computed by the caller: Lua prints big numbers as floats).
const CLAIM = `local r,k,a=redis.call,KEYS,ARGV
r('ZADD',k[1],a[2],a[1]) r('ZREMRANGEBYSCORE',k[1],'-inf',a[4]) r('PEXPIRE',k[1],a[3])
local h=r('GET',k[2])
if not h or not r('ZSCORE',k[1],h) then h=a[1] end
if h==a[1] then r('SET',k[2],h,'PX',a[3]) end
return {h,r('ZRANGE',k[1],0,-1)}`;

// A closing process is no writer any more, and leaves the holder's role to the next claim.
const RELEASE = `redis.call('ZREM',KEYS[1],ARGV[1])
if redis.call('GET',KEYS[2])==ARGV[1] then redis.call('DEL',KEYS[2]) end`;

type Eval = (script: string, numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** One store's token among the writers of the instance ids it claims (`{p}:writers:<id>`, `{p}:holder:<id>`). */
export class WriterClaims {
  private readonly token = nodeCrypto().randomUUID();
  /** The instance ids claimed, released at close. */
  private readonly claimed = new Set<string>();
  private readonly liveMs: number;

  constructor(
    private readonly keys: RedisKeys,
    resolutionMs: number,
  ) {
    this.liveMs = LIVE_RESOLUTIONS * resolutionMs;
  }

  /** Marks this store a live writer of `instance` at `now` and reads who holds its saved state. */
  async claim(client: IoRedisClient, instance: string, now: number): Promise<InstanceClaim> {
    const { keys, token, liveMs } = this;
    const run = (client.eval as Eval).bind(client);
    const cut = `(${now - liveMs}`;
    const answer = await run(
      CLAIM,
      2,
      keys.writers(instance),
      keys.holder(instance),
      token,
      now,
      liveMs,
      cut,
    );
    this.claimed.add(instance);
    const [holder, writers] = answer as [string, string[]];
    return { holds: holder === token, others: writers.filter((w) => w !== token) };
  }

  /**
   * At close, after the last writes: no longer a writer, and the holder's role left to the next process. Sent even
   * when the close's bound is spent (one small command on a connection that is up; disconnect() ends the socket
   * after what was written), so that a close that used its bound on its last writes does not keep the next process
   * waiting 3 resolutions for the saved state; awaited only within the bound (`budgetMs`).
   */
  async release(client: IoRedisClient | undefined, budgetMs: number): Promise<void> {
    if (this.claimed.size === 0 || client?.status !== 'ready') return;
    const run = (client.eval as Eval).bind(client);
    const all = [...this.claimed].map((i) =>
      run(RELEASE, 2, this.keys.writers(i), this.keys.holder(i), this.token),
    );
    const sent = Promise.all(all);
    if (budgetMs > 0) await withTimeout(sent, budgetMs, 'release').catch(() => {});
    else sent.catch(() => {});
  }
}
