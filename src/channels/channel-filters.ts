// Which firing alerts a channel takes (its severity and rule filters), and which held-back ones it is still sent.

import type { ChannelConfig } from './channel-config.js';
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
