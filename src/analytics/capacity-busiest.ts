// The busiest hour of the day and day of the week in the capacity report, and when there is none
// (equal traffic: no peak, rather than hour 00 or Sunday by the order of a loop).

import { type CapacityFigure, type CapacityPoint, roundTo as round, tooLittle } from './capacity-figure.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Busiest hour of the day (UTC) by mean request rate; confidence: share of days it was the busiest. */
export function busiestHour(
  pts: readonly CapacityPoint[],
  step: number,
  rate: (p: CapacityPoint) => number,
): CapacityFigure {
  const unit = 'hour of day (UTC, 0-23)';
  const byDay = new Map<number, Float64Array>();
  const total = new Float64Array(24);
  const count = new Float64Array(24);
  for (const p of pts) {
    const h = new Date(p.t).getUTCHours();
    const day = Math.floor(p.t / DAY);
    total[h] = (total[h] as number) + rate(p);
    count[h] = (count[h] as number) + 1;
    let d = byDay.get(day);
    if (!d) {
      d = new Float64Array(48);
      byDay.set(day, d);
    }
    d[h] = (d[h] as number) + rate(p);
    d[24 + h] = (d[24 + h] as number) + 1;
  }
  const perHour = HOUR / step;
  if (count.some((c) => c < perHour * 0.8))
    return tooLittle(unit, 'needs every hour of the day in the history');
  const means = Array.from(total, (t, h) => t / (count[h] as number));
  const top = argmax(means);
  if ((means[top] as number) <= 0) return tooLittle(unit, 'no requests in the history');
  const tied = tiedWith(means, top);
  if (tied.length > 1) {
    const which = tied.length === 24 ? 'every hour' : `hours ${tied.join(', ')}`;
    return noPeak(unit, which, means[top] as number, true);
  }
  let full = 0;
  let wins = 0;
  for (const d of byDay.values()) {
    if (d.subarray(24).some((c) => c < perHour * 0.8)) continue;
    full++;
    // A day whose top is shared by several hours is a win for none of them.
    const day = Array.from(d.subarray(0, 24), (t, h) => t / (d[24 + h] as number));
    const best = argmax(day);
    if (best === top && tiedWith(day, best).length === 1) wins++;
  }
  // The busiest hour on average but on no full day is no peak: the average's top came from the mix of
  // days, not from the hour (it read "busiest hour 10; busiest on 0 of 6 full days").
  if (full > 0 && wins === 0) {
    return {
      value: null,
      unit,
      confidence: null,
      note: `no peak: hour ${top} has the top mean (${round(means[top] as number, 3)} req/s) but was the busiest on none of ${full} full days`,
    };
  }
  const share = full > 0 ? wins / full : 0;
  return {
    value: top,
    unit,
    confidence: full >= 3 && share >= 0.6 ? 'high' : full >= 2 && share >= 0.5 ? 'medium' : 'low',
    note: `busiest on ${wins} of ${full} full days; mean ${round(means[top] as number, 3)} req/s`,
  };
}

/** Busiest weekday (UTC) by mean request rate; needs every weekday in the history. */
export function busiestDay(
  pts: readonly CapacityPoint[],
  step: number,
  rate: (p: CapacityPoint) => number,
): CapacityFigure<string> {
  const unit = 'day of week (UTC)';
  const total = new Float64Array(7);
  const count = new Float64Array(7);
  for (const p of pts) {
    const d = new Date(p.t).getUTCDay();
    total[d] = (total[d] as number) + rate(p);
    count[d] = (count[d] as number) + 1;
  }
  if (count.some((c) => c < (DAY / step) * 0.8)) {
    return { ...tooLittle(unit, 'needs every day of the week in the history (7 days)'), value: null };
  }
  const means = Array.from(total, (t, d) => t / (count[d] as number));
  const order = means.map((_, i) => i).sort((a, b) => (means[b] as number) - (means[a] as number));
  const top = order[0] as number;
  if (!((means[top] as number) > 0)) {
    return { ...tooLittle(unit, 'no requests in the history'), value: null };
  }
  const tied = tiedWith(means, top, PEAK_MARGIN);
  if (tied.length > 1) {
    const which = tied.length === 7 ? 'every day' : tied.map((d) => WEEKDAYS[d]).join(', ');
    return { ...noPeak(unit, which, means[top] as number, exact(means, tied)), value: null };
  }
  const margin =
    ((means[top] as number) - (means[order[1] as number] as number)) / ((means[top] as number) || 1);
  return {
    value: WEEKDAYS[top] as string,
    unit,
    confidence: margin >= 0.1 ? 'high' : margin >= 0.03 ? 'medium' : 'low',
    note: `mean ${round(means[top] as number, 3)} req/s, ${round(margin * 100, 1)} % above the next day; one week of each weekday at most`,
  };
}

/**
 * A busiest day must be above every other by this share of its mean rate: a top within 1 % of the next
 * is no peak (a strict maximum read "Monday, 0 % above the next day"). An hour needs to be the busiest
 * on at least one full day instead (adjacent hours of a smooth daily cycle differ by less than 1 %).
 */
export const PEAK_MARGIN = 0.01;

/** No single peak: `which` share the top mean rate (exactly, or within the margin). */
function noPeak(unit: string, which: string, rate: number, same: boolean): CapacityFigure {
  const verb = which.startsWith('every') ? 'has' : 'have';
  return {
    value: null,
    unit,
    confidence: null,
    note: same
      ? `no peak: ${which} ${verb} the same mean request rate (${round(rate, 3)} req/s)`
      : `no peak: ${which} ${verb} a mean request rate within ${PEAK_MARGIN * 100} % of the top (${round(rate, 3)} req/s)`,
  };
}

/** True when the values at `idx` are equal (to a relative 1e-9: sums of the same rates in another order). */
function exact(a: readonly number[], idx: readonly number[]): boolean {
  const v = a[idx[0] as number] as number;
  return idx.every((i) => Math.abs((a[i] as number) - v) <= 1e-9 * Math.abs(v));
}

/** The indices whose value is within `margin` (relative; at least 1e-9) of a[top]. */
function tiedWith(a: readonly number[], top: number, margin = 0): number[] {
  const v = a[top] as number;
  const tol = Math.max(margin, 1e-9) * Math.abs(v);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (Math.abs((a[i] as number) - v) <= tol) out.push(i);
  return out;
}

function argmax(a: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}
