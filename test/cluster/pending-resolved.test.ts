// Issue #13: a resolved notice decided but not yet delivered when the aggregator is SIGKILLed was lost (the
// ledger kept only the firing alerts, and a cleared one is no longer firing). The receiver here refuses the
// first resolved notice (503), so the aggregator holds it for its retry, 10 min later; it is killed then.
// The ledger now carries the resolved notices no receiver accepted: the successor delivers it, once
// (3 real node:cluster workers, a real webhook receiver started here). The two describes run at the same time
// (describe.concurrent), each on its own cluster, receiver and scratch directory: each waits on its processes
// (a breach raised, a refusal, a takeover), not on the machine; their oracles are the notices, not timings.

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  breach,
  CLUSTER_TEST_TOKEN,
  clearBreach,
  clusterOf,
  ERROR_RATE_ALERTS,
  HANG_GUARD_MS,
  ledgerOf,
  signalPid,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

type Received = { status?: string; alerts?: Array<{ rule: string; id: string }> };

describe.concurrent('node:cluster resolved notice pending when the aggregator dies', () => {
  let refusals = 0;
  const c = useCluster<Received>(
    (url) => ({
      ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
      SAMPLE_MS: '300',
      // One retry, 10 min after a refused attempt: the aggregator is killed while it waits. An attempt waits for
      // the receiver as long as the test would (HANG_GUARD_MS): at the default timeout (10 s here, 5 s for WEBHOOK) a
      // loaded machine's slow answer to the raise was a failed attempt, its retry 10 min away, and the clear queued
      // behind it (CI at load 30; a receiver answering the raise in 6 s failed the test the same way).
      CHANNELS: JSON.stringify([
        { type: 'webhook', url, retries: 1, retryDelayMs: 600_000, timeoutMs: HANG_GUARD_MS },
      ]),
      ROUTING: JSON.stringify({ groupWaitMs: 0 }),
      ALERTS: ERROR_RATE_ALERTS,
    }),
    3,
    // hang guards; the receiver refuses the first resolved notice only
    { readyMs: 90_000, setupMs: 180_000, refuse: (b) => b.status === 'resolved' && refusals++ === 0 },
  );

  it('the successor delivers exactly one resolved notice', async () => {
    await breach(c.port);
    const firing = await until(
      async () =>
        c.hooks.received.find((n) => n.status === 'firing' && n.alerts?.some((a) => a.rule === 'error_rate')),
      60_000,
    );
    const id = firing.alerts?.find((a) => a.rule === 'error_rate')?.id as string;
    await clearBreach(c.port);
    // The clear was decided and its notice refused once: the aggregator holds it for its retry.
    await until(async () => c.hooks.refused.some((n) => n.alerts?.some((a) => a.id === id)), 60_000);
    expect(c.hooks.received.filter((n) => n.status === 'resolved')).toEqual([]);
    const before = await clusterOf(c.port);
    signalPid(aggregatorPid(before), 'SIGKILL');
    await untilNewAggregator(c.port, before.aggregator, 2, 90_000, (m) => afterTakeover(m.cluster));
    await until(async () => c.hooks.received.some((n) => n.status === 'resolved'), 60_000);
    // Once the successor's ledger owes nothing, no further notice can be sent (guard, not a timing).
    await until(async () => {
      const l = ledgerOf(c.dir);
      return l.epoch >= 2 && l.pending?.resolving === null && l.pending.queued.length === 0;
    }, 30_000);
    const resolved = c.hooks.received.filter((n) => n.status === 'resolved');
    expect(resolved.map((n) => n.alerts?.map((a) => a.id))).toEqual([[id]]);
    // The raise was delivered once, by the first aggregator: the successor did not send it again.
    expect(
      c.hooks.received.filter((n) => n.status === 'firing').map((n) => n.alerts?.map((a) => a.id)),
    ).toEqual([[id]]);
  }, 300_000);
});

// The same with the alert webhook (the `webhook` option: one POST per alert event, `{ type, alert }`): its
// queue was in no ledger at all. Its events not accepted are in the ledger now; the successor sends them.
describe.concurrent('node:cluster webhook `cleared` event pending when the aggregator dies', () => {
  let refusals = 0;
  type Event = { type: string; alert: { id: string; rule: string } };
  const c = useCluster<Event>(
    (url) => ({
      SAMPLE_MS: '300',
      // One retry, 10 min after a refused attempt: the aggregator is killed while it waits; each attempt waits
      // HANG_GUARD_MS for the receiver (see above: a raise answered after the default 5 s held the clear 10 min).
      WEBHOOK: JSON.stringify({ url, retries: 1, retryDelayMs: 600_000, timeoutMs: HANG_GUARD_MS }),
      ALERTS: ERROR_RATE_ALERTS,
    }),
    3,
    { readyMs: 90_000, setupMs: 180_000, refuse: (e) => e.type === 'cleared' && refusals++ === 0 },
  );

  it('the successor sends exactly one `cleared` event', async () => {
    await breach(c.port);
    const raised = await until(
      async () => c.hooks.received.find((e) => e.type === 'raised' && e.alert.rule === 'error_rate'),
      60_000,
    );
    await clearBreach(c.port);
    await until(
      async () => c.hooks.refused.some((e) => e.alert.id === raised.alert.id),
      60_000,
      () => JSON.stringify({ received: c.hooks.received, refused: c.hooks.refused }),
    );
    expect(c.hooks.received.filter((e) => e.type === 'cleared')).toEqual([]);
    const before = await clusterOf(c.port);
    signalPid(aggregatorPid(before), 'SIGKILL');
    await untilNewAggregator(c.port, before.aggregator, 2, 90_000, (m) => afterTakeover(m.cluster));
    await until(async () => c.hooks.received.some((e) => e.type === 'cleared'), 60_000);
    // Once the successor's ledger owes nothing, no further event can be sent (guard, not a timing).
    await until(async () => {
      const l = ledgerOf(c.dir);
      return l.epoch >= 2 && l.pending !== undefined && l.pending.webhook === undefined;
    }, 30_000);
    expect(c.hooks.received.map((e) => [e.type, e.alert.id])).toEqual([
      ['raised', raised.alert.id],
      ['cleared', raised.alert.id],
    ]);
  }, 300_000);
});
