// Test helper for the restart tests (restart-notifications, restart-removed-rule): one real receiver for a
// monitor's webhook, PagerDuty and Alertmanager channels, and its log read per alert id by each payload's
// published semantics (PagerDuty Events v2 `event_action` by `dedup_key`; Alertmanager's v2 API: `endsAt` in the
// future while firing, at or before the time of sending when resolved; the webhook's `status`).

import type { ChannelOptions } from '../../src/channels/channel-config.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { type Received, type Receiver, startReceiver } from './receiver.js';

/** The three channels, each to its own path of `rx`. */
export function restartChannels(rx: Receiver): ChannelOptions[] {
  return [
    { type: 'webhook', name: 'hook', url: `${rx.origin}/hook`, retries: 0 },
    { type: 'pagerduty', name: 'pd', routingKey: 'k'.repeat(32), url: `${rx.origin}/pd`, retries: 0 },
    { type: 'alertmanager', name: 'am', url: `${rx.origin}/am`, retries: 0 },
  ];
}

/**
 * A receiver that notes, for each request, the injected clock of the process running when it arrived
 * (Alertmanager's endsAt is judged by it): set `clock` to each new process's clock. `answerDelayMs` delays the
 * answer to a path (the request is logged at once).
 */
export async function restartReceiver(answerDelayMs: (url: string) => number = () => 0): Promise<{
  rx: Receiver;
  clock: { now: () => number };
  told(id: string): Record<'hook' | 'pd' | 'am', string[]>;
}> {
  const arrivedAt = new WeakMap<Received, number>();
  const clock = { now: () => 0 };
  const rx = await startReceiver((r, res) => {
    arrivedAt.set(r, clock.now());
    const delay = answerDelayMs(r.url);
    if (delay <= 0) return undefined;
    // A receiver that answers late: the request is logged (told) before the sender hears it was accepted.
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), delay);
    return true;
  });
  /** What each channel's receiver got about alert `id`, in order: 'firing' or 'resolved'. */
  const told = (id: string) => {
    const out: Record<'hook' | 'pd' | 'am', string[]> = { hook: [], pd: [], am: [] };
    for (const r of rx.received) {
      const body = r.json as Record<string, unknown> | Array<Record<string, unknown>>;
      if (r.url === '/hook') {
        const n = body as { status: string; alerts: Array<{ id: string }> };
        if (n.alerts.some((a) => a.id === id)) out.hook.push(n.status);
      } else if (r.url === '/pd') {
        const e = body as { event_action: string; dedup_key: string };
        if (e.dedup_key.includes(id)) out.pd.push(e.event_action === 'resolve' ? 'resolved' : 'firing');
      } else if (r.url.startsWith('/am')) {
        for (const a of body as Array<{ endsAt: string; labels: Record<string, string> }>) {
          if (!Object.values(a.labels).includes(id)) continue;
          // Alertmanager: an alert whose endsAt is not in the future (at the sending time) is resolved.
          out.am.push(Date.parse(a.endsAt) > (arrivedAt.get(r) ?? 0) ? 'firing' : 'resolved');
        }
      }
    }
    return out;
  };
  return { rx, clock, told };
}

/** Whether the monitor has read its saved state from the store (restored alerts and deliveries). */
export const stateLoaded = (m: SystemMonitor) =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;

/**
 * The channels whose sender heard its receiver accept alert `id` (what the process saves for a restart). A
 * receiver's log has the request before the sender has the answer: a test that closes the first process on the
 * receiver's log alone closes it with an acceptance still to come, which under load lands after the close's
 * bounded last writes (RedisStore's commandTimeoutMs), is not saved, and is sent again by the restart.
 */
export const acceptedBy = (m: SystemMonitor, id: string): string[] =>
  m.notifications
    .exportDeliveries()
    .filter((d) => d.alert === id)
    .map((d) => d.channel)
    .sort();
