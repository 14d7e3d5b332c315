// What the redaction tests measure of a hostile input: its CPU cost against prose of the same size, in the same run.
// A pattern that rescans the rest of the text from every start measures far above 20 at 100 KB; a linear one near 1.

import { redactCredentials } from '../../../src/channels/credentials.js';

/** The size of each adversarial text. */
export const ADVERSARIAL_SIZE = 100_000;

/** `s` repeated to exactly `size` characters (ADVERSARIAL_SIZE by default). */
export function fill(s: string, size = ADVERSARIAL_SIZE): string {
  return s.repeat(Math.ceil(size / s.length)).slice(0, size);
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

/** Prose as long as `text`. */
function proseFor(text: string): string {
  return fill('the quick brown fox jumps over the lazy dog ', text.length);
}

/** Redacting `text` over redacting as much prose (as many characters): least of 5 each, after two warm-up runs of both. */
export function costOverProse(text: string): number {
  const prose = proseFor(text);
  cpuMicros(prose, 2);
  cpuMicros(text, 2);
  return cpuMicros(text, 5) / Math.max(cpuMicros(prose, 5), 1);
}
