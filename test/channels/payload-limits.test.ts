// Whole-message limits of the chat and paging services (outside review 34, RT34-1): a grouped notification with long
// alert texts is delivered, not refused for its size. Oracle: service-limits.ts (each service's published limit,
// counted over the body as posted); a local receiver answers as the service does when a limit is passed.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { discordMessage } from '../../src/channels/discord.js';
import { pagerDutyEvents } from '../../src/channels/pagerduty.js';
import { NotificationRouter } from '../../src/channels/router.js';
import { slackMessage } from '../../src/channels/slack.js';
import { teamsMessage } from '../../src/channels/teams.js';
import type { Notification, NotifiedAlert } from '../../src/channels/types.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { assertProperty } from '../helpers/property.js';
import { alert, event } from './alerts.js';
import { type Receiver, startReceiver } from './receiver.js';
import {
  discordLimitErrors,
  discordUsernameErrors,
  pagerDutyLimitErrors,
  slackLimitErrors,
  teamsLimitErrors,
} from './service-limits.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Answers as each service does, refusing what passes its limits: Discord 400, Teams 413, Slack 400, PagerDuty 400. */
async function strictServices(): Promise<{ rx: Receiver; refused: string[][] }> {
  const refused: string[][] = [];
  const rx = await startReceiver((req, res) => {
    const errors = req.url.startsWith('/discord')
      ? discordLimitErrors(req.json)
      : req.url.startsWith('/teams')
        ? teamsLimitErrors(req.raw, req.json)
        : req.url.startsWith('/slack')
          ? slackLimitErrors(req.json)
          : pagerDutyLimitErrors(req.raw, req.json);
    if (errors.length > 0) {
      refused.push([req.url, ...errors]);
      res.writeHead(req.url.startsWith('/teams') ? 413 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors }));
    } else res.writeHead(req.url.startsWith('/discord') ? 204 : 202).end();
    return true;
  });
  cleanups.push(() => rx.close());
  return { rx, refused };
}

/** A connect error listing the addresses tried, as multi-host drivers print it (the review's longerr.ts). */
function connectError(who: string, length: number): string {
  const tried = Array.from({ length: 4000 }, (_, i) => `10.0.${i >> 8}.${i & 255}:5432 (ETIMEDOUT)`).join(
    ', ',
  );
  return `${who}: connect failed; tried ${tried}`.slice(0, length);
}

async function deliverGroup(alerts: ReturnType<typeof alert>[]) {
  const { rx, refused } = await strictServices();
  const clock = testClock();
  const router = new NotificationRouter({
    host: 'web-1',
    instance: 'web-1:42',
    clock,
    logger: silentLogger,
    channels: [
      { type: 'discord', webhookUrl: `${rx.origin}/discord/api/webhooks/1/tok`, retries: 0 },
      { type: 'teams', webhookUrl: `${rx.origin}/teams/wf`, retries: 0 },
      { type: 'slack', webhookUrl: `${rx.origin}/slack/T/B/X`, retries: 0 },
      {
        type: 'pagerduty',
        routingKey: 'R0UTINGKEY0000000000000000000000',
        url: `${rx.origin}/pd`,
        retries: 0,
      },
    ],
    routing: { groupWaitMs: 500 },
  });
  cleanups.push(() => router.close());
  for (const a of alerts) router.notify(event('raised', a));
  clock.advance(500);
  router.tick();
  await router.idle();
  return { rx, refused, status: router.status() };
}

describe('a database + cache outage with long connect errors, grouped (review 34 repro)', () => {
  for (const length of [3000, 40_000]) {
    it(`two ${length}-character probe errors: every channel accepts the message`, async () => {
      const alerts = ['database', 'redis'].map((rule, i) =>
        alert(`${i}`, {
          rule,
          component: rule,
          severity: 'critical',
          message: connectError(rule, length),
          value: 0,
          threshold: 1,
        }),
      );
      const { rx, refused, status } = await deliverGroup(alerts);
      expect(refused).toEqual([]);
      expect(status.map((s) => s.failed)).toEqual([0, 0, 0, 0]);
      // One grouped message each for Discord, Teams and Slack; one event per alert for PagerDuty.
      expect(rx.received).toHaveLength(5);
      const discord = rx.received.find((r) => r.url.startsWith('/discord'))!.json as {
        embeds: { title: string; description: string }[];
      };
      expect(discord.embeds.map((e) => e.title)).toEqual(['critical · database', 'critical · redis']);
      // Cut fairly: both descriptions keep the same share, and the start of each error.
      const [d0, d1] = discord.embeds.map((e) => e.description);
      expect(Math.abs(d0!.length - d1!.length)).toBeLessThanOrEqual(1);
      expect(d0!.startsWith('database: connect failed; tried 10.0.0.0:5432')).toBe(true);
    });
  }

  it('10 labelled backlog rules with 600-character messages (7900 embed characters before): Discord accepts', async () => {
    const alerts = Array.from({ length: 10 }, (_, i) =>
      alert(`${i}`, {
        rule: `backlog_${i}`,
        component: `custom.depth{tenant=t${i}-${'a'.repeat(100)}}`,
        message: `custom.depth{${['tenant', 'region', 'queue', 'shard', 'pool'].map((k) => `${k}=${k[0]!.repeat(100)}`).join(',')}} is 5 (warning at or above 1)`,
        value: 5,
        threshold: 1,
      }),
    );
    const { refused, status } = await deliverGroup(alerts);
    expect(refused).toEqual([]);
    expect(status[0]!.failed).toBe(0);
  });
});

// ---- Property: random groups never pass a limit and show the most severe first ----

const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    'a',
    'é',
    '中',
    '😀',
    '𝄞',
    '*',
    '_',
    '<',
    '&',
    '\\',
    '"',
    '\n',
    '1. ',
    '[x](https://e.x)',
    '\u0001',
  ),
);
/** Text of 0 to ~12,000 characters: a random fragment repeated, so long texts are cheap to make. */
const longText = (min: number, maxRepeat: number) =>
  fc
    .tuple(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: maxRepeat }))
    .map(([parts, n]) => parts.join('').repeat(n))
    .filter((s) => s.length >= min);

const notifiedAlert = (i: number) =>
  fc
    .record({
      severity: fc.constantFrom('warning', 'critical'),
      rule: longText(1, 60),
      component: longText(1, 40),
      message: longText(0, 1500),
      value: fc.double({ noNaN: true, min: -1e9, max: 1e9 }),
      labelValue: longText(0, 20),
    })
    .map(
      (r): NotifiedAlert => ({
        ...alert(`id-${i}`, {
          rule: r.rule,
          component: r.component,
          severity: r.severity as 'warning' | 'critical',
          message: r.message,
          value: r.value,
          threshold: 80,
        }),
        labels: { rule: r.rule, tenant: r.labelValue },
      }),
    );

const notification = fc
  .tuple(
    fc
      .integer({ min: 1, max: 30 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => notifiedAlert(i)))),
    fc.constantFrom('firing', 'resolved'),
    longText(1, 10),
  )
  .map(
    ([alerts, status, host]): Notification => ({
      status: status as Notification['status'],
      repeat: false,
      group_key: 'k',
      alerts,
      host,
      instance: `${host}:42`,
      dashboard_url: 'https://ops.example.com/dash',
      timestamp: '2025-12-27T12:00:00.000Z',
    }),
  );

const rank = (s: string) => (s === 'critical' ? 1 : 0);

/** The shown severities are the most severe of the group, most severe first. */
function mostSevereFirst(all: NotifiedAlert[], shown: string[]): void {
  for (let i = 1; i < shown.length; i++) expect(rank(shown[i - 1]!)).toBeGreaterThanOrEqual(rank(shown[i]!));
  const criticals = all.filter((a) => a.severity === 'critical').length;
  expect(shown.filter((s) => s === 'critical')).toHaveLength(Math.min(criticals, shown.length));
}

describe('property: random alert groups (long texts, labels, unicode) within every published limit', () => {
  it('Discord: ≤ 6000 embed characters, ≤ 10 embeds, content ≤ 2000; each shown alert named with its severity', async () => {
    await assertProperty(
      fc.property(notification, (n) => {
        const body = JSON.parse(JSON.stringify(discordMessage(n)));
        expect(discordLimitErrors(body)).toEqual([]);
        const titles = (body.embeds as { title: string }[]).map((e) => e.title);
        expect(titles).toHaveLength(Math.min(10, n.alerts.length));
        if (n.alerts.length > 10) expect(body.content).toContain(`${n.alerts.length - 10} more not shown`);
        if (n.status === 'firing') {
          const sev = titles.map((t) => t.slice(0, t.indexOf(' · ')));
          mostSevereFirst(n.alerts, sev);
          // Each title names its alert: severity and the rule (cut only past Discord's 256 for a title).
          const rules = new Set(n.alerts.map((a) => `${a.severity} · ${a.rule}`.slice(0, 200)));
          for (const t of titles) expect(rules.has(t.slice(0, 200)) || rules.has(t)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('Teams: the JSON body ≤ 28 KB; the most severe shown first, the rest counted as "N more not shown"', async () => {
    await assertProperty(
      fc.property(notification, (n) => {
        const raw = JSON.stringify(teamsMessage(n));
        const body = JSON.parse(raw);
        expect(teamsLimitErrors(raw, body)).toEqual([]);
        const items = body.attachments[0].content.body as {
          type: string;
          text?: string;
          facts?: { title: string; value: string }[];
        }[];
        const states = items.filter((b) => b.type === 'FactSet').map((b) => b.facts![0]!.value);
        expect(states.length).toBeGreaterThanOrEqual(Math.min(n.alerts.length, 1));
        const hidden = n.alerts.length - states.length;
        const note = items.find((b) => b.type === 'TextBlock' && /more not shown$/.test(b.text ?? ''));
        if (hidden > 0) expect(note?.text).toBe(`${hidden} more not shown`);
        else expect(note).toBeUndefined();
        if (n.status === 'firing') mostSevereFirst(n.alerts, states);
      }),
      { numRuns: 60 },
    );
  });

  it('Slack: text ≤ 40,000, ≤ 50 blocks, section ≤ 3000, field ≤ 2000, header ≤ 150; most severe first', async () => {
    await assertProperty(
      fc.property(notification, (n) => {
        const body = JSON.parse(JSON.stringify(slackMessage(n)));
        expect(slackLimitErrors(body)).toEqual([]);
        if (n.status === 'firing') {
          const sections = (body.attachments[0].blocks as { type: string; text?: { text: string } }[]).filter(
            (b) => b.type === 'section',
          );
          mostSevereFirst(
            n.alerts,
            sections.map((s) => (s.text!.text.startsWith(':red_circle:') ? 'critical' : 'warning')),
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  it('PagerDuty: summary ≤ 1024 and each event ≤ 512 KB, even for a 1 MB alert text', async () => {
    await assertProperty(
      fc.property(notification, fc.integer({ min: 0, max: 1_000_000 }), (n, extra) => {
        const big = { ...n, alerts: n.alerts.map((a) => ({ ...a, message: a.message + '"'.repeat(extra) })) };
        for (const e of pagerDutyEvents(big, 'R0UTINGKEY0000000000000000000000')) {
          const raw = JSON.stringify(e);
          expect(pagerDutyLimitErrors(raw, JSON.parse(raw))).toEqual([]);
        }
      }),
      { numRuns: 10 },
    );
  });
});

describe('Discord username', () => {
  it('over Discord’s 80 characters: a coded error at setup', () => {
    expect(
      () =>
        new NotificationRouter({
          host: 'h',
          instance: 'h:1',
          clock: testClock(),
          logger: silentLogger,
          channels: [
            { type: 'discord', webhookUrl: 'https://discord.com/api/webhooks/1/t', username: 'x'.repeat(81) },
          ],
          routing: {},
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }));
  });

  // Regression (review 37, RT37-11): only the length was checked; "Clyde" and "discord alerts" passed setup and every
  // notification of the channel was then refused by Discord (400).
  it.each([
    'Clyde',
    'discord alerts',
    'my CLYDE bot',
    'DiScOrD',
    'ops@example',
    'team #1',
    'prod: alerts',
    'a```b',
    'everyone',
    'here',
    'Here',
    ' ',
    'sysvitals',
    'Ops alerts',
    'here and there',
    'everyone-ops',
    'x'.repeat(80),
  ])('%j: refused at setup exactly when Discord’s published rules refuse it', (username) => {
    const make = () =>
      new NotificationRouter({
        host: 'h',
        instance: 'h:1',
        clock: testClock(),
        logger: silentLogger,
        channels: [{ type: 'discord', webhookUrl: 'https://discord.com/api/webhooks/1/t', username }],
        routing: {},
      });
    if (discordUsernameErrors(username).length === 0) {
      void make().close();
    } else {
      expect(make).toThrow(expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }));
    }
  });
});
