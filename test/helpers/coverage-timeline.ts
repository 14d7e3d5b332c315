// Shared harness of the `covered_seconds` tests: processes of instances run on an injected clock, flush at each
// minute boundary (their bucket timer) and send steady traffic; the oracle reads each step's covered seconds and
// requests from the timeline itself (the exact union of every instance's run intervals), never from the code.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import type { HistoryResult } from '../../src/history/point.js';
import { CHARTS } from '../../src/http/dashboard/panels/charts.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore } from '../../src/stores/store.js';
import { type RedisServer, startRedis } from './redis-server.js';

export const MIN = 60_000;
export const at = (h: number, m: number, s = 0, ms = 0) => Date.UTC(2026, 11, 6, h, m, s, ms);
/** The dashboard's request-rate series: what a user reads a step's rate from. */
export const requestRate = CHARTS.find((c) => c.id === 'requests')!.series[0]!;

/** A store for one process of `instance`; each process opens its own (as separate processes do). */
export type Open = (instance: string, clock: { now(): number }) => MetricsStore;

/** One MemoryStore for every process: a monitor's close would clear it, so close is a no-op here. */
export function sharedMemory(): Open {
  let store: MemoryStore | undefined;
  return (_instance, clock) => {
    store ??= new MemoryStore({ clock });
    return new Proxy(store, {
      get(target, key) {
        if (key === 'close') return async () => {};
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
}

/**
 * A real redis-server for the describe block calling it (started before its tests, stopped after): `open(prefix)`
 * gives the processes RedisStores sharing that prefix. Ready before a simulation, whose loop yields only at flushes
 * (a store whose client is still connecting would keep the points in its outage buffer).
 */
export function realRedis(): (prefix: string) => Open {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    await client.ping();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return (prefix) => (instanceId, clock) =>
    new RedisStore({ client, prefix: `${prefix}-${process.pid}`, instanceId, logger: silentLogger, clock });
}

/** One process: `id`'s monitor runs from `from` until its close at `to` (ms), sending `perSecond` requests. */
export interface Run {
  id: string;
  from: number;
  to: number;
  perSecond: number;
}

export interface Timeline {
  /** Request times per instance (every process of it). */
  sent: Map<string, number[]>;
  /** Per instance, the intervals its closed buckets cover: each process's run, up to the last flush. */
  covered: Map<string, [number, number][]>;
}

/** The union of `intervals` inside [s, e), sorted and disjoint. */
function unionWithin(intervals: [number, number][], s: number, e: number): [number, number][] {
  const cut = intervals
    .map(([a, b]) => [Math.max(a, s), Math.min(b, e)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of cut) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The seconds of [s, e) some process of the instance covered, and the requests it sent in them. */
export function coveredWithin(tl: Timeline, id: string, s: number, e: number) {
  const parts = unionWithin(tl.covered.get(id) ?? [], s, e);
  const ms = parts.reduce((n, [a, b]) => n + b - a, 0);
  const count = (tl.sent.get(id) ?? []).filter((t) => parts.some(([a, b]) => t >= a && t < b)).length;
  return { seconds: ms / 1000, count };
}

/**
 * Runs `runs` on `open()`'s stores in 50 ms ticks until `read`: every live monitor flushes at each minute boundary,
 * a run's close flushes its last, partial bucket, nothing is flushed after the last boundary before `read`. Returns
 * a monitor of `readerId` to read history with (a live one, else one opened at `read`) and the timeline. `monitors`
 * collects what is still open, for the caller to close.
 */
export async function simulate(
  open: Open,
  runs: Run[],
  read: number,
  monitors: SystemMonitor[],
  readerId = runs[0]!.id,
): Promise<{ reader: SystemMonitor; tl: Timeline }> {
  let now = Math.min(...runs.map((r) => r.from));
  const clock = { now: () => now };
  const make = (id: string) =>
    createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock,
      monotonicClock: clock,
      store: open(id, clock),
      instanceId: id,
    });
  const tl: Timeline = { sent: new Map(), covered: new Map() };
  for (const r of runs) {
    tl.sent.set(r.id, []);
    tl.covered.set(r.id, []);
  }
  const lastFlush = read - (read % MIN);
  const live = new Map<Run, SystemMonitor>();
  for (let ms = now; ms < read; ms += 50) {
    now = ms;
    if (ms % MIN === 0) for (const m of live.values()) await m.flush();
    for (const r of runs) {
      if (ms === r.from) live.set(r, make(r.id));
      const m = live.get(r);
      if (m && ms === r.to) {
        await m.close();
        live.delete(r);
      }
    }
    for (const [r, m] of live) {
      // The requests due in this tick at `perSecond` from the run's start (any rate, not only divisors of 20).
      const due =
        Math.floor(((ms - r.from + 50) * r.perSecond) / 1000) -
        Math.floor(((ms - r.from) * r.perSecond) / 1000);
      for (let k = 0; k < due; k++) {
        m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
        tl.sent.get(r.id)!.push(ms);
      }
    }
  }
  for (const r of runs) tl.covered.get(r.id)!.push([r.from, Math.min(r.to, lastFlush)]);
  now = read;
  monitors.push(...live.values());
  let reader = [...live].find(([r]) => r.id === readerId)?.[1];
  if (!reader) {
    reader = make(readerId);
    monitors.push(reader);
  }
  return { reader, tl };
}

/**
 * Every step some instance covered has a point whose requests, `covered_seconds` and plotted rate are the
 * timeline's: per instance the union of its processes' seconds, the fleet (several `ids`) the longest instance's
 * (README: exact when instances run side by side). Returns the rows compared.
 */
export function expectExactCoverage(result: HistoryResult, tl: Timeline, ids: string[]) {
  const step = result.step_seconds * 1000;
  const got: unknown[] = [];
  const want: unknown[] = [];
  for (let s = Date.parse(result.start); s < Date.parse(result.end); s += step) {
    const cover = ids.map((id) => coveredWithin(tl, id, s, s + step));
    const seconds = Math.max(...cover.map((c) => c.seconds));
    const p = result.points.find((q) => q.t === s);
    if (seconds === 0 && !p) continue;
    const count = cover.reduce((n, c) => n + c.count, 0);
    got.push([
      new Date(s).toISOString(),
      p?.requests,
      p?.covered_seconds,
      p && requestRate.history(p, step / 1000),
    ]);
    want.push([new Date(s).toISOString(), count, seconds, count / seconds]);
  }
  expect(got).toEqual(want);
  return want;
}
