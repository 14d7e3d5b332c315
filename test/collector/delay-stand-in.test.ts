// The delay histogram asleep while the process serves nothing, the load watch's 100 ms lag timer standing in for it
// (issue 18: the histogram's 20 wake-ups a second were most of an idle monitor's). The oracles: the documented
// figures (README "What the delay histogram sees": a block of S > P ms always seen, recorded between S - P and S; the
// p99 the second-longest tick of a 5 s interval, so one block is never the p99) computed by hand from the firings the
// test gives, and a real blocked loop of a known length.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type DelayHistogram, ProcessCollector } from '../../src/collector/process.js';
import { Lifecycle } from '../../src/lifecycle/lifecycle.js';
import { processLoadReader } from '../../src/lifecycle/load-watch.js';
import { parseProbeRules } from '../../src/lifecycle/options.js';
import { blockLoop } from '../helpers/http-get.js';
import { FakeHistogram } from './helpers/fake-delay-histogram.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// perf_hooks' RecordableHistogram keeps 3 significant digits: a recorded 350 ms reads back within 0.35 ms.
const near = (ms: number) => ({ asymmetricMatch: (v: number) => Math.abs(v - ms) <= 0.005 * ms + 0.05 });

describe('the delay histogram asleep while nothing is served', () => {
  let proc: ProcessCollector | undefined;
  afterEach(() => proc?.close());

  it('sleeps after a sample interval that served nothing; the lag timer firings give the figures', () => {
    const h = new FakeHistogram();
    const idle = true;
    proc = new ProcessCollector({ resolutionMs: 50, delayHistogram: () => h });
    const fire = proc.standInFor(100, () => idle);
    expect(fire).toBeDefined();
    h.ticksMs = [50, 51, 50];
    expect(proc.collect().event_loop_delay_max_ms).toBe(1); // the histogram's interval
    expect(h.enabled).toBe(false); // asleep from this sample on
    // A 5 s interval of the 100 ms lag timer: 48 firings on time, one 300 ms late, one 150 ms late.
    for (const ms of [...Array(24).fill(100), 400, ...Array(24).fill(100), 250]) fire?.(ms);
    const m = proc.collect();
    expect(m.event_loop_delay_max_ms).toEqual(near(300));
    expect(m.event_loop_delay_p99_ms).toEqual(near(150)); // the second-longest, as the histogram's p99 of ~100 ticks
    expect(m.event_loop_delay_p50_ms).toEqual(near(0));
    expect(h.enabled).toBe(false); // still nothing served
  });

  it('wakes at the first sample after a request, forgetting its tick before the sleep; a block across the switch is kept', () => {
    const h = new FakeHistogram();
    let idle = true;
    proc = new ProcessCollector({ resolutionMs: 50, delayHistogram: () => h });
    const fire = proc.standInFor(100, () => idle) as (ms: number) => void;
    proc.collect();
    fire(100);
    fire(100);
    idle = false; // a request was served in this interval
    const resets = h.resets;
    expect(proc.collect().event_loop_delay_max_ms).toEqual(near(0)); // the stand-in's interval
    expect(h.enabled).toBe(true);
    expect(h.resets).toBe(resets + 1); // else its first tick would record the whole sleep as one delay
    fire(320); // begun while asleep, ended after the switch: a block of at least 220 ms
    fire(100); // begun after the switch: the histogram's
    h.ticksMs = [50, 60, 50];
    const m = proc.collect();
    expect(m.event_loop_delay_p99_ms).toBe(10); // the histogram's
    expect(m.event_loop_delay_max_ms).toEqual(near(220));
  });

  it('stands in only where it costs less: at a period of at least twice the resolution, or a lag timer that runs anyway', () => {
    proc = new ProcessCollector({ resolutionMs: 60, delayHistogram: () => new FakeHistogram() });
    expect(proc.standInFor(100, () => true)).toBeUndefined();
    expect(proc.standInFor(20, () => true, true)).toBeDefined();
  });

  it('a real 200 ms block while idle reads at least 100 ms in the maximum, at any phase of the lag timer', async () => {
    // Real time here: the block is the oracle. Only the documented lower bound (S - P) is asserted; a loaded
    // machine makes the reading longer, never shorter.
    let enabled = true;
    const real = (resolution: number): DelayHistogram => {
      const eld = monitorEventLoopDelay({ resolution });
      return {
        get count() {
          return eld.count;
        },
        get max() {
          return eld.max;
        },
        percentile: (p) => eld.percentile(p),
        reset: () => eld.reset(),
        enable: () => {
          enabled = true;
          return eld.enable();
        },
        disable: () => {
          enabled = false;
          return eld.disable();
        },
      };
    };
    proc = new ProcessCollector({ resolutionMs: 50, delayHistogram: real });
    const reader = processLoadReader(100, undefined, false, undefined, proc.standInFor(100, () => true));
    try {
      await tick(120);
      proc.collect(); // nothing served: the histogram sleeps
      expect(enabled).toBe(false);
      // Fixed phases against the lag timer's 100 ms period.
      for (const phase of [7, 41, 66, 93]) {
        await tick(phase);
        blockLoop(200);
        await tick(230); // the late firing and one more
        const m = proc.collect();
        expect(m.event_loop_delay_max_ms, `phase ${phase}`).toBeGreaterThanOrEqual(100);
        expect(enabled).toBe(false);
      }
    } finally {
      reader.close();
    }
  });
});

describe('the lifecycle', () => {
  it('hands the stand-in its 100 ms lag timer, which then never sleeps, and tells whether a sample interval served nothing', () => {
    const asked: { periodMs: number; runsAnyway: boolean }[] = [];
    let idle: () => boolean = () => false;
    const l = new Lifecycle({
      rules: parseProbeRules({}, []),
      shed: undefined,
      dependencyStatus: () => undefined,
      delayStandIn: (periodMs, isIdle, runsAnyway) => {
        asked.push({ periodMs, runsAnyway });
        idle = isIdle;
        return () => {};
      },
    });
    try {
      expect(asked).toEqual([{ periodMs: 100, runsAnyway: false }]);
      expect(idle()).toBe(true);
      const res = {};
      expect(l.admit({ socket: null } as never, res as never)).toBe(true);
      expect(idle()).toBe(false); // in flight
      l.ended(res);
      expect(idle()).toBe(false); // ended since the previous call
      expect(idle()).toBe(true);
      l.ended(); // monitor.recordRequest() by hand
      expect(idle()).toBe(false);
    } finally {
      l.close();
    }
  });
});
