// A pool that frees no connection is stuck, whatever holds it (outside review 10, F6): a database that accepts
// connections and never answers holds every connection of the application's pool, so the probe's check waited for
// a connection forever and read "pool exhausted" (warning, no alert) while nothing was answered. Past
// poolStuckAfterMs() the check's wait reads as the dependency's failure (critical). Fake timers, exact times.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeStatus } from '../../src/collector/host-groups.js';
import { type ProbeOutcome, ProbeRunner, poolStuckAfterMs, setHeldUp } from '../../src/collector/probes.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a probe waiting for a pool connection', () => {
  it('reads pool exhausted (warning) until poolStuckAfterMs, then the dependency failing (critical)', async () => {
    vi.useFakeTimers({ now: 0 });
    // Every connection busy, and the check never gets one (the pool's queue never moves).
    const probe = setHeldUp(
      { check: () => new Promise<void>(() => {}), timeoutMs: 2_000 },
      () => 'pool exhausted: 1 waiting (this check included), all 10 connections busy',
    );
    const runner = new ProbeRunner(probe, () => Date.now());
    const at = async (t: number): Promise<ProbeOutcome> => {
      await vi.advanceTimersByTimeAsync(t - Date.now());
      const outcome = runner.run();
      await vi.advanceTimersByTimeAsync(0);
      return outcome;
    };
    const first = runner.run();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await first).toMatchObject({ ok: false, poolExhausted: expect.stringMatching(/^pool exhausted/) });
    expect(poolStuckAfterMs(2_000)).toBe(30_000);
    const before = await at(29_999);
    expect(before.poolExhausted).toMatch(/^pool exhausted/);
    expect(probeStatus(before, 100, 500).status).toBe('warning');
    const after = await at(30_000);
    expect(after.poolExhausted).toBeUndefined();
    expect(after.ok).toBe(false);
    expect(after.error).toMatch(
      /no connection freed for 30 s: the database, or every statement on it, is stuck$/,
    );
    expect(probeStatus(after, 100, 500).status).toBe('critical');
  });

  it('waits ten timeouts when that is longer than 30 s', () => {
    expect(poolStuckAfterMs(5_000)).toBe(50_000);
    expect(poolStuckAfterMs(100)).toBe(30_000);
  });
});
