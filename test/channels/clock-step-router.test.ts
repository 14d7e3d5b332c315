// Outside review rtF, F4 (the notification side): the router's group wait and repeat intervals were timed on the wall
// clock. A wall clock stepped forward +2 h (NTP, a VM resume) repeated every firing alert at once and ended every
// group wait; one stepped back held repeats (Alertmanager's re-sends that keep its endsAt ahead included) and group
// waits back for the size of the step. They now count the router's monotonic clock; the notifications' `timestamp`
// stays wall time. Oracle: the injected monotonic clock's elapsed time against groupWaitMs / repeatIntervalMs; a
// real HTTP receiver (webhook channel) records what was sent.

import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { NotificationRouter } from '../../src/channels/router.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { alert, event } from './alerts.js';
import { startReceiver } from './receiver.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const STEPS = [2 * HOUR, 10 * MIN, -10 * MIN, -2 * HOUR];
const label = (step: number) => `${step > 0 ? '+' : '−'}${Math.abs(step) / MIN} min`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(routing: { groupWaitMs: number; repeatIntervalMs?: number }) {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const c = { wall: T0, mono: 3_000 };
  const router = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock: { now: () => c.wall },
    monotonicClock: { now: () => c.mono },
    logger: silentLogger,
    channels: [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
    routing,
  });
  cleanups.push(() => router.close());
  /** `ms` of real time (both clocks). */
  const pass = (ms: number) => {
    c.wall += ms;
    c.mono += ms;
  };
  /** Runs the due work; the notifications received so far (status, repeat, timestamp). */
  const sent = async () => {
    router.tick();
    await router.idle();
    return rx.received.map((r) => r.json as Notification);
  };
  return { c, router, pass, sent };
}

const raisedAt = (wall: number): Alert => alert('a', { timestamp: new Date(wall).toISOString() });

describe('the router times group waits and repeats on monotonic time (rtF F4)', () => {
  for (const step of STEPS) {
    it(`a group waits 30 s of real time, the wall stepped ${label(step)} within it`, async () => {
      const { c, router, pass, sent } = await setup({ groupWaitMs: 30_000 });
      router.notify(event('raised', raisedAt(c.wall)));
      pass(10_000);
      c.wall += step;
      pass(19_999);
      expect(await sent()).toEqual([]);
      pass(1);
      const out = await sent();
      expect(out.map((n) => [n.status, n.repeat, n.timestamp])).toEqual([
        ['firing', false, new Date(c.wall).toISOString()],
      ]);
      // The resolved group waits the same, after another step.
      router.notify(event('cleared', raisedAt(T0)));
      c.wall -= step;
      pass(29_999);
      expect(await sent()).toHaveLength(1);
      pass(1);
      expect((await sent()).map((n) => n.status)).toEqual(['firing', 'resolved']);
    });

    it(`a firing alert repeats after 60 min of real time, the wall stepped ${label(step)}`, async () => {
      const { c, router, pass, sent } = await setup({ groupWaitMs: 0, repeatIntervalMs: HOUR });
      router.notify(event('raised', raisedAt(c.wall)));
      const first = c.mono;
      expect(await sent()).toHaveLength(1);
      pass(10 * MIN);
      c.wall += step;
      expect(await sent()).toHaveLength(1);
      // Every minute of real time: the repeat comes when an hour has passed, not before, not later.
      const repeatsAt: number[] = [];
      for (let i = 0; i < 120 && repeatsAt.length < 2; i++) {
        pass(MIN);
        const n = (await sent()).length;
        if (n > 1 + repeatsAt.length) repeatsAt.push(c.mono - first);
      }
      expect(repeatsAt).toEqual([HOUR, 2 * HOUR]);
    });

    it(`a restored alert repeats an hour of real time after its delivery, the wall stepped ${label(step)} after`, async () => {
      const { c, router, pass, sent } = await setup({ groupWaitMs: 0, repeatIntervalMs: HOUR });
      pass(5 * MIN);
      c.wall += 3 * HOUR; // a step before the restore: the saved wall times are taken as of the restore
      const a = raisedAt(c.wall - 20 * MIN);
      router.restore([a], [{ channel: 'webhook', alert: 'a', severity: 'warning', at: c.wall - 10 * MIN }]);
      const restoredAt = c.mono;
      expect(await sent()).toEqual([]);
      pass(5 * MIN);
      c.wall += step;
      let repeatAt: number | null = null;
      for (let i = 0; i < 120 && repeatAt === null; i++) {
        pass(MIN);
        if ((await sent()).length > 0) repeatAt = c.mono - restoredAt;
      }
      expect(repeatAt).toBe(HOUR - 10 * MIN);
    });
  }

  it('the monitor passes its monotonicClock to the router: a +2 h step repeats nothing early', async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const c = { wall: T0, mono: 1_000, depth: 5000 };
    const off = { enabled: false };
    const m = createMonitor({
      ...NO_HOST_FILES,
      logger: silentLogger,
      sampleIntervalMs: 0,
      clock: { now: () => c.wall },
      monotonicClock: () => c.mono,
      channels: [{ type: 'webhook', url: `${rx.origin}/hook`, retries: 0 }],
      routing: { groupWaitMs: 0, repeatIntervalMs: HOUR },
      alerts: {
        cpu: off,
        memory: off,
        disk: off,
        disk_full_in: off,
        memory_leak: off,
        event_loop_delay: off,
        rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 1000 }],
      },
    });
    cleanups.push(() => m.close());
    m.gauge('queue_depth', { help: 'q', collect: () => c.depth });
    const sent = async () => {
      m.notifications.tick();
      await m.notifications.idle();
      return rx.received.map((r) => (r.json as Notification).repeat);
    };
    await m.sample();
    expect(await sent()).toEqual([false]);
    c.wall += 2 * HOUR;
    c.mono += 59 * MIN;
    expect(await sent()).toEqual([false]);
    c.wall += MIN;
    c.mono += MIN;
    expect(await sent()).toEqual([false, true]);
  });
});
