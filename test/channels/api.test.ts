// The notification admin routes on a real monitor and HTTP server: silences (the only writes) and channel status;
// secrets never appear in a response or a log line.

import { describe, expect, it } from 'vitest';
import { makeSnapshot } from '../alerts/snapshot.js';
import { answeringReceiver, cleanups, serve, serveAlerted } from './admin-server.js';
import { startReceiver } from './receiver.js';

describe('silences/', () => {
  it('creates, lists, gets and expires silences; bad input is a 400 that changes nothing', async () => {
    const { call, clock } = await serve({
      maintenance: [{ name: 'weekly', cron: '0 3 * * 0', durationMs: 3600_000 }],
    });
    const bad: Array<[unknown, RegExp]> = [
      [{}, /must match something/],
      [{ rule: 'cpu' }, /needs an end/],
      [{ rule: 'cpu', duration_ms: 10 }, /duration_ms must be an integer/],
      [{ rule: 'cpu', ends_at: 'tomorrow' }, /RFC 3339/],
      [{ rule: 'cpu', ends_at: '2020-01-01T00:00:00Z' }, /in the future/],
      [{ rule: 'cpu', duration_ms: 60_000, ends_at: '2030-01-01T00:00:00Z' }, /not both/],
      [{ rule: 'cpu', duration_ms: 60_000, mute: true }, /unknown field "mute"/],
      [{ labels: { 'bad-name': 'x' }, duration_ms: 60_000 }, /label name/],
      [{ rule: 'x'.repeat(101), duration_ms: 60_000 }, /rule must be a string/],
      [[1, 2], /JSON object/],
    ];
    for (const [input, message] of bad) {
      const r = await call('silences/', { method: 'POST', json: input });
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(r.body.error?.code).toBe('invalid_parameter');
      expect(r.body.error?.message).toMatch(message);
    }
    const notJson = await call('silences/', {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const form = await call('silences/', {
      method: 'POST',
      body: 'rule=cpu',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const huge = await call('silences/', { method: 'POST', json: { comment: 'x'.repeat(20_000) } });
    expect(huge.status).toBe(413);
    const cross = await call('silences/', {
      method: 'POST',
      json: { rule: 'cpu', duration_ms: 60_000 },
      headers: { origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect((await call('silences/')).body.data.count).toBe(0);

    const created = await call('silences/', {
      method: 'POST',
      json: {
        rule: 'cpu',
        labels: { env: 'prod' },
        duration_ms: 3600_000,
        comment: 'deploy',
        created_by: 'ana',
      },
    });
    expect(created.status).toBe(201);
    const s = created.body.data;
    expect(s).toMatchObject({
      rule: 'cpu',
      component: null,
      labels: { env: 'prod' },
      status: 'active',
      comment: 'deploy',
      created_by: 'ana',
    });
    expect(Date.parse(s.ends_at) - clock.now()).toBe(3600_000);

    const list = await call('silences/');
    expect(list.body.data.count).toBe(1);
    expect(list.body.data.maintenance_windows[0]).toMatchObject({
      name: 'weekly',
      kind: 'recurring',
      cron: '0 3 * * 0',
      active: false,
    });
    expect((await call(`silences/${s.id}`)).body.data.id).toBe(s.id);

    const expired = await call(`silences/${s.id}`, { method: 'DELETE' });
    expect(expired.status).toBe(200);
    expect(expired.body.data.status).toBe('expired');
    const again = await call('silences/', {
      method: 'POST',
      json: { component: 'disk', duration_ms: 60_000 },
    });
    const viaPost = await call(`silences/${again.body.data.id}/expire`, { method: 'POST', json: {} });
    expect(viaPost.body.data.status).toBe('expired');

    expect((await call('silences/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await call('silences/not-an-id')).status).toBe(404);
    expect((await call('silences/', { method: 'PUT', json: {} })).status).toBe(405);
    expect((await call(`silences/${s.id}/expire`)).status).toBe(405);
  });

  it("times are strict RFC 3339 within Alertmanager's bounds plus 366 days; a refused one is a 400 that changes nothing", async () => {
    const { call, clock } = await serve({});
    // The test clock reads 2025-12-27T12:00:00Z.
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      // Absurd or ambiguous times that Date.parse accepted.
      [
        { rule: 'cpu', starts_at: '9999-01-01T00:00:00Z', duration_ms: 3600_000 },
        /starts_at.*at most 366 days ahead/,
      ],
      [
        { rule: 'cpu', starts_at: '9999-01-01T00:00:00Z', ends_at: '9999-01-02T00:00:00Z' },
        /starts_at.*366 days ahead/,
      ],
      [{ rule: 'cpu', ends_at: '2026-02-30T00:00:00Z' }, /ends_at.*not a date.*2026-02-30/],
      [{ rule: 'cpu', ends_at: '1' }, /ends_at must be an RFC 3339 time/],
      [{ rule: 'cpu', ends_at: 'Tue Mar 1 2026' }, /RFC 3339/],
      [{ rule: 'cpu', ends_at: '2026-01-01T12:00:00' }, /with a time zone/],
      [{ rule: 'cpu', ends_at: '2026-01-01' }, /RFC 3339/],
      [{ rule: 'cpu', ends_at: '2026-01-01T24:00:00Z' }, /not a date/],
      [{ rule: 'cpu', ends_at: '+275760-09-13T00:00:00Z' }, /RFC 3339/],
      [{ rule: 'cpu', ends_at: 1767268800000 }, /RFC 3339/],
      // Alertmanager's own checks: end after start, end not in the past.
      [
        { rule: 'cpu', starts_at: '2025-12-28T00:00:00Z', ends_at: '2025-12-28T00:00:00Z' },
        /ends_at must be after starts_at/,
      ],
      [
        { rule: 'cpu', starts_at: '2025-12-29T00:00:00Z', ends_at: '2025-12-28T00:00:00Z' },
        /ends_at must be after starts_at/,
      ],
      [{ rule: 'cpu', ends_at: '2025-12-27T11:59:59Z' }, /ends_at must be in the future/],
      // Our upper bound: a silence lasts at most 366 days.
      [{ rule: 'cpu', ends_at: '2026-12-29T12:00:00Z' }, /at most 366 days/],
      [
        { rule: 'cpu', starts_at: '2026-06-01T00:00:00Z', duration_ms: 367 * 86_400_000 },
        /duration_ms must be an integer/,
      ],
    ];
    for (const [input, message] of bad) {
      const r = await call('silences/', { method: 'POST', json: input });
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(r.body.error?.code).toBe('invalid_parameter');
      expect(r.body.error?.message, JSON.stringify(input)).toMatch(message);
    }
    expect((await call('silences/')).body.data.count).toBe(0);

    // At the bounds: a start 366 days ahead, an offset time, a start in the past taken as now (as Alertmanager does).
    const ahead = await call('silences/', {
      method: 'POST',
      json: { rule: 'cpu', starts_at: '2026-12-28T12:00:00Z', duration_ms: 3600_000 },
    });
    expect(ahead.status).toBe(201);
    expect(ahead.body.data).toMatchObject({ starts_at: '2026-12-28T12:00:00.000Z', status: 'pending' });
    const offset = await call('silences/', {
      method: 'POST',
      json: { component: 'disk', ends_at: '2025-12-27T14:30:00.5+02:00' },
    });
    expect(offset.status).toBe(201);
    expect(offset.body.data.ends_at).toBe('2025-12-27T12:30:00.500Z');
    const past = await call('silences/', {
      method: 'POST',
      json: { rule: 'memory', starts_at: '2025-12-27T10:00:00Z', ends_at: '2025-12-27T13:00:00Z' },
    });
    expect(past.status).toBe(201);
    expect(past.body.data).toMatchObject({
      starts_at: new Date(clock.now()).toISOString(),
      ends_at: '2025-12-27T13:00:00.000Z',
      status: 'active',
    });
    expect((await call('silences/')).body.data.count).toBe(3);
  });

  it('is authenticated', async () => {
    const { base } = await serve({});
    const res = await fetch(`${base}silences/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rule: 'cpu', duration_ms: 60_000 }),
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${base}silences/`)).status).toBe(401);
  });

  it('a silenced alert is recorded in the history, marked, and not sent', async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const { call, monitor } = await serve({
      alerts: { cpu: { for: 0 }, memory: { for: 0 } },
      channels: [{ type: 'webhook', url: `${rx.origin}/hook` }],
      routing: { groupWaitMs: 0 },
    });
    const s = (await call('silences/', { method: 'POST', json: { rule: 'cpu', duration_ms: 3600_000 } })).body
      .data;
    monitor.alertSystem.checkThresholds(
      makeSnapshot({ cpu: { current_percent: 99 }, memory: { used_percent: 99 } }),
    );
    await monitor.notifications.idle();
    const sent = rx.received.flatMap((r) =>
      (r.json as { alerts: Array<{ rule: string }> }).alerts.map((a) => a.rule),
    );
    expect(sent).toEqual(['memory']);
    const history = (await call('alerts/?history=true')).body.data.alerts as Array<Record<string, unknown>>;
    const cpu = history.find((h) => h.rule === 'cpu');
    const memory = history.find((h) => h.rule === 'memory');
    expect(cpu).toMatchObject({ event: 'raised', suppressed: 'silenced', suppressed_by: s.id });
    expect(memory?.suppressed).toBeUndefined();
  });
});

describe('channel status and secrets', () => {
  it('shows sent/failed/last error per channel and never returns or logs a secret', async () => {
    // Every receiver refuses with 500 and echoes what it got, the worst case for leaking.
    const rx = await answeringReceiver(500, (r) => `refused ${r.url} ${JSON.stringify(r.headers)} ${r.raw}`);
    const secrets = {
      slack: 'T000SLACK/B000/slacksecretpath',
      bot: 'xoxb-bot-token-secret',
      teams: 'teamssig-secret',
      discord: 'discordtoken-secret',
      pd: 'pagerdutyroutingkey-secret',
      twilio: 'twilioauthtoken-secret',
      gateway: 'gateway-apikey-secret',
      hmac: 'hmac-signing-secret',
      header: 'Bearer webhook-header-secret',
      smtp: 'smtp-password-secret',
    };
    const common = { retries: 1, retryDelayMs: 0 };
    const { call, logger, bodies, monitor } = await serveAlerted([
      { type: 'slack', webhookUrl: `${rx.origin}/services/${secrets.slack}`, ...common },
      { type: 'slack', botToken: secrets.bot, channel: 'C1', apiUrl: rx.origin, ...common },
      { type: 'teams', webhookUrl: `${rx.origin}/teams?sig=${secrets.teams}`, ...common },
      { type: 'discord', webhookUrl: `${rx.origin}/api/webhooks/1/${secrets.discord}`, ...common },
      { type: 'pagerduty', routingKey: secrets.pd, url: `${rx.origin}/pd`, ...common },
      {
        type: 'twilio',
        accountSid: `AC${'a'.repeat(32)}`,
        authToken: secrets.twilio,
        from: '+15005550006',
        to: '+15551230001',
        apiUrl: rx.origin,
        ...common,
      },
      {
        type: 'sms-gateway',
        url: `${rx.origin}/sms`,
        to: '+15551230001',
        headers: { 'x-api-key': secrets.gateway },
        ...common,
      },
      {
        type: 'webhook',
        url: `${rx.origin}/hook`,
        secret: secrets.hmac,
        headers: { authorization: secrets.header },
        ...common,
      },
      // An SMTP server that is not there: the failure must not show the password either.
      {
        type: 'email',
        smtp: { host: '127.0.0.1', port: 1, auth: { user: 'u', pass: secrets.smtp } },
        from: 'a@example.com',
        to: 'b@example.com',
        ...common,
        timeoutMs: 2000,
      },
    ]);
    const health = await call('health/?detailed=true');
    const channels = health.body.data.channels as Array<Record<string, unknown>>;
    expect(channels).toHaveLength(9);
    for (const c of channels) {
      expect(c, String(c.name)).toMatchObject({ status: 'failing', sent: 0, failed: 1, pending: 0 });
      expect(typeof c.last_error).toBe('string');
    }
    expect(channels.find((c) => c.type === 'teams')?.last_error).toMatch(/^HTTP 500: refused/);
    expect(channels.map((c) => c.name)).toEqual([
      'slack',
      'slack-2',
      'teams',
      'discord',
      'pagerduty',
      'twilio',
      'sms-gateway',
      'webhook',
      'email',
    ]);
    await call('channels/');
    await call('silences/');
    await call('alerts/?history=true');
    await call('metrics/');
    // Failures are logged once per channel outage, with the secret redacted.
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(9);
    monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 20 } }));
    await monitor.notifications.idle();
    expect(logger.lines.filter((l) => l.includes('is failing'))).toHaveLength(9);
    const everything = [...bodies, ...logger.lines].join('\n');
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
    // The base64 of Twilio's basic auth neither.
    expect(everything).not.toContain(Buffer.from(`AC${'a'.repeat(32)}:${secrets.twilio}`).toString('base64'));
    expect(everything).toContain('[redacted]');
  });

  it('redacts a secret the receiver echoes encoded: percent (either hex case, encodeURI), JSON, base64, base64url (outside review 11, F8)', async () => {
    // Every request is answered 400 with its target echoed in each encoding (a gateway's or proxy's error page).
    const rx = await startReceiver((r, res) => {
      const href = `${rx.origin}${r.url}`;
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const b64url = (s: string) => Buffer.from(s).toString('base64url');
      const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
      const forms = [
        encodeURIComponent(r.url),
        lowerHex(encodeURIComponent(r.url)),
        encodeURI(href),
        encodeURIComponent(href),
        r.url.replace(/\//g, '\\/'),
        b64(r.url),
        b64url(r.url),
        b64(href),
        b64url(href),
        b64(`x${r.url}`),
        b64url(`xy${href}`),
      ];
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request ${forms.join(' ')}`);
      return true;
    });
    cleanups.push(() => rx.close());
    const common = { retries: 0 };
    const { call, logger, readChannels } = await serveAlerted([
      { type: 'slack', webhookUrl: `${rx.origin}/services/T000/B000/slackSecretPath42`, ...common },
      // A token with a percent-encoded character: encodeURI's form differs from it (%2F → %252F).
      { type: 'webhook', url: `${rx.origin}/hook?token=query%2FSecretToken42`, ...common },
    ]);
    expect(rx.received).toHaveLength(2);
    const outputs = [
      JSON.stringify((await call('channels/')).body),
      JSON.stringify((await call('health/?detailed=true')).body),
      ...logger.lines,
    ];
    const errors = (await readChannels()).map((c) => c.last_error);
    for (const e of errors) expect(e).toMatch(/^HTTP 400: bad request .*\[redacted\]/);
    // The oracle decodes what was shown every way the receiver encoded it, and looks for the secrets.
    for (const text of outputs) {
      for (const decoded of decodings(text)) {
        expect(decoded).not.toMatch(/slackSecretPath42|SecretToken42/i);
      }
    }
  });
});

/** `text` as written, percent-decoded (once and twice), JSON-unescaped, and each base64-looking run decoded. */
function decodings(text: string): string[] {
  const pct = (s: string) =>
    Buffer.from(
      s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  const out = [text, pct(text), pct(pct(text)), text.replace(/\\\//g, '/')];
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let o = 0; o < 4; o++) {
      out.push(Buffer.from(run.slice(o), 'base64').toString('latin1'));
      out.push(Buffer.from(run.slice(o), 'base64url').toString('latin1'));
    }
  }
  return out;
}
