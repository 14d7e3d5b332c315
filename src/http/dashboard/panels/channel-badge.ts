// A notification channel's status badge: `ok` green, `held` (waiting out a 429/503 Retry-After) a warning with
// the time it is held until, anything else (`failing`) red.

import { fmtTime } from '../format.js';

/** The fields of a channel's status the badge reads (`held_until` only with `held`). */
export interface ChannelBadgeInput {
  status: string;
  held_until?: string | null;
}

/** The badge's CSS class and text for a channel's status. */
export function channelBadge(c: ChannelBadgeInput): { cls: string; text: string } {
  if (c.status === 'ok') return { cls: 'badge cleared', text: 'ok' };
  if (c.status === 'held') {
    const until = c.held_until ? Date.parse(c.held_until) : Number.NaN;
    return { cls: 'badge warning', text: Number.isFinite(until) ? `held until ${fmtTime(until)}` : 'held' };
  }
  return { cls: 'badge critical', text: c.status };
}
