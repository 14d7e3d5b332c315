// An alert raised less than groupWaitMs before its aggregator is SIGKILLed (outside review F8): the dead
// aggregator had it queued in its group, the ledger said it was active; the new aggregator restored it
// as already notified and nobody ever sent it. The ledger now says what each channel's receiver
// accepted, so the new aggregator sends what was never delivered (4 real node:cluster workers, a
// webhook receiver started here).

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  BASE,
  breach,
  clusterOf,
  getJson,
  signalPid,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';
import { type Notified, untilErrorRateFiring, webhookAlertsEnv } from './webhook-alerts.js';

describe('node:cluster alert queued when the aggregator dies', () => {
  const c = useCluster<Notified>(
    // A group wait long enough that the aggregator is killed inside it, whatever the machine's load.
    (url) => webhookAlertsEnv(url, 10_000),
    4,
    // hang guards: four workers start slowly on a loaded machine
    { readyMs: 90_000, setupMs: 180_000 },
  );

  it('the new aggregator sends the firing notification its predecessor died with', async () => {
    await breach(c.port);
    const raised = await until(async () => {
      const r = await getJson(c.port, `${BASE}/alerts`);
      return r.data.data.alerts.find((a: { rule: string }) => a.rule === 'error_rate') as
        | { id: string; timestamp: string }
        | undefined;
    }, 30_000);
    const before = await clusterOf(c.port);
    signalPid(aggregatorPid(before), 'SIGKILL');
    // Killed inside its group wait: the receiver has nothing yet (else this run proves nothing). The receiver is
    // the oracle, not the time since the raise: a notification still on its way at 10 s has not been delivered.
    expect(c.hooks.received).toHaveLength(0);
    await untilNewAggregator(c.port, before.aggregator, 4, 90_000, (m) => afterTakeover(m.cluster));
    // The alert stays active (same id) and its notification arrives: a guard, not a timing (the group
    // wait counts from the raise, 10 s).
    const firing = await untilErrorRateFiring(c, 90_000);
    expect(firing.alerts?.map((a) => a.id)).toEqual([raised.id]);
    const r = await getJson(c.port, `${BASE}/alerts`);
    expect(r.data.data.alerts.map((a: { id: string }) => a.id)).toContain(raised.id);
  }, 300_000);
});
