// What the redaction tests measure of a hostile input: its CPU cost against prose of the same size, in the same run.
// A pattern that rescans the rest of the text from every start measures far above 20 at 100 KB; a linear one near 1.

import { redactCredentials } from '../../../src/channels/credentials.js';

/** The size of each adversarial text. */
export const ADVERSARIAL_SIZE = 100_000;

/** `s` repeated to exactly `size` characters (ADVERSARIAL_SIZE by default). */
export function fill(s: string, size = ADVERSARIAL_SIZE): string {
  return s.repeat(Math.ceil(size / s.length)).slice(0, size);
}

/**
 * The least CPU time (µs) of `runs` redactions of `text`: the least is the run the shared machine disturbed least.
 * With `enough`, it stops at the first run under it (the least of all `runs` would be under it too).
 */
function cpuMicros(text: string, runs: number, enough = 0): number {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs && !(least < enough); i++) {
    const start = process.cpuUsage();
    redactCredentials(text);
    const used = process.cpuUsage(start);
    least = Math.min(least, used.user + used.system);
  }
  return least;
}

/** Per prose length: the least cost (µs) any measurement of it read in this process (the same text each time). */
const leastProse = new Map<number, number>();

/** Redacting prose of `length` characters: least of 5, after two warm-up runs; kept in `leastProse`. */
function measureProse(length: number): number {
  const prose = fill('the quick brown fox jumps over the lazy dog ', length); // prose as long as the input
  cpuMicros(prose, 2);
  const micros = Math.max(cpuMicros(prose, 5), 1);
  leastProse.set(length, Math.min(micros, leastProse.get(length) ?? Number.POSITIVE_INFINITY));
  return micros;
}

/**
 * Redacting `text` over redacting as much prose (as many characters): least of 5 runs of the input, the prose's
 * least of 5 after two warm-up runs. The prose is the same text for every input of a length, so its least cost is
 * measured once per process and kept. An input whose cost is under half of `bound` times that kept least is
 * answered against it (to turn that verdict, the prose measured again would have to read under half the least
 * seen); any other input has the prose measured again in the same run, as every input did before, and gets that
 * ratio. It halved the redactions of a linear input's check (0.6-2.5 times the prose's cost: the first case). The
 * input's five runs stop at the first under that half (their least would be under it too: the same verdict, one
 * run instead of five for a linear input; the ratio returned is then that run's, still under `bound / 2`). The
 * input has no warm-up runs of its own: a cold first run (the regexps compiled, not yet tiered up) only reads
 * higher, so it can stop the runs early only with a verdict a warm run would give too; when it is over the half,
 * the runs go on warm. Two warm-up runs before them were two of a linear input's three redactions (test time,
 * stop 48); a pattern that rescans the text from every start reads far above `bound` on every run, cold or warm.
 */
export function costOverProse(text: string, bound = 20): number {
  const kept = leastProse.get(text.length) ?? measureProse(text.length);
  const micros = cpuMicros(text, 5, (bound / 2) * kept);
  if (micros / kept < bound / 2) return micros / kept;
  return micros / measureProse(text.length);
}
