// Outside review 47, RT47-1: a cluster worker whose plugin's close() never settles kept running after SIGTERM (20 s
// and more, against its documented bound of cluster.closeTimeoutMs and a second). A real node:cluster primary and
// worker (fixtures/plugin-close.ts): the worker's close() now resolves, having closed the other plugin and logged
// the one it left behind, and the worker exits.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';
import { scratch, signalPid } from './helpers.js';

const s = scratch();
afterAll(() => s.cleanup());

describe('cluster worker: a plugin whose close() never settles', () => {
  it('SIGTERM: the worker closes its monitor (the other plugin closed, the stuck one logged) and exits', async () => {
    mkdirSync(s.socketDir, { recursive: true, mode: 0o700 });
    const proc = spawn(process.execPath, [bundled('plugin-close')], {
      env: { ...process.env, SOCKET_DIR: s.socketDir, CLUSTER_NAME: `pc${process.pid}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line));
      } catch {
        return;
      }
      for (const w of waiters.splice(0)) w();
    });
    // Bounded waits for a line (the test fails with the lines seen when one never comes).
    const line = (key: string, ms: number) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${key} line in ${ms} ms: ${JSON.stringify(lines)}`)),
          ms,
        );
        const check = () => {
          const found = lines.find((l) => key in l);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    try {
      const ready = await line('ready', 60_000);
      signalPid(ready.pid as number, 'SIGTERM');
      // Before the fix: no `closed` line ever (the worker's close() awaited the stuck plugin for ever).
      const closed = await line('closed', 30_000);
      expect(closed.secondClosed).toBe(true);
      expect(closed.warnings).toEqual([
        'sysvitals: plugin stuck: close() did not settle within 1000 ms; left behind, monitor.close() goes on',
      ]);
      expect((await line('exit', 10_000)).exit).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
  }, 120_000);
});
