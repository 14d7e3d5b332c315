// A pool that frees no connection is stuck, whatever holds it (outside review 10, F6): a database that accepts
// connections and never answers holds every connection of the application's pool, so the probe's check waited for
// a connection forever and read "pool exhausted" (warning, no alert) while nothing was answered. Past
// poolStuckAfterMs() the check's wait reads as the dependency's failure (critical). Fake timers, exact times.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeStatus } from '../../src/collector/host-groups.js';
import {
  PoolSaturated,
  type ProbeOutcome,
  ProbeRunner,
  poolStuckAfterMs,
  setHeldUp,
} from '../../src/collector/probes.js';

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
    // What was seen, not a verdict on the database: a long statement holds a pool as a hung database does
    // (outside review 11, F3).
    // What was measured first: the availability alert reads `Database pool: <error>` (test/profiling/db-pool-held.test.ts).
    expect(after.error).toBe(
      'no connection freed for 30 s; pool exhausted: 1 waiting (this check included), all 10 connections busy ' +
        '(the database may be answering: long statements hold the pool)',
    );
    expect(after.poolStuck).toBe(true);
    expect(after.error).not.toMatch(/stuck/);
    expect(probeStatus(after, 100, 500).status).toBe('critical');
  });

  it('waits ten timeouts when that is longer than 30 s', () => {
    expect(poolStuckAfterMs(5_000)).toBe(50_000);
    expect(poolStuckAfterMs(100)).toBe(30_000);
  });
});

// mysql2's pool refuses a check at once when every connection is busy and its queue is full (`queueLimit`): read as
// pool exhaustion (mysqlProbe's PoolSaturated), bounded as a wait is: refused in a row for poolStuckAfterMs, critical.
describe('a probe its pool refuses at once (queue full)', () => {
  it('reads pool exhausted (warning) until refused for poolStuckAfterMs, then critical; a check that gets a connection resets it', async () => {
    let t = 0;
    let refuse = true;
    const reason =
      'pool exhausted: queue limit reached (5 waiting), all 10 connections busy; this check was refused';
    const probe = {
      check: async () => {
        if (refuse) throw new PoolSaturated(reason);
      },
      timeoutMs: 2_000,
    };
    const runner = new ProbeRunner(probe, () => t);
    const at = (when: number) => {
      t = when;
      return runner.run();
    };
    const first = await at(0);
    expect(first).toEqual({ ok: false, latencyMs: null, error: reason, poolExhausted: reason });
    expect(probeStatus(first, 100, 500).status).toBe('warning');
    expect((await at(29_999)).poolExhausted).toBe(reason);
    const stuck = await at(30_000);
    expect(stuck.poolExhausted).toBeUndefined();
    expect(stuck.error).toBe(
      `every check refused for 30 s; ${reason} (the database may be answering: long statements hold the pool)`,
    );
    expect(stuck.poolStuck).toBe(true);
    expect(probeStatus(stuck, 100, 500).status).toBe('critical');
    // A check that got a connection: the next refusal starts a new run of them.
    refuse = false;
    expect((await at(31_000)).ok).toBe(true);
    refuse = true;
    expect((await at(32_000)).poolExhausted).toBe(reason);
    expect((await at(61_999)).poolExhausted).toBe(reason);
    expect((await at(62_000)).poolExhausted).toBeUndefined();
  });
});
