// Regression (outside review F7, F7b): a restart (a deploy) with a persistent store and the same instanceId
// restores the active alerts under their ids, and now also what each channel's receiver got of them. Before,
// the restored alert was one no channel had been told of: when it cleared in the new process no receiver got a
// resolved notice (PagerDuty's incident, the webhook's and Slack's "firing" left open forever), and one still
// firing was never re-sent, so Alertmanager resolved it on its own 4 minutes after each deploy.
// Real: a private redis-server, RedisStore, three channels POSTing to a real HTTP receiver. The oracle is the
// receivers' own log: what each got, per alert id, against the published payload semantics (PagerDuty Events
// v2 `event_action` trigger/resolve by `dedup_key`; Alertmanager's v2 API: `endsAt` in the future while firing,
// at or before the time of sending when resolved; the webhook's `status`).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import type { Receiver } from './receiver.js';
import { acceptedBy, restartChannels, restartReceiver, stateLoaded } from './restart-receiver.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** The receiver's: set to each new process's clock (restart-receiver.ts). */
let receiverClock = { now: () => 0 };

interface Run {
  m: SystemMonitor;
  clock: { t: number; now: () => number };
}

function start(redis: string, rx: Receiver, prefix: string, t: number, repeatIntervalMs: number): Run {
  const clock = { t, now: () => clock.t };
  receiverClock.now = clock.now;
  const store = new RedisStore({ url: redis, prefix, instanceId: 'web-1', logger: quiet });
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    store,
    instanceId: 'web-1',
    channels: restartChannels(rx),
    routing: { groupWaitMs: 0, repeatIntervalMs },
  });
  return { m, clock };
}

/** 100 requests, `failed` of them 500, 30 s before a sample. */
async function traffic(run: Run, failed: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    run.m.recordRequest({ method: 'GET', route: '/r', status: i < failed ? 500 : 200, durationMs: 5 });
  }
  run.clock.t += 30_000;
  await run.m.sample();
}

describe.skipIf(!requireRedis())('notifications across a restart (RedisStore, private redis-server)', () => {
  let server: RedisServer;
  let rx: Receiver;
  let told: (id: string) => Record<'hook' | 'pd' | 'am', string[]>;
  const runs: Run[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const r of runs.splice(0)) await r.m.close();
    await rx?.close();
  });

  async function firstProcess(prefix: string, repeatIntervalMs: number): Promise<string> {
    ({ rx, clock: receiverClock, told } = await restartReceiver());
    const a = start(server.url, rx, prefix, T0, repeatIntervalMs);
    runs.push(a);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 25);
    const [alert] = (await a.m.getAlerts()).filter((x) => x.rule === 'error_rate');
    expect(alert).toBeDefined();
    const id = alert!.id;
    await expect
      .poll(() => told(id), { timeout: 5000 })
      .toEqual({
        hook: ['firing'],
        pd: ['firing'],
        am: ['firing'],
      });
    // Closed once the first process heard every receiver accept it, not on the receiver's log alone: an answer
    // still to come could land after the close's bounded last writes (under load) and the restart re-send it.
    await expect.poll(() => acceptedBy(a.m, id), { timeout: 5000 }).toEqual(['am', 'hook', 'pd']);
    await a.m.close();
    runs.splice(0);
    return id;
  }

  it('an alert that clears after the restart gets its resolved notice on every channel that was told', async () => {
    const prefix = `svrn1:${process.pid}:`;
    // A deploy 10 s after the alert was sent (at T0 + 30 s); repeats an hour apart and Alertmanager's re-send
    // (every 60 s) not due before the alert clears: nothing but the resolved notices is owed.
    const id = await firstProcess(prefix, 3_600_000);
    const b = start(server.url, rx, prefix, T0 + 40_000, 3_600_000);
    runs.push(b);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    await traffic(b, 0);
    await expect
      .poll(() => told(id), { timeout: 5000 })
      .toEqual({
        hook: ['firing', 'resolved'],
        pd: ['firing', 'resolved'],
        am: ['firing', 'resolved'],
      });
    await b.m.flush();
    // Not sent twice: nothing more after the resolved notices, a sample later.
    await traffic(b, 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(told(id).hook).toEqual(['firing', 'resolved']);
  });

  it('an alert still firing after the restart keeps its repeats (Alertmanager re-sends) and no new page', async () => {
    const prefix = `svrn2:${process.pid}:`;
    const id = await firstProcess(prefix, 60_000);
    // 5 minutes later, still failing: the repeat (60 s) is due; the alert is the same, not a new incident.
    const b = start(server.url, rx, prefix, T0 + 5 * 60_000, 60_000);
    runs.push(b);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    await traffic(b, 25);
    await expect
      .poll(() => told(id), { timeout: 5000 })
      .toEqual({
        hook: ['firing', 'firing'],
        pd: ['firing', 'firing'],
        am: ['firing', 'firing'],
      });
    expect((await b.m.getAlerts()).filter((x) => x.rule === 'error_rate').map((x) => x.id)).toEqual([id]);
  });
});
