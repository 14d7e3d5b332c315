// Outside review 37, RT37-9: with the history filling the 7-day retention, the retention cut (now − 7 d) took the
// first minutes of the oldest 30-min step, so capacity read 335 whole steps. The stores now cut at now − 7 d aligned
// down to a 30-min step (one extra step at most), so once 7 days have passed capacity reads 336 whole steps, and the
// 7-day history view still shows exactly 7 days. A real monitor over a MemoryStore and a RedisStore fed one point a
// minute (injected clock, `now` 17 min 23 s past a step boundary); the oracle is the raw recorded minutes: which
// 30-min steps of the week before the current one are recorded whole, and each one's request sum.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityHistory } from '../../src/monitor/reads.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore } from '../../src/stores/store.js';
import { flatPoint } from '../helpers/history-points.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const MIN = 60_000;
const STEP = 30 * MIN;
const DAY = 24 * 60 * MIN;
const WEEK = 7 * DAY;
const quiet = { warn() {}, error() {} };

/** Requests of the minute at `t`: a fixed pseudo-random pattern, so every step's sum differs. */
const requestsAt = (t: number) => ((t / MIN) * 7919) % 997;

/** Feeds minutes `from` to `last` (inclusive), each as it closes; the last one with the clock at `now` (the store trims then). */
async function feed(
  store: MetricsStore,
  from: number,
  last: number,
  now: number,
  setClock: (t: number) => void,
) {
  for (let t = from; t <= last; t += MIN) {
    setClock(t === last ? now : t + MIN);
    await store.appendPoint('i1', flatPoint(t, requestsAt(t)));
  }
}

/** Oracle: every step [s, s + 30 min) of the week before the current step with all 30 minutes recorded, and its sum. */
function wholeSteps(recorded: Map<number, number>, now: number): Map<number, number> {
  const current = Math.floor(now / STEP) * STEP;
  const out = new Map<number, number>();
  for (let s = current - WEEK; s < current; s += STEP) {
    let sum = 0;
    let minutes = 0;
    for (let t = s; t < s + STEP; t += MIN) {
      const v = recorded.get(t);
      if (v !== undefined) {
        sum += v;
        minutes++;
      }
    }
    if (minutes === 30) out.set(s, sum);
  }
  return out;
}

async function check(makeStore: (clock: () => number) => Promise<MetricsStore>) {
  const end = Date.UTC(2026, 10, 10); // a step boundary
  const now = end + 17 * MIN + 23_000; // not one
  const from = end - WEEK - 3 * 60 * MIN;
  const last = Math.floor(now / MIN) * MIN - MIN; // the last closed minute
  let t = from;
  const store = await makeStore(() => t);
  await feed(store, from, last, now, (v) => {
    t = v;
  });
  const recorded = new Map<number, number>();
  for (let m = from; m <= last; m += MIN) recorded.set(m, requestsAt(m));
  const whole = wholeSteps(recorded, now);
  expect(whole.size).toBe(336);

  const history = await capacityHistory(store, 'i1', now, MIN);
  const got = new Map(history.points.map((p) => [p.t, p.requests]));
  expect(got).toEqual(whole);

  const m = createMonitor({ sampleIntervalMs: 0, clock: () => t, store, instanceId: 'i1' });
  try {
    const w = (await m.capacity()).window;
    expect(w.points).toBe(336);
    expect(w.start).toBe(new Date(end - WEEK).toISOString());
    expect(w.end).toBe(new Date(end).toISOString());
    // The 7-day view: exactly 7 days (336 steps ending with the current one), the extra step kept not shown.
    const view = await m.getHistory({ period: '7d' });
    expect(Date.parse(view.end) - Date.parse(view.start)).toBe(WEEK);
    expect(view.start).toBe(new Date(end + STEP - WEEK).toISOString());
    expect(view.points.map((p) => p.t)).toEqual(
      [...whole.keys()].filter((s) => s >= end + STEP - WEEK).concat(end),
    );
  } finally {
    await m.close();
  }
}

describe('capacity window at the retention edge (RT37-9)', () => {
  it('MemoryStore, 17 min 23 s past a step boundary: 336 whole steps, each sum the raw minutes', async () => {
    await check(async (clock) => new MemoryStore({ clock }));
  });

  const haveRedis = requireRedis();
  describe.skipIf(!haveRedis)('RedisStore', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('17 min 23 s past a step boundary: 336 whole steps, each sum the raw minutes', async () => {
      await check(async (clock) => {
        const store = new RedisStore({
          url: server.url,
          prefix: `sv-edge-${process.pid}`,
          clock,
          logger: quiet,
        });
        await store.init();
        return store;
      });
    }, 120_000);
  });

  it('exactly on a step boundary: the full 336 (as before)', async () => {
    const end = Date.UTC(2026, 10, 10);
    let t = end - 8 * DAY;
    const store = new MemoryStore({ clock: () => t });
    for (; t < end; t += MIN) await store.appendPoint('i1', flatPoint(t, 600));
    t = end;
    await store.appendPoint('i1', flatPoint(end, 600));
    const m = createMonitor({ sampleIntervalMs: 0, clock: () => t, store, instanceId: 'i1' });
    try {
      const w = (await m.capacity()).window;
      expect(w.points).toBe(336);
      expect(w.start).toBe(new Date(end - WEEK).toISOString());
    } finally {
      await m.close();
    }
  });
});
