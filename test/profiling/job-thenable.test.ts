// Outside review 39, RT39-7: a job whose function returns a thenable that is not a Promise (a Knex QueryBuilder, a
// Mongoose Query: the work runs when the caller awaits it) was recorded as a success of ~0 ms at the call, so its
// failures, its duration and job_stale were lost, while @timed handled the same function. The oracle is what the
// caller itself saw: each await rejected after the builder's work (200 ms of a real timer).

import { afterAll, describe, expect, it } from 'vitest';
import { timed } from '../../src/functions/timing.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const WORK_MS = 200;

/** A lazy builder: nothing runs until then() is called; each then() runs the query once. */
function builder(fail: boolean, calls: { thens: number }) {
  return {
    where() {
      return this; // chainable, as a builder is
    },
    // biome-ignore lint/suspicious/noThenProperty: a Knex-like builder is a thenable on purpose.
    then(onOk?: (v: unknown) => unknown, onErr?: (e: unknown) => unknown) {
      calls.thens++;
      return new Promise((resolve, reject) =>
        setTimeout(() => (fail ? reject(new Error('ER_LOCK_WAIT_TIMEOUT')) : resolve(7)), WORK_MS),
      ).then(onOk, onErr);
    },
  };
}

const monitors: SystemMonitor[] = [];
afterAll(async () => {
  await Promise.all(monitors.map((m) => m.close()));
});

describe('monitor.job with a thenable that is not a Promise', () => {
  it('records each awaited run when it settles: failures counted, the real duration, job_stale fires', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    const m = createMonitor({ sampleIntervalMs: 0, clock });
    monitors.push(m);
    const calls = { thens: 0 };
    let fail = true;
    const purge = m.job('purge-sessions', () => builder(fail, calls), { expectEvery: '1m' });
    const timedPurge = timed(() => builder(true, { thens: 0 }), {
      name: 'purge-timed',
      monitor: m,
      job: true,
    });
    let callerFailures = 0;
    for (let i = 0; i < 3; i++) {
      clock.t += 60_000;
      try {
        await purge();
      } catch (error) {
        expect((error as Error).message).toBe('ER_LOCK_WAIT_TIMEOUT'); // the same error reaches the caller
        callerFailures++;
      }
      await expect(timedPurge()).rejects.toThrow('ER_LOCK_WAIT_TIMEOUT');
    }
    expect(callerFailures).toBe(3);
    expect(calls.thens).toBe(3); // sysvitals never ran the query itself: once per await
    const row = m.jobs.rows().find((r) => r.name === 'purge-sessions');
    expect(row).toMatchObject({ runs: 3, failures: 3, running: 0, last_success: null });
    expect(row?.last_failure?.error).toBe('ER_LOCK_WAIT_TIMEOUT');
    // At least the builder's own work (a timer of 200 ms; 150 leaves room for timer rounding), not 0.02 ms.
    expect(row?.p50_ms).toBeGreaterThanOrEqual(150);
    // The same as @timed({ job: true }) records for the same function.
    expect(m.jobs.rows().find((r) => r.name === 'purge-timed')).toMatchObject({ runs: 3, failures: 3 });

    clock.t += 30_000; // 3.5 min after the monitor.job call, no run succeeded: more than 2 x expectEvery
    await m.sample();
    const stale = m.alertSystem.getActiveAlerts().filter((a) => a.rule === 'job_stale');
    expect(stale.map((a) => a.message).join(' ')).toContain('purge-sessions');

    fail = false;
    const result = purge().where(); // still the same chainable builder
    expect(await result).toBe(7);
    const after = m.jobs.rows().find((r) => r.name === 'purge-sessions');
    expect(after).toMatchObject({ runs: 4, failures: 3, running: 0 });
    expect(after?.last_success).not.toBeNull();
  });
});

// Outside review 42, RT42-9: what the caller's await saw was not what was recorded. A `then` that throws rejects the
// await but left the run `running` for ever, no failure; a `then` that fulfils with a thenable that rejects is adopted
// by the await (it rejects) but was recorded a success. The oracle is the caller's own outcome of each await.
describe('monitor.job with a thenable whose then throws, or fulfils with another thenable', () => {
  it('records each run as the caller saw it settle', async () => {
    const m = createMonitor({ sampleIntervalMs: 0 });
    monitors.push(m);
    const throwing = m.job('throwing-then', () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
      then() {
        throw new Error('builder: undefined binding');
      },
    }));
    const later = (fail: boolean) => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
      then(onOk: (v: unknown) => void, onErr: (e: unknown) => void) {
        setTimeout(() => (fail ? onErr(new Error('query failed')) : onOk(9)), 5);
      },
    });
    let innerFails = true;
    const nested = m.job('nested-then', () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
      then(onOk: (v: unknown) => void) {
        setTimeout(() => onOk(later(innerFails)), 5);
      },
    }));
    const outcome = async (p: unknown) => {
      try {
        return `ok ${String(await p)}`;
      } catch (e) {
        return `failed ${(e as Error).message}`;
      }
    };
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(await outcome(throwing()));
      seen.push(await outcome(nested()));
    }
    innerFails = false;
    seen.push(await outcome(nested()));
    expect(seen).toEqual([
      ...Array.from({ length: 3 }, () => ['failed builder: undefined binding', 'failed query failed']).flat(),
      'ok 9',
    ]);
    const rows = m.jobs.rows();
    expect(rows.find((r) => r.name === 'throwing-then')).toMatchObject({ runs: 3, failures: 3, running: 0 });
    expect(rows.find((r) => r.name === 'throwing-then')?.last_failure?.error).toBe(
      'builder: undefined binding',
    );
    const nestedRow = rows.find((r) => r.name === 'nested-then');
    expect(nestedRow).toMatchObject({ runs: 4, failures: 3, running: 0 });
    expect(nestedRow?.last_failure?.error).toBe('query failed');
    expect(nestedRow?.last_success).not.toBeNull();
  });

  it('@timed records the same', async () => {
    const m = createMonitor({ sampleIntervalMs: 0 });
    monitors.push(m);
    const f = timed(
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
        then(onOk: (v: unknown) => void) {
          onOk(Promise.reject(new Error('inner')));
        },
      }),
      { name: 'nested-timed', monitor: m, job: true },
    );
    const g = timed(
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
        then() {
          throw new Error('sync');
        },
      }),
      { name: 'throwing-timed', monitor: m, job: true },
    );
    await expect(f()).rejects.toThrow('inner');
    await expect(g()).rejects.toThrow('sync');
    const rows = m.jobs.rows();
    expect(rows.find((r) => r.name === 'nested-timed')).toMatchObject({ runs: 1, failures: 1, running: 0 });
    expect(rows.find((r) => r.name === 'throwing-timed')).toMatchObject({ runs: 1, failures: 1, running: 0 });
  });
});
