// RedisStore's key layout, one point's write into it, and the decoding of what its keys hold (points, alert records).

import type { ChainableCommander } from 'ioredis';
import { retentionCutoff, retentionKeepMs, rollupKeepMs } from '../history/periods.js';
import type { HistoryPoint } from '../history/point.js';
import { parsePoint, serializePoint } from '../history/point-codec.js';
import type { IoRedisClient } from './redis-client.js';
import type { RollupWrite } from './rollup.js';
import type { StoredAlertRecord } from './store.js';
import type { BufferedWrite } from './write-buffer.js';

/**
 * Layout (every key carries the `{prefix}` hash tag, so multi-key pipelines work on a Cluster):
 * - `{p}:points:<instance>` sorted set, score = bucket start, member = compact point JSON
 * - `{p}:rollup:<seconds>:<instance>` the same merged to 5 and 30 minutes (see rollup.ts), kept as
 *   long as the longest period reading them (5 min: 24 h; 30 min: 7 days)
 * - `{p}:instances` sorted set of instance ids by last write (the fleet index)
 * - `{p}:alerts` capped list of alert records, newest first
 * - `{p}:state:<name>:<instance>` a string (analytics state saved across restarts)
 * - `{p}:writers:<instance>` sorted set of the live processes writing under the instance id (a random token per
 *   store, score = its last flush), and `{p}:holder:<instance>` the token of the one holding its saved state
 * Every write trims by time and re-arms the key's expiry to the retention, so a dead instance's data
 * disappears by itself.
 */
export class RedisKeys {
  constructor(
    private readonly prefix: string,
    /** The rollup steps, ms: a series read at one of them reads its rollup key. */
    private readonly rollupSteps: readonly number[],
  ) {}

  points(instance: string): string {
    return this.key('points', instance);
  }

  rollup(stepMs: number, instance: string): string {
    return this.key('rollup', stepMs / 1000, instance);
  }

  instances(): string {
    return this.key('instances');
  }

  alerts(): string {
    return this.key('alerts');
  }

  state(name: string, instance: string): string {
    return this.key('state', name, instance);
  }

  writers(instance: string): string {
    return this.key('writers', instance);
  }

  holder(instance: string): string {
    return this.key('holder', instance);
  }

  /** The key an instance's series is read from at `stepMs`: its rollup at a rollup step, else its points. */
  series(instance: string, stepMs?: number): string {
    if (stepMs !== undefined && this.rollupSteps.includes(stepMs)) return this.rollup(stepMs, instance);
    return this.points(instance);
  }

  private key(...parts: (string | number)[]): string {
    return [`{${this.prefix}}`, ...parts].join(':');
  }
}

/**
 * One point's buffered write: the point, its rollups' merged points (rollup.ts) and the fleet index, each trimmed to
 * the retention and its expiry re-armed.
 */
export function pointWrite(
  keys: RedisKeys,
  instance: string,
  point: HistoryPoint,
  rollupWrites: readonly RollupWrite[],
  retentionMs: number,
  resolutionMs: number,
): BufferedWrite<ChainableCommander> {
  const [raw, index] = [keys.points(instance), keys.instances()];
  const member = serializePoint(point);
  // Cut aligned down to the 7-day view's step, whose oldest stays whole (RT37-9); keys live as long.
  const ttl = retentionKeepMs(retentionMs, resolutionMs);
  const rollups = rollupWrites.map((w) => ({
    key: keys.rollup(w.stepMs, instance),
    keep: Math.min(ttl, rollupKeepMs(w.stepMs, resolutionMs)),
    score: w.point.t,
    member: serializePoint(w.point),
    replaces: w.replaces ? serializePoint(w.replaces) : null,
  }));
  return {
    kind: 'point',
    run: (p, now) => {
      const cut = retentionCutoff(now, retentionMs, resolutionMs);
      p.zadd(raw, point.t, member).zremrangebyscore(raw, '-inf', `(${cut}`).pexpire(raw, ttl);
      for (const r of rollups) {
        if (r.replaces) p.zrem(r.key, r.replaces);
        p.zadd(r.key, r.score, r.member)
          .zremrangebyscore(r.key, '-inf', `(${Math.max(cut, now - r.keep)}`)
          .pexpire(r.key, r.keep);
      }
      p.zadd(index, now, instance).zremrangebyscore(index, '-inf', `(${cut}`).pexpire(index, ttl);
    },
  };
}

/** The points of a sorted set's members; members that are not points are skipped. */
export function parsePoints(members: string[]): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (const m of members) {
    const p = parsePoint(m);
    if (p) out.push(p);
  }
  return out;
}

/** The alert records of the alert list's items; items that are not JSON are skipped (not ours). */
export function parseAlertRecords(items: string[]): StoredAlertRecord[] {
  const out: StoredAlertRecord[] = [];
  for (const item of items) {
    try {
      out.push(JSON.parse(item) as StoredAlertRecord);
    } catch {
      // not ours; skip
    }
  }
  return out;
}

/** Every instance's points from `fromMs` to `toMs` (the fleet index, then one pipeline of ranges): the fleet read. */
export async function readFleet(
  client: IoRedisClient,
  keys: RedisKeys,
  fromMs: number,
  toMs: number,
  stepMs?: number,
): Promise<Map<string, HistoryPoint[]>> {
  const ids = await client.zrangebyscore(keys.instances(), fromMs, '+inf');
  const out = new Map<string, HistoryPoint[]>();
  if (ids.length === 0) return out;
  const pipeline = client.pipeline();
  for (const id of ids) pipeline.zrangebyscore(keys.series(id, stepMs), fromMs, `(${toMs}`);
  const results = (await pipeline.exec()) ?? [];
  results.forEach(([err, members], i) => {
    if (err) throw err;
    const points = parsePoints(members as string[]);
    if (points.length > 0) out.set(ids[i]!, points);
  });
  return out;
}
