import { closeSync, openSync } from 'node:fs';
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

describe('ProcessCollector runtime signals', () => {
  let proc: ProcessCollector | undefined;
  afterEach(() => {
    proc?.close();
    proc = undefined;
  });

  it('counts forced major GCs by kind, over the sample interval only', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    proc.collect();
    for (let i = 0; i < 3; i++) gc();
    await tick(20); // GC entries are delivered asynchronously
    const m = proc.collect();
    expect(m.gc.major.count).toBeGreaterThanOrEqual(3);
    expect(m.gc.major.total_ms).toBeGreaterThan(0);
    expect(m.gc.major.max_ms).toBeGreaterThan(0);
    expect(m.gc.major.max_ms).toBeLessThanOrEqual(m.gc.major.total_ms);
    expect(Object.keys(m.gc).sort()).toEqual(['incremental', 'major', 'minor', 'weakcb']);
    // The next interval starts from zero.
    await tick(20);
    expect(proc.collect().gc.major.count).toBeLessThan(3);
  });

  it('sees minor GCs under allocation pressure', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    proc.collect();
    let keep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 1000) keep = [];
    }
    await tick(20);
    const m = proc.collect();
    expect(m.gc.minor.count).toBeGreaterThan(0);
    expect(m.gc.minor.max_ms).toBeLessThanOrEqual(m.gc.minor.total_ms);
  });

  it('disconnects its one GC observer on close(): later GCs are not counted', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    proc.close();
    gc();
    await tick(20);
    expect(proc.collect().gc.major.count).toBe(0);
  });

  it('reports a blocked loop: max and p99 against the known block length', async () => {
    const resolution = 10;
    const blockMs = 120;
    proc = new ProcessCollector({ resolutionMs: resolution });
    await tick(50);
    proc.collect(); // the interval starts here
    await tick(30);
    block(blockMs);
    await tick(30);
    const m = proc.collect();
    // A tick due during the block runs when it ends: its delay is at least the block less one resolution.
    expect(m.event_loop_delay_max_ms).toBeGreaterThanOrEqual(blockMs - resolution);
    expect(m.event_loop_delay_max_ms).toBeLessThan(blockMs + 250);
    expect(m.event_loop_delay_p99_ms).toBeLessThanOrEqual(m.event_loop_delay_max_ms);
    // Reset every sample: the next interval does not remember the block.
    await tick(60);
    expect(proc.collect().event_loop_delay_max_ms).toBeLessThan(blockMs - resolution);
  });

  it('reports event-loop utilisation over the interval, busy time over wall time', async () => {
    proc = new ProcessCollector({ resolutionMs: 20 });
    await tick(10);
    proc.collect();
    const t0 = performance.now();
    block(150);
    await tick(50);
    const wall = performance.now() - t0;
    const busy = proc.collect().event_loop_utilization_percent;
    // The loop was busy for the 150 ms block and idle (waiting on the timer) for most of the rest.
    expect(busy).toBeGreaterThan((100 * 150) / wall - 15);
    expect(busy).toBeLessThanOrEqual(100);
    await tick(200);
    expect(proc.collect().event_loop_utilization_percent).toBeLessThan(busy);
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
