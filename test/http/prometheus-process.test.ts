// Prometheus process byte gauges (heap, RSS, heap spaces, external, array buffers) in the exact bytes
// Node reported, alone and summed over a cluster's workers, not rebuilt from the JSON's rounded MB.

import type { HeapSpaceInfo } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeV8 } from '../../src/builtins.js';
import { clusterProcess, withClusterProcess } from '../../src/cluster/process-figures.js';
import { memoryInContainer } from '../../src/collector/container.js';
import { toMemoryMetrics } from '../../src/collector/memory.js';
import { ProcessCollector } from '../../src/collector/process.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { ClusterSummary, ClusterWorker, ProcessMetrics } from '../../src/types.js';
import { snapshotFixture } from './prometheus-fixture.js';
import { parseExposition, sampleValue } from './prometheus-parse.js';

const MIB = 1024 ** 2;

// Chosen so that rounding to 0.01 MiB moves every one of them by kilobytes.
const memA: NodeJS.MemoryUsage = {
  rss: 104_862_719,
  heapTotal: 20_000_003,
  heapUsed: 12_345_679,
  external: 3_333_333,
  arrayBuffers: 1_234_567,
};
const memB: NodeJS.MemoryUsage = {
  rss: 73_405_123,
  heapTotal: 31_457_277,
  heapUsed: 27_262_979,
  external: 2_102_003,
  arrayBuffers: 777_777,
};
const spaces: HeapSpaceInfo[] = [
  {
    space_name: 'old_space',
    space_size: 9_999_999,
    space_used_size: 7_777_777,
    space_available_size: 0,
    physical_space_size: 0,
  },
  {
    space_name: 'new_space',
    space_size: 2_097_151,
    space_used_size: 1_050_001,
    space_available_size: 0,
    physical_space_size: 0,
  },
];

/** The process group a real collector builds from the given memoryUsage() and heap space statistics. */
function collectWith(mem: NodeJS.MemoryUsage, heapSpaces: HeapSpaceInfo[] = spaces): ProcessMetrics {
  const usage = vi.spyOn(process, 'memoryUsage').mockReturnValue(mem);
  const heap = vi.spyOn(nodeV8(), 'getHeapSpaceStatistics').mockReturnValue(heapSpaces);
  const c = new ProcessCollector(20);
  try {
    return c.collect();
  } finally {
    c.close();
    usage.mockRestore();
    heap.mockRestore();
  }
}

function worker(id: string, proc: ProcessMetrics): ClusterWorker {
  return {
    id,
    pid: 1,
    started_at: '2026-12-02T00:00:00.000Z',
    aggregator: false,
    connected: true,
    requests_total: 0,
    requests_lost: 0,
    last_report_at: null,
    process: clusterProcess(proc),
  };
}

describe('Prometheus process byte gauges', () => {
  afterEach(() => vi.restoreAllMocks());

  // Outside review: heap, RSS and heap-space gauges were rebuilt from heap_used_mb etc., rounded to
  // 0.01 MiB for the JSON (up to ~5 KiB off). Oracle: the bytes process.memoryUsage() and
  // v8.getHeapSpaceStatistics() returned.
  it('exports the bytes Node reported, and keeps the rounded MB in the JSON', () => {
    const proc = collectWith(memA);
    expect(proc.heap_used_mb).toBe(Math.round((memA.heapUsed / MIB) * 100) / 100);
    expect(proc.rss_mb).toBe(Math.round((memA.rss / MIB) * 100) / 100);
    expect(proc.heap_spaces.old_space?.used_mb).toBe(7.42);
    const f = parseExposition(renderPrometheus({ snapshot: { ...snapshotFixture(), process: proc } }));
    expect(sampleValue(f, 'sysvitals_heap_size_used_bytes')).toBe(memA.heapUsed);
    expect(sampleValue(f, 'sysvitals_heap_size_total_bytes')).toBe(memA.heapTotal);
    expect(sampleValue(f, 'sysvitals_process_resident_memory_bytes')).toBe(memA.rss);
    expect(sampleValue(f, 'sysvitals_external_memory_bytes')).toBe(memA.external);
    expect(sampleValue(f, 'sysvitals_array_buffers_bytes')).toBe(memA.arrayBuffers);
    for (const s of spaces) {
      const space = { space: s.space_name };
      expect(sampleValue(f, 'sysvitals_heap_space_used_bytes', space)).toBe(s.space_used_size);
      expect(sampleValue(f, 'sysvitals_heap_space_size_bytes', space)).toBe(s.space_size);
    }
  });

  // Cluster mode sums the workers' figures: the sum of their exact bytes, not of their rounded MB, and
  // never the aggregator's own bytes under the summed MB.
  it("sums the workers' exact bytes in the cluster's scrape", () => {
    const a = collectWith(memA);
    const b = collectWith(memB);
    const self = collectWith({ ...memA, rss: 1, heapUsed: 1, heapTotal: 1, external: 1 });
    const summary: ClusterSummary = {
      name: 'app',
      aggregator: 'a',
      complete: true,
      missing: [],
      workers_connected: 2,
      requests_lost: 0,
      workers: [worker('a', a), worker('b', b)],
    };
    const merged = withClusterProcess({ ...snapshotFixture(), process: self }, summary);
    expect(merged.process.rss_mb).toBe(Math.round((a.rss_mb + b.rss_mb) * 100) / 100);
    const f = parseExposition(renderPrometheus({ snapshot: merged }));
    expect(sampleValue(f, 'sysvitals_process_resident_memory_bytes')).toBe(memA.rss + memB.rss);
    expect(sampleValue(f, 'sysvitals_heap_size_used_bytes')).toBe(memA.heapUsed + memB.heapUsed);
    expect(sampleValue(f, 'sysvitals_heap_size_total_bytes')).toBe(memA.heapTotal + memB.heapTotal);
    expect(sampleValue(f, 'sysvitals_external_memory_bytes')).toBe(memA.external + memB.external);
  });

  // Cluster gap: heap_space_* and array_buffers_* came from the aggregator's own process while RSS, heap
  // and external were summed over workers. Oracle: the sums of the bytes each worker's Node reported.
  it("sums the workers' heap spaces and array buffers, never the aggregator's own", () => {
    const a = collectWith(memA);
    const b = collectWith(memB, [spaces[0]!, { ...spaces[1]!, space_name: 'code_space' }]);
    const self = collectWith(
      { ...memA, arrayBuffers: 5 },
      spaces.map((s) => ({ ...s, space_used_size: 3, space_size: 4 })),
    );
    const summary: ClusterSummary = {
      name: 'app',
      aggregator: 'a',
      complete: true,
      missing: [],
      workers_connected: 2,
      requests_lost: 0,
      workers: [worker('a', a), worker('b', b)],
    };
    const merged = withClusterProcess({ ...snapshotFixture(), process: self }, summary);
    const ab = memA.arrayBuffers + memB.arrayBuffers;
    expect(merged.process.array_buffers_bytes).toBe(ab);
    expect(merged.process.array_buffers_mb).toBe(Math.round((ab / MIB) * 100) / 100);
    const old = spaces[0]!;
    const expected: Record<string, [number, number]> = {
      old_space: [old.space_used_size * 2, old.space_size * 2],
      new_space: [spaces[1]!.space_used_size, spaces[1]!.space_size],
      code_space: [spaces[1]!.space_used_size, spaces[1]!.space_size],
    };
    expect(Object.keys(merged.process.heap_spaces).sort()).toEqual(Object.keys(expected).sort());
    const f = parseExposition(renderPrometheus({ snapshot: merged }));
    expect(sampleValue(f, 'sysvitals_array_buffers_bytes')).toBe(ab);
    for (const [space, [used, size]] of Object.entries(expected)) {
      expect(merged.process.heap_spaces[space]).toEqual({
        used_mb: Math.round((used / MIB) * 100) / 100,
        size_mb: Math.round((size / MIB) * 100) / 100,
        used_bytes: used,
        size_bytes: size,
      });
      expect(sampleValue(f, 'sysvitals_heap_space_used_bytes', { space })).toBe(used);
      expect(sampleValue(f, 'sysvitals_heap_space_size_bytes', { space })).toBe(size);
    }
  });

  // A live worker that did not report them (an older version): no partial sum and not the aggregator's own.
  it('omits heap spaces and array buffers from the cluster view when a live worker did not report them', () => {
    const a = worker('a', collectWith(memA));
    const b = worker('b', collectWith(memB));
    delete b.process!.heap_spaces;
    delete b.process!.array_buffers_bytes;
    const summary: ClusterSummary = {
      name: 'app',
      aggregator: 'a',
      complete: true,
      missing: [],
      workers_connected: 2,
      requests_lost: 0,
      workers: [a, b],
    };
    const merged = withClusterProcess({ ...snapshotFixture(), process: collectWith(memA) }, summary);
    expect(merged.process.heap_spaces).toEqual({});
    expect(merged.process.array_buffers_mb).toBeNull();
    expect(merged.process.array_buffers_bytes).toBeUndefined();
    const text = renderPrometheus({ snapshot: merged });
    expect(text).not.toMatch(/^sysvitals_heap_space_/m);
    expect(text).not.toMatch(/^sysvitals_array_buffers_bytes/m);
    // Those summed from every worker are still there.
    expect(sampleValue(parseExposition(text), 'sysvitals_process_resident_memory_bytes')).toBe(
      memA.rss + memB.rss,
    );
  });

  // Same review: the container's memory limit was rebuilt from limit_gb, rounded to 0.001 GiB (up to
  // ~0.5 MiB off). Oracle: the cgroup's memory.max bytes.
  it('exports the container memory limit in the exact bytes of memory.max', () => {
    const host = toMemoryMetrics(
      { total: 16 * 1024 ** 3, available: 8 * 1024 ** 3, swapTotal: 0, swapFree: 0 },
      90,
    );
    const limit = 536_870_913 + 400_000;
    const reading = {
      memoryLimitBytes: limit,
      memoryUsedBytes: 123_456_789,
      cpuLimitCores: null,
      cpuPercent: null,
    };
    const memory = memoryInContainer(host, reading);
    expect(memory.limit_gb).toBe(0.5);
    const f = parseExposition(renderPrometheus({ snapshot: { ...snapshotFixture(), memory } }));
    expect(sampleValue(f, 'sysvitals_container_memory_limit_bytes')).toBe(limit);
  });
});
