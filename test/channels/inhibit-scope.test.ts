// Regression (outside review F12): inhibition grouped every rule on a custom metric (and every route rule) into
// one component, so a critical on one custom metric silently held back warnings on an unrelated one (a payment
// failure warning was never sent while a queue alert stayed critical). Inhibition is for a critical that makes
// warnings on the same thing redundant: a rule on any metric now inhibits within its own metric (custom metric,
// route, plugin, function, job); built-in rules keep their component. Real receiver; the oracle is what it got.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { type Receiver, startReceiver } from './receiver.js';

const off = { enabled: false };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A monitor with only these rules on (the built-in host rules off), its one webhook channel to a real receiver. */
async function setup(rules: unknown[]): Promise<{ m: SystemMonitor; rx: Receiver }> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    alerts: { cpu: off, memory: off, disk: off, event_loop_delay: off, rules } as never,
    routing: { groupWaitMs: 0 },
    channels: [{ type: 'webhook', url: `${rx.origin}/wh`, retries: 0 }],
  });
  cleanups.push(() => m.close());
  return { m, rx };
}

/** Samples and delivers; the suppression the history recorded for each rule. */
async function sampled(m: SystemMonitor): Promise<Record<string, string | undefined>> {
  await m.sample();
  m.notifications.tick();
  await m.notifications.idle();
  const history = await m.getAlerts({ history: true });
  return Object.fromEntries(history.map((h) => [h.rule, (h as { suppressed?: string }).suppressed]));
}

/** `rule/severity` of every firing alert the receiver got. */
const firing = (rx: Receiver) =>
  rx.received.flatMap((r) => {
    const n = r.json as { status: string; alerts: Array<{ rule: string; severity: string }> };
    return n.status === 'firing' ? n.alerts.map((a) => `${a.rule}/${a.severity}`) : [];
  });

describe('inhibition is per metric for rules on any metric', () => {
  it('a critical on one custom metric does not hold back a warning on another; it does on its own', async () => {
    const { m, rx } = await setup([
      { name: 'queue_depth_high', metric: 'custom.queue_depth', warning: 100, critical: 1000 },
      // A second, gentler rule on the same metric: its warning is redundant while the first is critical.
      { name: 'queue_depth_nonzero', metric: 'custom.queue_depth', warning: 10, critical: 1_000_000 },
      { name: 'payment_failures', metric: 'custom.payment_failures_now', warning: 5, critical: 50 },
    ]);
    m.gauge('queue_depth', { help: 'jobs waiting' }).set(5000);
    m.gauge('payment_failures_now', { help: 'payments failing now' }).set(20);
    const byRule = await sampled(m);
    expect(firing(rx).sort()).toEqual(['payment_failures/warning', 'queue_depth_high/critical']);
    expect(byRule).toEqual({
      queue_depth_high: undefined,
      queue_depth_nonzero: 'inhibited',
      payment_failures: undefined,
    });
  });

  it('a label set of one custom metric is a thing of its own: the sms queue does not mute the email queue', async () => {
    // Outside review 2 F4: a critical on {queue: sms} held back the warning on {queue: email} of the same metric.
    const { m, rx } = await setup([
      { name: 'sms_depth', metric: 'custom.depth', labels: { queue: 'sms' }, warning: 1, critical: 2 },
      { name: 'email_depth', metric: 'custom.depth', labels: { queue: 'email' }, warning: 1, critical: 100 },
      { name: 'sms_depth_any', metric: 'custom.depth', labels: { queue: 'sms' }, warning: 1, critical: 100 },
    ]);
    const depth = m.gauge('depth', { help: 'jobs waiting', labels: ['queue'] });
    depth.set({ queue: 'sms' }, 5);
    depth.set({ queue: 'email' }, 3);
    const byRule = await sampled(m);
    expect(firing(rx).sort()).toEqual(['email_depth/warning', 'sms_depth/critical']);
    expect(byRule).toEqual({ sms_depth: undefined, email_depth: undefined, sms_depth_any: 'inhibited' });
  });
});
