// One dashboard chart: a uPlot line chart with its current value, fed live samples or history columns.

import uPlot from 'uplot';
import type { HistoryPointView } from '../../history/point.js';
import type { MetricsSnapshot } from '../../types.js';
import { type Band, bandsOf } from './anomaly.js';
import { cssVar, h, withAlpha } from './dom.js';
import { fmtBytes, fmtBytesRate, fmtMs, fmtPercent, fmtRate, fmtTime } from './format.js';

export type Unit = 'percent' | 'bytes' | 'rate' | 'ms' | 'mb';

/** The smallest top of a scale, so a flat zero line gets sensible ticks (1 req/s, 1 ms, 1 KB/s). */
export const MIN_SCALE: Record<Unit, number> = { percent: 1, bytes: 1024, rate: 1, ms: 1, mb: 1 };

export const FORMAT: Record<Unit, (v: number) => string> = {
  percent: fmtPercent,
  bytes: fmtBytesRate,
  rate: fmtRate,
  ms: fmtMs,
  mb: (v) => fmtBytes(v * 1024 * 1024),
};

export interface SeriesDef {
  label: string;
  live(s: MetricsSnapshot): number | null;
  history(p: HistoryPointView, stepSeconds: number): number | null;
}

export interface ChartDef {
  id: string;
  title: string;
  unit: Unit;
  /** Fixed 0–100 for utilisation; otherwise 0 to a little above the largest value. */
  percentScale?: boolean;
  threshold?(s: MetricsSnapshot): number;
  /** The anomaly series (`anomaly.scores` key) whose stretches at or above the rule's level are shaded. */
  anomaly?: string;
  /** Which series the header's current value shows (default the first). */
  now?: number;
  series: SeriesDef[];
}

/** Time in seconds, then one array per series; nulls are gaps. */
export type Columns = (number | null)[][];

/** The anomaly scores of a chart's points (aligned with its times) and the step between points. */
export interface PointScores {
  scores: (number | null)[];
  step: number;
}

export class Chart {
  readonly el: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly nowEl: HTMLElement;
  private plot: uPlot | undefined;
  private threshold: number | undefined;
  private data: Columns;
  private xRange: [number, number] | undefined;
  private scores: PointScores | undefined;
  private bands: Band[] = [];

  constructor(readonly def: ChartDef) {
    this.el = h('div', 'card chart');
    this.el.dataset.chart = def.id;
    this.el.dataset.points = '0';
    this.el.dataset.anomalies = '0';
    const head = h('div', 'chart-head');
    head.append(h('h3', undefined, def.title));
    this.nowEl = h('span', 'chart-now', '–');
    head.append(this.nowEl);
    this.plotEl = h('div', 'plot');
    this.el.append(head, this.plotEl);
    this.data = emptyColumns(def.series.length);
  }

  /** Creates the plot once the element has a width. */
  mount(): void {
    const colors = ['--series-1', '--series-2', '--series-3'].map(cssVar);
    const muted = cssVar('--muted');
    const line = cssVar('--line');
    const format = FORMAT[this.def.unit];
    const axis = {
      stroke: muted,
      font: '11px system-ui, sans-serif',
      grid: { stroke: line, width: 1 },
      ticks: { stroke: line, width: 1, size: 4 },
    };
    const opts: uPlot.Options = {
      width: Math.max(200, this.plotEl.clientWidth),
      height: 170,
      padding: [8, 10, 0, 0],
      cursor: { drag: { x: true, y: false } },
      // A legend only names the series of multi-series charts; the header shows the current value.
      legend: { show: this.def.series.length > 1, live: false },
      scales: {
        // History views span their whole period, so a few points sit where they belong in time.
        x: { time: true, range: (_u: uPlot, min: number, max: number) => this.xRange ?? [min, max] },
        y: {
          range: this.def.percentScale
            ? [0, 100]
            : (_u: uPlot, _min: number, max: number) => [0, Math.max(max * 1.15, MIN_SCALE[this.def.unit])],
        },
      },
      axes: [
        {
          ...axis,
          size: 32,
          space: 90,
          incrs: TIME_INCREMENTS,
          values: (u: uPlot, splits: number[]) => timeLabels(u, splits),
        },
        { ...axis, size: 60, values: (_u: uPlot, values: number[]) => values.map((v) => format(v)) },
      ],
      series: [
        { value: (_u: uPlot, v: number | null) => (v == null ? '–' : fmtTime(v * 1000)) },
        ...this.def.series.map((s, i) => {
          const color = colors[i % colors.length] as string;
          return {
            label: s.label,
            stroke: color,
            width: 1.5,
            fill: i === 0 ? withAlpha(color, 0.12) : undefined,
            // Dots only where there are too few points to draw a line (a history of one or two steps).
            // and at an isolated point between gaps (one busy minute among idle ones), which a line
            // cannot draw: without it such a minute vanished from the latency and error charts.
            points: {
              show: (_u: uPlot, _s: number, i0: number, i1: number) => i1 - i0 < 2,
              filter: (u: uPlot, si: number, show: boolean) => {
                const lone = isolatedPoints(u.data[si] as ArrayLike<number | null | undefined>);
                if (si === 1) this.el.dataset.isolated = String(lone?.length ?? 0);
                return show ? null : lone;
              },
            },
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
          };
        }),
      ],
      hooks: { draw: [(u: uPlot) => this.drawThreshold(u), (u: uPlot) => this.drawBands(u)] },
    };
    this.plot = new uPlot(opts, this.data as uPlot.AlignedData, this.plotEl);
    new ResizeObserver(() => {
      const width = this.plotEl.clientWidth;
      if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: 170 });
    }).observe(this.plotEl);
  }

  setData(data: Columns, xRange?: [number, number], scores?: PointScores): void {
    this.data = data;
    this.xRange = xRange;
    this.scores = scores;
    this.el.dataset.points = String(data[0]?.length ?? 0);
    this.shade();
    this.plot?.setData(data as uPlot.AlignedData);
  }

  /** Recomputes the anomalous stretches (new data, or a new threshold) and redraws. */
  shade(redraw = false): void {
    const times = (this.data[0] ?? []) as number[];
    this.bands = this.scores ? bandsOf(times, this.scores.scores, this.scores.step) : [];
    this.el.dataset.anomalies = String(this.bands.length);
    if (redraw) this.plot?.redraw(false, false);
  }

  showNow(s: MetricsSnapshot): void {
    const format = FORMAT[this.def.unit];
    const values = this.def.series.map((d) => d.live(s));
    const now = this.def.now ?? 0;
    this.nowEl.textContent =
      this.def.id === 'network'
        ? `↓${format(values[0] ?? 0)} ↑${format(values[1] ?? 0)}`
        : values[now] == null
          ? '–'
          : `${now > 0 ? `${this.def.series[now]?.label} ` : ''}${format(values[now] as number)}`;
    const threshold = this.def.threshold?.(s);
    if (threshold !== undefined && threshold !== this.threshold) {
      this.threshold = threshold;
      this.plot?.redraw(false, false);
    }
  }

  /** The stretches as elements over the plot (so they are inspectable), behind the cursor. */
  private drawBands(u: uPlot): void {
    for (const el of Array.from(u.over.querySelectorAll('.anomaly-band'))) el.remove();
    const width = u.over.clientWidth;
    for (const b of this.bands) {
      const x0 = Math.max(0, u.valToPos(b.from, 'x'));
      const x1 = Math.min(width, u.valToPos(b.to, 'x'));
      if (!(x1 > x0)) continue;
      const el = h('div', 'anomaly-band');
      el.style.left = `${x0}px`;
      el.style.width = `${x1 - x0}px`;
      el.dataset.from = String(b.from);
      el.dataset.to = String(b.to);
      el.dataset.score = String(b.score);
      el.title = `${this.def.anomaly} anomaly score ${b.score}`;
      u.over.prepend(el);
    }
  }

  private drawThreshold(u: uPlot): void {
    if (this.threshold === undefined) return;
    const y = u.valToPos(this.threshold, 'y', true);
    const { left, width, top, height } = u.bbox;
    if (y < top || y > top + height) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = cssVar('--threshold');
    ctx.globalAlpha = 0.7;
    ctx.lineWidth = Math.max(1, window.devicePixelRatio);
    ctx.setLineDash([6, 4].map((n) => n * window.devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.restore();
  }
}

/** Whole seconds and up: the labels never show sub-second ticks that would repeat. */
export const TIME_INCREMENTS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
];

/** One line per tick: seconds for the live view, minutes within a day, day and time beyond. */
export function timeLabels(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
  const options: Intl.DateTimeFormatOptions =
    span <= 600
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
      : span <= 36 * 3600
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return splits.map((t) => new Date(t * 1000).toLocaleString([], options));
}

/** Indices of the values with no value on either side (null or the end): a line cannot draw them. */
export function isolatedPoints(ys: ArrayLike<number | null | undefined>): number[] | null {
  const out: number[] = [];
  for (let k = 0; k < ys.length; k++) {
    if (ys[k] == null) continue;
    if ((k === 0 || ys[k - 1] == null) && (k === ys.length - 1 || ys[k + 1] == null)) out.push(k);
  }
  return out.length > 0 ? out : null;
}

export function emptyColumns(series: number): Columns {
  return Array.from({ length: series + 1 }, () => []);
}
