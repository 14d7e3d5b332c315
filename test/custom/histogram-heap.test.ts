// Outside review 27, RT27-8: README gave a custom histogram label set's cost as the bytes of its typed arrays alone
// (8.4 KB, bound 9 KB); the label maps, cells and cached figures add ~5.3 KB of heap. This measures the whole:
// heapUsed + arrayBuffers after gc over 1,000 label sets in a child `node --expose-gc` (1,000 sets make a few KB of
// gc noise a few bytes per set). README "Custom metrics" states the bounds checked here.
// The fixture runs bundled (plain `node`, not tsx: ~0.5 s less CPU a process; the heap measured is its own
// difference over the 1,000 sets either way), and the two cases' processes at the same time (each measures itself).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

const KB = 1024;
const run = promisify(execFile);

async function perSet(load: 'handful' | 'spread'): Promise<number> {
  const r = await run(process.execPath, ['--expose-gc', bundled('histogram-heap'), load], {
    encoding: 'utf8',
    timeout: 60_000,
  }).catch((err: { stderr?: string }) => {
    throw new Error(`fixture failed: ${err.stderr ?? String(err)}`);
  });
  return (JSON.parse(r.stdout) as { perSet: number }).perSet;
}

describe.concurrent('custom histogram memory per label set, heap included', () => {
  it('a label set with a handful of values costs at most 15 KB in all', async () => {
    expect(await perSet('handful')).toBeLessThanOrEqual(15 * KB);
  });

  it('41 values spread over 1…1e9 cost at most 40 KB in all', async () => {
    expect(await perSet('spread')).toBeLessThanOrEqual(40 * KB);
  });
});
