// A day field starting with `*` (`*/1`, `*/7`, `*,*`) is unrestricted, as Vixie cron / cronie read it (outside
// review 32, RT32-5): the day of month and day of week must then both match.

import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/channels/cron.js';

const DAY = 86_400_000;

/**
 * Oracle: man 5 crontab (Vixie cron, cronie: DOM_STAR / DOW_STAR set when the field's first character is `*`): if both
 * day fields are restricted the day matches when either does, otherwise when both do. The sets and the restricted
 * flags are written out by hand; the calendar is Date's own, day by day over 2027–2034.
 */
function oracleDays(
  doms: number[],
  months: number[],
  dows: number[],
  domStar: boolean,
  dowStar: boolean,
): number[] {
  const out: number[] = [];
  for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2035, 0, 1); t += DAY) {
    const d = new Date(t);
    if (!months.includes(d.getUTCMonth() + 1)) continue;
    const domOk = doms.includes(d.getUTCDate());
    const dowOk = dows.includes(d.getUTCDay());
    if (domStar || dowStar ? domOk && dowOk : domOk || dowOk) out.push(t);
  }
  return out;
}

const range = (lo: number, hi: number, step = 1): number[] => {
  const r: number[] = [];
  for (let v = lo; v <= hi; v += step) r.push(v);
  return r;
};
const ALL_DOM = range(1, 31);
const ALL_MONTH = range(1, 12);
const ALL_DOW = range(0, 6);

const cases: [string, number[], number[], number[], boolean, boolean][] = [
  ['0 0 20 12 */1', [20], [12], ALL_DOW, false, true],
  ['0 0 20 * */1', [20], ALL_MONTH, ALL_DOW, false, true],
  ['0 0 20 12 */7', [20], [12], [0], false, true],
  ['0 0 20 12 *,*', [20], [12], ALL_DOW, false, true],
  ['0 0 20 * */2', [20], ALL_MONTH, [0, 2, 4, 6], false, true],
  ['0 0 */1 * 1', ALL_DOM, ALL_MONTH, [1], true, false],
  ['0 0 */10 * 5', [1, 11, 21, 31], ALL_MONTH, [5], true, false],
  ['0 0 *,15 * 5', ALL_DOM, ALL_MONTH, [5], true, false],
  ['0 0 */1 * */1', ALL_DOM, ALL_MONTH, ALL_DOW, true, true],
  // Both restricted: either (unchanged).
  ['0 0 20 12 0-6', [20], [12], ALL_DOW, false, false],
  ['0 0 20 12 1', [20], [12], [1], false, false],
  ['0 0 1-31/10 * 5', [1, 11, 21, 31], ALL_MONTH, [5], false, false],
  ['0 0 20 * *', [20], ALL_MONTH, ALL_DOW, false, true],
];

describe('day fields starting with * are unrestricted (Vixie rule)', () => {
  it.each(cases)(
    '%s matches exactly the oracle days of 8 years',
    (expr, doms, months, dows, domStar, dowStar) => {
      const cron = parseCron(expr);
      const got: number[] = [];
      for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2035, 0, 1); t += DAY) if (cron.matches(t)) got.push(t);
      expect(got).toEqual(oracleDays(doms, months, dows, domStar, dowStar));
    },
  );

  it.each(['0 0 31 2 */1', '0 0 31 2 */7', '0 0 31 2 *,*', '0 0 30 2 */1', '0 0 31 4,6,9,11 */3'])(
    '%s never matches under cron and is refused',
    (expr) => {
      expect(() => parseCron(expr)).toThrow(
        expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
      );
      expect(() => parseCron(expr)).toThrow(/never matches/);
    },
  );

  it('31 February with a restricted day of week still matches (on that weekday in February)', () => {
    const cron = parseCron('0 0 31 2 1');
    const got: number[] = [];
    for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2035, 0, 1); t += DAY) if (cron.matches(t)) got.push(t);
    expect(got).toEqual(oracleDays([31], [2], [1], false, false));
    expect(got.length).toBeGreaterThan(0);
  });
});
