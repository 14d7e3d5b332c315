// Outside review 27, RT27-8: README gave a custom histogram label set's cost as the bytes of its typed arrays alone
// (8.4 KB, bound 9 KB); the label maps, cells and cached figures add ~5.3 KB of heap. This measures the whole:
// heapUsed + arrayBuffers after gc over 1,000 label sets in a child `node --expose-gc` (1,000 sets make a few KB of
// gc noise a few bytes per set). README "Custom metrics" states the bounds checked here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/histogram-heap.ts', import.meta.url));
const KB = 1024;

function perSet(load: 'handful' | 'spread'): number {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE, load], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`fixture failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { perSet: number }).perSet;
}

describe('custom histogram memory per label set, heap included', () => {
  it('a label set with a handful of values costs at most 15 KB in all', () => {
    expect(perSet('handful')).toBeLessThanOrEqual(15 * KB);
  });

  it('41 values spread over 1…1e9 cost at most 40 KB in all', () => {
    expect(perSet('spread')).toBeLessThanOrEqual(40 * KB);
  });
});
