// The notifications panel's channel badge: a channel `held` by a 429/503 Retry-After (with `held_until`) is a
// warning showing the time it is held until, not the red badge of a failing channel.

import { describe, expect, it } from 'vitest';
import { channelBadge } from '../../src/http/dashboard/panels/channel-badge.js';

describe('channel status badge', () => {
  it('held: warning style with the held-until time', () => {
    const until = Date.UTC(2026, 11, 7, 8, 5, 30);
    const b = channelBadge({ status: 'held', held_until: new Date(until).toISOString() });
    expect(b.cls).toBe('badge warning');
    const d = new Date(until);
    // The time of day in the browser's zone, to the second (whichever separators its locale uses).
    const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0'));
    expect(b.text).toMatch(/^held until /);
    for (const part of hms.slice(1)) expect(b.text).toContain(part);
  });

  it('held without a time, ok and failing', () => {
    expect(channelBadge({ status: 'held', held_until: null })).toEqual({
      cls: 'badge warning',
      text: 'held',
    });
    expect(channelBadge({ status: 'ok' })).toEqual({ cls: 'badge cleared', text: 'ok' });
    expect(channelBadge({ status: 'failing' })).toEqual({ cls: 'badge critical', text: 'failing' });
  });
});
