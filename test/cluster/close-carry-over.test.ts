// Issue #13: notifications a closing aggregator (SIGTERM through the app's handler, monitor.close()) still had
// queued when its delivery bound ran out were dropped: its channels' queues were emptied by close() before the
// hand-over ledger was written, so a resolved notice refused once (its retry 10 min away) reached nobody, and
// the alert webhook was drained only after the hand-over. Now both are delivered under the lock, and what is
// not accepted by the bound goes into the hand-over ledger's pending list: the successor delivers it, once.
// 3 real node:cluster workers, a real webhook receiver started here that refuses (503) the first attempt.

import { describe, expect, it } from 'vitest';
import {
  aggregatorPid,
  breach,
  CLUSTER_TEST_TOKEN,
  type ClusterFixture,
  clearBreach,
  clusterOf,
  ERROR_RATE_ALERTS,
  ledgerOf,
  signalPid,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

/** SIGTERMs the aggregator and waits (guards, no timing) until its close() ended (exit 0) and a successor leads. */
async function closeAggregator<T>(c: ClusterFixture<T>): Promise<void> {
  const before = await clusterOf(c.port);
  const pid = aggregatorPid(before);
  signalPid(pid, 'SIGTERM');
  const exited = await until(async () => c.events.find((e) => e.exited === pid), 60_000);
  // The fixture exits 0 once monitor.close() resolved: the bounded close ran to its end.
  expect(exited.code).toBe(0);
  await untilNewAggregator(c.port, before.aggregator, 2, 90_000);
}

// Hang guards: three workers start slowly on a loaded machine.
const SLOW = { readyMs: 90_000, setupMs: 180_000 };

// The two describes run at the same time (describe.concurrent), each on its own cluster, receiver and scratch
// directory: each waits on its processes (a raise, a refusal, a close, a takeover); the close's bound runs out
// whatever the load (the refused notice's retry is 10 min away), and the oracles are the notices, not timings.
describe.concurrent('node:cluster resolved notice queued when the closing aggregator runs out of routing.closeTimeoutMs', () => {
  let refusals = 0;
  type Received = { status?: string; alerts?: Array<{ rule: string; id: string }> };
  const c = useCluster<Received>(
    (url) => ({
      ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
      SAMPLE_MS: '300',
      CLOSE_TIMEOUT: '1000',
      // One retry, 10 min after a refused attempt: the aggregator closes while it waits.
      CHANNELS: JSON.stringify([{ type: 'webhook', url, retries: 1, retryDelayMs: 600_000 }]),
      // A close() that gives its channels 300 ms.
      ROUTING: JSON.stringify({ groupWaitMs: 0, closeTimeoutMs: 300 }),
      ALERTS: ERROR_RATE_ALERTS,
    }),
    3,
    { ...SLOW, refuse: (b) => b.status === 'resolved' && refusals++ === 0 },
  );

  it('the successor delivers it, exactly once', async () => {
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
    await closeAggregator(c);
    await until(async () => c.hooks.received.some((n) => n.status === 'resolved'), 60_000);
    // Once the successor's ledger owes nothing, no further notice can be sent (guard, not a timing).
    await until(async () => {
      const l = ledgerOf(c.dir);
      return l.epoch >= 2 && l.pending?.resolving === null && l.pending.queued.length === 0;
    }, 30_000);
    const resolved = c.hooks.received.filter((n) => n.status === 'resolved');
    expect(resolved.map((n) => n.alerts?.map((a) => a.id))).toEqual([[id]]);
    // The raise was delivered once, by the closed aggregator: the successor did not send it again.
    expect(
      c.hooks.received.filter((n) => n.status === 'firing').map((n) => n.alerts?.map((a) => a.id)),
    ).toEqual([[id]]);
  }, 300_000);
});

describe.concurrent('node:cluster webhook `cleared` event queued when the closing aggregator runs out of time', () => {
  let refusals = 0;
  type Event = { type: string; alert: { id: string; rule: string } };
  const c = useCluster<Event>(
    (url) => ({
      SAMPLE_MS: '300',
      CLOSE_TIMEOUT: '1000',
      // One retry, 10 min after a refused attempt; close() waits at most 2 s for the queue (CLOSE_DRAIN_LIMIT_MS).
      WEBHOOK: JSON.stringify({ url, retries: 1, retryDelayMs: 600_000 }),
      ALERTS: ERROR_RATE_ALERTS,
    }),
    3,
    { ...SLOW, refuse: (e) => e.type === 'cleared' && refusals++ === 0 },
  );

  it('the successor sends it, exactly once', async () => {
    await breach(c.port);
    const raised = await until(
      async () => c.hooks.received.find((e) => e.type === 'raised' && e.alert.rule === 'error_rate'),
      60_000,
    );
    await clearBreach(c.port);
    await until(async () => c.hooks.refused.some((e) => e.alert.id === raised.alert.id), 60_000);
    expect(c.hooks.received.filter((e) => e.type === 'cleared')).toEqual([]);
    await closeAggregator(c);
    await until(async () => c.hooks.received.some((e) => e.type === 'cleared'), 60_000);
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
