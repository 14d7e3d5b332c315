// Application metrics: a panel per custom metric and per collector plugin, built from the snapshot
// alone (no dashboard code from the user): the current figures, per label set, and a sparkline whose
// samples are shaded where the metric's anomaly series (when it opted in) scored at or above the level.

import type { CustomMetricSnapshot } from '../../../custom/types.js';
import type { MetricsSnapshot, PluginGroup } from '../../../types.js';
import { isAnomalous, scoreAt, scoredSeries } from '../anomaly.js';
import { $, h } from '../dom.js';

const SPARK_POINTS = 60;
const MAX_ROWS = 12;
/** Recent samples per panel: time (seconds) and value. */
const history = new Map<string, Array<{ t: number; v: number }>>();
let sampleTime = 0;

/** A figure as shown; no reading (null: an empty histogram window) and NaN read '–'. */
function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (Number.isInteger(v)) return String(v);
  // Below 1, significant digits (0.000236, not 0.000): a metric in seconds or a ratio keeps its figures.
  return abs < 1 ? String(Number(v.toPrecision(3))) : v.toFixed(2);
}

/**
 * The anomaly series of a panel, if it opted in: the metric's name or path (`queue_depth`,
 * `custom.queue_depth`), for a plugin any series under `plugins.<name>` (the highest score counts).
 */
function seriesOf(key: string): string[] {
  const [kind, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
  return scoredSeries().filter((s) =>
    kind === 'custom'
      ? s === name || s === key
      : s === key || s.startsWith(`${key}.`) || s.startsWith(`${key}[`),
  );
}

function sparkline(key: string, value: number, card: HTMLElement): SVGSVGElement {
  const points = history.get(key) ?? [];
  if (points[points.length - 1]?.t !== sampleTime) points.push({ t: sampleTime, v: value });
  if (points.length > SPARK_POINTS) points.shift();
  history.set(key, points);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${SPARK_POINTS - 1} 20`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.dataset.times = points.map((p) => p.t).join(' ');
  const values = points.map((p) => p.v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const offset = SPARK_POINTS - points.length;
  const series = seriesOf(key);
  let anomalous = 0;
  if (series.length > 0) {
    card.dataset.anomalySeries = series.join(' ');
    points.forEach((p, i) => {
      const score = Math.max(-1, ...series.map((s) => scoreAt(s, p.t) ?? -1));
      if (!isAnomalous(score)) return;
      anomalous++;
      const rect = document.createElementNS(ns, 'rect');
      rect.setAttribute('class', 'spark-anomaly');
      rect.setAttribute('x', String(Math.max(0, i + offset - 0.5)));
      rect.setAttribute('width', '1');
      rect.setAttribute('y', '0');
      rect.setAttribute('height', '20');
      rect.dataset.t = String(p.t);
      rect.dataset.score = String(score);
      svg.append(rect);
    });
  }
  card.dataset.anomalies = String(anomalous);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute(
    'points',
    values.map((p, i) => `${i + offset},${(19 - ((p - min) / span) * 18).toFixed(2)}`).join(' '),
  );
  svg.append(line);
  return svg;
}

function panel(key: string, title: string, subtitle: string, headline: string, spark: number): HTMLElement {
  const card = h('article', 'metric-panel');
  card.dataset.metric = key;
  const head = h('header', 'metric-head');
  head.append(h('h3', 'metric-name', title), h('span', 'metric-value', headline));
  card.append(head, h('p', 'metric-help', subtitle));
  card.append(sparkline(key, spark, card));
  return card;
}

function rows(card: HTMLElement, items: [string, string][]): void {
  if (items.length === 0) return;
  const list = h('dl', 'metric-rows');
  for (const [k, v] of items.slice(0, MAX_ROWS)) list.append(h('dt', undefined, k), h('dd', undefined, v));
  card.append(list);
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || '(no labels)';

function customPanel(name: string, m: CustomMetricSnapshot): HTMLElement {
  if (m.type === 'histogram') {
    const card = panel(`custom.${name}`, name, `${m.help} · histogram`, `p95 ${fmt(m.p95)}`, m.p95 ?? 0);
    rows(card, [
      ['count', fmt(m.count)],
      ['p50 / p99', `${fmt(m.p50)} / ${fmt(m.p99)}`],
      ['max', fmt(m.max)],
      ...m.series
        .filter(() => m.labels.length > 0)
        .map((s): [string, string] => [labelText(s.labels), `p95 ${fmt(s.p95)} · ${s.count}`]),
    ]);
    return card;
  }
  const extra = m.type === 'counter' ? ` · ${fmt(m.rate_per_second ?? Number.NaN)}/s` : '';
  const card = panel(
    `custom.${name}`,
    name,
    `${m.help} · ${m.type}`,
    `${fmt(m.value)}${extra}`,
    m.value ?? 0,
  );
  if (m.type === 'gauge' && m.error) card.append(h('p', 'metric-error', m.error));
  if (m.labels.length > 0)
    rows(
      card,
      m.series.map((s) => [labelText(s.labels), fmt(s.value)]),
    );
  return card;
}

function leaves(v: unknown, path: string, out: [string, string][]): void {
  if (out.length >= MAX_ROWS) return;
  if (typeof v === 'number') out.push([path, fmt(v)]);
  else if (typeof v === 'boolean' || typeof v === 'string') out.push([path, String(v)]);
  else if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (path === '' && (k === 'status' || k === 'error')) continue;
      leaves(child, path === '' ? k : `${path}.${k}`, out);
    }
  }
}

function pluginPanel(name: string, g: PluginGroup): HTMLElement {
  const items: [string, string][] = [];
  leaves(g, '', items);
  const first = items.find(([, v]) => Number.isFinite(Number(v.replace(/[kM]$/, ''))));
  const card = panel(
    `plugins.${name}`,
    name,
    'collector plugin',
    g.status,
    first ? Number.parseFloat(first[1]) : 0,
  );
  card.dataset.status = g.status;
  if (g.error) card.append(h('p', 'metric-error', g.error));
  rows(card, items);
  return card;
}

/** Re-renders the application metrics section; hidden while there is no custom metric or plugin. */
export function renderCustomPanels(s: MetricsSnapshot): void {
  sampleTime = Date.parse(s.timestamp) / 1000;
  const section = $('custom-panels');
  const grid = $('custom-grid');
  const custom = Object.entries(s.custom ?? {});
  const plugins = Object.entries(s.plugins ?? {});
  section.hidden = custom.length + plugins.length === 0;
  const cards = [
    ...custom.map(([name, m]) => customPanel(name, m)),
    ...plugins.map(([name, g]) => pluginPanel(name, g)),
  ];
  grid.replaceChildren(...cards);
}
