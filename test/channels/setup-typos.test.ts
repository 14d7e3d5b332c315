// RT37-4: names and values a typo would turn into a channel that never pages are refused at setup with
// ERR_SYSVITALS_INVALID_OPTION (naming the value, with a did-you-mean where names are known); valid ones pass.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';

const rules = [{ name: 'queue_backlog', metric: 'custom.backlog', warning: 5 }];

async function setup(options: Record<string, unknown>, warnings: string[] = []) {
  let err: { code?: string; message: string } | undefined;
  try {
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn: (_o: unknown, msg: string) => warnings.push(msg), error() {} },
      alerts: { rules },
      ...options,
    } as never);
    await m.close();
  } catch (e) {
    err = e as { code?: string; message: string };
  }
  return err;
}

const slack = { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/x' };
const email = { type: 'email', smtp: 'smtp://127.0.0.1:2525', from: 'ops@example.com' };
const gateway = { type: 'sms-gateway', url: 'https://sms.example.com/send', to: '+15551230001' };
const window = { name: 'w', start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' };

describe('typos refused at setup (RT37-4)', () => {
  it("a channel's `rules` filter naming no rule", async () => {
    const err = await setup({ channels: [{ ...slack, rules: ['cpu', 'databse'] }] });
    expect(err?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(err?.message).toContain('`channels[0].rules[1]`');
    expect(err?.message).toContain('"databse"');
    expect(err?.message).toContain('Did you mean `database`?');
    const custom = await setup({ channels: [{ ...slack, rules: ['queue_backlgo'] }] });
    expect(custom?.message).toContain('Did you mean `queue_backlog`?');
    // Built-in and `alerts.rules` names pass.
    expect(await setup({ channels: [{ ...slack, rules: ['database', 'queue_backlog', 'anomaly'] }] })).toBe(
      undefined,
    );
  });

  it("a maintenance window's `rule` naming no rule", async () => {
    const err = await setup({ maintenance: [{ ...window, rule: 'dsk' }] });
    expect(err?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(err?.message).toContain('`maintenance[0].rule`');
    expect(err?.message).toContain('Did you mean `disk`?');
    expect(await setup({ maintenance: [{ ...window, rule: 'queue_backlog' }] })).toBe(undefined);
  });

  it('an email recipient that is not an address', async () => {
    const err = await setup({ channels: [{ ...email, to: 'not-an-address' }] });
    expect(err?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(err?.message).toContain('"not-an-address"');
    const second = await setup({ channels: [{ ...email, to: ['a@example.com', 'oncall'] }] });
    expect(second?.message).toContain('"oncall"');
    for (const to of [
      'ops@example.com',
      'Ops Team <ops@example.com>',
      '"Ops, night" <ops@example.com>',
      'a@example.com, b@example.org',
      ['a@example.com', 'b+alerts@sub.example.org'],
    ]) {
      expect(await setup({ channels: [{ ...email, to }] }), JSON.stringify(to)).toBe(undefined);
    }
  });

  it('an SMS gateway whose request carries no {{text}}', async () => {
    const err = await setup({ channels: [{ ...gateway, body: '{"to":"{{to}}","msg":"{{txt}}"}' }] });
    expect(err?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(err?.message).toContain('`channels[0] (sms-gateway).body`');
    expect(err?.message).toContain('{{text}}');
    // GET sends no body: the text must be in the URL.
    const get = await setup({ channels: [{ ...gateway, method: 'GET', body: '{"t":"{{text}}"}' }] });
    expect(get?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    for (const c of [
      { ...gateway },
      { ...gateway, body: 'to={{ to }}&text={{ text }}', contentType: 'application/x-www-form-urlencoded' },
      { ...gateway, method: 'GET', url: 'https://sms.example.com/send?to={{to}}&m={{text}}' },
      { ...gateway, url: 'https://sms.example.com/send?m={{text}}', body: '{"to":"{{to}}"}' },
    ]) {
      expect(await setup({ channels: [c] }), JSON.stringify(c)).toBe(undefined);
    }
  });

  it('an anomaly series near a built-in name is warned once; a custom series is not', async () => {
    const warnings: string[] = [];
    expect(
      await setup({ alerts: { rules, anomaly: { enabled: true, series: ['latency_p59'] } } }, warnings),
    ).toBe(undefined);
    const hits = warnings.filter((w) => w.includes('alerts.anomaly.series'));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toContain('"latency_p59"');
    expect(hits[0]).toContain('latency_p95');
    const quiet: string[] = [];
    await setup({ alerts: { rules, anomaly: { enabled: true, series: ['cpu', 'checkout_ms'] } } }, quiet);
    expect(quiet.filter((w) => w.includes('alerts.anomaly.series'))).toEqual([]);
  });
});
