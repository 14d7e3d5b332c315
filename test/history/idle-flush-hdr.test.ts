// Issue 18: the first history flush loaded hdr-histogram-js (200-280 ms of CPU once on the 2-core VM) to build
// an empty request histogram, even for a minute without requests. Now a minute without requests loads nothing;
// the first one with requests loads it and its point is what it was. The oracle: Node's module loader itself
// (every require of the library goes through Module._load, cached or not), in this file's fresh module graph.

import Module from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a bucket boundary
const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
let monitor: SystemMonitor | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await monitor?.close();
});

describe('history flush', () => {
  it('a minute without requests loads no HDR library; the first minute with requests does, its point exact', async () => {
    const load = vi.spyOn(loader, '_load');
    // The library or one of its modules (src/latency/histogram.ts loads its JavaScript modules by path).
    const isHdr = (request: unknown) =>
      request === 'hdr-histogram-js' ||
      (typeof request === 'string' && request.startsWith('hdr-histogram-js/'));
    const hdrLoads = () => load.mock.calls.filter(([request]) => isHdr(request)).length;
    let now = B + 1_000;
    const store = new MemoryStore({ clock: { now: () => now } });
    monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: () => now, store });
    await monitor.sample();
    await monitor.flush();
    const [idle] = await store.readPoints(monitor.instanceId, B - 60_000, B + 60_000);
    expect(idle).toMatchObject({ t: B, samples: 1, requests: 0, latency_p99_ms: null, histogram: '' });
    expect(hdrLoads()).toBe(0);

    now = B + 61_000;
    for (const durationMs of [2, 4, 40])
      monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs });
    await monitor.sample();
    await monitor.flush();
    expect(hdrLoads()).toBeGreaterThan(0); // the hook sees the library when it is needed
    const points = await store.readPoints(monitor.instanceId, B, B + 120_000);
    const busy = points.filter((p) => p.requests > 0);
    expect(busy).toHaveLength(1);
    expect(busy[0]).toMatchObject({ requests: 3, latency_max_ms: 40, latency_avg_ms: 15.333 });
    expect(busy[0]?.histogram).not.toBe('');
  });
});
