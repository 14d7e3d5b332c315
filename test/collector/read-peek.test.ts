// Regression (outside review 9b, F14): a read ends no interval. Each interval figure a read can see (CPU use,
// network rates, event-loop delay and utilisation, a counter's rate) is what the next sample would have reported
// without the read; the read itself shows the interval under way (a counter: the last interval a sample ended).
// Oracles: the fake counters' own deltas over the sample interval.

import { describe, expect, it } from 'vitest';
import { CpuCollector, type CpuSource, type CpuTimes } from '../../src/collector/cpu.js';
import { type InterfaceCounters, NetworkCollector, parseNetDev } from '../../src/collector/network.js';
import { type DelayHistogram, type LoopTimes, ProcessCollector } from '../../src/collector/process.js';
import { Counter } from '../../src/custom/counter.js';
import { FakeHistogram } from './helpers/fake-delay-histogram.js';
import { FakeClock, netDevText } from './helpers/proc-root.js';

describe('reads end no interval (outside review 9b F14)', () => {
  it('process: a read sees the stall under way and resets nothing; the sample after it still holds the stall', () => {
    const h = new FakeHistogram();
    let loop: LoopTimes = { idle: 1000, active: 500 };
    const proc = new ProcessCollector({ resolutionMs: 10, delayHistogram: () => h, loopTimes: () => loop });
    h.ticksMs = [10, 710, 10]; // a 700 ms stall
    loop = { idle: 1100, active: 800 }; // 300 busy of 400 ms
    const read = proc.collect(false);
    expect([read.event_loop_delay_max_ms, read.event_loop_delay_p99_ms, read.status]).toEqual([
      700,
      700,
      'critical',
    ]);
    expect(read.event_loop_utilization_percent).toBe(75);
    expect(h.resets).toBe(0);
    h.ticksMs.push(10, 12, 10); // the interval goes on after the read
    loop = { idle: 1200, active: 800 }; // 300 busy of 500 ms since the sample
    const sample = proc.collect();
    expect([sample.event_loop_delay_max_ms, sample.event_loop_delay_p99_ms, sample.status]).toEqual([
      700,
      700,
      'critical',
    ]);
    expect(sample.event_loop_utilization_percent).toBe(60);
    expect(h.resets).toBe(1);
    proc.close();
  });

  it('CPU: a read measures since the last sample without becoming the next one’s base', async () => {
    const clock = new FakeClock();
    const state: { times: CpuTimes } = { times: { busy: 0, total: 10_000, cores: 2 } };
    const source: CpuSource = {
      ticksPerSecond: 100,
      times: () => state.times,
      facts: async () => ({ model: 'Test CPU', mhz: 1000 }),
      loadAverage: () => [0, 0, 0],
    };
    const advance = (seconds: number, busyPercent: number) => {
      const ticks = seconds * 200;
      state.times = {
        busy: state.times.busy + (ticks * busyPercent) / 100,
        total: state.times.total + ticks,
        cores: 2,
      };
      clock.advance(seconds * 1000);
    };
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    advance(1, 90);
    expect((await cpu.collect(false)).current_percent).toBe(90);
    advance(4, 40);
    // The sample's interval is the 5 s since prime(): (1 × 90 + 4 × 40) / 5 = 50 %; the read moved nothing.
    expect((await cpu.collect()).current_percent).toBe(50);
  });

  it('network: a read’s rates run from the last sample, and the sample’s cover its whole interval', async () => {
    const clock = new FakeClock();
    let text = netDevText([['eth0', 0, 0, 0, 0]]);
    const net = new NetworkCollector(
      async (): Promise<Map<string, InterfaceCounters>> => parseNetDev(text),
      clock.now,
    );
    await net.prime();
    text = netDevText([['eth0', 9000, 90, 0, 0]]);
    clock.advance(1000);
    expect((await net.collect(false)).bytes_in_per_sec).toBe(9000);
    text = netDevText([['eth0', 10_000, 100, 0, 0]]);
    clock.advance(4000);
    expect((await net.collect()).bytes_in_per_sec).toBe(2000);
  });

  it('a counter: a read shows the last interval a sample ended (before it, the rate since creation) and updates nothing', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const c = new Counter('failures', undefined, t0);
    c.inc(30);
    expect(c.snapshot(t0 + 500, false).rate_per_second).toBeNull(); // under a second: no interval yet
    expect(c.snapshot(t0 + 2000, false).rate_per_second).toBe(15); // the open first interval, not ended
    expect(c.snapshot(t0 + 5000).rate_per_second).toBe(6); // the sample: 30 over its 5 s
    c.inc(10);
    for (const t of [5750, 6750, 7750, 9750]) expect(c.snapshot(t0 + t, false).rate_per_second).toBe(6);
    expect(c.snapshot(t0 + 10_000).rate_per_second).toBe(2); // 10 over the 5 s since the last sample
  });
});
