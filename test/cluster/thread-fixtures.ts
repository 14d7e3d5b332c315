// Starts the worker-thread fixtures (fixtures/thread-*.ts, bundled for the run: each thread runs plain JavaScript, as
// a user's compiled thread does, instead of loading tsx and compiling src/ in every thread).

import { Worker } from 'node:worker_threads';
import type { ThreadConnectionOptions } from '../../src/cluster/thread.js';
import { bundled } from '../helpers/bundled.js';
import type { Ending } from './fixtures/thread-ending.js';

/** `threads` threads of fixtures/thread-pool.ts, each making `calls` @timed calls (`bad`: see there); resolves once all reported. */
export function startPool(threads: number, calls: number, bad = 0): Promise<void> {
  return Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const w = new Worker(bundled('thread-pool'), { workerData: { calls, failEvery: i + 2, bad } });
      return new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
    }),
  ).then(() => undefined);
}

/** One thread of fixtures/thread-ending.ts; resolves with its exit code once it has ended. */
export function runEndingThread(ending: Ending, requests: number, calls: number): Promise<number> {
  const w = new Worker(bundled('thread-ending'), { workerData: { ending, requests, calls } });
  w.on('error', () => undefined); // the planned uncaught error; the exit code says it ended
  return new Promise((resolve) => w.once('exit', resolve));
}

/** One thread of fixtures/thread-aborted.ts with `options`; resolves once it reported. */
export function runAbortedThread(options: ThreadConnectionOptions): Promise<void> {
  const w = new Worker(bundled('thread-aborted'), { workerData: { options } });
  return new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
}
