// Regression (red team figures F7): a restart with a persistent store (RedisStore, same instanceId) keeps the
// active alerts. An alert raised before close() is restored under the same id: still breached after the
// restart it continues (no second `raised`), no longer breached it is cleared (a `cleared` event with
// cleared_at, for the same id). Private redis-server; injected clock; the oracle is the event log itself
// (every id raised must be cleared exactly once when the breach is over, and raised exactly once).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

interface Run {
  m: SystemMonitor;
  clock: { t: number; now: () => number };
  events: AlertEvent[];
}

function start(url: string, prefix: string, t: number): Run {
  const clock = { t, now: () => clock.t };
  const store = new RedisStore({ url, prefix, instanceId: 'web-1', logger: quiet });
  const events: AlertEvent[] = [];
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    store,
    onAlert: (e) => {
      if (e.alert.rule === 'error_rate') events.push(e);
    },
  });
  return { m, clock, events };
}

const loaded = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

/** 100 requests, `failed` of them 500, 30 s before a sample. */
async function traffic(run: Run, failed: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    run.m.recordRequest({ method: 'GET', route: '/r', status: i < failed ? 500 : 200, durationMs: 5 });
  }
  run.clock.t += 30_000;
  await run.m.sample();
}

const errorRateAlerts = async (m: SystemMonitor) =>
  (await m.getAlerts()).filter((a) => a.rule === 'error_rate');

describe.skipIf(!requireRedis())('alerts across a restart (RedisStore, private redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('an alert still breached continues under its id; one no longer breached is cleared', async () => {
    const prefix = `svf7:${process.pid}:`;
    // 1st process: 25 % 5xx raises error_rate critical.
    const a = start(server.url, prefix, T0);
    await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 25);
    expect(a.events.map((e) => e.type)).toEqual(['raised']);
    const id = a.events[0]!.alert.id;
    await a.m.close();

    // 2nd process (a deploy 5 min later), still failing: the same alert, no new notification.
    const b = start(server.url, prefix, T0 + 5 * 60_000);
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    expect((await errorRateAlerts(b.m)).map((x) => x.id)).toEqual([id]);
    await traffic(b, 25);
    expect(b.events).toEqual([]);
    const active = await errorRateAlerts(b.m);
    expect(active.map((x) => [x.id, x.state, x.timestamp])).toEqual([
      [id, 'active', new Date(T0 + 30_000).toISOString()],
    ]);
    await b.m.close();

    // 3rd process, recovered: the alert is cleared, for the same id, with cleared_at.
    const c = start(server.url, prefix, T0 + 10 * 60_000);
    await expect.poll(() => loaded(c.m), { timeout: 5000 }).toBe(true);
    await traffic(c, 0);
    expect(c.events.map((e) => [e.type, e.alert.id, e.alert.cleared_at])).toEqual([
      ['cleared', id, new Date(c.clock.t).toISOString()],
    ]);
    expect(await errorRateAlerts(c.m)).toEqual([]);
    await c.m.flush();
    // The store's event log: one raise and one clear of the one id, nothing else for error_rate.
    const log = (await c.m.getAlerts({ history: true, limit: 100 })).filter((r) => r.rule === 'error_rate');
    expect(log.map((r) => [(r as { event?: string }).event, r.id])).toEqual([
      ['cleared', id],
      ['raised', id],
    ]);
    await c.m.close();

    // 4th process: nothing left to restore.
    const d = start(server.url, prefix, T0 + 15 * 60_000);
    await expect.poll(() => loaded(d.m), { timeout: 5000 }).toBe(true);
    expect(await errorRateAlerts(d.m)).toEqual([]);
    await d.m.close();
  });
});
