// Every HTTP channel against a local receiver that checks the payload against the receiver's documented shape.

import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/channels/signature.js';
import type { Notification } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';
import { discordErrors, pagerDutyErrors, slackErrors, teamsErrors, twilioErrors } from './payload-shapes.js';
import { type Received, type Receiver, startReceiver } from './receiver.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'twilio-auth-token-0000';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Answers as each service does: Slack 'ok', Teams 202, Discord 204, PagerDuty 202 JSON, Twilio 201 JSON, Slack API JSON. */
async function services(): Promise<Receiver> {
  let ts = 1000;
  const rx = await startReceiver((req, res) => {
    if (req.url.startsWith('/slack-api/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, channel: 'C123', ts: `${ts++}.000100` }));
    } else if (req.url.startsWith('/teams')) res.writeHead(202).end();
    else if (req.url.startsWith('/discord')) res.writeHead(204).end();
    else if (req.url.startsWith('/pd')) {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'x' }));
    } else if (req.url.startsWith('/2010-04-01/')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid: 'SM123', status: 'queued' }));
    } else return undefined;
    return true;
  });
  cleanups.push(() => rx.close());
  return rx;
}

function route(channels: unknown[], routing: object = {}) {
  const clock = testClock();
  const router = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock,
    logger: silentLogger,
    channels,
    routing: { groupWaitMs: 0, dashboardUrl: 'https://ops.example.com/admin/dashboard/', ...routing },
  });
  cleanups.push(() => router.close());
  return { router, clock };
}

const cpu = alert('11111111-1111-4111-8111-111111111111', {
  severity: 'critical',
  message: 'CPU usage critical <&> @everyone',
  value: 97.2,
  threshold: 90,
});
const disk = alert('22222222-2222-4222-8222-222222222222', {
  rule: 'disk',
  component: 'disk',
  message: 'Disk usage warning on: /data',
  value: 91,
  threshold: 90,
});

async function fireAndResolve(
  router: NotificationRouter,
  rx: Receiver,
): Promise<{ firing: Received[]; all: Received[] }> {
  router.notify(event('raised', cpu));
  router.notify(event('raised', disk));
  await router.idle();
  const firing = [...rx.received];
  router.notify(event('cleared', cpu));
  router.notify(event('cleared', disk));
  await router.idle();
  return { firing, all: rx.received };
}

describe('Slack', () => {
  it('incoming webhook: a Block Kit message with severity colour, value, threshold and dashboard link', async () => {
    const rx = await services();
    const { router } = route([{ type: 'slack', webhookUrl: `${rx.origin}/services/T000/B000/XXXX` }]);
    const { firing, all } = await fireAndResolve(router, rx);
    expect(firing).toHaveLength(2); // groupWaitMs 0: each alert is its own group
    for (const r of all) expect(slackErrors(r.json)).toEqual([]);
    const first = firing[0]!.json as {
      text: string;
      attachments: Array<{ color: string; blocks: unknown[] }>;
    };
    expect(first.text).toBe('[FIRING] cpu critical on web-1');
    expect(first.attachments[0]!.color).toBe('#d7263d');
    const body = JSON.stringify(first.attachments[0]!.blocks);
    expect(body).toContain('97.2%');
    expect(body).toContain('90%');
    expect(body).toContain('CPU usage critical &lt;&amp;&gt;'); // mrkdwn control characters escaped
    expect(body).toContain('https://ops.example.com/admin/dashboard/');
    expect((firing[1]!.json as typeof first).attachments[0]!.color).toBe('#f5a623');
    const resolved = all[2]!.json as typeof first;
    expect(resolved.text).toMatch(/^\[RESOLVED\] cpu on web-1$/);
    expect(resolved.attachments[0]!.color).toBe('#2eb67d');
    expect(all.every((r) => r.url === '/services/T000/B000/XXXX' && r.method === 'POST')).toBe(true);
  });

  it('bot token: chat.postMessage with the token, and the resolved notice in the firing message thread', async () => {
    const rx = await services();
    const { router } = route([
      { type: 'slack', botToken: 'xoxb-secret-token', channel: 'C123', apiUrl: `${rx.origin}/slack-api` },
    ]);
    const { all } = await fireAndResolve(router, rx);
    expect(all).toHaveLength(4);
    for (const r of all) {
      expect(r.url).toBe('/slack-api/chat.postMessage');
      expect(r.headers.authorization).toBe('Bearer xoxb-secret-token');
      expect(slackErrors(r.json)).toEqual([]);
      expect((r.json as { channel: string }).channel).toBe('C123');
    }
    // Firing messages got ts 1000 and 1001; each resolved notice replies in its own thread.
    expect((all[0]!.json as { thread_ts?: string }).thread_ts).toBeUndefined();
    expect((all[2]!.json as { thread_ts?: string }).thread_ts).toBe('1000.000100');
    expect((all[3]!.json as { thread_ts?: string }).thread_ts).toBe('1001.000100');
  });

  it('a Slack API refusal (ok: false) is a failure with its error code', async () => {
    const rx = await startReceiver((_r, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"ok":false,"error":"channel_not_found"}');
      return true;
    });
    cleanups.push(() => rx.close());
    const { router } = route([
      { type: 'slack', botToken: 'xoxb-t', channel: 'C9', apiUrl: rx.origin, retries: 0 },
    ]);
    router.notify(event('raised', cpu));
    await router.idle();
    expect(router.status()[0]).toMatchObject({
      status: 'failing',
      failed: 1,
      last_error: 'Slack API: channel_not_found',
    });
  });
});

describe('Teams, Discord, PagerDuty', () => {
  it('Teams: a Workflows message carrying one Adaptive Card', async () => {
    const rx = await services();
    const { router } = route([{ type: 'teams', webhookUrl: `${rx.origin}/teams/workflows/abc?sig=s3cret` }]);
    const { all } = await fireAndResolve(router, rx);
    expect(all).toHaveLength(4);
    for (const r of all) expect(teamsErrors(r.json)).toEqual([]);
    const card = JSON.stringify(all[0]!.json);
    expect(card).toContain('"color":"attention"');
    expect(card).toContain('97.2%');
    expect(card).toContain('Action.OpenUrl');
    expect(JSON.stringify(all[2]!.json)).toContain('"color":"good"');
  });

  it('Discord: embeds within the documented limits, no mentions parsed', async () => {
    const rx = await services();
    const { router } = route([{ type: 'discord', webhookUrl: `${rx.origin}/discord/api/webhooks/1/tok` }]);
    const { all } = await fireAndResolve(router, rx);
    for (const r of all) expect(discordErrors(r.json)).toEqual([]);
    const m = all[0]!.json as { allowed_mentions: { parse: string[] }; embeds: Array<{ color: number }> };
    expect(m.allowed_mentions.parse).toEqual([]);
    expect(m.embeds[0]!.color).toBe(0xd7263d);
  });

  it('Discord: a group larger than 10 alerts stays within 10 embeds', async () => {
    const rx = await services();
    const { router, clock } = route([{ type: 'discord', webhookUrl: `${rx.origin}/discord/x` }], {
      groupWaitMs: 1000,
    });
    for (let i = 0; i < 12; i++) router.notify(event('raised', alert(`a${i}`, { rule: `r${i}` })));
    clock.advance(1000);
    router.tick();
    await router.idle();
    expect(rx.received).toHaveLength(1);
    expect(discordErrors(rx.received[0]!.json)).toEqual([]);
    expect((rx.received[0]!.json as { content: string }).content).toContain('2 more not shown');
  });

  it('PagerDuty: trigger then resolve with the same dedup_key', async () => {
    const rx = await services();
    const { router } = route([
      { type: 'pagerduty', routingKey: 'R0UTINGKEY0000000000000000000000', url: `${rx.origin}/pd` },
    ]);
    const { all } = await fireAndResolve(router, rx);
    expect(all).toHaveLength(4);
    for (const r of all) expect(pagerDutyErrors(r.json)).toEqual([]);
    const events = all.map(
      (r) => r.json as { event_action: string; dedup_key: string; payload?: { severity: string } },
    );
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'trigger', 'resolve', 'resolve']);
    expect(events[2]!.dedup_key).toBe(events[0]!.dedup_key);
    expect(events[3]!.dedup_key).toBe(events[1]!.dedup_key);
    expect(events[0]!.dedup_key).not.toBe(events[1]!.dedup_key);
    expect(events[0]!.payload?.severity).toBe('critical');
    expect(events[1]!.payload?.severity).toBe('warning');
  });
});

describe('SMS', () => {
  it('Twilio: Messages.json with basic auth and a form body per recipient; critical only, no resolved notice', async () => {
    const rx = await services();
    const { router } = route([
      {
        type: 'twilio',
        accountSid: SID,
        authToken: TOKEN,
        from: '+15005550006',
        to: ['+15551230001', '+15551230002'],
        apiUrl: rx.origin,
      },
    ]);
    const { all } = await fireAndResolve(router, rx);
    // The warning (disk) is below the SMS default; resolved notices are off by default for SMS.
    expect(all).toHaveLength(2);
    for (const r of all) expect(twilioErrors(r as never, SID, TOKEN)).toEqual([]);
    const forms = all.map((r) => new URLSearchParams(r.raw));
    expect(forms.map((f) => f.get('To'))).toEqual(['+15551230001', '+15551230002']);
    expect(forms[0]!.get('Body')).toBe('FIRING web-1: cpu critical 97.2%');
    expect(forms[0]!.get('From')).toBe('+15005550006');
  });

  it('Twilio: on a retry, recipients already served are not sent again', async () => {
    let n = 0;
    const rx = await startReceiver((_r, res) => {
      n++;
      res.writeHead(n === 2 ? 503 : 201, { 'content-type': 'application/json' }).end('{}');
      return true;
    });
    cleanups.push(() => rx.close());
    const { router } = route([
      {
        type: 'twilio',
        accountSid: SID,
        authToken: TOKEN,
        messagingServiceSid: 'MG1',
        to: ['+15551230001', '+15551230002'],
        apiUrl: rx.origin,
        retryDelayMs: 0,
      },
    ]);
    router.notify(event('raised', cpu));
    await router.idle();
    expect(rx.received.map((r) => new URLSearchParams(r.raw).get('To'))).toEqual([
      '+15551230001',
      '+15551230002',
      '+15551230002',
    ]);
    expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0 });
  });

  it('HTTP gateway: the template filled in, escaped for JSON, the recipient URL-encoded in the URL', async () => {
    const rx = await services();
    const { router } = route([
      {
        type: 'sms-gateway',
        url: `${rx.origin}/sms?to={{to}}`,
        to: '+4915112345678',
        body: '{"message":"{{text}}","sender":"ops"}',
        headers: { 'x-api-key': 'gw-key' },
        minSeverity: 'warning',
      },
    ]);
    await fireAndResolve(router, rx);
    expect(rx.received).toHaveLength(2);
    expect(rx.received[0]!.url).toBe('/sms?to=%2B4915112345678');
    expect(rx.received[0]!.headers['x-api-key']).toBe('gw-key');
    expect(rx.received[0]!.json).toEqual({ message: 'FIRING web-1: cpu critical 97.2%', sender: 'ops' });
    expect(rx.received[1]!.json).toEqual({ message: 'FIRING web-1: disk warning 91%', sender: 'ops' });
  });
});

describe('generic webhook', () => {
  it('POSTs the notification with an HMAC-SHA256 signature over timestamp and body', async () => {
    const rx = await services();
    const { router, clock } = route([{ type: 'webhook', url: `${rx.origin}/hook`, secret: 'whsec' }]);
    router.notify(event('raised', cpu));
    await router.idle();
    const r = rx.received[0]!;
    const n = r.json as Notification;
    expect(n).toMatchObject({ status: 'firing', repeat: false, host: 'web-1', instance: 'web-1:42' });
    expect(n.alerts[0]).toMatchObject({
      id: cpu.id,
      rule: 'cpu',
      labels: { alertname: 'cpu', severity: 'critical' },
    });
    const sig = String(r.headers[SIGNATURE_HEADER]);
    const ts = String(r.headers[TIMESTAMP_HEADER]);
    expect(ts).toBe(String(Math.floor(clock.now() / 1000)));
    expect(verifySignature('whsec', r.raw, ts, sig, { nowMs: clock.now() })).toBe(true);
    expect(verifySignature('other', r.raw, ts, sig, { nowMs: clock.now() })).toBe(false);
    expect(verifySignature('whsec', `${r.raw} `, ts, sig, { nowMs: clock.now() })).toBe(false);
    expect(verifySignature('whsec', r.raw, ts, sig, { nowMs: clock.now() + 301_000 })).toBe(false);
  });
});
