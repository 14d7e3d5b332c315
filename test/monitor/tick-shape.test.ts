// createMonitor keeps process.nextTick's object-literal feedback monomorphic across a full GC (Node 20):
// without that, a GC at start-up can leave nextTick about ten times dearer for the life of the process
// (src/monitor/tick-shape.ts). The oracle is V8's own feedback state, read with %DebugPrint in a child.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/tick-shape.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The states of nextTick's computed-key literal stores ("MONOMORPHIC", "MEGAMORPHIC"), in slot order. */
function literalFeedback(mode: 'bare' | 'monitor'): string[] {
  // %DebugPrint writes with C stdio: into a file, since Node makes a stdout pipe non-blocking and a full
  // pipe would drop the tail of the dump.
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-tick-'));
  const file = join(dir, 'out.txt');
  const fd = openSync(file, 'w');
  try {
    execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', fixture, mode],
      {
        cwd: root,
        timeout: 60_000,
        stdio: ['ignore', fd, 'pipe'],
      },
    );
  } finally {
    closeSync(fd);
  }
  const out = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return [...out.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1] as string);
}

describe('nextTick feedback across a full GC', () => {
  it('goes megamorphic without a monitor and stays monomorphic once createMonitor has run', () => {
    const bare = literalFeedback('bare');
    const monitored = literalFeedback('monitor');
    // The control: on Node 20 (V8 11.3) the GC does turn three of the four computed-key stores megamorphic.
    if (NODE_MAJOR === 20) {
      expect(bare).toEqual(['MONOMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC']);
      expect(monitored).toEqual(['MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC']);
    }
    expect(monitored).not.toContain('MEGAMORPHIC');
  }, 120_000);
});
