// Re-runs the current bench pinned to CPU 0 with `taskset` when it exists, so that the other core's noise
// (and our own GC threads) moves the figures less; the parent exits with the child's status.

import { spawnSync } from 'node:child_process';

/** Call first thing in a bench: returns only in the pinned process (or where taskset is missing). */
export function pinToOneCore(): void {
  if (process.env.SYSVITALS_BENCH_PINNED === '1' || spawnSync('taskset', ['-V']).status !== 0) return;
  const child = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, SYSVITALS_BENCH_PINNED: '1' },
    },
  );
  process.exit(child.status ?? 1);
}
