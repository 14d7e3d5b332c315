// An alert's duration is rounded to the nearest second, in the engine's alert and so in every channel that shows it:
// raised at 22.497 s, cleared at 28.494 s (5.997 s) lasted 6 s, not 5 (outside review rtD).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { type Receiver, startReceiver } from './receiver.js';

describe('alert durations', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  it('raised 22.497, cleared 28.494: 6 s in the alert, the webhook and Slack', async () => {
    const raisedAt = Date.parse('2026-12-01T12:00:22.497Z');
    const clearedAt = Date.parse('2026-12-01T12:00:28.494Z');
    const expected = Math.round((clearedAt - raisedAt) / 1000);
    const clock = testClock(raisedAt);
    const events: AlertEvent[] = [];
    const system = new AlertSystem({ clock, logger: silentLogger, onAlert: (e) => void events.push(e) });
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 85 } }));
    clock.set(clearedAt);
    system.checkThresholds(makeSnapshot({ cpu: { current_percent: 10 } }));
    expect(events.map((e) => e.type)).toEqual(['raised', 'cleared']);
    const cleared = events[1]!.alert;
    expect(cleared.duration_seconds).toBe(expected);

    const router = new NotificationRouter({
      host: 'h',
      instance: 'h:1',
      clock,
      logger: silentLogger,
      channels: [
        { type: 'webhook', url: `${rx.origin}/hook` },
        { type: 'slack', webhookUrl: `${rx.origin}/slack` },
      ],
      routing: { groupWaitMs: 0 },
    });
    try {
      for (const e of events) router.notify(e);
      await router.idle();
    } finally {
      await router.close();
    }
    const resolved = rx.received.filter((r) => r.raw.includes('resolved'));
    const hook = resolved.find((r) => r.url === '/hook')!.json as {
      alerts: Array<{ duration_seconds: number }>;
    };
    expect(hook.alerts[0]!.duration_seconds).toBe(expected);
    const slack = resolved.find((r) => r.url === '/slack')!.raw;
    expect(slack).toContain(`*Lasted*\\n${expected} s`);
  });
});
