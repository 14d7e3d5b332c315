// Regression (outside review 2, F3): after a restart with RedisStore and the same instanceId, an active alert
// whose rule the new deploy removed, renamed or disabled was restored active and never resolved: nothing
// evaluated it again, so it stayed in getAlerts() and health forever and no receiver got a resolved notice
// (PagerDuty's incident and Alertmanager's alert left open). It is now cleared as soon as the saved state is
// read: a `cleared` event for the same id, turned into resolved notices on the channels that were told of it.
// Real: a private redis-server, RedisStore, three channels POSTing to a real HTTP receiver; the oracle is the
// receiver's log per alert id, read by each payload's published semantics (as restart-notifications.test.ts).

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
let told: (id: string) => Record<'hook' | 'pd' | 'am', string[]>;

type Rule = { name: string; metric: string; warning: number; enabled?: boolean };

/** A monitor on RedisStore whose only rules are `rules` (the host rules off), with gauge gg at `gg`. */
function start(redis: string, rx: Receiver, prefix: string, t: number, rules: Rule[], gg: number) {
  const clock = { t, now: () => clock.t };
  receiverClock.now = clock.now;
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: quiet,
    store: new RedisStore({ url: redis, prefix, instanceId: 'web-1', logger: quiet }),
    instanceId: 'web-1',
    channels: restartChannels(rx),
    routing: { groupWaitMs: 0, repeatIntervalMs: 3_600_000 },
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      event_loop_delay: { enabled: false },
      rules,
    },
  });
  m.gauge('gg', { help: 'a gauge' }).set(gg);
  return { m, clock };
}

const GG_HIGH: Rule = { name: 'gg_high', metric: 'custom.gg', warning: 5 };

describe.skipIf(!requireRedis())('a restored alert whose rule the new deploy dropped (RedisStore)', () => {
  let server: RedisServer;
  let rx: Receiver | undefined;
  const open: SystemMonitor[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
    await rx?.close();
  });

  /** Process A raises gg_high (gg 10, warning 5), every channel is told, and it closes: the alert's id. */
  async function firstProcess(prefix: string): Promise<string> {
    const receiver = await restartReceiver();
    ({ clock: receiverClock, told } = receiver);
    const r = receiver.rx;
    rx = r;
    const a = start(server.url, r, prefix, T0, [GG_HIGH], 10);
    open.push(a.m);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    a.clock.t += 30_000;
    await a.m.sample();
    const alerts = await a.m.getAlerts();
    expect(alerts.map((x) => x.rule)).toEqual(['gg_high']);
    const id = alerts[0]!.id;
    await expect
      .poll(() => told(id), { timeout: 5000 })
      .toEqual({
        hook: ['firing'],
        pd: ['firing'],
        am: ['firing'],
      });
    // Closed once the process heard every receiver accept it (restart-receiver.ts, acceptedBy).
    await expect.poll(() => acceptedBy(a.m, id), { timeout: 5000 }).toEqual(['am', 'hook', 'pd']);
    await a.m.close();
    open.splice(0);
    return id;
  }

  const resolvedEverywhere = {
    hook: ['firing', 'resolved'],
    pd: ['firing', 'resolved'],
    am: ['firing', 'resolved'],
  };

  it.each([
    ['removed', [] as Rule[]],
    ['disabled', [{ ...GG_HIGH, enabled: false }]],
  ])('%s: resolved on every channel that was told, and no longer active', async (name, rules) => {
    const id = await firstProcess(`svrr-${name}:${process.pid}:`);
    // Still 10: only the rule changed. Without the rule nothing would ever evaluate the alert again.
    const b = start(server.url, rx!, `svrr-${name}:${process.pid}:`, T0 + 40_000, rules, 10);
    open.push(b.m);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    await expect.poll(() => told(id), { timeout: 5000 }).toEqual(resolvedEverywhere);
    expect(await b.m.getAlerts()).toEqual([]);
    const [cleared] = await b.m.getAlerts({ history: true, limit: 1 });
    expect(cleared).toMatchObject({ id, rule: 'gg_high', event: 'cleared', state: 'cleared' });
    expect(cleared?.cleared_at).toBe(new Date(T0 + 40_000).toISOString());
    // Not sent twice: a sample later nothing more about it.
    b.clock.t += 30_000;
    await b.m.sample();
    await b.m.flush();
    expect(told(id)).toEqual(resolvedEverywhere);
  });

  it('renamed: the old id is resolved on every channel; the renamed rule raises its own alert', async () => {
    const id = await firstProcess(`svrr-renamed:${process.pid}:`);
    const b = start(
      server.url,
      rx!,
      `svrr-renamed:${process.pid}:`,
      T0 + 40_000,
      [{ ...GG_HIGH, name: 'gg_hi' }],
      10,
    );
    open.push(b.m);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    await expect.poll(() => told(id), { timeout: 5000 }).toEqual(resolvedEverywhere);
    expect(await b.m.getAlerts()).toEqual([]);
    b.clock.t += 30_000;
    await b.m.sample();
    const alerts = await b.m.getAlerts();
    expect(alerts.map((x) => x.rule)).toEqual(['gg_hi']);
    expect(alerts[0]!.id).not.toBe(id);
  });
});
