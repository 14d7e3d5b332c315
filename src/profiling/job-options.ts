// The options of one job (`monitor.job(name, fn, options)`, `@timed({ job: true, expectEvery })`) and their
// parsing at setup.

import { invalidOption } from '../errors.js';
import { parseDurationOption } from '../options/duration.js';
import { rejectUnknownOptions } from '../options/option-keys.js';

/** Options of one job (`monitor.job(name, fn, options)`, `@timed({ job: true, expectEvery })`). */
export interface JobOptions {
  /**
   * How often the job is expected to succeed (`'5m'`, or ms). When no run has succeeded for twice
   * that (counted from the first registration before any success), the `job_stale` alert fires; the
   * next success clears it.
   */
  expectEvery?: string | number;
}

/** Parses the options of one job at setup. */
export function parseJobOptions(
  options: JobOptions | undefined,
  owner: string,
): { expectEveryMs: number | null } {
  if (options === undefined) return { expectEveryMs: null };
  if (options === null || typeof options !== 'object')
    throw invalidOption(`${owner}: options must be an object.`);
  rejectUnknownOptions(options, ['expectEvery'], owner);
  return {
    expectEveryMs:
      options.expectEvery === undefined
        ? null
        : parseDurationOption(options.expectEvery, `${owner}: expectEvery`),
  };
}
