// A dependency check whose promise never settles (a pooled connection lost in a TCP black hole, a driver
// bug) must not pin the probe at `critical` for the life of the process (outside review 6, F2): a check
// pending past its timeout is abandoned after a backoff (the timeout, doubled for each check abandoned in a
// row, at most 60 s) and a new one starts, so the probe recovers within timeout + 60 s + a sample after
// the dependency does, while a dependency that keeps swallowing checks gets at most one new check per
// backoff. Fake timers and an injected clock: every expectation is an exact time.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import { type AbandonedCheck, abandonAfterMs, ProbeRunner } from '../../src/collector/probes.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A check that hangs forever while `hang` is true and answers at once otherwise; records its start times. */
function dependency() {
  const state = {
    hang: true,
    starts: [] as number[],
    check: () => {
      state.starts.push(Date.now());
      return state.hang ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  return state;
}

async function advanceTo(t: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(t - Date.now());
}

describe('abandonAfterMs', () => {
  it('is the timeout plus the timeout doubled per check abandoned before, the backoff at most 60 s', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => abandonAfterMs(10_000, n))).toEqual([
      20_000, 30_000, 50_000, 70_000, 70_000, 70_000,
    ]);
    expect(abandonAfterMs(800)).toBe(1600);
    expect(abandonAfterMs(800, 1000)).toBe(60_800); // no overflow to Infinity or NaN
  });
});

describe('ProbeRunner: a check that never settles', () => {
  it('starts checks at exact, backed-off times while the dependency hangs, and recovers within timeout + 60 s + a sample', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const dep = dependency();
    const abandoned: AbandonedCheck[] = [];
    const runner = new ProbeRunner(
      { check: dep.check, timeoutMs: 10_000 },
      () => Date.now(),
      (info) => abandoned.push(info),
    );
    const outcomes = new Map<number, Promise<{ ok: boolean; error?: string }>>();
    const RECOVERY = 245_000;
    for (let t = 0; t <= 320_000; t += 5000) {
      await advanceTo(t);
      if (t === RECOVERY) dep.hang = false;
      outcomes.set(t, runner.run());
    }
    await vi.advanceTimersByTimeAsync(10_000); // settles the last sample's timeout, if any
    // 0 + 10 s timeout + 10 s backoff = 20 s; 20 + 10 + 20 = 50; 50 + 10 + 40 = 100; then the backoff is
    // capped: 100 + 10 + 60 = 170, 240, and the check started at 240 s (before the recovery) is abandoned
    // at 310 s, when the new check answers; every later sample starts one that answers.
    expect(dep.starts).toEqual([0, 20_000, 50_000, 100_000, 170_000, 240_000, 310_000, 315_000, 320_000]);
    expect(310_000 - RECOVERY).toBeLessThanOrEqual(10_000 + 60_000 + 5000);
    expect(await outcomes.get(5000)).toEqual({
      ok: false,
      latencyMs: null,
      error: 'timed out after 10000 ms',
    });
    expect(await outcomes.get(15_000)).toEqual({
      ok: false,
      latencyMs: null,
      error: 'previous check still pending after 15000 ms (timeout 10000 ms; abandoned at 20000 ms)',
    });
    expect((await outcomes.get(305_000))?.error).toBe(
      'previous check still pending after 65000 ms (timeout 10000 ms; abandoned at 70000 ms)',
    );
    expect(await outcomes.get(310_000)).toEqual({ ok: true, latencyMs: 0 });
    // Reported once for the whole outage, at the first abandonment.
    expect(abandoned).toEqual([{ pendingMs: 20_000, timeoutMs: 10_000, nextAbandonAfterMs: 30_000 }]);

    // A second outage after the recovery: the backoff starts over, and it is reported again.
    dep.hang = true;
    for (let t = 335_000; t <= 370_000; t += 5000) {
      await advanceTo(t);
      runner.run();
    }
    expect(dep.starts.slice(9)).toEqual([335_000, 355_000]);
    expect(abandoned).toHaveLength(2);
    expect(abandoned[1]).toEqual({ pendingMs: 20_000, timeoutMs: 10_000, nextAbandonAfterMs: 30_000 });
  });

  it('a timed-out check that settles late lets the next sample start one at once; only an answer resets the backoff', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const settle: ((ok: boolean) => void)[] = [];
    const starts: number[] = [];
    const check = () => {
      starts.push(Date.now());
      return new Promise<void>((resolve, reject) => {
        settle.push((ok) => (ok ? resolve() : reject(new Error('ECONNRESET'))));
      });
    };
    const runner = new ProbeRunner({ check, timeoutMs: 100 }, () => Date.now());
    /** Runs a sample at `t`; its outcome is not awaited (a new check's settles at its timeout). */
    const sample = async (t: number) => {
      await advanceTo(t);
      return { outcome: runner.run() };
    };
    await sample(0);
    await sample(200); // #1 abandoned at 100 + 100: #2 starts
    await sample(400); // #2 pending 200 < 100 + 200
    settle[1]?.(false); // #2 fails late: nothing pending any more
    await sample(450); // so #3 starts at once; but a failure is no answer: the backoff stays
    await sample(700); // #3 pending 250 < 100 + 200 (it would be abandoned had the failure reset the backoff)
    await sample(750); // #3 abandoned at 300: #4
    await advanceTo(900);
    settle[3]?.(true); // #4 answers late: the dependency is back, the backoff starts over
    await sample(950); // #5 at once
    await sample(1150); // #5 abandoned at 100 + 100: #6
    expect(starts).toEqual([0, 200, 450, 750, 950, 1150]);
    settle[0]?.(true); // the long-abandoned #1 answering changes nothing
    expect(await (await sample(1350)).outcome).toEqual({
      ok: false,
      latencyMs: null,
      error: 'previous check still pending after 200 ms (timeout 100 ms; abandoned at 300 ms)',
    });
  });
});

describe('MetricsCollector: the hang of outside review 6, F2', () => {
  it('one check that never settles: critical for 2 × timeout, then the next sample sees the dependency again; one warning', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const dep = dependency();
    const warnings: string[] = [];
    const infos: string[] = [];
    const c = new MetricsCollector({
      hostMetrics: false,
      latencyClock: { now: () => Date.now() },
      levels: { db_latency: { warning: 300, critical: 600 } },
      probes: { database: { check: dep.check, timeoutMs: 800 } },
      logger: {
        warn: (_o: unknown, m: string) => warnings.push(m),
        info: (_o: unknown, m: string) => infos.push(m),
        error() {},
      },
    });
    try {
      const statuses: string[] = [];
      for (const t of [0, 1000, 1500, 2000, 2500, 3000]) {
        await advanceTo(t);
        const s = c.collect();
        await vi.advanceTimersByTimeAsync(t === 0 ? 800 : 0); // the first sample waits the timeout
        statuses.push((await s).database.status);
        dep.hang = false; // only the first call was lost
      }
      // 0: timed out at 800; 1000 and 1500: still pending (< 800 + 800); 2000: abandoned, a new check answers.
      expect(dep.starts).toEqual([0, 2000, 2500, 3000]);
      expect(statuses).toEqual(['critical', 'critical', 'critical', 'healthy', 'healthy', 'healthy']);
      const abandon = warnings.filter((w) => w.includes('abandoned'));
      expect(abandon).toEqual([
        'sysvitals: database probe: a check still pending 2000 ms after it started (timeout 800 ms) was ' +
          'abandoned and a new one started; while checks keep hanging, each is abandoned after a backoff ' +
          'that doubles (next: 2400 ms after its start, at most timeout + 60 s)',
      ]);
      expect(warnings.filter((w) => w.includes('database is failing'))).toHaveLength(1);
      expect(infos.filter((m) => m.includes('database recovered'))).toHaveLength(1);
    } finally {
      c.close();
    }
  });
});
