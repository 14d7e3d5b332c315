// Outside review 35, RT35-9: a series whose readings stop before the window's end. Its "current" says how old
// it is, and headroom is counted from its last reading, `low` and without an interval when the last 24 hours
// are under 80 % read (the coverage growth requires of every trailing day).
import { describe, expect, it } from 'vitest';
import { type CapacityPoint, computeCapacity } from '../../src/analytics/capacity.js';

const STEP = 30 * 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 11, 7);
const START = END - 7 * DAY;

/** 7 days of 30-minute steps; memory rises 2 points a day from 50 % while `reads(d)` (days since start). */
function report(reads: (d: number, t: number) => boolean) {
  const points: CapacityPoint[] = [];
  for (let t = START; t < END; t += STEP) {
    const d = (t - START) / DAY;
    points.push({
      t,
      requests: 180_000,
      cpu_avg_percent: 30,
      memory_avg_percent: reads(d, t) ? 50 + 2 * d : null,
    });
  }
  return computeCapacity({ points, stepMs: STEP, cores: 4, cpuWarning: 80, memoryWarning: 85 });
}

describe('capacity on a series whose readings stop (RT35-9)', () => {
  it('the last 20 h unread: headroom counted from the last reading, low, no interval', () => {
    const r = report((d) => d < 7 - 20 / 24);
    const h = r.headroom.memory;
    // Truth: the last read hour (its steps' mean) is the peak; from it the warning is (85 − peak) / 2 days away,
    // of which 20 h have passed by the window's end.
    const lastStep = END - 20 * HOUR - STEP;
    const peak = (50 + (2 * (lastStep - STEP - START)) / DAY + 50 + (2 * (lastStep - START)) / DAY) / 2;
    expect(h.value).toBeCloseTo((85 - peak) / 2 - 20 / 24, 2);
    expect(h.confidence).toBe('low');
    expect(h.low).toBeUndefined();
    expect(h.high).toBeUndefined();
    expect(h.note).toContain('20 h before the window');
    expect(r.growth_per_day.memory.note).toMatch(
      /current [\d.]+ \(the trailing day to 2026-12-06T04:00:00.000Z, 20 h before/,
    );
  });

  it('readings only in the first 3.5 days: "current" dated, no headroom', () => {
    const r = report((d) => d < 3.5);
    expect(r.growth_per_day.memory.note).toMatch(/84 h before the window's end; no reading in the last 24 h/);
    expect(r.headroom.memory.value).toBeNull();
  });

  it('every sixth step unread (83 % of each day): the figure and interval stay, undated', () => {
    const r = report((_, t) => Math.round((t - END) / STEP) % 6 !== 0);
    const h = r.headroom.memory;
    expect(h.confidence).toBe('high');
    expect(h.low).toBeDefined();
    // Truth: the last hour's two steps' mean, (85 − it) / 2.
    const peak = 50 + (2 * (END - 1.5 * STEP - START)) / DAY;
    expect(h.value).toBeCloseTo((85 - peak) / 2, 2);
    expect(r.growth_per_day.memory.note).not.toContain('before the window');
  });
});
