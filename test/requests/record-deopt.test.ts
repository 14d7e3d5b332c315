import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// V8 deoptimizes a function when it meets an input its optimized code was not compiled for: a branch that had
// not run yet (no type feedback), a typed array of another type, a field whose representation changes (a small
// integer becoming a double). Each throws the request path back to the interpreter and recompiles it (issue 18:
// the three start-up deopts of RequestStats.record, and the cumulative counts widening). The fixture warms record()
// up on a server's mix of requests in a plain Node process, then goes on as a server does after its first minutes;
// `--single-threaded` makes compilation synchronous, so the run is the same every time.
describe('RequestStats.record stays optimized after warm-up', () => {
  it.each([
    ['a server mix (0.2–200 ms)', 'mixed'],
    ['a fast endpoint (20–60 µs): the first slow request is a new extreme', 'narrow'],
  ])(
    'is not deoptimized by a first slow request, a first failed abort or 65,536 requests in one slot: %s',
    (_, mix) => {
      const script = fileURLToPath(new URL('../fixtures/record-deopt.ts', import.meta.url));
      // The fixture's result goes to a file of its own: V8 writes its trace to stdout through its own buffer, at
      // times of its choosing (a `[marking deoptimized code …]` line can come after, or in the middle of, a line
      // the script writes), so stdout carries only V8's output and the marker printed through it.
      const dir = mkdtempSync(join(tmpdir(), 'sysvitals-deopt-'));
      const resultFile = join(dir, 'result.json');
      let out: string;
      let result: string;
      try {
        out = execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--single-threaded',
            '--trace-deopt',
            '--allow-natives-syntax',
            script,
            mix,
            resultFile,
          ],
          { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
        );
        result = readFileSync(resultFile, 'utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const lines = out.trim().split('\n');
      const marker = lines.findIndex((line) => line.includes('SYSVITALS_WARMED_UP'));
      expect(marker).toBeGreaterThan(0);
      const deopts = lines
        .slice(marker)
        .filter((line) => line.startsWith('[bailout ('))
        .map(
          (line) => /reason: ([^)]*)\).*<JSFunction ([^ >]*)/.exec(line)?.slice(1, 3).join(' in ') ?? line,
        );
      const { before, after, total } = JSON.parse(result);
      expect(total).toBe(221_538);
      // %GetOptimizationStatus bit 64: compiled by TurboFan, before and after the inputs it had not met.
      expect([before & 64, after & 64]).toEqual([64, 64]);
      expect(deopts).toEqual([]);
    },
  );
});
