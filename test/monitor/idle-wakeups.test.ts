// How often an idle default monitor's timers fire past start-up (issue 18: each firing wakes an idle process). The
// oracle is the documented list of an idle monitor's timers (README, "Idle (no request, no timed call)"): the load
// watch's reading every 500 ms, the 5 s sample (and its start check, due with the delay histogram's first tick) and
// the minute's history flush; the lag timer and the coarse clock sleep while no request is served, and the native
// 50 ms delay histogram gives way to a 100 ms one (their ticks run no JavaScript timer: their enable() and disable()
// are watched instead).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

afterEach(() => {
  vi.useRealTimers();
});

const MINUTE_MS = 60_000;

/** Waits (real time, setImmediate is not faked) until `promise` settles or `realMs` pass. */
async function settle(promise: unknown, realMs: number): Promise<void> {
  let done = false;
  const end = () => {
    done = true;
  };
  Promise.resolve(promise).then(end, end);
  const until = performance.now() + realMs;
  while (!done && performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
}

/** Each JavaScript timer callback's run: when, and the timer's delay (which timer it is). */
interface Firing {
  at: number;
  delayMs: number;
}

/**
 * Fakes the timers and wraps setTimeout and setInterval so that every callback's run is recorded (fake timers
 * fire timers due at the same instant in one step; in a real process they are apart: each run is counted).
 */
function countFirings(now: number): Firing[] {
  vi.useFakeTimers({ now, toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
  const firings: Firing[] = [];
  const fakeTimeout = globalThis.setTimeout;
  const fakeInterval = globalThis.setInterval;
  const wrap =
    (fake: typeof setTimeout) =>
    (fn: (...args: unknown[]) => void, delayMs?: number, ...args: unknown[]) =>
      fake(
        (...a: unknown[]) => {
          firings.push({ at: Date.now(), delayMs: delayMs ?? 0 });
          fn(...a);
        },
        delayMs,
        ...args,
      );
  globalThis.setTimeout = wrap(fakeTimeout) as typeof setTimeout;
  globalThis.setInterval = wrap(fakeInterval as typeof setTimeout) as unknown as typeof setInterval;
  return firings;
}

/**
 * Runs the fake timers until `until`. A sample the sample timer started is let finish (up to `settleMs` of real
 * time: its collection reads /proc) before the next timer fires, so its reads happen at the fake time they would in
 * an idle process; one that waits on a timer (the first CPU window, at start-up) goes on as that timer fires.
 */
async function runUntil(
  sample: { mock: { results: { value: unknown }[] } },
  until: number,
  settleMs: number,
): Promise<void> {
  let samples = sample.mock.results.length;
  for (let i = 0; i < 10_000 && vi.getTimerCount() > 0; i++) {
    vi.advanceTimersToNextTimer();
    if (sample.mock.results.length > samples) {
      samples = sample.mock.results.length;
      await settle(sample.mock.results.at(-1)?.value, settleMs);
    }
    if (Date.now() >= until) break;
  }
}

describe('an idle monitor past start-up', () => {
  it('runs only the documented timers: the 500 ms load reading, the 5 s sample and the minute flush; a 100 ms delay histogram in place of the 50 ms one', async () => {
    const t0 = Date.UTC(2026, 11, 6, 12, 0, 0, 250);
    const firings = countFirings(t0);
    const monitor = createMonitor({ logger: silentLogger });
    const sample = vi.spyOn(monitor, 'sample');
    // The native histograms' switches (one wake-up a tick while enabled), watched on the real ones.
    type Histogram = { enable(): unknown; disable(): unknown };
    const proc = monitor.collector.proc as unknown as { delay: Histogram; idleDelay?: Histogram };
    const switches: { at: number; which: string; on: boolean }[] = [];
    const watch = (h: Histogram, which: string) => {
      const [enable, disable] = [h.enable.bind(h), h.disable.bind(h)];
      h.enable = () => {
        switches.push({ at: Date.now(), which, on: true });
        return enable();
      };
      h.disable = () => {
        switches.push({ at: Date.now(), which, on: false });
        return disable();
      };
    };
    watch(proc.delay, '50 ms');
    try {
      // Start-up: the first sample (its CPU window waits on a timer), the next ones and the first minute's flush.
      await runUntil(sample, t0 + 6_000, 500);
      if (proc.idleDelay) watch(proc.idleDelay, '100 ms');
      await runUntil(sample, t0 + 70_000, 10_000);
      const from = Date.now();
      const before = firings.length;
      await runUntil(sample, from + MINUTE_MS, 10_000);
      const minute = firings.slice(before).filter((f) => f.at > from && f.at <= from + MINUTE_MS);
      const byDelay = new Map<number, number>();
      for (const f of minute) byDelay.set(f.delayMs, (byDelay.get(f.delayMs) ?? 0) + 1);
      // Per idle minute: 120 load readings, 12 samples, their 12 start checks (due in the same millisecond as the
      // 100 ms histogram's first tick after the sample) and one flush (its delay: to the next minute): 145
      // JavaScript timer runs, with the 100 ms histogram's 600 ticks 745 at most. Before, the 50 ms histogram ran
      // throughout: 1,200 ticks and 133 runs, 1,333.
      expect(byDelay.get(100)).toBe(MINUTE_MS / 5000);
      expect(byDelay.get(500)).toBe(MINUTE_MS / 500);
      expect(byDelay.get(5000)).toBe(MINUTE_MS / 5000);
      expect(byDelay.get(50)).toBeUndefined(); // the coarse clock's timer slept throughout
      expect(minute.length).toBe(MINUTE_MS / 500 + 2 * (MINUTE_MS / 5000) + 1);
      // The 50 ms histogram was disabled at the first sample and stayed so; the 100 ms one restarts at each sample.
      const late = switches.filter((w) => w.at > from);
      expect(
        late.filter((w) => w.which === '50 ms'),
        JSON.stringify(switches),
      ).toEqual([]);
      expect(switches.filter((w) => w.which === '50 ms').at(-1)).toMatchObject({ on: false });
      expect(late.filter((w) => w.which === '100 ms' && w.on).length).toBe(MINUTE_MS / 5000);
    } finally {
      await monitor.close();
    }
  });
});
