// The dashboard's errors row says why its status is what the rate alone does not show (outside review F7): the
// reason when the error rate is not judged, the 95 % Wilson lower bound when a quiet service is judged on it.

import { describe, expect, it } from 'vitest';
import { errorRateVerdict } from '../../src/alerts/status.js';
import { DEFAULT_LEVELS } from '../../src/alerts/thresholds.js';
import { componentRows } from '../../src/http/dashboard/panels/components.js';
import { RequestStats } from '../../src/requests/requests.js';
import { makeSnapshot } from '../alerts/snapshot.js';

/** The errors row for `failed` of `n` requests, the group as the request statistics build it. */
function errorsRow(n: number, failed: number) {
  const v = errorRateVerdict(n, failed, DEFAULT_LEVELS.error_rate, 20);
  const errors = {
    status: v.status,
    error_rate_percent: Math.round((failed / n) * 10_000) / 100,
    ...(v.lowerPercent === undefined ? {} : { error_rate_lower_percent: v.lowerPercent }),
    ...(v.reason === undefined ? {} : { reason: v.reason }),
  };
  return componentRows(makeSnapshot({ errors })).find((r) => r.key === 'errors');
}

describe('dashboard errors row', () => {
  it('19 of 19 failed: critical, 100%, titled with the bound (19 / (19 + 1.96²) = 83.18 %, shown as 83.2%)', () => {
    expect(errorsRow(19, 19)).toMatchObject({
      status: 'critical',
      value: '100%',
      title: 'fewer than minRequests requests: judged on the 95 % lower bound of the error rate, 83.2%', // 83.18, the dashboard's 3 digits,
    });
  });

  it('1 of 2 failed: unknown, titled with why it is not judged; 20 requests: the rate alone, no title', () => {
    expect(errorsRow(2, 1)).toMatchObject({
      status: 'unknown',
      title:
        '2 requests in the window, fewer than minRequests (20), and 1 failed, fewer than 5: the error rate is not judged',
    });
    expect(errorsRow(20, 2)).toMatchObject({ status: 'critical', value: '10%', title: undefined });
  });
});

describe('dashboard errors row judged on the error horizon (outside review 9, F4)', () => {
  it('4 failed a minute: critical, titled with the horizon that decided it (5 of 5 in the last 15 min)', () => {
    const start = 28_333_334 * 60_000; // a minute boundary
    const clock = { t: start, now: () => clock.t };
    const stats = new RequestStats({ clock });
    for (let s = 5; s <= 65; s += 15) {
      clock.t = start + s * 1000;
      stats.record('GET', '/api', 503, 2);
    }
    const { errors } = stats.groups();
    const row = componentRows(makeSnapshot({ errors })).find((r) => r.key === 'errors');
    expect(row).toMatchObject({ status: 'critical', value: '100%' });
    expect(row?.title).toBe(
      'judged on the last 15 min (horizonMs): 5 of 5 requests failed, the 95 % lower bound of the error rate is 56.55 %; too few in the window alone: 4 requests in the window, fewer than minRequests (20), and 4 failed, fewer than 5',
    );
  });
});
