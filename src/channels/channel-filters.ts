// Which firing alerts a channel takes (its severity and rule filters), and which held-back ones it is still sent.

import type { Channel } from './carry-over.js';
import type { ChannelConfig } from './channel-config.js';
import { asSentAt } from './severity-since.js';
import type { NotifiedAlert } from './types.js';

/**
 * Whether a held-back alert is re-sent to `config`'s channel: only to Alertmanager (a re-send notifies no one there,
 * it keeps `endsAt` ahead), only one it already has at this severity, when the repeat interval is due.
 */
export function keepsAlive(
  config: ChannelConfig,
  sent: { at: number; severity: string } | undefined,
  a: NotifiedAlert,
  now: number,
): boolean {
  return (
    config.type === 'alertmanager' &&
    sent !== undefined &&
    sent.severity === a.severity &&
    now - sent.at >= config.repeatIntervalMs
  );
}

/** The channel's filters: minimum severity and rule list. */
export function takes(config: ChannelConfig, a: NotifiedAlert): boolean {
  if (config.minSeverity === 'critical' && a.severity !== 'critical') return false;
  return config.rules === null || config.rules.includes(a.rule);
}

/**
 * What `channel` is due of the firing alerts `active` (`held`: held back; `pending`: waiting out the group wait):
 * new or changed severity (fresh), repeats, and those it was sent that fell below its minSeverity (below: at the
 * severity it was sent, forgotten here, owed a resolved notice so that what it was told ends, and none at the clear).
 */
export function sortForChannel(
  channel: Channel,
  active: readonly NotifiedAlert[],
  held: ReadonlySet<string>,
  pending: (id: string) => boolean,
  now: number,
): { fresh: NotifiedAlert[]; repeats: NotifiedAlert[]; below: NotifiedAlert[] } {
  const fresh: NotifiedAlert[] = [];
  const repeats: NotifiedAlert[] = [];
  const below: NotifiedAlert[] = [];
  for (const a of active) {
    const sent = channel.sent.get(a.id);
    if (!takes(channel.config, a)) {
      if (!sent) continue;
      below.push(asSentAt(a, sent.severity as NotifiedAlert['severity']));
      channel.sent.delete(a.id);
      channel.delivered.delete(a.id);
    } else if (pending(a.id)) {
      // Waiting out the group wait: flushDue sends it.
    } else if (held.has(a.id)) {
      // Alertmanager resolves an alert whose endsAt passes (RT40-1): one it already has keeps being re-sent while
      // held back here, as Prometheus re-sends whatever Alertmanager's silences say. Never sent: it waits.
      if (keepsAlive(channel.config, sent, a, now)) repeats.push(a);
    } else if (!sent || sent.severity !== a.severity) fresh.push(a);
    else if (now - sent.at >= channel.config.repeatIntervalMs) repeats.push(a);
  }
  return { fresh, repeats, below };
}
