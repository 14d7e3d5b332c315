// For the cluster tests whose workers deliver the error-rate alert to the test's webhook receiver: their env,
// and the wait for the firing notification.

import { breach, CLUSTER_TEST_TOKEN, type ClusterFixture, ERROR_RATE_ALERTS, until } from './helpers.js';

/** A webhook body as these tests read it. */
export interface Notified {
  status?: string;
  alerts?: Array<{ rule: string; id: string }>;
}

/** Workers (respawned when killed, sampling every 300 ms) with the error-rate alert sent to the webhook at `url`. */
export function webhookAlertsEnv(url: string, groupWaitMs: number): Record<string, string> {
  return {
    ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
    RESPAWN: '1',
    SAMPLE_MS: '300',
    CHANNELS: JSON.stringify([{ type: 'webhook', url }]),
    ROUTING: JSON.stringify({ groupWaitMs }),
    ALERTS: ERROR_RATE_ALERTS,
  };
}

/** Breaches the error rate again until the receiver has a firing notification carrying error_rate; that one. */
export function untilErrorRateFiring<T extends Notified>(
  c: ClusterFixture<T>,
  timeoutMs: number,
): Promise<T> {
  return until(async () => {
    await breach(c.port);
    return c.hooks.received.find(
      (n) => n.status === 'firing' && n.alerts?.some((a) => a.rule === 'error_rate'),
    );
  }, timeoutMs);
}
