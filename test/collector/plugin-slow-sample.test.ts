// Outside review 47, RT47-3: a slow but working plugin (a 12 s collect(), timeoutMs 15 s, intervalMs 30 s) held
// every sample that started a collect for 12 s: 4 samples in 40 s instead of 8, no alert rule evaluated meanwhile.
// A sample now waits for a plugin as for a built-in group (groupTimeoutMs); a collect() still under way goes on and
// its outcome joins the next sample. Fake timers and the collector's clock on them; the oracle is the sample timer
// (every 5 s) and the plugin's own schedule.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import type { CollectorPlugin } from '../../src/collector/plugins.js';

afterEach(() => {
  vi.useRealTimers();
});

function collectorWith(plugin: CollectorPlugin, warnings: string[]) {
  return new MetricsCollector({
    hostMetrics: false,
    clock: { now: () => Date.now() },
    plugins: [plugin],
    logger: { warn: (_o: unknown, m: string) => warnings.push(m), error() {}, info() {} },
  });
}

const FIRST =
  "first collect() under way (started 2026-01-01T12:00:00.000Z), not answered within the sample's groupTimeoutMs; " +
  'its result joins the next sample';

describe('a slow plugin does not hold the sample', () => {
  it('12 s collects every 30 s, samples every 5 s: each of 8 samples in 40 s ends within groupTimeoutMs', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
    let calls = 0;
    const plugin: CollectorPlugin = {
      name: 'billing',
      intervalMs: 30_000,
      timeoutMs: 15_000,
      collect: () => {
        const n = ++calls;
        return new Promise((resolve) => setTimeout(() => resolve({ batch: n }), 12_000));
      },
    };
    const warnings: string[] = [];
    const c = collectorWith(plugin, warnings);
    const groups: unknown[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        let settled = false;
        const s = c.collect().then((snap) => {
          settled = true;
          return snap;
        });
        await vi.advanceTimersByTimeAsync(1000); // groupTimeoutMs (default 1000)
        // Before the fix: the samples at 0 s and 30 s waited 12 s for the plugin's collect().
        expect(settled, `sample ${i} at ${i * 5} s`).toBe(true);
        groups.push((await s).plugins?.billing);
        await vi.advanceTimersByTimeAsync(4000);
      }
    } finally {
      c.close();
    }
    const first = { status: 'unknown', error: FIRST };
    // 0/5/10 s: the first collect (answering at 12 s) under way; 15-25 s: its result reused within intervalMs;
    // 30 s: the second collect starts (answers at 42 s) and the sample shows the last result meanwhile.
    const one = { batch: 1, status: 'healthy' };
    expect(groups).toEqual([first, first, first, one, one, one, one, one]);
    expect(calls).toBe(2);
    // A slow first answer is no outage: nothing logged as failed.
    expect(warnings.filter((w) => w.includes('plugins.billing'))).toEqual([]);
  });

  it('a failure that lands after the sample is shown by the next one, and logged once', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
    const plugin: CollectorPlugin = {
      name: 'billing',
      timeoutMs: 15_000,
      collect: () =>
        new Promise((_, reject) => setTimeout(() => reject(new Error('billing API down')), 3000)),
    };
    const warnings: string[] = [];
    const c = collectorWith(plugin, warnings);
    const groups: unknown[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = c.collect();
        await vi.advanceTimersByTimeAsync(1000);
        groups.push((await s).plugins?.billing);
        await vi.advanceTimersByTimeAsync(4000);
      }
    } finally {
      c.close();
    }
    const down = { status: 'unknown', error: 'billing API down' };
    expect(groups).toEqual([{ status: 'unknown', error: FIRST }, down, down]);
    expect(warnings.filter((w) => w.includes('plugins.billing'))).toHaveLength(1);
  });

  it('a quick plugin is still read in the sample that starts it', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
    const c = collectorWith(
      { name: 'quick', collect: () => new Promise((r) => setTimeout(() => r({ depth: 3 }), 200)) },
      [],
    );
    try {
      const s = c.collect();
      await vi.advanceTimersByTimeAsync(1000);
      expect((await s).plugins?.quick).toEqual({ depth: 3, status: 'healthy' });
    } finally {
      c.close();
    }
  });
});
