// The "where the time goes" panels: the routes table (sortable, with a p95 sparkline per route and a
// click-through to the route's one-minute latency and error history), the database queries table with
// the slow-query log, and the background jobs table.

import type { EndpointRow } from '../../../profiling/endpoints.js';
import type { JobRow } from '../../../profiling/jobs.js';
import type { QueryReport } from '../../../profiling/query-stats.js';
import type { RoutePoint } from '../../../profiling/series-history.js';
import { api } from '../api-client.js';
import { $, h } from '../dom.js';
import { fmtNumber, fmtTime } from '../format.js';

type Sort = 'time' | 'p95' | 'rate' | 'errors' | 'apdex';
let sort: Sort = 'time';
let selected: { method: string; route: string } | null = null;
/** Cluster mode while no aggregator answers (routes/ is this worker's own): route history is a 503, not asked. */
let noAggregator = false;

const SVG = 'http://www.w3.org/2000/svg';

/** A polyline of `values` in a `w`×`hgt` box (zero-based; a flat line when all are equal). */
/** A sparkline; a null value (unknown: no latency measured that minute) is a gap, not 0. */
function sparkline(values: Array<number | null>, w: number, hgt: number, className: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(hgt));
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('class', className);
  if (values.length > 0) {
    const max = Math.max(...values.map((v) => v ?? 0), 0.001);
    const step = values.length > 1 ? w / (values.length - 1) : 0;
    let run: string[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', run.join(' '));
      svg.append(line);
      run = [];
    };
    values.forEach((v, i) => {
      if (v === null) flush();
      else run.push(`${(i * step).toFixed(1)},${(hgt - 1 - (v / max) * (hgt - 2)).toFixed(1)}`);
    });
    flush();
  }
  return svg;
}

function cell(text: string, className?: string): HTMLElement {
  return h('td', className, text);
}

const COLUMNS: Array<{ label: string; sort?: Sort; title?: string }> = [
  { label: 'Route' },
  { label: 'req/s', sort: 'rate' },
  { label: '4xx' },
  { label: '5xx', sort: 'errors' },
  { label: 'aborted', title: 'client gave up (499)' },
  { label: 'err %' },
  { label: 'p50' },
  { label: 'p95', sort: 'p95' },
  { label: 'p99' },
  { label: 'max' },
  { label: 'time %', sort: 'time', title: 'share of all server time' },
  { label: 'Apdex', sort: 'apdex', title: 'worst first' },
  { label: 'p95, last hour' },
];

function renderRoutesHead(): void {
  const tr = h('tr');
  for (const c of COLUMNS) {
    const th = h('th', c.sort ? 'sortable' : undefined, c.label);
    if (c.title) th.title = c.title;
    if (c.sort) {
      th.dataset.sort = c.sort;
      th.setAttribute('aria-sort', c.sort === sort ? 'descending' : 'none');
      th.addEventListener('click', () => {
        sort = c.sort as Sort;
        void loadRoutes().catch(() => {});
      });
    }
    tr.append(th);
  }
  $('routes-head').replaceChildren(tr);
}

/** Numbers the routes loads: only the latest one renders (a slow refresh must not undo a newer sort). */
let routesLoad = 0;

async function loadRoutes(): Promise<void> {
  const load = ++routesLoad;
  // In cluster mode routes/ and history/?route= are both the cluster's (merged by the aggregator).
  const data = await api<{
    routes: EndpointRow[];
    apdex: { score: number | null; t_ms: number };
    cluster?: { aggregator?: string };
  }>(`routes/?sort=${sort}&limit=20`);
  if (load !== routesLoad) return;
  noAggregator = data.cluster?.aggregator === '';
  renderRoutesHead();
  $('routes-apdex').textContent =
    data.apdex.score === null ? 'Apdex —' : `Apdex ${data.apdex.score.toFixed(2)} (T ${data.apdex.t_ms} ms)`;
  const rows = data.routes.map((r) => {
    const tr = h('tr', 'route-row');
    tr.dataset.route = r.route;
    tr.dataset.method = r.method;
    if (selected && selected.route === r.route && selected.method === r.method) tr.classList.add('selected');
    const spark = h('td', 'spark');
    tr.append(
      cell(`${r.method} ${r.route}`, 'name'),
      cell(fmtNumber(r.rate_per_second, 2)),
      cell(String(r.count_4xx)),
      cell(String(r.count_5xx), r.count_5xx > 0 ? 'bad' : undefined),
      cell(String(r.count_aborted)),
      cell(fmtNumber(r.error_percent, 1)),
      cell(fmtNumber(r.p50_ms ?? Number.NaN, 1)),
      cell(fmtNumber(r.p95_ms ?? Number.NaN, 1)),
      cell(fmtNumber(r.p99_ms ?? Number.NaN, 1)),
      cell(fmtNumber(r.max_ms ?? Number.NaN, 1)),
      cell(fmtNumber(r.time_percent, 1)),
      r.apdex === null
        ? cell('—')
        : cell(r.apdex.toFixed(2), r.apdex < 0.7 ? 'bad' : r.apdex < 0.94 ? 'meh' : 'good'),
      spark,
    );
    tr.addEventListener('click', () => {
      selected = { method: r.method, route: r.route };
      for (const other of Array.from(document.querySelectorAll('#routes-body tr')))
        other.classList.remove('selected');
      tr.classList.add('selected');
      void showRoute(r.method, r.route).catch(() => {});
    });
    // A row with requests in flight only (routes/ names a hang's route before it ends) has no history yet:
    // history/?route= answers 404 for a route never recorded, so it is not asked.
    if (r.count + r.count_aborted === 0) return tr;
    void routePoints(r.method, r.route)
      .then((points) =>
        spark.append(
          sparkline(
            points.map((p) => p.p95_ms),
            120,
            22,
            'sparkline',
          ),
        ),
      )
      .catch(() => {});
    return tr;
  });
  $('routes-body').replaceChildren(...rows);
  $('no-routes').hidden = rows.length > 0;
}

async function routePoints(method: string, route: string): Promise<RoutePoint[]> {
  if (noAggregator) return [];
  try {
    const q = `history/?route=${encodeURIComponent(route)}&method=${encodeURIComponent(method)}`;
    return (await api<{ points: RoutePoint[] }>(q)).points;
  } catch {
    return []; // unreachable, refused: the table stays without a sparkline
  }
}

async function showRoute(method: string, route: string): Promise<void> {
  const points = await routePoints(method, route);
  const box = $('route-detail');
  box.hidden = false;
  const title = h('h3', undefined, `${method} ${route}: one-minute history (${points.length} points)`);
  const p95 = h('div', 'detail-chart');
  p95.append(
    h('span', 'caption', 'p95 ms'),
    sparkline(
      points.map((p) => p.p95_ms),
      420,
      60,
      'sparkline big',
    ),
  );
  const errors = h('div', 'detail-chart');
  errors.append(
    h('span', 'caption', 'errors %'),
    sparkline(
      points.map((p) => p.error_percent),
      420,
      60,
      'sparkline big errors',
    ),
  );
  const last = points.at(-1);
  const summary = noAggregator
    ? 'no cluster aggregator answered: the route history is back once one is elected'
    : last
      ? `last minute: ${last.count} requests, p95 ${fmtNumber(last.p95_ms ?? Number.NaN, 1)} ms, ${fmtNumber(last.error_percent, 1)} % errors, Apdex ${last.apdex ?? '—'}`
      : 'no minute has closed for this route yet';
  box.replaceChildren(title, p95, errors, h('p', 'sub', summary));
}

async function loadQueries(): Promise<void> {
  const data = await api<QueryReport>('queries/?sort=time&limit=15');
  const rows = data.fingerprints.map((q) => {
    const tr = h('tr');
    const fp = cell(q.fingerprint, 'name sql');
    fp.title = q.fingerprint;
    tr.append(
      cell(q.system),
      fp,
      cell(String(q.count)),
      cell(String(q.errors), q.errors > 0 ? 'bad' : undefined),
      cell(fmtNumber(q.p50_ms, 2)),
      cell(fmtNumber(q.p95_ms, 2)),
      cell(fmtNumber(q.p99_ms, 2)),
      cell(fmtNumber(q.max_ms, 2)),
      cell(fmtNumber(q.total_ms, 1)),
      cell(q.routes.map((r) => r.route).join(', ')),
    );
    return tr;
  });
  $('queries-body').replaceChildren(...rows);
  $('no-queries').hidden = rows.length > 0;
  $('queries-caption').textContent =
    `${data.total} queries since start · p95 last minute ${fmtNumber(data.window_p95_ms ?? Number.NaN, 2)} ms`;
  const slow = data.slow_queries.slice(0, 5).map((s) => {
    const li = h('li', 'slow');
    li.append(
      h('span', 'ms', `${fmtNumber(s.duration_ms, 0)} ms`),
      h('span', 'sql', s.fingerprint),
      h('span', 'sub', s.route ?? 'outside a request'),
    );
    return li;
  });
  $('slow-queries').replaceChildren(...slow);
  $('slow-box').hidden = slow.length === 0;
}

async function loadJobs(): Promise<void> {
  const data = await api<{ jobs: JobRow[] }>('jobs/?limit=20');
  const rows = data.jobs.map((j) => {
    const tr = h('tr');
    const last = j.last_failure && (!j.last_success || j.last_failure.timestamp > j.last_success.timestamp);
    tr.append(
      cell(j.name, 'name'),
      cell(String(j.runs)),
      cell(String(j.failures), j.failures > 0 ? 'bad' : undefined),
      cell(fmtNumber(j.p50_ms ?? Number.NaN, 1)),
      cell(fmtNumber(j.p95_ms ?? Number.NaN, 1)),
      cell(fmtNumber(j.max_ms ?? Number.NaN, 1)),
      cell(j.last_success ? fmtTime(Date.parse(j.last_success.timestamp)) : '—'),
      cell(
        j.last_failure
          ? `${fmtTime(Date.parse(j.last_failure.timestamp))} ${j.last_failure.error ?? ''}`
          : '—',
        last ? 'bad' : undefined,
      ),
      cell(j.stale ? 'stale' : j.expect_every_ms ? 'on time' : '', j.stale ? 'bad' : undefined),
    );
    return tr;
  });
  $('jobs-body').replaceChildren(...rows);
  $('no-jobs').hidden = rows.length > 0;
}

/** Loads the three tables; each failure stays in its own table. */
export async function loadProfiling(): Promise<void> {
  await Promise.all([loadRoutes(), loadQueries(), loadJobs()].map((p) => p.catch(() => {})));
}
