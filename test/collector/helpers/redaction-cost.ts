// What the redaction tests measure of a hostile input: its CPU cost against prose of the same size, in the same run.
// A pattern that rescans the rest of the text from every start measures far above 20 at 100 KB; a linear one near 1.

import { redactCredentials } from '../../../src/channels/credentials.js';

/** The size of each adversarial text. */
export const ADVERSARIAL_SIZE = 100_000;

/** `s` repeated to exactly ADVERSARIAL_SIZE characters. */
export function fill(s: string): string {
  return s.repeat(Math.ceil(ADVERSARIAL_SIZE / s.length)).slice(0, ADVERSARIAL_SIZE);
}

/** The least CPU time (µs) of `runs` redactions of `text`: the least is the run the shared machine disturbed least. */
function cpuMicros(text: string, runs: number): number {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    redactCredentials(text);
    const used = process.cpuUsage(start);
    least = Math.min(least, used.user + used.system);
  }
  return least;
}

const PROSE = fill('the quick brown fox jumps over the lazy dog ');

/** Redacting `text` over redacting as much prose: least of 5 each, after two warm-up runs of both. */
export function costOverProse(text: string): number {
  cpuMicros(PROSE, 2);
  cpuMicros(text, 2);
  return cpuMicros(text, 5) / Math.max(cpuMicros(PROSE, 5), 1);
}
