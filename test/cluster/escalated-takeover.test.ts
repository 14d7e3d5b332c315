// An alert escalated (warning -> critical) before its aggregator is SIGKILLed: the new aggregator restored it
// critical, but as if its critical severity had begun when the alert was raised (its warning's start): the
// Alertmanager re-sends of the critical label set carried `startsAt` of the warning. The ledger's active alerts
// now carry when their present severity began, and the successor keeps it. 4 real node:cluster workers, an
// Alertmanager receiver started here; the oracle is the `startsAt` the receiver got from the dead aggregator.

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  CLUSTER_TEST_TOKEN,
  clusterOf,
  get,
  HANG_GUARD_MS,
  HOST_RULES_OFF,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

/** One postable alert of an Alertmanager POST (a body is an array of them). */
interface Postable {
  labels: { severity?: string; alert_id?: string; rule?: string };
  startsAt: string;
}

/** `n` concurrent /work requests answered `status`. */
const send = (port: number, n: number, status: number) =>
  Promise.all(Array.from({ length: n }, () => get(port, `/work?ms=1&status=${status}`, HANG_GUARD_MS)));

describe('node:cluster escalated alert across a takeover', () => {
  const c = useCluster<Postable[]>(
    (url) => ({
      ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
      RESPAWN: '1',
      SAMPLE_MS: '300',
      // Re-sent every second while firing: the successor's re-sends are what is read.
      CHANNELS: JSON.stringify([{ type: 'alertmanager', url, repeatIntervalMs: 1000 }]),
      ROUTING: JSON.stringify({ groupWaitMs: 0 }),
      ALERTS: JSON.stringify({
        error_rate: { warning: 20, critical: 60, minRequests: 10 },
        ...HOST_RULES_OFF,
      }),
    }),
    4,
    { readyMs: 90_000, setupMs: 180_000 },
  );

  /** Every postable of the receiver's bodies from `from` on, of severity `severity`. */
  const sent = (severity: string, from = 0) =>
    c.hooks.received
      .slice(from)
      .flatMap((b) => (Array.isArray(b) ? b : []))
      .filter((a) => a.labels.severity === severity);

  it("the new aggregator re-sends the critical label set with its critical severity's start", async () => {
    // 20 of 60 failed (33 %): warning.
    await send(c.port, 40, 200);
    await send(c.port, 20, 500);
    const warning = await until(async () => sent('warning')[0], HANG_GUARD_MS);
    // 120 of 160 failed (75 %): escalated.
    await send(c.port, 100, 500);
    const critical = await until(async () => sent('critical')[0], HANG_GUARD_MS);
    expect(critical.labels.alert_id).toBe(warning.labels.alert_id);
    // The critical severity began after the raise (else this run tells nothing).
    expect(Date.parse(critical.startsAt)).toBeGreaterThan(Date.parse(warning.startsAt));
    const before = await clusterOf(c.port);
    process.kill(aggregatorPid(before), 'SIGKILL');
    await untilNewAggregator(c.port, before.aggregator, 4, 90_000, (m) => afterTakeover(m.cluster));
    // Re-sends of the new aggregator (every second): two after it answered, the dead one's being over by then.
    const from = c.hooks.received.length;
    const resent = await until(async () => {
      const s = sent('critical', from);
      return s.length >= 2 && s;
    }, HANG_GUARD_MS);
    expect(resent.map((a) => [a.labels.alert_id, a.startsAt])).toEqual(
      resent.map(() => [critical.labels.alert_id, critical.startsAt]),
    );
  }, 300_000);
});
