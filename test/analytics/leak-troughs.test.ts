// memory_leak measures the post-GC floor (outside review A2): a GC sawtooth (8 MB freed every 20 min)
// whose floor creeps below the 2 %/h criterion was called a leak at the slope of its ramps and flapped.
// Synthetic heap on an injected time axis, one point a minute; the oracle is the troughs' exact slope.

import { describe, expect, it } from 'vitest';
import { LeakDetector, troughs } from '../../src/analytics/memory-leak.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2);

/** Floor `floor0` + `perHour` MB/h; 0.4 MB retained each minute, all freed every 20 minutes. */
function saw(floor0: number, perHour: number, minutes: number) {
  const times: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < minutes; m++) {
    times.push(T0 + m * MIN);
    values.push(floor0 + (perHour * m) / 60 + 0.4 * (m % 20));
  }
  return { times, values };
}

function detector(s: { times: number[]; values: number[] }) {
  const d = new LeakDetector();
  for (let i = 0; i < s.times.length; i++) d.push(s.times[i] as number, s.values[i] as number);
  return d;
}

describe('memory_leak on a GC sawtooth', () => {
  it('the troughs are the post-GC minima, every 20 minutes', () => {
    const s = saw(6, 0.068, 180);
    const t = troughs(s.times, s.values);
    expect(t.times.map((x) => (x - T0) / MIN)).toEqual([20, 40, 60, 80, 100, 120, 140, 160]);
  });

  it('a floor growing 1.1 %/h (below 2 %/h) is no leak at any minute, whatever the ramps', () => {
    // oracle: floor 6 MB + 0.068 MB/h = 1.1 %/h; the ramps climb 24 MB/h
    const s = saw(6, 0.068, 300);
    const d = new LeakDetector();
    const raised: number[] = [];
    for (let i = 0; i < s.times.length; i++) {
      d.push(s.times[i] as number, s.values[i] as number);
      if (d.check(4096)) raised.push(i);
    }
    expect(raised).toEqual([]);
  });

  it('a floor growing 6 MB/h is a leak at exactly 6 MB/h, with its GC recoveries', () => {
    const s = saw(100, 6, 150);
    const leak = detector(s).check(4096);
    expect(leak).not.toBeNull();
    expect(leak!.mb_per_hour).toBeCloseTo(6, 9); // the troughs' slope, not the ramps' 30 MB/h
    expect(leak!.gc_recoveries).toBe(6); // troughs at minutes 40, 60, …, 140 in the 2 h window
    expect(leak!.current_mb).toBe(s.values.at(-1));
    // fitted floor at the last minute: 100 + 6 * 149 / 60
    expect(leak!.floor_mb).toBeCloseTo(100 + (6 * 149) / 60, 9);
  });

  it('hysteresis: a floor at 1.5 %/h is not raised (2 %/h) but holds a raised alert (1 %/h)', () => {
    const s = saw(100, 1.5, 150);
    const d = detector(s);
    expect(d.check(4096)).toBeNull();
    expect(d.check(4096, 0.5)?.mb_per_hour).toBeCloseTo(1.5, 9);
  });

  it('noise dips on a steady leak are no GC recoveries (a drop must be a tenth of the range)', () => {
    // 0.4 MB/min with a 2 MB dip every 7 minutes (a 1.6 MB drop, 4x the typical rise, 3 % of the range);
    // the leak never recovers: the slope is every point's, the message says "with no GC recovery".
    const times: number[] = [];
    const values: number[] = [];
    for (let m = 0; m < 130; m++) {
      times.push(T0 + m * MIN);
      values.push(100 + 0.4 * m - (m % 7 === 3 ? 2 : 0));
    }
    expect(troughs(times, values).times).toEqual([]);
    const leak = detector({ times, values }).check(4096);
    expect(leak).not.toBeNull();
    expect(leak!.gc_recoveries).toBe(0);
    expect(leak!.mb_per_hour).toBeCloseTo(24, 9); // Theil–Sen of the line; the dips are outliers
  });
});
