import { closeSync, openSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCollector } from '../../src/collector/process.js';

// A real major GC on demand: the same function --expose-gc installs, without the flag on the worker.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: this is the stall the monitor must see
  }
}

/** Major GCs as Node reports them, seen by an observer of the test's own: the ground truth to wait on. */
function watchMajorGcs(): { readonly seen: number; stop(): void } {
  let seen = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (
        (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
      )
        seen++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    get seen() {
      return seen;
    },
    stop: () => observer.disconnect(),
  };
}

/** Polls `done` (real time, 20 s hang guard): GC entries reach observers asynchronously, a little after the GC. */
async function waitUntil(done: () => boolean, what: string): Promise<void> {
  const guard = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > guard) throw new Error(`not seen within the 20 s guard: ${what}`);
    await tick(5);
  }
}

describe('ProcessCollector runtime signals', () => {
  let proc: ProcessCollector | undefined;
  afterEach(() => {
    proc?.close();
    proc = undefined;
  });

  it('counts forced major GCs by kind, over the sample interval only', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    const collector = proc;
    collector.collect();
    for (let i = 0; i < 3; i++) gc();
    // Sum the intervals until the three forced GCs are in: however late their entries are delivered.
    let major = 0;
    let reported = collector.collect();
    await waitUntil(() => {
      const m = collector.collect();
      major += m.gc.major.count;
      if (m.gc.major.count > 0) reported = m;
      return major >= 3;
    }, '3 major GCs counted');
    expect(reported.gc.major.total_ms).toBeGreaterThan(0);
    expect(reported.gc.major.max_ms).toBeGreaterThan(0);
    expect(reported.gc.major.max_ms).toBeLessThanOrEqual(reported.gc.major.total_ms);
    expect(Object.keys(reported.gc).sort()).toEqual(['incremental', 'major', 'minor', 'weakcb']);
    // The next interval starts from zero: a sample taken right after another (no GC entry can be delivered
    // between two synchronous calls) counts nothing.
    gc();
    await waitUntil(() => {
      const first = collector.collect().gc;
      const second = collector.collect().gc;
      expect(Object.values(second).map((k) => k.count)).toEqual([0, 0, 0, 0]);
      return first.major.count > 0;
    }, 'the 4th major GC counted');
  });

  it('sees minor GCs under allocation pressure', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    const collector = proc;
    collector.collect();
    let keep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 1000) keep = [];
    }
    let minor = 0;
    await waitUntil(() => {
      const m = collector.collect();
      expect(m.gc.minor.max_ms).toBeLessThanOrEqual(m.gc.minor.total_ms);
      minor += m.gc.minor.count;
      return minor > 0;
    }, 'a minor GC counted');
  });

  it('disconnects its one GC observer on close(): later GCs are not counted', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    const truth = watchMajorGcs();
    try {
      proc.close();
      gc();
      // Node hands a GC entry to every observer in the same turn: once ours saw it, a connected collector would have.
      await waitUntil(() => truth.seen >= 1, 'the major GC reported to the test');
      await new Promise((resolve) => setImmediate(resolve));
      expect(proc.collect().gc.major.count).toBe(0);
    } finally {
      truth.stop();
    }
  });

  it('reports a blocked loop: max and p99 against the known block length', async () => {
    const resolution = 10;
    const blockMs = 120;
    proc = new ProcessCollector({ resolutionMs: resolution });
    await tick(50); // the delay timer (due at 10 ms) has ticked before this one (50 ms)
    proc.collect(); // the interval starts here
    await tick(30);
    block(blockMs);
    await tick(1); // the overdue delay timer runs before this one
    const m = proc.collect();
    // A tick due during the block runs when it ends: its interval spans the whole block, so the delay is at least
    // the block less one resolution. A lower bound only (a slower machine only lengthens it); the reset at each
    // sample is checked on an injected histogram in process.test.ts.
    expect(m.event_loop_delay_max_ms).toBeGreaterThanOrEqual(blockMs - resolution);
    expect(m.event_loop_delay_p99_ms).toBeLessThanOrEqual(m.event_loop_delay_max_ms);
  });

  it('counts active resources by type and open file descriptors', () => {
    proc = new ProcessCollector({ resolutionMs: 20, procRoot: '/proc' });
    const before = proc.collect();
    const timers = [1, 2, 3].map(() => setTimeout(() => {}, 60_000));
    const fds = [1, 2, 3, 4, 5].map(() => openSync('/dev/null', 'r'));
    try {
      const during = proc.collect();
      expect((during.active_resources.Timeout ?? 0) - (before.active_resources.Timeout ?? 0)).toBe(3);
      expect(before.open_fds).toEqual(expect.any(Number));
      expect((during.open_fds as number) - (before.open_fds as number)).toBe(5);
    } finally {
      for (const t of timers) clearTimeout(t);
      for (const fd of fds) closeSync(fd);
    }
    const after = proc.collect();
    expect(after.open_fds).toBe(before.open_fds);
  });

  it('reports heap spaces that add up to the heap in use, and external and array-buffer memory', () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    const buffers = Buffer.alloc(8 * 1024 * 1024, 1);
    const m = proc.collect();
    const heapUsed = process.memoryUsage().heapUsed / 1024 / 1024;
    const sum = Object.values(m.heap_spaces).reduce((acc, s) => acc + s.used_mb, 0);
    expect(Object.keys(m.heap_spaces)).toEqual(expect.arrayContaining(['old_space', 'new_space']));
    expect(Math.abs(sum - heapUsed)).toBeLessThan(2);
    expect(m.array_buffers_mb).toBeGreaterThanOrEqual(8);
    expect(m.external_mb).toBeGreaterThanOrEqual((m.array_buffers_mb ?? 0) - 0.01);
    expect(buffers.length).toBe(8 * 1024 * 1024);
  });

  it('reports no open descriptor count without procfs', () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    expect(proc.collect().open_fds).toBeNull();
  });
});
