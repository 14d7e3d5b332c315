// The job wrapper behind `monitor.job(name, fn, options)`: each call of the wrapped function is one run of the job
// (its duration, success or failure), a builder's when it settles; queries it issues are attributed to `job:<name>`.

import { performance } from 'node:perf_hooks';
import { invalidOption } from '../errors.js';
import { thenOf, timedThenable } from '../functions/timed-results.js';
import type { Logger } from '../types.js';
import { type JobOptions, parseJobOptions } from './job-options.js';
import type { JobStats } from './jobs.js';
import { FixedScope, requestContextEnabled, runInScope } from './request-context.js';

/**
 * The job wrapper behind `monitor.job(name, fn, options)`: checks its arguments at setup (coded errors),
 * registers `expectEvery` (a job past `maxJobs`, whose `expectEvery` is not watched, is warned of once), and returns
 * a function with the same arguments, `this` and result that records each call as a run. Queries it issues are
 * attributed to `job:<name>`.
 */
export function wrapJob<F extends (...args: never[]) => unknown>(
  jobs: JobStats,
  name: string,
  fn: F,
  options?: JobOptions,
  logger?: Pick<Logger, 'warn'>,
): F {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw invalidOption(
      'sysvitals: monitor.job(name, fn): `name` must be a non-empty string of at most 200 characters.',
    );
  }
  if (typeof fn !== 'function')
    throw invalidOption('sysvitals: monitor.job(name, fn): `fn` must be a function.');
  const { expectEveryMs } = parseJobOptions(options, `sysvitals: monitor.job('${name}')`);
  if (!jobs.register(name, expectEveryMs) && !jobs.foldWarned) {
    jobs.foldWarned = true;
    logger?.warn(
      { job: name },
      `sysvitals: job past jobs.maxJobs: its runs are counted under \`other\` and its expectEvery is not watched (no job_stale for it); raise jobs.maxJobs`,
    );
  }
  const scope = new FixedScope(`job:${name}`);
  const call = fn as unknown as (...a: unknown[]) => unknown;
  // `running` once the run can be followed to its end (RT46-4: a builder run by `.exec()` was running for ever).
  const run = function (this: unknown, ...args: unknown[]): unknown {
    const start = performance.now();
    let result: unknown;
    try {
      result = requestContextEnabled()
        ? runInScope(scope, () => call.apply(this, args))
        : call.apply(this, args);
    } catch (error) {
      jobs.record(name, performance.now() - start, true, error);
      throw error;
    }
    if (result instanceof Promise) {
      jobs.started(name);
      return result.then(
        (value: unknown) => {
          jobs.record(name, performance.now() - start, false, undefined, true);
          return value;
        },
        (error: unknown) => {
          jobs.record(name, performance.now() - start, true, error, true);
          throw error;
        },
      );
    }
    // A thenable that is not a Promise (a Knex or Mongoose builder) runs its work when awaited: the run is recorded
    // when it first settles, as @timed does, not as an instant success (outside review 39, RT39-7).
    const then = thenOf(result);
    if (then !== undefined) {
      const end = (failed: boolean, error?: unknown) =>
        jobs.record(name, performance.now() - start, failed, error, true);
      return timedThenable(result as object, then, end, () => jobs.started(name)); // running from its first then
    }
    jobs.record(name, performance.now() - start, false, undefined);
    return result;
  };
  Object.defineProperty(run, 'name', { value: fn.name, configurable: true });
  return run as unknown as F;
}
