// A collect() that never settles and ignores ctx.signal (a client without AbortSignal support against a
// hung dependency) is not started again while it is pending (outside review 1, F9).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import { PluginRunner } from '../../src/collector/plugins.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A plugin whose collect() hangs until the test settles it, counting its calls. */
function hangingPlugin() {
  const state = { calls: 0, settle: (): void => {} };
  const plugin = {
    name: 'payments',
    timeoutMs: 300,
    collect: () => {
      state.calls++;
      return new Promise<Record<string, unknown>>((resolve) => {
        state.settle = () => resolve({ up: true });
      });
    },
  };
  return { plugin, state };
}

describe('a collect() still running is not started again', () => {
  it('calls a never-settling collect() once over 10 sample intervals, and again once it settles', async () => {
    vi.useFakeTimers();
    const { plugin, state } = hangingPlugin();
    const runner = new PluginRunner(plugin, 300, { warn() {}, error() {} });
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const results = [];
    for (let i = 0; i < 10; i++) {
      const pending = runner.run(start + i * 1000);
      await vi.advanceTimersByTimeAsync(1000); // one sample interval: past the 300 ms deadline
      results.push(await pending);
    }
    expect(state.calls).toBe(1);
    expect(results[0]).toEqual({ status: 'unknown', error: 'no answer within 300 ms' });
    for (const r of results.slice(1)) {
      expect(r).toEqual({
        status: 'unknown',
        error:
          'no answer within 300 ms: the collect() started at 2026-01-01T12:00:00.000Z has not settled; ' +
          'not started again until it does',
      });
    }
    state.settle();
    await vi.advanceTimersByTimeAsync(0);
    const next = runner.run(start + 10_000);
    await vi.advanceTimersByTimeAsync(0); // collect() is called on the next microtask
    state.settle(); // the new call answers at once
    expect(await next).toEqual({ up: true, status: 'healthy' });
    expect(state.calls).toBe(2);
  });

  it('through the collector: one failure logged for the whole hang, one recovery', async () => {
    vi.useFakeTimers();
    const { plugin, state } = hangingPlugin();
    const warnings: string[] = [];
    const infos: string[] = [];
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const c = new MetricsCollector({
      hostMetrics: false,
      clock,
      plugins: [plugin],
      logger: {
        warn: (_o: unknown, m: string) => warnings.push(m),
        info: (_o: unknown, m: string) => infos.push(m),
        error() {},
      },
    });
    try {
      for (let i = 0; i < 10; i++) {
        const s = c.collect();
        await vi.advanceTimersByTimeAsync(1000);
        expect((await s).plugins?.payments?.status).toBe('unknown');
        clock.t += 1000;
      }
      expect(state.calls).toBe(1);
      expect(warnings.filter((w) => w.includes('plugins.payments'))).toHaveLength(1);
      state.settle();
      await vi.advanceTimersByTimeAsync(0);
      const s = c.collect();
      await vi.advanceTimersByTimeAsync(0);
      expect(state.calls).toBe(2);
      state.settle();
      expect((await s).plugins?.payments).toEqual({ up: true, status: 'healthy' });
      expect(infos.filter((m) => m.includes('plugins.payments recovered'))).toHaveLength(1);
    } finally {
      c.close();
    }
  });
});
