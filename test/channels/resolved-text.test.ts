// Outside review 27, RT27-3: a resolved notice quoted the alert's firing text in the present tense beside the value
// now ("hot resolved: custom.g is 25 (critical at or above 20)" next to "Value 0"; email: "is 15 …, was 0", the
// "was" being the value now). The oracle: what the engine hands a cleared alert (its value at the clear, its last
// message while firing), and each receiver's text as a person reads it: the value now first, the firing text
// labelled as the last one reported.

import { afterEach, describe, expect, it } from 'vitest';
import { emailHtml } from '../../src/channels/email.js';
import { plainText } from '../../src/channels/format.js';
import { NotificationRouter } from '../../src/channels/router.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { startReceiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// As the engine leaves it at the clear: value read at the clear (0), message the last while firing.
const FIRED = 'hot: custom.g is 25 (critical at or above 20)';
const hot = alert('33333333-3333-4333-8333-333333333333', {
  rule: 'hot',
  component: 'custom.g',
  severity: 'critical',
  message: FIRED,
  value: 25,
  threshold: 20,
});
const cleared = { ...hot, value: 0, duration_seconds: 2 };

describe('a resolved notice states the value now and labels the firing text', () => {
  it('Slack, Discord and Teams (real HTTP receiver)', async () => {
    const rx = await startReceiver((req, res) => {
      res
        .writeHead(req.url.startsWith('/teams') ? 202 : req.url.startsWith('/discord') ? 204 : 200)
        .end('ok');
      return true;
    });
    cleanups.push(() => rx.close());
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock: testClock(),
      logger: silentLogger,
      routing: { groupWaitMs: 0 },
      channels: [
        { type: 'slack', webhookUrl: `${rx.origin}/slack/x` },
        { type: 'discord', webhookUrl: `${rx.origin}/discord/x` },
        { type: 'teams', webhookUrl: `${rx.origin}/teams/x` },
      ],
    });
    cleanups.push(() => router.close());
    router.notify(event('raised', hot));
    await router.idle();
    await rx.waitFor(3);
    router.notify(event('cleared', cleared));
    await router.idle();
    await rx.waitFor(6);
    const resolved = rx.received.slice(3);
    // As rendered: Discord and Teams read a backslash before punctuation as that character (their alert text is
    // markdown-escaped: markdown-escape.test.ts); in the raw JSON that backslash is written `\\`.
    const texts = resolved.map((r) => r.raw.replace(/\\\\([!-/:-@[-`{-~])/g, '$1'));
    for (const raw of texts) {
      // The firing text is there only after the label, and the value now is stated.
      expect(raw).toContain(`now 0; last reported: ${FIRED}`);
      expect(raw).not.toMatch(/resolved: hot: custom\.g is 25/);
    }
    const slack = resolved.find((r) => r.url.startsWith('/slack'))?.raw ?? '';
    expect(slack).toContain('*Now*\\n0');
  });

  it('the email (text and HTML) says now 0, not "was 0"', () => {
    const n: Notification = {
      status: 'resolved',
      repeat: false,
      group_key: cleared.id,
      alerts: [{ ...cleared, state: 'cleared', cleared_at: '2025-12-27T12:10:00.000Z', labels: {} }],
      host: 'web-1',
      instance: 'web-1:42',
      dashboard_url: null,
      timestamp: '2025-12-27T12:10:00.000Z',
    };
    const text = plainText(n);
    expect(text).toContain(`- resolved hot after 2 s, now 0; last reported: ${FIRED}`);
    expect(text).not.toContain('was 0');
    expect(emailHtml(n)).toContain('now 0; last reported: hot: custom.g is 25 (critical at or above 20)');
  });

  it('an alert cleared with no reading: the clear\'s notice, then the last value read, never "now" (RT28-3)', () => {
    // As the engine leaves api_response_time cleared by a window with no completed request (observations.ts): the
    // last value read (3000 ms, above the 2000 ms level) and the clear's own notice.
    const notice = 'API response time (p95): no reading (no request completed in the window)';
    const n: Notification = {
      status: 'resolved',
      repeat: false,
      group_key: 'x',
      alerts: [
        {
          ...alert('44444444-4444-4444-8444-444444444444', {
            rule: 'api_response_time',
            component: 'api',
            message: notice,
            value: 3000,
            threshold: 2000,
            duration_seconds: 50,
          }),
          state: 'cleared',
          cleared_at: '2025-12-27T12:10:00.000Z',
          labels: {},
        },
      ],
      host: 'web-1',
      instance: 'web-1:42',
      dashboard_url: null,
      timestamp: '2025-12-27T12:10:00.000Z',
    };
    const text = plainText(n);
    expect(text).toContain(`- resolved api_response_time after 50 s, ${notice}; last value read 3000 ms`);
    expect(text).not.toContain('now 3000');
    expect(text).not.toContain('last reported');
  });
});
