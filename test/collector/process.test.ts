import { afterEach, describe, expect, it } from 'vitest';
import { type LoopTimes, ProcessCollector } from '../../src/collector/process.js';
import { FakeHistogram } from './helpers/fake-delay-histogram.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function block(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: this is the stall the monitor must see
  }
}

describe('ProcessCollector', () => {
  let proc: ProcessCollector | undefined;
  afterEach(() => proc?.close());

  it('reports heap, rss, pid and uptime of this process', () => {
    proc = new ProcessCollector(20);
    const m = proc.collect();
    expect(m.pid).toBe(process.pid);
    expect(m.heap_used_mb).toBeGreaterThan(0);
    expect(m.heap_total_mb).toBeGreaterThanOrEqual(m.heap_used_mb);
    expect(m.rss_mb).toBeGreaterThan(m.heap_used_mb);
    expect(m.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(m.status).toBe('healthy');
  });

  it('reports the delay net of the resolution, resets the histogram at each sample, 0 while no tick came', () => {
    const h = new FakeHistogram();
    proc = new ProcessCollector({ resolutionMs: 10, delayHistogram: () => h });
    expect(h.enabled).toBe(true);
    // Ticks 10 ms apart but one 160 ms late: the stall is 150 ms.
    h.ticksMs = [10, 10, 10, 160, 11];
    const stalled = proc.collect();
    expect([
      stalled.event_loop_delay_p50_ms,
      stalled.event_loop_delay_p99_ms,
      stalled.event_loop_delay_max_ms,
    ]).toEqual([0, 150, 150]);
    expect(h.resets).toBe(1);
    // The next interval does not remember the stall.
    h.ticksMs = [12, 10.5, 13];
    const restarted = performance.now(); // before the sample that restarts the histogram and its start check
    const next = proc.collect();
    expect([
      next.event_loop_delay_p50_ms,
      next.event_loop_delay_p99_ms,
      next.event_loop_delay_max_ms,
    ]).toEqual([2, 3, 3]);
    // No tick at all since (a sample taken right after another): this interval's own figures, the start check's
    // lateness so far (0 unless this loaded machine held the loop past its due time), never above the time since the
    // restart; not the last ones (a stall read again in the next interval, or a stall before the first tick hidden
    // behind them: delay-stand-in.test.ts). Every sample restarts the histogram (reset, its first tick due with the
    // start check's, which holds a stall before that tick).
    expect(proc.collect().event_loop_delay_max_ms).toBeLessThanOrEqual(performance.now() - restarted);
    expect(h.resets).toBe(3);
    // Shorter than the resolution: clamped at 0.
    h.ticksMs = [9];
    expect(proc.collect().event_loop_delay_max_ms).toBe(0);
    proc.close();
    expect(h.enabled).toBe(false);
  });

  it('sees a real event-loop stall: the tick due during a block runs after it, so max >= block - resolution', async () => {
    proc = new ProcessCollector(10);
    // The delay timer (10 ms) is due before this one (50 ms): it has ticked once at least when this resolves.
    await tick(50);
    block(150);
    // The stall is recorded by the delay timer's first tick after the block. A wait of 1 ms read max 0 once in a
    // clean-clone CI at load 40 (the tick had not run yet): wait two resolutions, so that tick has run whichever of
    // the overdue timers libuv runs first. Only a lower bound is checked, and more ticks never lower a max.
    await tick(20);
    const stalled = proc.collect();
    // A lower bound only: a slower machine makes the recorded interval longer, never shorter.
    expect(stalled.event_loop_delay_max_ms).toBeGreaterThanOrEqual(150 - 10);
    expect(stalled.event_loop_delay_p99_ms).toBeLessThanOrEqual(stalled.event_loop_delay_max_ms);
    expect(stalled.event_loop_delay_p50_ms).toBeLessThanOrEqual(stalled.event_loop_delay_p99_ms);
  });

  it('reports utilisation as busy time over wall time since the previous sample', () => {
    let loop: LoopTimes = { idle: 1000, active: 500 };
    proc = new ProcessCollector({
      resolutionMs: 20,
      loopTimes: () => loop,
      delayHistogram: () => new FakeHistogram(),
    });
    loop = { idle: 1050, active: 650 }; // 150 ms busy, 50 ms idle
    expect(proc.collect().event_loop_utilization_percent).toBe(75);
    loop = { idle: 1250, active: 650 }; // idle only: the earlier busy time is not carried over
    expect(proc.collect().event_loop_utilization_percent).toBe(0);
    loop = { idle: 1251, active: 652 }; // 2 of 3 ms
    expect(proc.collect().event_loop_utilization_percent).toBe(66.67);
    expect(proc.collect().event_loop_utilization_percent).toBe(0); // no time passed
  });

  it('real utilisation: an interval spent entirely in synchronous code is 100 % busy, however slow the machine', () => {
    proc = new ProcessCollector(20);
    proc.collect();
    block(50); // the loop cannot go idle inside this frame: time off the CPU counts as busy too
    expect(proc.collect().event_loop_utilization_percent).toBe(100);
  });

  it('judges the status on the delay p99 against the event_loop_delay levels (100 / 500 ms by default, or given)', () => {
    const h = new FakeHistogram();
    const resolution = 20;
    // The oracle: nearest-rank p99 of the recorded intervals, less the resolution, against warning and critical.
    const expected = (ticks: number[], warning: number, critical: number) => {
      const sorted = [...ticks].sort((a, b) => a - b);
      const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1]! - resolution;
      return p99 >= critical ? 'critical' : p99 >= warning ? 'warning' : 'healthy';
    };
    proc = new ProcessCollector({ resolutionMs: resolution, delayHistogram: () => h });
    const quiet = Array.from({ length: 200 }, () => 21);
    const cases: [number[], string][] = [
      [quiet, 'healthy'],
      // One late tick of 201 is the max, not the p99 (rank 200 of 201 is 21): a single blip is not a verdict.
      [[...quiet, 1000], 'healthy'],
      [[...quiet.slice(0, 2), 119.99, 119.99, 119.99], 'healthy'],
      [[...quiet.slice(0, 2), 120, 120], 'warning'],
      [[21, 519.99], 'warning'],
      [[21, 520, 1520], 'critical'],
    ];
    for (const [ticks, status] of cases) {
      expect(expected(ticks, 100, 500)).toBe(status);
      h.ticksMs = [...ticks];
      const m = proc.collect();
      expect(m.status, JSON.stringify(ticks.slice(-3))).toBe(status);
      expect(m.threshold).toBe(100);
    }
    proc.close();
    proc = new ProcessCollector({
      resolutionMs: resolution,
      delayHistogram: () => h,
      levels: { warning: 50, critical: 80 },
    });
    for (const [ticks, status] of [
      [[21, 60], 'healthy'],
      [[21, 70, 70], 'warning'],
      [[21, 100, 100], 'critical'],
    ] as [number[], string][]) {
      expect(expected(ticks, 50, 80)).toBe(status);
      h.ticksMs = [...ticks];
      expect(proc.collect().status).toBe(status);
    }
  });

  it("followDelay: a cluster monitor's collector reports its owner's delay figures and stops its own histogram (issue 13)", () => {
    const ownH = new FakeHistogram();
    const secondH = new FakeHistogram();
    const owner = new ProcessCollector({ resolutionMs: 10, delayHistogram: () => ownH });
    proc = new ProcessCollector({ resolutionMs: 10, delayHistogram: () => secondH });
    proc.followDelay(owner);
    try {
      expect([ownH.enabled, secondH.enabled]).toEqual([true, false]); // one histogram left in the process
      // Before the owner's first sample: its zeros, and the follower resets nothing of the owner's.
      ownH.ticksMs = [10, 10, 10, 210, 11];
      expect(proc.collect().event_loop_delay_max_ms).toBe(0);
      expect(ownH.resets).toBe(0);
      // The oracle: the owner's own figures of the same ticks (its sample resets its histogram, once).
      const o = owner.collect();
      const f = proc.collect();
      expect([o.event_loop_delay_p50_ms, o.event_loop_delay_p99_ms, o.event_loop_delay_max_ms]).toEqual([
        0, 200, 200,
      ]);
      expect([f.event_loop_delay_p50_ms, f.event_loop_delay_p99_ms, f.event_loop_delay_max_ms]).toEqual([
        0, 200, 200,
      ]);
      expect([f.status, ownH.resets, secondH.resets]).toEqual([o.status, 1, 0]);
    } finally {
      owner.close();
    }
  });
});
