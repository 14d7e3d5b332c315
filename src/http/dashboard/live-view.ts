// The dashboard's live view: the last hour of streamed samples per chart, and history points as chart columns.

import type { HistoryResult } from '../../history/point.js';
import { Chart, type ChartDef, type Columns, emptyColumns } from './chart.js';
import { $ } from './dom.js';
import { fmtAgo } from './format.js';
import { CHARTS } from './panels/charts.js';

/** 1 h of samples at the default 5 s interval. */
export const LIVE_POINTS = 720;

/** How much recent history seeds the live view, so it is not empty when the page opens. */
export const LIVE_SEED_MS = 15 * 60_000;

export const charts = CHARTS.map((def) => new Chart(def));

export const live = {
  t: [] as number[],
  values: CHARTS.map((d) => d.series.map(() => [] as (number | null)[])),
};

export function pushLive(t: number, valuesOf: (chart: number, series: number) => number | null): void {
  live.t.push(t);
  for (const [c, def] of CHARTS.entries()) {
    for (let i = 0; i < def.series.length; i++) live.values[c]?.[i]?.push(valuesOf(c, i));
  }
  if (live.t.length > LIVE_POINTS) {
    live.t.shift();
    for (const chart of live.values) for (const column of chart) column.shift();
  }
}

export function renderLive(): void {
  charts.forEach((chart, c) => {
    chart.setData([live.t.slice(), ...(live.values[c] ?? []).map((col) => col.slice())] as Columns);
  });
  setCaption(
    live.t.length === 0
      ? 'waiting for the first sample'
      : `last ${fmtAgo((lastTime() - (live.t[0] ?? 0)) * 1000)}`,
  );
}

export function lastTime(): number {
  return live.t[live.t.length - 1] ?? 0;
}

export function setCaption(text: string): void {
  $('period-caption').textContent = text ? `· ${text}` : '';
}

/** History points as chart columns, with a null where a step has no point so the line breaks. */
export function historyColumns(def: ChartDef, result: HistoryResult): Columns {
  const step = result.step_seconds;
  const cols = emptyColumns(def.series.length);
  const times = cols[0] as (number | null)[];
  let prev: number | undefined;
  for (const p of result.points) {
    const t = p.t / 1000;
    if (prev !== undefined && t - prev > step * 1.5) {
      times.push(prev + step);
      for (let i = 0; i < def.series.length; i++) cols[i + 1]?.push(null);
    }
    times.push(t);
    for (const [i, s] of def.series.entries()) cols[i + 1]?.push(s.history(p, step));
    prev = t;
  }
  return cols;
}
