// The table runners of the redaction tests: each case of a table is one test, named by `title` (vitest's it.each
// format: %s, %j of the text). What a redaction gives (a text, what it should read), what it leaves whole, and
// how much work an adversarial text costs it: the Redis readers' character count, the CPU time against prose.

import { expect, it } from 'vitest';
import { redactCredentials } from '../../../src/channels/credentials.js';
import { redisScan } from '../../../src/channels/credentials-redis-lines.js';
import { ADVERSARIAL_SIZE, costOverProse, fill } from './redaction-cost.js';

/** Each [text, expected] of `cases`: redactCredentials(text) is `expected`. */
export function redactsTo(title: string, cases: readonly (readonly [string, string])[]): void {
  it.each(cases.map(([text, expected]) => [text, expected] as [string, string]))(title, (text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });
}

/** Each text of `texts`: redactCredentials leaves it whole. */
export function staysWhole(title: string, texts: readonly string[]): void {
  it.each([...texts])(title, (text) => {
    expect(redactCredentials(text)).toBe(text);
  });
}

/** The characters the Redis readers read while redacting `text`. */
function scanned(text: string): number {
  const before = redisScan.chars;
  redactCredentials(text);
  return redisScan.chars - before;
}

/**
 * Each unit of `units`, repeated to ADVERSARIAL_SIZE and to half of it: the Redis readers read some of it, at most
 * 8 reads of each character, and linear (twice the text, at most twice the reads, one field's slack).
 */
export function readsBoundedMultiple(title: string, units: readonly string[]): void {
  it.each([...units])(title, (unit) => {
    const half = scanned(fill(unit, ADVERSARIAL_SIZE / 2));
    const whole = scanned(fill(unit, ADVERSARIAL_SIZE));
    expect(whole).toBeGreaterThan(0);
    expect(whole).toBeLessThanOrEqual(8 * ADVERSARIAL_SIZE);
    expect(whole).toBeLessThanOrEqual(2 * half + 5000);
  });
}

/** Each unit of `units`, repeated to ADVERSARIAL_SIZE: redacting it costs under 20 times as much prose. */
export function cheapAgainstProse(title: string, units: readonly string[]): void {
  it.each([...units])(title, (unit) => {
    expect(costOverProse(fill(unit))).toBeLessThan(20);
  });
}
