// Outside review A, RTA-3: monitor.close() returned at once but left a plugin's collect() running: its ctx.signal
// fired only at the plugin's timeoutMs (30 s, up to 300 s), and the deadline timer held the process open that long.
// close() now aborts every collect() under way (reason ERR_SYSVITALS_CLOSED), clears its timer, starts none after.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginRunner } from '../../src/collector/plugins.js';
import { SysvitalsError } from '../../src/errors.js';
import { createMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

afterEach(() => {
  vi.useRealTimers();
});

const silent = { warn() {}, error() {}, info() {}, debug() {} };
const TIMEOUT_MS = 30_000;

/** A plugin whose collect() never answers; `honour`: it rejects when its signal aborts (as fetch() does). */
function hangingPlugin(honour: boolean) {
  const seen: { signal?: AbortSignal; calls: number } = { calls: 0 };
  const plugin = {
    name: 'payments',
    timeoutMs: TIMEOUT_MS,
    collect: ({ signal }: { signal: AbortSignal }) => {
      seen.calls++;
      seen.signal = signal;
      return new Promise<Record<string, unknown>>((_, reject) => {
        if (honour) signal.addEventListener('abort', () => reject(signal.reason));
      });
    },
  };
  return { plugin, seen };
}

function expectClosedReason(signal: AbortSignal | undefined): void {
  expect(signal?.aborted).toBe(true);
  const reason: unknown = signal?.reason;
  expect(reason).toBeInstanceOf(SysvitalsError);
  expect((reason as SysvitalsError).code).toBe('ERR_SYSVITALS_CLOSED');
  expect((reason as SysvitalsError).message).toBe(
    "sysvitals: monitor closed; plugin payments's collect() aborted",
  );
}

describe('PluginRunner.close()', () => {
  it('aborts the collect() under way and clears its deadline timer, even when collect() ignores the signal', async () => {
    vi.useFakeTimers();
    const { plugin, seen } = hangingPlugin(false);
    const runner = new PluginRunner(plugin, TIMEOUT_MS, silent);
    const run = runner.run(Date.UTC(2026, 0, 1));
    await vi.advanceTimersByTimeAsync(0); // collect() is called on the next microtask
    expect(seen.signal?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(1); // the 30 s deadline
    runner.close();
    // Right after close(): aborted with the closed error, no timer left, with no time passed.
    expectClosedReason(seen.signal);
    expect(vi.getTimerCount()).toBe(0);
    expect(await run).toEqual({
      status: 'unknown',
      error: "sysvitals: monitor closed; plugin payments's collect() aborted",
    });
    // Closed: no collect() started again, no timer armed; close() again changes nothing.
    expect(await runner.run(Date.UTC(2026, 0, 1, 0, 1))).toEqual({
      status: 'unknown',
      error: 'monitor closed: collect() not started',
    });
    runner.close();
    expect(seen.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('monitor.close() with a plugin whose collect() is still running', () => {
  it('aborts its signal and leaves no timer behind, long before the plugin timeoutMs', async () => {
    vi.useFakeTimers();
    const { plugin, seen } = hangingPlugin(true);
    // No host group (NO_HOST_FILES): the CPU group's first reading reads /proc and then waits 250 ms on a timer; under
    // load the read finished after close(), so that (unref'd) wait was the one timer left (CI at 8aaaf02: 1, not 0).
    const m = createMonitor({
      ...NO_HOST_FILES,
      sampleIntervalMs: 0,
      handleSignals: false,
      logger: silent,
      collectors: [plugin],
    });
    const sampling = m.sample();
    await vi.advanceTimersByTimeAsync(1000); // the sample waits groupTimeoutMs (1 s) for the plugin
    expect((await sampling).plugins?.payments?.status).toBe('unknown');
    expect(seen.signal?.aborted).toBe(false);
    let closed = false;
    const closing = m.close().then(() => {
      closed = true;
    });
    // close()'s own bounded waits (connections settling, plugins' close()) run on the fake clock: advance it in
    // small steps only until close() returns, far short of the plugin's 30 s deadline.
    let advanced = 0;
    while (!closed && advanced < 5000) {
      await vi.advanceTimersByTimeAsync(10);
      advanced += 10;
    }
    await closing;
    expect(closed).toBe(true);
    expectClosedReason(seen.signal);
    // Nothing of the monitor keeps a timer (before the fix: the plugin's 30 s deadline).
    expect(vi.getTimerCount()).toBe(0);
    expect(seen.calls).toBe(1);
  });
});
