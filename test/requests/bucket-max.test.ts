import { describe, expect, it } from 'vitest';
import { slotOf } from '../../src/latency/latency-ring.js';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';

// The history bucket's max is the cumulative counts' max since their mark (takeBucket), not a write of its own per
// request: checked against the raw inputs, with the values it must leave out (an `unmatched` row's 4xx, not judged;
// values absorbed into the totals only) made the largest so that any leak shows.
describe('RequestStats history bucket max', () => {
  it('is the largest judged duration since the previous take, and the max since start counts every value', () => {
    const clock = { t: 1_700_000_040_000, now: () => clock.t };
    const stats = new RequestStats({ clock });
    const random = rng(1818);
    let sinceStart = 0;
    for (let minute = 0; minute < 40; minute++) {
      let judged = 0;
      const n = minute % 7 === 3 ? 0 : 1 + Math.floor(random() * 60); // some minutes idle
      for (let i = 0; i < n; i++) {
        clock.t += 500;
        const ms = 1 + Math.floor(random() * 400); // whole ms: exact in µs
        const kind = random();
        if (kind < 0.6) {
          stats.record('GET', '/users/:id', random() < 0.8 ? 200 : 404, ms);
          judged = Math.max(judged, ms);
        } else if (kind < 0.75) {
          stats.record('GET', 'unmatched', 404, ms + 1000); // not judged: out of the bucket's max
        } else if (kind < 0.85) {
          stats.record('GET', 'unmatched', random() < 0.5 ? 200 : 503, ms); // judged on the same row
          judged = Math.max(judged, ms);
        } else {
          const us = (ms + (random() < 0.5 ? 2000 : 0)) * 1000;
          const window = us < 2_000_000; // the larger ones into the totals only: not in the bucket
          const latency = { slots: [slotOf(us)], counts: [1], n: 1, sum: us, max: us, errors: 0 };
          stats.absorb('GET', '/users/:id', [0, 1, 0, 0, 0], latency, window);
          if (window) judged = Math.max(judged, us / 1000);
          sinceStart = Math.max(sinceStart, us / 1000);
          continue;
        }
        sinceStart = Math.max(sinceStart, kind >= 0.6 && kind < 0.75 ? ms + 1000 : ms);
      }
      const bucket = stats.takeBucket();
      expect(bucket.latency?.max_ms, `minute ${minute}`).toBe(judged);
      expect(stats.cumulativeCounts().max, `minute ${minute}`).toBe(sinceStart * 1000);
    }
  });

  it('starts again after a take: a smaller value later is the next bucket max', () => {
    const clock = { t: 1_700_000_040_000, now: () => clock.t };
    const stats = new RequestStats({ clock });
    stats.record('GET', '/a', 200, 900);
    expect(stats.takeBucket().latency?.max_ms).toBe(900);
    stats.record('GET', '/a', 200, 3);
    expect(stats.takeBucket().latency?.max_ms).toBe(3);
    expect(stats.cumulativeCounts().max).toBe(900_000);
  });
});
