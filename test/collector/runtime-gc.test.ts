// GcObserver's figures against Node's own GC entries in the same process (issue 18, bench/RESULTS.md `gc-observer`):
// count, total and longest pause per kind equal what a plain PerformanceObserver sums from the same entries.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { round } from '../../src/alerts/status.js';
import { GcObserver } from '../../src/collector/runtime-gc.js';

// Real GCs on demand, minor or major: the function --expose-gc installs, without the flag on the worker.
v8.setFlagsFromString('--expose-gc');
// gc() is a major GC; gc({ type: 'minor' }) a scavenge (Node 20's V8 reads no other type).
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' }) => void;

const KINDS: Record<number, 'minor' | 'major' | 'incremental' | 'weakcb'> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Every GC entry Node hands to observers, as they came: the oracle. */
function recordEntries(): { entries: { kind: number; duration: number }[]; stop(): void } {
  const entries: { kind: number; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      entries.push({
        kind: (e as unknown as { detail: { kind: number } }).detail.kind,
        duration: e.duration,
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { entries, stop: () => observer.disconnect() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GcObserver', () => {
  let observer: GcObserver | undefined;
  afterEach(() => {
    observer?.close();
    observer = undefined;
  });

  it('sums the same GCs as a plain observer: count, total and longest pause per kind', async () => {
    observer = new GcObserver();
    const truth = recordEntries();
    try {
      for (let i = 0; i < 4; i++) gc({ type: 'minor' });
      for (let i = 0; i < 2; i++) gc();
      // Entries reach observers an immediate or two after their GC; both observers get each in the same turn.
      const guard = Date.now() + 20_000;
      while (truth.entries.filter((e) => KINDS[e.kind] !== undefined).length < 6 && Date.now() < guard) {
        await turn();
      }
      await turn();
      await turn();
      const taken = observer.take();
      const expected = { minor: [0, 0, 0], major: [0, 0, 0], incremental: [0, 0, 0], weakcb: [0, 0, 0] };
      for (const e of truth.entries) {
        const k = KINDS[e.kind];
        if (k === undefined) continue;
        const x = expected[k];
        x[0] = (x[0] as number) + 1;
        x[1] = (x[1] as number) + e.duration;
        x[2] = Math.max(x[2] as number, e.duration);
      }
      expect(expected.minor[0]).toBeGreaterThanOrEqual(4);
      expect(expected.major[0]).toBeGreaterThanOrEqual(2);
      for (const k of ['minor', 'major', 'incremental', 'weakcb'] as const) {
        const [count, total, max] = expected[k] as [number, number, number];
        expect(taken[k]).toEqual({ count, total_ms: round(total, 3), max_ms: round(max, 3) });
      }
    } finally {
      truth.stop();
    }
  });
});
