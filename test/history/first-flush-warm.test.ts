// Issue 18: the first history point with requests loaded and compiled the histogram code (hdr-histogram-js's
// modules, node:zlib, the encoder) inside the flush, one stall of the host's event loop (140-185 ms at load 20 on
// 2 cores). Now the first sample of a minute with requests starts loading it one small step per loop turn, and
// the flush finds it loaded. The point must not depend on how far those steps got: the oracles are
// hdr-histogram-js's own index (build, recordValue, and decodeFromCompressedBase64, which must read the point's
// histogram to exactly those counts: its bytes are pako's deflate since issue 18, not Node's zlib's) and Node's
// module cache (what was compiled in each turn: hdr-histogram-js's modules and pako's).

import Module from 'node:module';
import * as hdr from 'hdr-histogram-js';
import { afterEach, describe, expect, it, vi } from 'vitest';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a bucket boundary
const DURATIONS_MS = [2, 4, 40, 0.5, 1200, 3.25, 7, 7, 7, 95];
const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
const hdrFiles = () =>
  Object.keys(cache).filter((f) => f.includes('/hdr-histogram-js/') || f.includes('/pako/')).length;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Every count by index of the library's index histogram of the same values (µs) in the shared configuration. */
async function oracleCounts(): Promise<number[]> {
  const { HISTOGRAM_CONFIG } = await import('../../src/latency/histogram.js');
  const h = hdr.build(HISTOGRAM_CONFIG);
  for (const ms of DURATIONS_MS) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  return countsOf(h);
}

function countsOf(h: hdr.Histogram): number[] {
  const self = h as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number };
  return Array.from({ length: self.countsArrayLength }, (_, i) => self.getCountAtIndex(i));
}

/** The counts the library's index decodes from a point's histogram. */
const decodedCounts = (encoded: string | undefined) =>
  countsOf(hdr.decodeFromCompressedBase64(encoded ?? '', 32, false));

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A monitor on an injected clock (no sample timer), fresh modules: the histogram code not loaded by this graph. */
async function freshMonitor(now: () => number) {
  vi.resetModules();
  const { createMonitor } = await import('../../src/monitor.js');
  const { MemoryStore } = await import('../../src/stores/memory.js');
  const { silentLogger } = await import('../../src/logger.js');
  const histogram = await import('../../src/latency/histogram.js');
  const store = new MemoryStore({ clock: { now } });
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: now, store });
  closers.push(() => monitor.close());
  for (const durationMs of DURATIONS_MS)
    monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs });
  return { monitor, store, histogram };
}

describe('the first history flush with requests', () => {
  it('finds the histogram code loaded by the steps its first sample started, one module per loop turn', async () => {
    let now = B + 1_000;
    const { monitor, store, histogram } = await freshMonitor(() => now);
    expect(histogram.hdrLoaded()).toBe(false);
    await monitor.sample();
    // The sample itself loads nothing: the steps run on later turns.
    expect(histogram.hdrLoaded()).toBe(false);
    let turns = 0;
    let files = hdrFiles();
    while (!histogram.hdrLoaded() && turns < 100) {
      await turn();
      turns++;
      const n = hdrFiles();
      expect(n - files).toBeLessThanOrEqual(1);
      files = n;
    }
    expect(histogram.hdrLoaded()).toBe(true);
    expect(turns).toBeGreaterThan(1);
    now = B + 60_000;
    await monitor.flush();
    const [point] = await store.readPoints(monitor.instanceId, B - 60_000, B + 60_000);
    expect(point).toMatchObject({ t: B, requests: DURATIONS_MS.length, latency_max_ms: 1200 });
    expect(decodedCounts(point?.histogram)).toEqual(await oracleCounts());
  });

  it('writes the same point whether the steps ran all, some or none of their way before it', async () => {
    const oracle = await oracleCounts();
    const fields = [
      'requests',
      'latency_p50_ms',
      'latency_p95_ms',
      'latency_p99_ms',
      'latency_avg_ms',
      'latency_max_ms',
      'histogram',
    ] as const;
    const seen: unknown[] = [];
    const steps = (await import('../../src/latency/histogram.js')).warmHistogramSteps().length;
    for (const k of [0, 1, 3, 7, 12, 17, 18, 19, 25, 30, steps - 1, Number.POSITIVE_INFINITY]) {
      let now = B + 1_000;
      const { monitor, store, histogram } = await freshMonitor(() => now);
      const steps = histogram.warmHistogramSteps();
      for (const step of steps.slice(0, k)) step();
      now = B + 60_000;
      await monitor.flush();
      const [point] = await store.readPoints(monitor.instanceId, B - 60_000, B + 60_000);
      expect(decodedCounts(point?.histogram)).toEqual(oracle);
      seen.push(Object.fromEntries(fields.map((f) => [f, point?.[f]])));
    }
    for (const s of seen) expect(s).toEqual(seen[0]);
  });
});
