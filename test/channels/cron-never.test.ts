// A maintenance cron that can never match (31 February) is refused at setup; month and day names are read as cron
// reads them (outside review 31, RT31-14).

import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/channels/cron.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

function refusal(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e as { code?: string; message: string };
  }
}

const DAY = 86_400_000;
const START = Date.UTC(2027, 0, 1);

/**
 * Oracle: the days of 2027–2034 (8 years, two of them leap) on which a day-of-month / month / day-of-week triple
 * matches under the Vixie rule (both days restricted: either; otherwise both), computed from Date's own calendar.
 */
function matchesSomeDay(doms: number[] | '*', months: number[] | '*', dows: number[] | '*'): boolean {
  for (let t = START; t < Date.UTC(2035, 0, 1); t += DAY) {
    const d = new Date(t);
    const domOk = doms === '*' || doms.includes(d.getUTCDate());
    const dowOk = dows === '*' || dows.includes(d.getUTCDay());
    const monthOk = months === '*' || months.includes(d.getUTCMonth() + 1);
    if (!monthOk) continue;
    if (doms !== '*' && dows !== '*' ? domOk || dowOk : domOk && dowOk) return true;
  }
  return false;
}

const cases: [string, number[] | '*', number[] | '*', number[] | '*'][] = [
  ['0 0 31 2 *', [31], [2], '*'],
  ['0 0 30 2 *', [30], [2], '*'],
  ['0 0 31 4,6,9,11 *', [31], [4, 6, 9, 11], '*'],
  ['0 0 30,31 2 *', [30, 31], [2], '*'],
  ['0 0 29 2 *', [29], [2], '*'],
  ['0 0 31 2,3 *', [31], [2, 3], '*'],
  ['0 0 31 2 1', [31], [2], [1]],
  ['0 0 31 * *', [31], '*', '*'],
];

describe('maintenance cron that never matches', () => {
  it.each(cases)('%s: refused exactly when no day of 8 years matches', (expr, doms, months, dows) => {
    const never = !matchesSomeDay(doms, months, dows);
    const error = refusal(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        maintenance: [{ name: 'backup', cron: expr, durationMs: 60_000 }],
      }).close(),
    );
    if (never) {
      expect(error?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(error?.message).toMatch(/never matches.*Fix the day or the month/s);
    } else {
      expect(error).toBeUndefined();
    }
  });
  it('the table holds both kinds', () => {
    const kinds = new Set(cases.map(([, d, m, w]) => matchesSomeDay(d, m, w)));
    expect(kinds).toEqual(new Set([true, false]));
  });
});

describe('month and day names', () => {
  // Oracle: the numeric spelling's matches, minute by minute over a year's first weeks and a whole month of each.
  it.each([
    ['0 2 * * MON', '0 2 * * 1'],
    ['30 1 * * mon-fri', '30 1 * * 1-5'],
    ['0 0 * * SUN,sat', '0 0 * * 0,6'],
    ['0 3 1 JAN,jul *', '0 3 1 1,7 *'],
    ['0 0 * FEB-APR WED', '0 0 * 2-4 3'],
  ])('%s matches the minutes %s does', (named, numeric) => {
    const a = parseCron(named);
    const b = parseCron(numeric);
    let hits = 0;
    let differs: number | undefined;
    for (let t = START; t < START + 200 * DAY; t += 60_000) {
      const numericMatches = b.matches(t);
      if (a.matches(t) !== numericMatches) differs ??= t;
      if (numericMatches) hits++;
    }
    // One assertion for the 288,000 minutes: an expect() a minute was most of this file's time (40-78 s a test at
    // load ~50). Undefined when they agree on every minute, else the first minute where they differ.
    expect(differs === undefined ? undefined : new Date(differs).toISOString()).toBeUndefined();
    expect(hits).toBeGreaterThan(0);
  });
  it('an unknown name is still a bad field', () => {
    expect(refusal(() => parseCron('0 0 * * MOX'))?.message).toMatch(/bad day of week/);
    expect(refusal(() => parseCron('0 0 * JANUARY *'))?.message).toMatch(/bad month "JANUARY"/);
  });
});
