// Setup-time checks of channels, routing and maintenance: coded errors that say what to fix, never echoing a secret.

import { describe, expect, it } from 'vitest';
import { parseChannels } from '../../src/channels/channel-config.js';
import { parseCron } from '../../src/channels/cron.js';
import { parseMaintenance } from '../../src/channels/maintenance.js';
import { parseRouting } from '../../src/channels/routing-config.js';
import { createMonitor } from '../../src/monitor.js';

const clock = { now: Date.now };
const parse = (list: unknown) => parseChannels(list, clock, 4 * 3600_000);

function error(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a throw');
}

describe('channel options', () => {
  it('rejects unknown types and keys with a suggestion', () => {
    const t = error(() => parse([{ type: 'slak', webhookUrl: 'https://hooks.slack.com/x' }]));
    expect(t.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(t.message).toContain('Did you mean `slack`?');
    const k = error(() => parse([{ type: 'slack', webhookURL: 'https://hooks.slack.com/x' }]));
    expect(k.code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect(k.message).toContain('Did you mean `webhookUrl`?');
    expect(error(() => parse({ type: 'slack' })).message).toMatch(/must be an array/);
  });

  it('names the bad value without echoing a secret URL', () => {
    const e = error(() => parse([{ type: 'discord', webhookUrl: 'not a url/secret-token-123' }]));
    expect(e.message).toMatch(/channels\[0\] \(discord\)\.webhookUrl/);
    expect(e.message).not.toContain('secret-token-123');
    expect(error(() => parse([{ type: 'teams', webhookUrl: 'ftp://x/y' }])).message).toMatch(/http or https/);
  });

  it('checks each channel kind', () => {
    expect(error(() => parse([{ type: 'slack', botToken: 'xoxb-1' }])).message).toMatch(/needs `channel`/);
    expect(
      error(() => parse([{ type: 'slack', botToken: 'x', channel: 'C', webhookUrl: 'https://a/b' }])).message,
    ).toMatch(/not both/);
    expect(
      error(() => parse([{ type: 'twilio', accountSid: 'nope', authToken: 't', from: '+1', to: '+2' }]))
        .message,
    ).toMatch(/AC followed by 32 hex/);
    const sid = `AC${'0'.repeat(32)}`;
    expect(
      error(() => parse([{ type: 'twilio', accountSid: sid, authToken: 't', to: '+2' }])).message,
    ).toMatch(/exactly one of `from`/);
    expect(error(() => parse([{ type: 'sms-gateway', url: 'https://g/x', to: [] }])).message).toMatch(/\.to/);
    expect(
      error(() => parse([{ type: 'sms-gateway', url: 'https://g/x', to: '+1', method: 'DELETE' }])).message,
    ).toMatch(/POST, PUT or GET/);
    expect(error(() => parse([{ type: 'email', smtp: 'smtp://h', from: 'a@b', to: [] }])).message).toMatch(
      /\.to/,
    );
    expect(error(() => parse([{ type: 'pagerduty', routingKey: '' }])).message).toMatch(/routingKey/);
    expect(
      error(() => parse([{ type: 'webhook', url: 'https://h/x', minSeverity: 'info' }])).message,
    ).toMatch(/minSeverity/);
    expect(error(() => parse([{ type: 'webhook', url: 'https://h/x', timeoutMs: 0 }])).message).toMatch(
      /timeoutMs/,
    );
    expect(error(() => parse([{ type: 'webhook', url: 'https://h/x', rules: [] }])).message).toMatch(/rules/);
  });

  it('names channels uniquely, applies defaults and freezes the config', () => {
    const sid = `AC${'0'.repeat(32)}`;
    const parsed = parse([
      { type: 'webhook', url: 'https://h/a' },
      { type: 'webhook', url: 'https://h/b' },
      { type: 'twilio', accountSid: sid, authToken: 't', from: '+15005550006', to: '+15551230001' },
      { type: 'alertmanager', url: 'http://am:9093' },
    ]);
    expect(parsed.map((p) => p.config.name)).toEqual(['webhook', 'webhook-2', 'twilio', 'alertmanager']);
    expect(parsed[0]!.config).toMatchObject({
      minSeverity: 'warning',
      sendResolved: true,
      timeoutMs: 10_000,
      retries: 3,
      maxQueue: 100,
    });
    expect(parsed[2]!.config).toMatchObject({ minSeverity: 'critical', sendResolved: false });
    expect(parsed[3]!.config.repeatIntervalMs).toBe(60_000);
    expect(Object.isFrozen(parsed[0]!.config)).toBe(true);
    expect(
      error(() =>
        parse([
          { type: 'webhook', name: 'a', url: 'https://h/a' },
          { type: 'slack', name: 'a', webhookUrl: 'https://h/b' },
        ]),
      ).message,
    ).toMatch(/two channels are named "a"/);
  });
});

describe('routing and maintenance options', () => {
  it('routing: defaults, unknown keys, reserved and invalid labels', () => {
    expect(parseRouting(undefined)).toMatchObject({
      groupWaitMs: 30_000,
      repeatIntervalMs: 14_400_000,
      inhibit: true,
      closeTimeoutMs: 5000,
    });
    expect(error(() => parseRouting({ groupWait: 1 })).message).toContain('Did you mean `groupWaitMs`?');
    expect(error(() => parseRouting({ labels: { severity: 'x' } })).message).toMatch(/set by sysvitals/);
    expect(error(() => parseRouting({ labels: { 'a-b': 'x' } })).message).toMatch(/not a valid label name/);
    expect(error(() => parseRouting({ repeatIntervalMs: 10 })).message).toMatch(/repeatIntervalMs/);
  });

  it('maintenance: cron or start/end, not both; bad cron fields are named', () => {
    expect(
      error(() => parseMaintenance([{ name: 'x', cron: '0 2 * *', durationMs: 60_000 }])).message,
    ).toMatch(/5 fields/);
    expect(
      error(() => parseMaintenance([{ name: 'x', cron: '61 2 * * *', durationMs: 60_000 }])).message,
    ).toMatch(/minute must be within 0-59/);
    expect(error(() => parseMaintenance([{ name: 'x', cron: '0 2 * * *' }])).message).toMatch(
      /needs `durationMs`/,
    );
    expect(
      error(() =>
        parseMaintenance([{ name: 'x', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }]),
      ).message,
    ).toMatch(/end after start/);
    expect(
      error(() =>
        parseMaintenance([{ name: 'x', cron: '@daily', durationMs: 60_000, start: '2026-01-01T00:00:00Z' }]),
      ).message,
    ).toMatch(/not both/);
    expect(error(() => parseMaintenance([{ cron: '@daily', durationMs: 60_000 }])).message).toMatch(/name/);
  });

  // Outside review: start/end went through Date.parse, which reads a time without a zone in the host's
  // zone and takes `12/24/2026`, `1` (2001) and 2026-02-30 (March 2nd). Oracle: the instant RFC 3339 names.
  it('maintenance: start/end only as RFC 3339 with Z or an offset, or epoch ms; others are a coded error', () => {
    const once = (start: unknown, end: unknown) => () =>
      parseMaintenance([{ name: 'x', start: start as string, end: end as string }]);
    const refused = [
      '2026-12-24 22:00', // local time of whatever host
      '2026-12-24T22:00:00', // no zone
      '2026-12-24', // a date only: midnight where?
      '12/24/2026',
      'Dec 24 2026 22:00 GMT',
      '1',
      '2026-02-30T00:00:00Z', // Date.parse: March 2nd
      '2026-12-24T25:00:00Z',
    ];
    const end = '2027-01-01T00:00:00Z';
    for (const bad of refused) {
      const e = error(once(bad, end));
      expect(e.code, bad).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(e.message).toMatch(/maintenance\[0\]\.start/);
    }
    expect(error(once('2026-12-24T22:00:00', end)).message).toMatch(/no time zone/);
    expect(error(once(1.5, end)).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(error(once(undefined, end)).message).toMatch(/start` is required/);
    // Accepted: Z, an offset (the same instant), epoch ms.
    const at = (w: unknown[]) => parseMaintenance(w)[0]?.status(0)?.starts_at;
    const instant = Date.UTC(2026, 11, 24, 22);
    expect(at([{ name: 'z', start: '2026-12-24T22:00:00Z', end }])).toBe(new Date(instant).toISOString());
    expect(at([{ name: 'o', start: '2026-12-24T23:00:00+01:00', end }])).toBe(
      new Date(instant).toISOString(),
    );
    expect(at([{ name: 'ms', start: instant, end: instant + 3_600_000 }])).toBe(
      new Date(instant).toISOString(),
    );
    const w = parseMaintenance([{ name: 'o', start: '2026-12-24T23:00:00.500+01:00', end }])[0];
    expect(w?.openAt(instant + 499)).toBeNull();
    expect(w?.openAt(instant + 500)).toBe(instant + 500);
  });

  it('cron matches as Vixie cron does (UTC; day-of-month OR day-of-week when both are restricted)', () => {
    const at = (iso: string) => Date.parse(iso);
    const weekdays = parseCron('*/15 9-17 * * 1-5');
    expect(weekdays.matches(at('2026-12-01T09:45:00Z'))).toBe(true); // Tuesday
    expect(weekdays.matches(at('2026-12-01T09:50:00Z'))).toBe(false);
    expect(weekdays.matches(at('2026-12-05T09:45:00Z'))).toBe(false); // Saturday
    const either = parseCron('0 0 1 * 0'); // the 1st, or any Sunday
    expect(either.matches(at('2026-12-01T00:00:00Z'))).toBe(true);
    expect(either.matches(at('2026-12-06T00:00:00Z'))).toBe(true); // Sunday
    expect(either.matches(at('2026-12-02T00:00:00Z'))).toBe(false);
    expect(parseCron('0 0 * * 7').matches(at('2026-12-06T00:00:00Z'))).toBe(true); // 7 is Sunday too
  });

  it('a bad option fails createMonitor before anything starts', () => {
    const e = error(() =>
      createMonitor({ sampleIntervalMs: 0, channels: [{ type: 'webhook', url: 'x' } as never] }),
    );
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
  });
});
