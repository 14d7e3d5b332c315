// The capacity panel over `GET capacity/`: growth per day, headroom, busiest hour and day, requests
// per second per core, each with its interval and confidence; "too little data" shown as such.

import type { CapacityFigure, CapacityReport } from '../../../analytics/capacity.js';
import { api } from '../api-client.js';
import { $, h } from '../dom.js';
import { fmtNumber } from '../format.js';

/** The report is over up to 7 days of 30-minute steps: re-read every 5 minutes is plenty. */
export const CAPACITY_REFRESH_MS = 5 * 60_000;

const signed = (v: number, digits: number) => `${v > 0 ? '+' : ''}${fmtNumber(v, digits)}`;

interface Row {
  key: string;
  label: string;
  figure: CapacityFigure<number | string>;
  show: (v: number | string) => string;
  /** What a measured figure with no value reads as (headroom: not growing; busiest: no peak). */
  none?: string;
}

function rowsOf(r: CapacityReport): Row[] {
  const num = (f: (v: number) => string) => (v: number | string) => (typeof v === 'number' ? f(v) : v);
  const days = num((v) => (v === 0 ? 'now' : `in ${fmtNumber(v, 1)} days`));
  return [
    {
      key: 'growth_per_day.request_rate',
      label: 'Request rate growth',
      figure: r.growth_per_day.request_rate,
      show: num((v) => `${signed(v, 3)} req/s a day`),
    },
    {
      key: 'growth_per_day.cpu_per_request',
      label: 'CPU per request growth',
      figure: r.growth_per_day.cpu_per_request,
      show: num((v) => `${signed(v, 4)} core-ms a day`),
    },
    {
      key: 'growth_per_day.memory',
      label: 'Memory growth',
      figure: r.growth_per_day.memory,
      show: num((v) => `${signed(v, 3)} points a day`),
    },
    { key: 'headroom.cpu', label: 'CPU reaches warning', figure: r.headroom.cpu, show: days },
    { key: 'headroom.memory', label: 'Memory reaches warning', figure: r.headroom.memory, show: days },
    {
      key: 'busiest.hour_of_day',
      label: 'Busiest hour (UTC)',
      figure: r.busiest.hour_of_day,
      show: num((v) => `${String(v).padStart(2, '0')}:00–${String((v + 1) % 24).padStart(2, '0')}:00`),
      none: 'no peak',
    },
    {
      key: 'busiest.day_of_week',
      label: 'Busiest day (UTC)',
      figure: r.busiest.day_of_week,
      show: (v) => String(v),
      none: 'no peak',
    },
    {
      key: 'requests_per_core',
      label: 'Requests/s one core sustains',
      figure: r.requests_per_core,
      show: num((v) => `${fmtNumber(v, 1)} req/s`),
    },
  ];
}

/**
 * What a figure is: a value, no value though measured (not growing, no peak), or too little data (the
 * API's note then starts "too little data").
 */
export function figureState(f: CapacityFigure<number | string>): 'value' | 'no-value' | 'too-little-data' {
  if (f.value !== null) return 'value';
  return f.note.startsWith('too little data') ? 'too-little-data' : 'no-value';
}

function row(r: Row): HTMLElement {
  const f = r.figure;
  const state = figureState(f);
  const li = h('li', 'capacity-row');
  li.dataset.figure = r.key;
  li.dataset.state = state;
  li.dataset.value = f.value === null ? 'null' : String(f.value);
  li.dataset.confidence = f.confidence ?? 'null';
  const value =
    state === 'too-little-data'
      ? 'too little data'
      : state === 'no-value'
        ? (r.none ?? 'not growing')
        : r.show(f.value as number | string);
  const interval =
    state === 'value' && (f.low !== undefined || f.high !== undefined)
      ? `90 % interval ${f.low === undefined ? '…' : fmtNumber(f.low, 3)} to ${f.high === undefined ? '…' : fmtNumber(f.high, 3)} ${f.unit}`
      : '';
  const head = h('div', 'capacity-head');
  const badge = h('span', 'confidence', f.confidence ? `${f.confidence} confidence` : 'no estimate');
  badge.dataset.confidence = f.confidence ?? 'null';
  head.append(h('span', 'capacity-label', r.label), badge);
  li.append(head, h('div', 'capacity-value', value));
  if (interval) li.append(h('div', 'capacity-interval', interval));
  li.append(h('div', 'capacity-note', f.note));
  return li;
}

export function renderCapacity(r: CapacityReport): void {
  const card = $('capacity');
  card.hidden = false;
  card.dataset.tooLittleData = String(r.too_little_data);
  card.dataset.generatedAt = r.generated_at ?? '';
  const w = r.window;
  $('capacity-caption').textContent =
    w.points === 0
      ? '· no stored history yet'
      : `· ${fmtNumber(w.hours, 1)} h of history in ${w.step_seconds / 60}-min steps`;
  const summary = $('capacity-summary');
  summary.hidden = !r.too_little_data;
  summary.textContent = r.too_little_data
    ? 'Too little history for any estimate yet: growth and headroom need 36 hours, the busiest hour a full day, the busiest weekday a week, requests per core 30 steps with varying traffic.'
    : '';
  $('capacity-list').replaceChildren(...rowsOf(r).map(row));
}

let timer: ReturnType<typeof setTimeout> | undefined;
let started = false;

/**
 * Starts the panel at the first sample. In cluster mode capacity/ plans over the cluster's stored history
 * (the aggregator's series, as history/ reads it), so the panel is shown there too.
 */
export function startCapacity(): void {
  if (started) return;
  started = true;
  void loadCapacity().catch(() => {});
}

/** Loads the report now and every CAPACITY_REFRESH_MS; a monitor without history (404) hides the panel. */
export async function loadCapacity(): Promise<void> {
  clearTimeout(timer);
  timer = setTimeout(() => void loadCapacity().catch(() => {}), CAPACITY_REFRESH_MS);
  try {
    renderCapacity(await api<CapacityReport>('capacity/'));
  } catch (err) {
    if ((err as { status?: number }).status === 404) $('capacity').hidden = true;
    else throw err;
  }
}
