// PagerDuty dedup_key of long alert ids (outside review 35, RT35-4). Oracle: PagerDuty Events API v2 (dedup_key at
// most 255 characters; events with the same key are one incident, so distinct alerts need distinct keys) and
// SHA-256 computed here by node:crypto over the whole `sysvitals-<id>`.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pagerDutyEvents } from '../../src/channels/pagerduty.js';
import type { Notification, NotifiedAlert } from '../../src/channels/types.js';
import { alert } from './alerts.js';

function notification(status: 'firing' | 'resolved', ids: string[]): Notification {
  const alerts: NotifiedAlert[] = ids.map((id) => ({ ...alert(id), labels: {} }));
  return {
    status,
    repeat: false,
    group_key: ids.join(','),
    alerts,
    host: 'h',
    instance: 'h:1',
    dashboard_url: null,
    timestamp: '2025-12-27T12:00:00.000Z',
  };
}

function keys(status: 'firing' | 'resolved', ids: string[]): string[] {
  return pagerDutyEvents(notification(status, ids), 'R0UTINGKEY0000000000000000000000').map(
    (e) => e.dedup_key as string,
  );
}

describe('PagerDuty dedup_key', () => {
  const prefix = `route\0/api/${'v'.repeat(300)}/`;
  const ids = [`${prefix}users`, `${prefix}orders`, `${prefix}users/x`, 'cpu\0', `mem\0${'é'.repeat(244)}`];

  it('distinct long ids sharing their first 245+ characters get distinct keys, each ≤ 255 characters', () => {
    const firing = keys('firing', ids);
    expect(new Set(firing).size).toBe(new Set(ids).size);
    for (const k of firing) expect(k.length).toBeLessThanOrEqual(255);
  });

  it('the same key for trigger and resolve', () => {
    expect(keys('resolved', ids)).toEqual(keys('firing', ids));
  });

  it('a key of ≤ 255 characters is kept whole; a longer one is its first 200 characters, ":" and a SHA-256 of the whole', () => {
    const exact = `x${'a'.repeat(255 - 'sysvitals-'.length - 1)}`;
    const [short, fits, long] = keys('firing', ['cpu\0', exact, ids[0]!]);
    expect(short).toBe('sysvitals-cpu\0');
    expect(fits).toBe(`sysvitals-${exact}`);
    const whole = `sysvitals-${ids[0]}`;
    const sha = createHash('sha256').update(whole, 'utf8').digest('hex').slice(0, 32);
    expect(long).toBe(`${whole.slice(0, 200)}:${sha}`);
  });

  it('a cut never leaves half of a surrogate pair', () => {
    const id = `${'a'.repeat(189)}${'😀'.repeat(100)}`; // "sysvitals-" + 189 = 199: the 200th unit is a high surrogate
    const [k] = keys('firing', [id]);
    expect(k!.length).toBeLessThanOrEqual(255);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(k!)).toBe(false);
  });
});
