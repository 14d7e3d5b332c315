// Importing sysvitals (and an adapter) does not load hdr-histogram-js or systeminformation: the request
// path never needs them, and loading them cost ~20 ms and ~60 ms of every cold start (issue 18).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The node_modules packages loaded by a fresh process after running `code` (ESM, tsx). */
function loadedAfter(code: string): string[] {
  const script = `${code}
const { createRequire } = await import('node:module');
const Module = createRequire(import.meta.url)('node:module');
const loaded = new Set();
for (const file of Object.keys(Module._cache)) {
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
  if (m) loaded.add(m[1]);
}
console.log(JSON.stringify([...loaded]));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

/** Every module file loaded by a fresh process after running `code` (ESM, tsx). */
function loadedFilesAfter(code: string): string[] {
  const script = `${code}
const { createRequire } = await import('node:module');
const Module = createRequire(import.meta.url)('node:module');
console.log(JSON.stringify(Object.keys(Module._cache)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('lazy loading', () => {
  it('importing an adapter, recording and reading live figures loads neither hdr-histogram-js nor systeminformation', () => {
    const loaded = loadedAfter(`
const { createMonitor } = await import('./src/adapters/express.ts');
const m = createMonitor({ sampleIntervalMs: 0 });
m.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 3 });
await m.getMetrics();`);
    expect(loaded).not.toContain('hdr-histogram-js');
    expect(loaded).not.toContain('systeminformation');
  });

  it("a histogram built, encoded and decoded loads hdr-histogram-js's JavaScript modules only, not its WebAssembly build", () => {
    // Its WebAssembly loader assigns Object.hasOwn as it loads, which deoptimizes the host application's optimized
    // code that uses Object (Koa's createContext and handleRequest) at the monitor's first history flush (issue 18).
    const script = `
const { createHistogram, encodeHistogram, decodeHistogram } = await import('./src/latency/histogram.ts');
const h = createHistogram();
h.recordValue(1234);
decodeHistogram(encodeHistogram(h));`;
    const loaded = loadedAfter(script);
    expect(loaded).toContain('hdr-histogram-js');
    expect(loaded).not.toContain('@assemblyscript/loader');
    const files = loadedFilesAfter(script);
    expect(files.filter((f) => f.includes('/hdr-histogram-js/dist/wasm/'))).toEqual([]);
  });

  it('the histogram library loads when a histogram is first built (a history point, a Prometheus scrape)', () => {
    const loaded = loadedAfter(`
const { createHistogram } = await import('./src/latency/histogram.ts');
createHistogram();`);
    expect(loaded).toContain('hdr-histogram-js');
  });

  it('a history flush with requests, its warm-up, a read of the point and a deflated cluster frame never load node:zlib', () => {
    // Issue 18: one node:zlib stream built (its deflateSync and inflateSync build one) leaves Node's HTTP and stream
    // functions megamorphic for the rest of the process, ~840 instructions on every later request (bench/RESULTS.md
    // instructions-floor-gap). Node's own list of loaded internal modules is the oracle: no zlib, no stream built.
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
const { createMonitor } = await import('./src/monitor.ts');
const { MemoryStore } = await import('./src/stores/memory.ts');
const { silentLogger } = await import('./src/logger.ts');
const { warmHistogramSteps, decodeHistogram } = await import('./src/latency/histogram.ts');
const { histogramOf } = await import('./src/latency/latency-counts.ts');
const { encodeFrame, FrameReader } = await import('./src/cluster/frames.ts');
const B = Date.UTC(2026, 0, 1, 12, 0, 0);
let now = B + 1000;
const store = new MemoryStore({ clock: { now: () => now } });
const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: () => now, store });
for (const durationMs of [2, 40, 1200]) monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs });
for (const step of warmHistogramSteps()) step();
now = B + 60_000;
await monitor.flush();
const [point] = await store.readPoints(monitor.instanceId, B - 60_000, B + 60_000);
const counts = [decodeHistogram(point.histogram).totalCount, histogramOf(point.histogram).totalCount];
const frames = [];
new FrameReader((m) => frames.push(m)).push(encodeFrame({ big: 'x'.repeat(2000) }));
await monitor.close();
console.log(JSON.stringify({ counts, frames: frames.length, zlib: process.moduleLoadList.filter((m) => /zlib/i.test(m)) }));`,
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out).toEqual({ counts: [3, 3], frames: 1, zlib: [] });
  });
});
