import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory.js';
import { clockAt, describeStoreContract } from './contract.js';
import { makePoint } from './points.js';

describeStoreContract('MemoryStore', async (options) => new MemoryStore(options));

describe('MemoryStore', () => {
  it('holds at most (retention + one 30-min step) / resolution points per instance (10 110 by default)', async () => {
    // 7 days and the one extra 30-min step the aligned retention cut keeps (RT37-9): (10 080 + 30) minutes.
    expect(new MemoryStore().maxPoints).toBe(10_110);
    const clock = clockAt(0);
    const store = new MemoryStore({ clock, retentionMs: 60_000, resolutionMs: 1_000 });
    // Buckets closed faster than the clock moves (e.g. repeated flushes) are still bounded by count.
    for (let i = 0; i < 200; i++) await store.appendPoint('a', makePoint({ t: i * 100, samples: [] }));
    const kept = await store.readPoints('a', 0, Number.MAX_SAFE_INTEGER);
    expect(kept).toHaveLength(60);
    expect(kept[0]!.t).toBe(14_000);
  });

  it('forgets an instance once all its points are past the retention', async () => {
    const clock = clockAt(0);
    const store = new MemoryStore({ clock, retentionMs: 60_000 });
    await store.appendPoint('gone', makePoint({ t: 0 }));
    clock.set(120_000);
    await store.appendPoint('live', makePoint({ t: 110_000 }));
    expect([...(await store.readAllInstances(0, Number.MAX_SAFE_INTEGER)).keys()]).toEqual(['live']);
  });

  it('returns frozen copies, so a caller cannot change the stored history', async () => {
    const store = new MemoryStore({ clock: clockAt(60_000) });
    const p = makePoint({ t: 0, latencies: [1] });
    await store.appendPoint('a', p);
    p.requests = 99;
    const [read] = await store.readPoints('a', 0, 1);
    expect(read!.requests).toBe(1);
    expect(Object.isFrozen(read)).toBe(true);
  });

  it('rejects unknown and invalid options at setup, naming the fix', () => {
    expect(() => new MemoryStore({ retention: 1 } as never)).toThrow(/Did you mean `retentionMs`/);
    expect(() => new MemoryStore({ alertLimit: 0 })).toThrow(/alertLimit/);
    expect(() => new MemoryStore({ resolutionMs: Number.NaN })).toThrow(/resolutionMs/);
    // A clock that is neither a function nor has now(): refused at construction, not at the first append.
    for (const clock of [5, null, {}, { now: 5 }, 'Date.now']) {
      expect(() => new MemoryStore({ clock } as never)).toThrow(
        expect.objectContaining({
          code: 'ERR_SYSVITALS_INVALID_OPTION',
          message: expect.stringMatching(/^MemoryStore: `clock` must be a function returning milliseconds/),
        }),
      );
    }
  });

  it('takes a clock function as the monitor does (`() => t`): it trims to the retention by it', async () => {
    // Outside review 14: `clock: () => t` was accepted and the first appendPoint threw
    // "this.clock.now is not a function".
    let now = 0;
    const store = new MemoryStore({ clock: () => now, retentionMs: 60_000 });
    await store.appendPoint('gone', makePoint({ t: 0 }));
    now = 120_000;
    await store.appendPoint('live', makePoint({ t: 110_000 }));
    expect([...(await store.readAllInstances(0, Number.MAX_SAFE_INTEGER)).keys()]).toEqual(['live']);
    const withDateNow = new MemoryStore({ clock: Date.now });
    await withDateNow.appendPoint('a', makePoint({ t: Date.now() }));
    expect(await withDateNow.readPoints('a', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });
});
