// Capacity planning over stored history: growth per day, headroom to the warning levels, the busiest
// hour and weekday, and the requests per second one core sustains; each figure with its confidence.

import { isSignificant, type Trend, theilSen, timeToReach } from './trend.js';

/** The fields of a history point capacity reads (a HistoryPointView has them all). */
export interface CapacityPoint {
  /** Step start, epoch ms. */
  readonly t: number;
  /** Null when no host sample of the step succeeded. */
  readonly cpu_avg_percent: number | null;
  readonly memory_avg_percent: number | null;
  /** Requests in the step. */
  readonly requests: number;
}

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

/** How far a capacity figure can be trusted, from the data behind it. */
export type Confidence = 'high' | 'medium' | 'low';

/** One figure: its value (null with too little data), a ~90 % interval when it has one, its confidence. */
export interface CapacityFigure<V = number> {
  value: V | null;
  unit: string;
  low?: number;
  high?: number;
  confidence: Confidence | null;
  /** Why the value is null, or what it rests on. */
  note: string;
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
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Computes the capacity report from history points (pure; the caller reads the store). */
export function computeCapacity(input: CapacityInput): CapacityReport {
  const pts = input.points.filter((p) => Number.isFinite(p.t));
  const step = input.stepMs;
  const first = pts[0]?.t;
  const last = pts.at(-1)?.t;
  const spanMs = first === undefined || last === undefined ? 0 : last + step - first;
  const cores = input.cores > 0 ? input.cores : 1;
  const rate = (p: CapacityPoint) => p.requests / (step / 1000);
  const coreSec = (p: CapacityPoint) => ((p.cpu_avg_percent ?? Number.NaN) / 100) * cores * (step / 1000);
  const known = (v: number | null): v is number => v !== null && Number.isFinite(v);

  const requestTrend = dailyTrend(pts, step, (w) => mean(w.map(rate)));
  // The mean of the steps' CPU per request (core-ms), over steps that served requests.
  const cpuPerRequestTrend = dailyTrend(pts, step, (w) =>
    mean(
      w
        .filter((p) => p.requests > 0 && known(p.cpu_avg_percent))
        .map((p) => (coreSec(p) / p.requests) * 1000),
    ),
  );
  const memoryTrend = dailyTrend(pts, step, (w) => mean(w.map((p) => p.memory_avg_percent).filter(known)));
  const cpuPeakTrend = dailyTrend(pts, step, (w) => peakHourly(w, (p) => p.cpu_avg_percent));
  const memoryPeakTrend = dailyTrend(pts, step, (w) => peakHourly(w, (p) => p.memory_avg_percent));

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
      request_rate: growthFigure(requestTrend, 'req/s per day'),
      cpu_per_request: growthFigure(cpuPerRequestTrend, 'CPU core-ms per request, per day'),
      memory: growthFigure(memoryTrend, 'memory percentage points per day'),
    },
    headroom: {
      cpu: headroomFigure(cpuPeakTrend, input.cpuWarning, 'CPU'),
      memory: headroomFigure(memoryPeakTrend, input.memoryWarning, 'memory'),
    },
    busiest: { hour_of_day: busiestHour(pts, step, rate), day_of_week: busiestDay(pts, step, rate) },
    requests_per_core: perCore(
      pts.filter((p) => known(p.cpu_avg_percent)),
      rate,
      (p) => ((p.cpu_avg_percent ?? 0) / 100) * cores,
    ),
  };
  const figures = [
    ...Object.values(report.growth_per_day),
    ...Object.values(report.headroom),
    report.busiest.hour_of_day,
    report.busiest.day_of_week,
    report.requests_per_core,
  ];
  report.too_little_data = figures.every((f) => f.confidence === null);
  return report;
}

/**
 * Trend per day of a daily statistic: `stat` over each trailing 24 h window, one window ending on
 * every hour. A trailing day averages out the daily cycle, so the fit sees the growth only.
 */
function dailyTrend(
  pts: readonly CapacityPoint[],
  step: number,
  stat: (window: CapacityPoint[]) => number,
): Trend | null {
  if (pts.length === 0) return null;
  const first = (pts[0] as CapacityPoint).t;
  const end = (pts.at(-1) as CapacityPoint).t + step;
  if (end - first < MIN_GROWTH_SPAN_MS) return null;
  const times: number[] = [];
  const values: number[] = [];
  const perDay = DAY / step;
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
  if (times.length < 12) return null;
  // Trailing days taken every hour share 23 hours of data with their neighbours: the interval is Sen's
  // for the number of days the history covers, the independent observations it holds.
  return theilSen(times, values, { independent: Math.floor((end - first) / DAY) });
}

function growthFigure(trend: Trend | null, unit: string): CapacityFigure {
  if (!trend) return tooLittle(unit, 'needs 36 h of history with no more than 20 % of any day missing');
  const perDay = trend.slope * DAY;
  return {
    value: round(perDay, 6),
    unit,
    low: round(trend.slopeLow * DAY, 6),
    high: round(trend.slopeHigh * DAY, 6),
    confidence: slopeConfidence(trend),
    note: `Theil–Sen slope of the trailing 24 h ${unit.includes('req/s') ? 'mean' : 'figure'} over ${round(trend.spanMs / HOUR, 1)} h; current ${round(trend.level, 4)}`,
  };
}

function headroomFigure(trend: Trend | null, warning: number, what: string): CapacityFigure {
  const unit = 'days';
  if (!trend) return tooLittle(unit, 'needs 36 h of history with no more than 20 % of any day missing');
  // At or above the warning already: no headroom left, whichever way the peak hour is heading.
  if (trend.level >= warning) {
    return {
      value: 0,
      unit,
      confidence: 'high',
      note: `${what} peak hour is already at or above ${warning} % (${round(trend.level, 2)} %, ${signed(round(trend.slope * DAY, 3))} points a day)`,
    };
  }
  const eta = timeToReach(trend, warning, 'up');
  const late = timeToReach(trend, warning, 'up', trend.slopeLow);
  const early = timeToReach(trend, warning, 'up', trend.slopeHigh);
  if (!Number.isFinite(eta)) {
    return {
      value: null,
      unit,
      confidence: slopeConfidence(trend),
      note: `${what} is not growing (peak hour ${round(trend.level, 2)} %, warning ${warning} %)`,
    };
  }
  return {
    value: round(eta / DAY, 3),
    unit,
    low: round(early / DAY, 3),
    high: Number.isFinite(late) ? round(late / DAY, 3) : undefined,
    confidence: slopeConfidence(trend),
    note: `${what} peak hour ${round(trend.level, 2)} % growing ${round(trend.slope * DAY, 3)} points a day reaches the ${warning} % warning`,
  };
}

/** Busiest hour of the day (UTC) by mean request rate; confidence: share of days it was the busiest. */
function busiestHour(
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
  let full = 0;
  let wins = 0;
  for (const d of byDay.values()) {
    if (d.subarray(24).some((c) => c < perHour * 0.8)) continue;
    full++;
    if (argmax(Array.from(d.subarray(0, 24), (t, h) => t / (d[24 + h] as number))) === top) wins++;
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
function busiestDay(
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
 * Requests per second one core sustains: 1 / the Theil–Sen slope of CPU core-seconds per second
 * against requests per second (the marginal cost, so the idle baseline does not count).
 */
function perCore(
  pts: readonly CapacityPoint[],
  rate: (p: CapacityPoint) => number,
  cores: (p: CapacityPoint) => number,
): CapacityFigure {
  const unit = 'req/s per core';
  const xy = pts.map((p) => [rate(p), cores(p)] as const).sort((a, b) => a[0] - b[0]);
  const x = xy.map((p) => p[0]);
  const lo = x[Math.floor(x.length * 0.1)] ?? 0;
  const hi = x[Math.floor(x.length * 0.9)] ?? 0;
  if (xy.length < 30 || !(hi > 0) || hi - lo < 0.25 * hi) {
    return tooLittle(unit, 'needs 30 points and request rates that vary by 25 % or more');
  }
  const trend = theilSen(
    x,
    xy.map((p) => p[1]),
  );
  if (!trend || !(trend.slope > 0)) return tooLittle(unit, 'CPU does not rise with the request rate');
  const rel = (trend.slopeHigh - trend.slopeLow) / trend.slope;
  return {
    value: round(1 / trend.slope, 3),
    unit,
    low: trend.slopeHigh > 0 ? round(1 / trend.slopeHigh, 3) : undefined,
    high: trend.slopeLow > 0 ? round(1 / trend.slopeLow, 3) : undefined,
    confidence: !isSignificant(trend) ? 'low' : rel <= 0.2 ? 'high' : rel <= 0.5 ? 'medium' : 'low',
    note: `marginal CPU ${round(trend.slope * 1000, 4)} core-ms per request over ${xy.length} points`,
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

function tooLittle(unit: string, why: string): CapacityFigure {
  return { value: null, unit, confidence: null, note: `too little data: ${why}` };
}

function argmax(a: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
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

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
