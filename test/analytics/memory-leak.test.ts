import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/alerts/rules.js';
import { Analytics } from '../../src/analytics/analytics.js';
import { LeakDetector } from '../../src/analytics/memory-leak.js';
import { makeSnapshot } from '../alerts/snapshot.js';

const MIN = 60_000;

/** Seeded LCG in [0, 1). */
function prng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('LeakDetector', () => {
  it('finds a steady leak with its rate and time to the limit', () => {
    const d = new LeakDetector();
    // 200 MB growing 12 MB/h, a GC sawtooth of 5 MB on top that never returns to an earlier floor.
    for (let m = 0; m <= 120; m++) d.push(m * MIN, 200 + (12 * m) / 60 + (m % 10) * 0.5);
    const leak = d.check(1024)!;
    expect(leak.mb_per_hour).toBeCloseTo(12, 0);
    // fitted now ≈ 224 + the sawtooth's median 2.5 MB; (1024 − that) / 12 MB/h
    expect(leak.hours_to_limit).toBeCloseTo((1024 - leak.current_mb) / leak.mb_per_hour, 6);
    expect(leak.hours_to_limit).toBeGreaterThan(65);
    expect(leak.hours_to_limit).toBeLessThan(67);
  });

  it('is quiet when GC brings the heap back to its floor (a sawtooth with no growth)', () => {
    const d = new LeakDetector();
    for (let m = 0; m <= 120; m++) d.push(m * MIN, 200 + (m % 30) * 2); // climbs 60 MB, drops back
    expect(d.check(1024)).toBeNull();
  });

  it('is quiet on a noisy flat heap (seeded) and before the window is covered', () => {
    const rand = prng(3);
    const d = new LeakDetector();
    for (let m = 0; m <= 120; m++) d.push(m * MIN, 300 + rand() * 40);
    expect(d.check(1024)).toBeNull();
    const young = new LeakDetector();
    for (let m = 0; m <= 60; m++) young.push(m * MIN, 200 + m);
    expect(young.check(1024)).toBeNull(); // one hour of a two-hour window
  });

  it('ignores growth below 2 %/h of the size', () => {
    const d = new LeakDetector();
    for (let m = 0; m <= 120; m++) d.push(m * MIN, 1000 + (10 * m) / 60); // 1 %/h
    expect(d.check(4096)).toBeNull();
  });

  it('a falling heap never gives a time to the limit, even above the limit (GC catching up)', () => {
    const d = new LeakDetector();
    for (let m = 0; m <= 120; m++) d.push(m * MIN, 1200 - m); // 1200 → 1080 MB, limit 1024
    expect(d.check(1024)).toBeNull();
    const steady = new LeakDetector();
    for (let m = 0; m <= 120; m++) steady.push(m * MIN, 900 - m / 2 + (m % 10)); // falling floor, sawtooth
    expect(steady.check(1024)).toBeNull();
  });

  it('an RSS leak with no known memory limit reads "no known limit", not "limit Infinity MB in never"', () => {
    const rules = parseRules({});
    const a = new Analytics({
      anomaly: rules.anomaly,
      diskFull: { ...rules.disk_full_in, enabled: false },
      memoryLeak: rules.memory_leak,
      predict: [],
    });
    // RSS 200 MB + 12 MB/h, one sample a minute for 2 h; no container limit, no machine total
    let s = makeSnapshot();
    for (let m = 0; m <= 120; m++) {
      s = makeSnapshot({
        process: { rss_mb: 200 + (12 * m) / 60 },
        memory: { limit_gb: null, total_gb: 0 },
      });
      a.sample(s, m * MIN);
    }
    const rss = a.observations(s).find((o) => o.rule === 'memory_leak' && o.key === 'rss');
    expect(rss?.breachWarning).toBe(true);
    expect(rss?.breachCritical).toBe(false);
    expect(rss?.message('warning')).toBe(
      'Memory leak suspected in RSS: +12 MB/h with no GC recovery, 224 MB now, no known limit',
    );
  });
});
