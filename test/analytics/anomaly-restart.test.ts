// The anomaly models survive a restart with a RedisStore (private redis-server): a monitor trained for
// hours is closed, a new one starts on the same Redis, and from then on its models and scores equal,
// exactly, those of a monitor that was never interrupted and saw the same minutes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { rng as prng } from '../helpers/random.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MIN = 60_000;

/** One minute of traffic: a daily cycle, noise, a latency shift from minute 1470 on (after a day of learning). */
function minuteOf(m: number, r: () => number): Array<{ status: number; durationMs: number }> {
  const daily = Math.sin((2 * Math.PI * m) / 1440);
  const n = Math.round(12 + 6 * daily + r() * 4);
  const out: Array<{ status: number; durationMs: number }> = [];
  for (let i = 0; i < n; i++) {
    const slow = m >= 1470 ? 2 : 1;
    out.push({ status: r() < 0.02 ? 500 : 200, durationMs: (20 + r() * 30 + 10 * daily) * slow });
  }
  return out;
}

interface Run {
  m: SystemMonitor;
  /** `stood`: the ms the process stood still (suspended: its monotonic clock does not move, nothing runs). */
  clock: { t: number; stood: number; now: () => number };
}

function monitor(t: number, store?: RedisStore, warnings: string[] = []): Run {
  const clock = { t, stood: 0, now: () => clock.t };
  const logger = { warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)), error: () => {} };
  const monotonicClock = () => clock.t - clock.stood;
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    monotonicClock,
    logger,
    ...(store ? { store } : {}),
  });
  return { m, clock };
}

const loaded = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

/** Feeds minute `minute` to a monitor and closes it with flush(); returns the scores of that minute. */
async function feed(run: Run, minute: number, traffic: Array<{ status: number; durationMs: number }>) {
  run.clock.t = T0 + minute * MIN + 30_000;
  for (const q of traffic) run.m.recordRequest({ method: 'GET', route: '/r', ...q });
  run.clock.t = T0 + (minute + 1) * MIN;
  await run.m.flush();
  return run.m.analytics.getScores().scores;
}

/**
 * Feeds the same minute to the monitor on Redis and to the reference (their own clocks, their own stores): the
 * reference's minute is computed while the other's writes wait on Redis. Returns [on Redis, reference].
 */
function feedBoth(
  stored: Run,
  reference: Run,
  minute: number,
  traffic: Array<{ status: number; durationMs: number }>,
) {
  return Promise.all([feed(stored, minute, traffic), feed(reference, minute, traffic)]);
}

describe.skipIf(!requireRedis())('anomaly models across a restart (RedisStore, private redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // The first two cases run side by side (their own prefixes, instances, monitors and clocks): each waits on Redis
  // thousands of times, one minute after another. The third stops Redis (SIGSTOP), so it runs after them.
  it.concurrent('a restarted monitor scores the next minutes exactly as an uninterrupted one', async ({
    expect,
  }) => {
    const prefix = `sv17:${process.pid}:`;
    const store = () => new RedisStore({ url: server.url, prefix, instanceId: 'web-1' });
    const reference = monitor(T0); // never interrupted (memory store)
    const first = monitor(T0, store());
    await expect.poll(() => loaded(first.m), { timeout: 5000 }).toBe(true);
    const r = prng(17);
    const TRAIN = 1450; // past ANOMALY_LEARNING_POINTS: scores are reported
    try {
      for (let minute = 0; minute < TRAIN; minute++) {
        const [b, a] = await feedBoth(first, reference, minute, minuteOf(minute, r));
        expect(b).toEqual(a);
      }
    } finally {
      await first.m.close();
    }
    // A new process on the same Redis: the models come back.
    const second = monitor(T0 + TRAIN * MIN, store());
    try {
      await expect.poll(() => loaded(second.m), { timeout: 5000 }).toBe(true);
      expect(second.m.analytics.exportState()).toBe(reference.m.analytics.exportState());
      const scores: number[] = [];
      for (let minute = TRAIN; minute < TRAIN + 60; minute++) {
        const [b, a] = await feedBoth(second, reference, minute, minuteOf(minute, r));
        expect(b).toEqual(a);
        expect(second.m.analytics.exportState()).toBe(reference.m.analytics.exportState());
        scores.push(a.latency_p95 ?? 0);
      }
      // The scores compared are not trivially 0: the latency shift at minute 1470 is an onset.
      expect(Math.max(...scores)).toBeGreaterThanOrEqual(0.99);
    } finally {
      await second.m.close();
      await reference.m.close();
    }
  }, 180_000); // a day and more of minutes through two monitors: ~8 s alone; 57 and 87 s one after the other in a CI run at load ~30, side by side now: a guard, not a bound

  it.concurrent('a sample minute missed across the restart: the following minutes score as on a monitor that never stopped', async ({
    expect,
  }) => {
    // Issue 17: "Model state survives a restart when a RedisStore is used". The first monitor stops after
    // minute TRAIN - 1; the process is down for minute TRAIN (no sample, no request reaches anyone); the new
    // one starts at the beginning of minute TRAIN + 1. The reference never stops, but its host stands still for
    // minute TRAIN (suspended: it was up for no second of it), so its minute timer closes minute TRAIN with no
    // point (an idle minute it was up for would be one: outside review 33, RT33-1), then it sees the same
    // minutes as the restarted one.
    const prefix = `sv17c:${process.pid}:`;
    const store = () => new RedisStore({ url: server.url, prefix, instanceId: 'web-3' });
    const reference = monitor(T0);
    const first = monitor(T0, store());
    await expect.poll(() => loaded(first.m), { timeout: 5000 }).toBe(true);
    const r = prng(41);
    const TRAIN = 1450; // past the learning points, so scores are reported
    try {
      for (let minute = 0; minute < TRAIN; minute++)
        await feedBoth(first, reference, minute, minuteOf(minute, r));
    } finally {
      await first.m.close();
    }
    // Minute TRAIN: nothing runs anywhere; the reference's timer fires at its end.
    reference.clock.stood += MIN;
    reference.clock.t = T0 + (TRAIN + 1) * MIN;
    await reference.m.flush();
    const second = monitor(T0 + (TRAIN + 1) * MIN, store());
    try {
      await expect.poll(() => loaded(second.m), { timeout: 5000 }).toBe(true);
      expect(second.m.analytics.exportState()).toBe(reference.m.analytics.exportState());
      const scores: number[] = [];
      for (let minute = TRAIN + 1; minute < TRAIN + 61; minute++) {
        const [b, a] = await feedBoth(second, reference, minute, minuteOf(minute, r));
        expect(b, `minute ${minute}`).toEqual(a);
        scores.push(a.latency_p95 ?? 0);
      }
      expect(second.m.analytics.exportState()).toBe(reference.m.analytics.exportState());
      // The scores compared are not trivially 0: the latency shift at minute 1470 is an onset.
      expect(Math.max(...scores)).toBeGreaterThanOrEqual(0.99);
      // Both histories have the hole at minute TRAIN and the same minutes after it.
      const times = async (m: SystemMonitor) =>
        (await m.store.readPoints(m.instanceId, T0 + (TRAIN - 2) * MIN, T0 + (TRAIN + 3) * MIN)).map(
          (p) => (p.t - T0) / MIN,
        );
      expect(await times(reference.m)).toEqual([TRAIN - 2, TRAIN - 1, TRAIN + 1, TRAIN + 2]);
    } finally {
      await second.m.close();
      await reference.m.close();
    }
  }, 180_000); // a day and more of minutes through two monitors (the guard: above)

  it('a Redis that does not answer at start-up: the models are read when it does, not overwritten by fresh ones', async () => {
    const prefix = `sv17b:${process.pid}:`;
    const store = () =>
      new RedisStore({ url: server.url, prefix, instanceId: 'web-2', commandTimeoutMs: 200 });
    const reference = monitor(T0);
    const first = monitor(T0, store());
    await expect.poll(() => loaded(first.m), { timeout: 5000 }).toBe(true);
    const r = prng(29);
    const TRAIN = 200;
    for (let minute = 0; minute < TRAIN; minute++) {
      const traffic = minuteOf(minute, r);
      await feed(reference, minute, traffic);
      await feed(first, minute, traffic);
    }
    await first.m.close();
    const trained = reference.m.analytics.exportState();

    // The new process starts while Redis is frozen: the read fails, the models start fresh and learn.
    await server.kill('SIGSTOP');
    const warnings: string[] = [];
    const second = monitor(T0 + TRAIN * MIN, store(), warnings);
    try {
      await expect
        .poll(() => warnings.some((w) => w.includes('could not be read')), { timeout: 10_000 })
        .toBe(true);
      for (let minute = TRAIN; minute < TRAIN + 3; minute++)
        await feed(second, minute, minuteOf(minute, prng(minute)));
      expect(loaded(second.m)).toBe(false);
      expect(second.m.analytics.exportState()).not.toBe(trained);
      // Redis answers again: the next minute reads the saved models (the minutes of the outage are
      // dropped), which were not overwritten meanwhile.
      await server.kill('SIGCONT');
      await expect
        .poll(
          async () => {
            await second.m.flush();
            return loaded(second.m);
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(second.m.analytics.exportState()).toBe(trained);
      for (let minute = TRAIN + 3; minute < TRAIN + 33; minute++) {
        const traffic = minuteOf(minute, r);
        const a = await feed(reference, minute, traffic);
        const b = await feed(second, minute, traffic);
        expect(b).toEqual(a);
      }
      expect(second.m.analytics.exportState()).toBe(reference.m.analytics.exportState());
    } finally {
      await server.kill('SIGCONT').catch(() => {});
      await second.m.close();
      await reference.m.close();
    }
  });
});
