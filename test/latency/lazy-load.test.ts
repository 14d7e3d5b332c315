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
});
