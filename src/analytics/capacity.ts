// Capacity planning over stored history: growth per day, headroom to the warning levels, the busiest
// hour and weekday, and the requests per second one core sustains; each figure with its confidence.

import { busiestDay, busiestHour } from './capacity-busiest.js';
import {
  type CapacityFigure,
  type CapacityPoint,
  type Confidence,
  roundTo as round,
  tooLittle,
} from './capacity-figure.js';
import { perCore } from './capacity-per-core.js';
import { isSignificant, type Trend, theilSen, timeToReach } from './trend.js';

export type { CapacityFigure, CapacityPoint, Confidence };

export interface CapacityInput {
  /** Oldest first, one per step; missing steps are simply absent. */
  readonly points: readonly CapacityPoint[];
  readonly stepMs: number;
  /** Cores of the host, to turn CPU percent into core-seconds. */
  readonly cores: number;
  /** Warning levels (percent) that headroom is measured to. */
  readonly cpuWarning: number;
  readonly memoryWarning: number;
}

/** Capacity planning from the stored history (`monitor.capacity()`): trends, forecasts and headroom. */
export interface CapacityReport {
  /** When the report was made (set by the monitor). */
  generated_at?: string;
  window: { start: string | null; end: string | null; hours: number; points: number; step_seconds: number };
  /** True when no figure could be computed. */
  too_little_data: boolean;
  growth_per_day: {
    request_rate: CapacityFigure;
    cpu_per_request: CapacityFigure;
    memory: CapacityFigure;
  };
  headroom: { cpu: CapacityFigure; memory: CapacityFigure };
  busiest: { hour_of_day: CapacityFigure; day_of_week: CapacityFigure<string> };
  requests_per_core: CapacityFigure;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Growth needs 36 h: 24 h for the first daily mean, then 12 more hourly daily means to fit. */
export const MIN_GROWTH_SPAN_MS = 36 * HOUR;
/** Sen's 90 % interval has ends from 5 independent observations: whole days, for the growth figures. */
const MIN_INTERVAL_DAYS = 5;

/** Computes the capacity report from history points (pure; the caller reads the store). */
export function computeCapacity(input: CapacityInput): CapacityReport {
  const pts = input.points.filter((p) => Number.isFinite(p.t));
  const step = input.stepMs;
  const first = pts[0]?.t;
  const last = pts.at(-1)?.t;
  const spanMs = first === undefined || last === undefined ? 0 : last + step - first;
  const cores = input.cores > 0 ? input.cores : 1;
  // Over the seconds each step covers: a step recorded only in part (the first after a start, one around an
  // outage) is not read as less traffic, nor as less CPU per request.
  const seconds = (p: CapacityPoint) =>
    typeof p.covered_seconds === 'number' && p.covered_seconds > 0 ? p.covered_seconds : step / 1000;
  const rate = (p: CapacityPoint) => p.requests / seconds(p);
  const coreSec = (p: CapacityPoint) => ((p.cpu_avg_percent ?? Number.NaN) / 100) * cores * seconds(p);
  const known = (v: number | null): v is number => v !== null && Number.isFinite(v);

  // Each series over its own readings (outside review 34, RT34-5): CPU measured only in the last 30 h of a
  // week of points is 30 h of CPU history, too little for a growth, not a week's.
  const always = () => true;
  const hasCpu = (p: CapacityPoint) => known(p.cpu_avg_percent);
  const hasMemory = (p: CapacityPoint) => known(p.memory_avg_percent);
  const requestTrend = dailyTrend(pts, step, always, (w) => mean(w.map(rate)));
  // CPU per request (core-ms) of a trailing day: its CPU core-seconds over its requests, a ratio of sums (each
  // step's over its whole 30 minutes, at the rates of the seconds it covers). A mean of the steps' ratios
  // weighed a quiet night step's idle CPU over its few requests as much as a busy step (outside review 37,
  // RT37-6: 68.5 core-ms read for an exact 31.0).
  const cpuPerRequestTrend = dailyTrend(pts, step, hasCpu, (w) => {
    const requests = sum(w.map(rate));
    return requests > 0 ? (sum(w.map((p) => coreSec(p) / seconds(p))) / requests) * 1000 : Number.NaN;
  });
  const memoryTrend = dailyTrend(pts, step, hasMemory, (w) =>
    mean(w.map((p) => p.memory_avg_percent).filter(known)),
  );
  const cpuPeakTrend = dailyTrend(pts, step, hasCpu, (w) => peakHourly(w, (p) => p.cpu_avg_percent));
  const memoryPeakTrend = dailyTrend(pts, step, hasMemory, (w) => peakHourly(w, (p) => p.memory_avg_percent));
  // The peak hour as observed: the last 24 hours' UTC clock hour with the highest mean reading. Headroom
  // counts from it, not from the fitted line, which past a step (a busier last day) overshoots what was
  // ever read (outside review 14: "already at or above 80 % (80.31 %)", no reading over 79 %).
  const lastDay = last === undefined ? [] : pts.filter((p) => p.t >= last + step - DAY);
  const windowEnd = last === undefined ? Number.NaN : last + step;
  // The last 24 hours of a series as headroom reads them: their share of its readings, and how long before
  // the window's end its last reading is (outside review 35, RT35-9: a peak hour read on 4 of the last 24
  // hours, 20 h old, was counted from the window's end with `high` confidence).
  const lastDayOf = (has: (p: CapacityPoint) => boolean): LastDay => {
    const own = lastDay.filter(has);
    const lastReading = own.at(-1)?.t;
    return {
      share: own.length / (DAY / step),
      gap: lastReading === undefined ? 0 : Math.max(0, windowEnd - (lastReading + step)),
    };
  };

  // No request (or no CPU, no memory reading) in the whole window: the figures derived from it are
  // unknown, not 0 or a weekday, and say so rather than asking for more hours of history.
  const need =
    (has: boolean, why: string) =>
    <V>(f: () => CapacityFigure<V>): CapacityFigure<V> =>
      has ? f() : tooLittle<V>(f().unit, why);
  const request = need(
    pts.some((p) => p.requests > 0),
    'no requests in the history',
  );
  const cpu = need(
    pts.some((p) => known(p.cpu_avg_percent)),
    'no CPU readings in the history',
  );
  const memory = need(
    pts.some((p) => known(p.memory_avg_percent)),
    'no memory readings in the history',
  );
  const report: CapacityReport = {
    window: {
      start: first === undefined ? null : new Date(first).toISOString(),
      end: last === undefined ? null : new Date(last + step).toISOString(),
      hours: round(spanMs / HOUR, 2),
      points: pts.length,
      step_seconds: step / 1000,
    },
    too_little_data: false,
    growth_per_day: {
      request_rate: request(() => growthFigure(requestTrend, 'req/s per day', windowEnd)),
      cpu_per_request: request(() =>
        cpu(() => growthFigure(cpuPerRequestTrend, 'CPU core-ms per request, per day', windowEnd)),
      ),
      memory: memory(() => growthFigure(memoryTrend, 'memory percentage points per day', windowEnd)),
    },
    headroom: {
      cpu: cpu(() =>
        headroomFigure(
          cpuPeakTrend,
          peakHourly(lastDay, (p) => p.cpu_avg_percent),
          input.cpuWarning,
          'CPU',
          lastDayOf(hasCpu),
        ),
      ),
      memory: memory(() =>
        headroomFigure(
          memoryPeakTrend,
          peakHourly(lastDay, (p) => p.memory_avg_percent),
          input.memoryWarning,
          'memory',
          lastDayOf(hasMemory),
        ),
      ),
    },
    busiest: {
      hour_of_day: request(() => busiestHour(pts, step, rate)),
      day_of_week: request(() => busiestDay(pts, step, rate)),
    },
    requests_per_core: request(() =>
      cpu(() =>
        perCore(
          pts.filter((p) => known(p.cpu_avg_percent)),
          rate,
          (p) => ((p.cpu_avg_percent ?? 0) / 100) * cores,
        ),
      ),
    ),
  };
  const figures = [
    ...Object.values(report.growth_per_day),
    ...Object.values(report.headroom),
    report.busiest.hour_of_day,
    report.busiest.day_of_week,
    report.requests_per_core,
  ];
  // "No peak" is a finding (equal traffic), not missing data: only "too little data" figures count.
  report.too_little_data = figures.every((f) => f.value === null && f.note.startsWith('too little data'));
  return report;
}

/** A series' trend (null: too little data), the whole days its readings cover, its last trailing-day figure. */
interface SeriesTrend {
  readonly trend: Trend | null;
  readonly days: number;
  readonly current: number;
  /** End of the last trailing day (`current`'s), epoch ms. */
  readonly currentAt: number;
  /** End of the series' last reading's step, epoch ms. */
  readonly end: number;
}

/** The last 24 hours of a series: the share of its steps with a reading, and ms from its last reading's step to the window's end. */
interface LastDay {
  readonly share: number;
  readonly gap: number;
}

/**
 * Trend per day of a daily statistic: `stat` over each trailing 24 h window, one window ending on
 * every hour. A trailing day averages out the daily cycle, so the fit sees the growth only. Only the
 * points where the series has a reading (`has`) count: its 36 hours, a window's 80 % and its whole days
 * are of its own readings, not of the history's points (a collector that failed leaves null readings).
 */
function dailyTrend(
  all: readonly CapacityPoint[],
  step: number,
  has: (p: CapacityPoint) => boolean,
  stat: (window: CapacityPoint[]) => number,
): SeriesTrend {
  const pts = all.filter(has);
  const none: SeriesTrend = {
    trend: null,
    days: 0,
    current: Number.NaN,
    currentAt: Number.NaN,
    end: Number.NaN,
  };
  if (pts.length === 0) return none;
  const first = (pts[0] as CapacityPoint).t;
  const end = (pts.at(-1) as CapacityPoint).t + step;
  const perDay = DAY / step;
  // Whole days (24 h from the first reading) with no more than 20 % of their steps missing, at most the span's.
  const perWholeDay = new Map<number, number>();
  for (const p of pts) {
    const k = Math.floor((p.t - first) / DAY);
    perWholeDay.set(k, (perWholeDay.get(k) ?? 0) + 1);
  }
  let covered = 0;
  for (const n of perWholeDay.values()) if (n >= perDay * 0.8) covered++;
  const days = Math.min(Math.floor((end - first) / DAY), covered);
  if (end - first < MIN_GROWTH_SPAN_MS) return { ...none, days, end };
  const times: number[] = [];
  const values: number[] = [];
  let lo = 0;
  let hi = 0;
  for (let e = first + DAY; e <= end; e += HOUR) {
    while (lo < pts.length && (pts[lo] as CapacityPoint).t < e - DAY) lo++;
    while (hi < pts.length && (pts[hi] as CapacityPoint).t < e) hi++;
    const window = pts.slice(lo, hi) as CapacityPoint[];
    if (window.length < perDay * 0.8) continue; // a day with gaps would bias the mean
    const v = stat(window);
    if (Number.isFinite(v)) {
      times.push(e);
      values.push(v);
    }
  }
  if (times.length < 12) return { ...none, days, end };
  // Trailing days taken every hour share 23 hours of data with their neighbours: the interval is Sen's
  // for the number of days the history covers, the independent observations it holds (none before 5).
  return {
    trend: theilSen(times, values, { independent: days }),
    days,
    current: values.at(-1) as number,
    currentAt: times.at(-1) as number,
    end,
  };
}

/** Whether Sen's interval has ends: not before 5 whole days (see `TheilSenOptions.independent`). */
const bounded = (trend: Trend) => Number.isFinite(trend.slopeLow) && Number.isFinite(trend.slopeHigh);

/** The note's clause for a trend whose interval has no ends. */
const noInterval = (days: number) =>
  `; no 90 % interval before ${MIN_INTERVAL_DAYS} whole days (the history covers ${days})`;

function growthFigure(
  { trend, days, current, currentAt, end }: SeriesTrend,
  unit: string,
  windowEnd: number,
): CapacityFigure {
  if (!trend) return tooLittle(unit, 'needs 36 h of history with no more than 20 % of any day missing');
  const perDay = trend.slope * DAY;
  const ends = bounded(trend);
  return {
    value: round(perDay, 6),
    unit,
    low: ends ? round(trend.slopeLow * DAY, 6) : undefined,
    high: ends ? round(trend.slopeHigh * DAY, 6) : undefined,
    confidence: slopeConfidence(trend),
    note: `Theil–Sen slope of the trailing 24 h ${unit.includes('req/s') ? 'mean' : 'figure'} over ${round(trend.spanMs / HOUR, 1)} h; current ${round(current, 4)}${staleness(currentAt, end, windowEnd)}${ends ? '' : noInterval(days)}`,
  };
}

/**
 * When the series' readings stop before the window's end, how old its "current" trailing day is (outside
 * review 35, RT35-9: the figure of 3.5 days ago read as "current" with no date).
 */
function staleness(currentAt: number, end: number, windowEnd: number): string {
  if (!(end < windowEnd)) return '';
  const age = round((windowEnd - currentAt) / HOUR, 1);
  const none = windowEnd - end >= DAY ? '; no reading in the last 24 h' : '';
  return ` (the trailing day to ${new Date(currentAt).toISOString()}, ${age} h before the window's end${none})`;
}

/**
 * Days until the peak hour reaches `warning`, counted from `peak` (the last 24 hours' busiest clock hour,
 * as observed) at the slope of the trailing-day peaks: 0 only when `peak` is at or above it. Counted from
 * the series' last reading (the days since then taken off); with less than 80 % of the last 24 hours read
 * (the rule growth applies to every trailing day) the figure is `low`, without an interval.
 */
function headroomFigure(
  { trend, days }: SeriesTrend,
  peak: number,
  warning: number,
  what: string,
  lastDay: LastDay,
): CapacityFigure {
  const unit = 'days';
  if (!trend) return tooLittle(unit, 'needs 36 h of history with no more than 20 % of any day missing');
  if (!Number.isFinite(peak)) return tooLittle(unit, `no ${what} readings in the last 24 hours`);
  const slope = round(trend.slope * DAY, 3);
  // At or above the warning already: no headroom left, whichever way the peak hour is heading.
  if (peak >= warning) {
    return {
      value: 0,
      unit,
      confidence: 'high',
      note: `${what} peak hour is already at or above ${warning} % (${round(peak, 2)} %, ${signed(slope)} points a day)`,
    };
  }
  const thin = lastDay.share < 0.8;
  const thinNote = thin
    ? `; the last 24 h hold ${what} readings for ${round(lastDay.share * 100, 1)} % of their steps (80 % needed for an interval)`
    : '';
  const confidence = thin ? 'low' : slopeConfidence(trend);
  const observed: Trend = { ...trend, level: peak };
  const eta = timeToReach(observed, warning, 'up');
  if (!Number.isFinite(eta)) {
    return {
      value: null,
      unit,
      confidence,
      note: `${what} is not growing (peak hour ${round(peak, 2)} %, warning ${warning} %)${thinNote}`,
    };
  }
  const ends = bounded(trend) && !thin;
  const late = timeToReach(observed, warning, 'up', trend.slopeLow);
  const early = timeToReach(observed, warning, 'up', trend.slopeHigh);
  const since = (ms: number) => round(Math.max(0, ms - lastDay.gap) / DAY, 3);
  const gapNote =
    lastDay.gap > 0
      ? `; counted from the last ${what} reading, ${round(lastDay.gap / HOUR, 1)} h before the window's end`
      : '';
  return {
    value: since(eta),
    unit,
    low: ends ? since(early) : undefined,
    high: ends && Number.isFinite(late) ? since(late) : undefined,
    confidence,
    note: `${what} peak hour ${round(peak, 2)} % growing ${slope} points a day reaches the ${warning} % warning${gapNote}${thinNote}${bounded(trend) ? '' : noInterval(days)}`,
  };
}

function slopeConfidence(trend: Trend): Confidence {
  if (!isSignificant(trend)) return 'low';
  const width = (trend.slopeHigh - trend.slopeLow) / Math.abs(trend.slope);
  return width <= 0.5 ? 'high' : 'medium';
}

function peakHourly(w: readonly CapacityPoint[], f: (p: CapacityPoint) => number | null): number {
  const hours = new Map<number, [number, number]>();
  for (const p of w) {
    const v = f(p);
    if (v === null || !Number.isFinite(v)) continue;
    const h = Math.floor(p.t / HOUR);
    const a = hours.get(h) ?? [0, 0];
    a[0] += v;
    a[1]++;
    hours.set(h, a);
  }
  let best = Number.NEGATIVE_INFINITY;
  for (const [s, c] of hours.values()) best = Math.max(best, s / c);
  return best;
}

function sum(a: readonly number[]): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function mean(a: readonly number[]): number {
  return a.length ? sum(a) / a.length : Number.NaN;
}

function signed(v: number): string {
  return v >= 0 ? `+${v}` : `${v}`;
}
