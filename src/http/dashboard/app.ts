// The dashboard page (runs in the browser): reads the admin API next to it, follows the live stream, draws uPlot charts.

import uPlot from 'uplot';
import type { HistoryPointView, HistoryResult } from '../../history/point.js';
import type {
  Alert,
  AlertEvent,
  AlertRecord,
  ComponentStatus,
  HealthStatus,
  MetricsSnapshot,
} from '../../types.js';

// ---------------------------------------------------------------------------------------------------------------
// API access

/** The admin base: the page lives at `<base>/dashboard/`. */
const API_BASE = new URL('../', window.location.href);
const TOKEN_KEY = 'sysvitals.adminToken';

type FailureKind = 'unreachable' | 'unauthorized' | 'refused' | 'rate_limited' | 'server';

class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

async function api<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, API_BASE), { headers, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError('unreachable', 0, 'the server did not answer');
  }
  let body: { success?: boolean; data?: unknown; error?: { code?: string; message?: string } } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (body?.success === true) return body.data as T;
  const message = body?.error?.message ?? `HTTP ${res.status}`;
  if (res.status === 401) throw new ApiError('unauthorized', 401, message);
  if (res.status === 403) throw new ApiError('refused', 403, message);
  if (res.status === 429) throw new ApiError('rate_limited', 429, message);
  throw new ApiError('server', res.status, message);
}

// ---------------------------------------------------------------------------------------------------------------
// Small DOM helpers (text only: no server string is ever parsed as HTML)

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

function h(tag: string, className?: string, text?: string): HTMLElement {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = Number.parseInt(m[1] as string, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

function fmtNumber(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return '–';
  return v.toLocaleString(undefined, { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : digits });
}
const fmtPercent = (v: number): string => `${fmtNumber(v)}%`;
const fmtMs = (v: number): string => (v >= 1000 ? `${fmtNumber(v / 1000, 2)} s` : `${fmtNumber(v)} ms`);
const fmtRate = (v: number): string => `${fmtNumber(v, 2)}/s`;
function fmtBytes(v: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(v)} ${units[i]}`;
}
const fmtBytesRate = (v: number): string => `${fmtBytes(v)}/s`;
const fmtTime = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

// ---------------------------------------------------------------------------------------------------------------
// Charts

type Unit = 'percent' | 'bytes' | 'rate' | 'ms';
/** The smallest top of a scale, so a flat zero line gets sensible ticks (1 req/s, 1 ms, 1 KB/s). */
const MIN_SCALE: Record<Unit, number> = { percent: 1, bytes: 1024, rate: 1, ms: 1 };

const FORMAT: Record<Unit, (v: number) => string> = {
  percent: fmtPercent,
  bytes: fmtBytesRate,
  rate: fmtRate,
  ms: fmtMs,
};

interface SeriesDef {
  label: string;
  live(s: MetricsSnapshot): number | null;
  history(p: HistoryPointView, stepSeconds: number): number | null;
}

interface ChartDef {
  id: string;
  title: string;
  unit: Unit;
  /** Fixed 0–100 for utilisation; otherwise 0 to a little above the largest value. */
  percentScale?: boolean;
  threshold?(s: MetricsSnapshot): number;
  series: SeriesDef[];
}

const CHARTS: ChartDef[] = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'percent',
    percentScale: true,
    threshold: (s) => s.cpu.threshold,
    series: [{ label: 'CPU', live: (s) => s.cpu.current_percent, history: (p) => p.cpu_avg_percent }],
  },
  {
    id: 'memory',
    title: 'Memory',
    unit: 'percent',
    percentScale: true,
    threshold: (s) => s.memory.threshold,
    series: [{ label: 'Memory', live: (s) => s.memory.used_percent, history: (p) => p.memory_avg_percent }],
  },
  {
    id: 'disk',
    title: 'Disk (fullest partition)',
    unit: 'percent',
    percentScale: true,
    threshold: (s) => s.disk.threshold,
    series: [{ label: 'Disk', live: (s) => s.disk.max_used_percent, history: (p) => p.disk_max_percent }],
  },
  {
    id: 'network',
    title: 'Network',
    unit: 'bytes',
    series: [
      { label: 'In', live: (s) => s.network.bytes_in_per_sec, history: (p) => p.network_bytes_in_per_sec },
      { label: 'Out', live: (s) => s.network.bytes_out_per_sec, history: (p) => p.network_bytes_out_per_sec },
    ],
  },
  {
    id: 'requests',
    title: 'Request rate',
    unit: 'rate',
    series: [
      { label: 'Requests', live: (s) => s.requests.per_second, history: (p, step) => p.requests / step },
    ],
  },
  {
    id: 'errors',
    title: 'Error rate (5xx)',
    unit: 'percent',
    series: [
      {
        label: 'Errors',
        live: (s) => s.errors.error_rate_percent,
        history: (p) => (p.requests > 0 ? (p.errors_5xx / p.requests) * 100 : 0),
      },
    ],
  },
  {
    id: 'latency',
    title: 'Latency',
    unit: 'ms',
    series: [
      { label: 'p50', live: (s) => s.latency.p50_ms, history: (p) => p.latency_p50_ms },
      { label: 'p95', live: (s) => s.latency.p95_ms, history: (p) => p.latency_p95_ms },
      { label: 'p99', live: (s) => s.latency.p99_ms, history: (p) => p.latency_p99_ms },
    ],
  },
];

/** Time in seconds, then one array per series; nulls are gaps. */
type Columns = (number | null)[][];

class Chart {
  readonly el: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly nowEl: HTMLElement;
  private plot: uPlot | undefined;
  private threshold: number | undefined;
  private data: Columns;
  private xRange: [number, number] | undefined;

  constructor(readonly def: ChartDef) {
    this.el = h('div', 'card chart');
    this.el.dataset.chart = def.id;
    this.el.dataset.points = '0';
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
            points: { show: (_u: uPlot, _s: number, i0: number, i1: number) => i1 - i0 < 2 },
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
          };
        }),
      ],
      hooks: { draw: [(u: uPlot) => this.drawThreshold(u)] },
    };
    this.plot = new uPlot(opts, this.data as uPlot.AlignedData, this.plotEl);
    new ResizeObserver(() => {
      const width = this.plotEl.clientWidth;
      if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: 170 });
    }).observe(this.plotEl);
  }

  setData(data: Columns, xRange?: [number, number]): void {
    this.data = data;
    this.xRange = xRange;
    this.el.dataset.points = String(data[0]?.length ?? 0);
    this.plot?.setData(data as uPlot.AlignedData);
  }

  showNow(s: MetricsSnapshot): void {
    const format = FORMAT[this.def.unit];
    const values = this.def.series.map((d) => d.live(s));
    this.nowEl.textContent =
      this.def.id === 'latency'
        ? `p95 ${format(values[1] ?? 0)}`
        : this.def.id === 'network'
          ? `↓${format(values[0] ?? 0)} ↑${format(values[1] ?? 0)}`
          : format(values[0] ?? 0);
    const threshold = this.def.threshold?.(s);
    if (threshold !== undefined && threshold !== this.threshold) {
      this.threshold = threshold;
      this.plot?.redraw(false, false);
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
const TIME_INCREMENTS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
];

/** One line per tick: seconds for the live view, minutes within a day, day and time beyond. */
function timeLabels(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
  const options: Intl.DateTimeFormatOptions =
    span <= 600
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
      : span <= 36 * 3600
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return splits.map((t) => new Date(t * 1000).toLocaleString([], options));
}

function emptyColumns(series: number): Columns {
  return Array.from({ length: series + 1 }, () => []);
}

// ---------------------------------------------------------------------------------------------------------------
// State

/** 1 h of samples at the default 5 s interval. */
const LIVE_POINTS = 720;
/** How much recent history seeds the live view, so it is not empty when the page opens. */
const LIVE_SEED_MS = 15 * 60_000;

const charts = CHARTS.map((def) => new Chart(def));
const live = { t: [] as number[], values: CHARTS.map((d) => d.series.map(() => [] as (number | null)[])) };
let period: 'live' | '1h' | '24h' | '7d' = 'live';
let lastSnapshot: MetricsSnapshot | undefined;
let lastSampleAt = 0;
let sampleIntervalMs = 5000;
const activeAlerts = new Map<string, Alert>();

function pushLive(t: number, valuesOf: (chart: number, series: number) => number | null): void {
  live.t.push(t);
  for (const [c, def] of CHARTS.entries()) {
    for (let i = 0; i < def.series.length; i++) live.values[c]?.[i]?.push(valuesOf(c, i));
  }
  if (live.t.length > LIVE_POINTS) {
    live.t.shift();
    for (const chart of live.values) for (const column of chart) column.shift();
  }
}

function renderLive(): void {
  charts.forEach((chart, c) => {
    chart.setData([live.t.slice(), ...(live.values[c] ?? []).map((col) => col.slice())] as Columns);
  });
  setCaption(
    live.t.length === 0
      ? 'waiting for the first sample'
      : `last ${fmtAgo((lastTime() - (live.t[0] ?? 0)) * 1000)}`,
  );
}

function lastTime(): number {
  return live.t[live.t.length - 1] ?? 0;
}

function setCaption(text: string): void {
  $('period-caption').textContent = text ? `· ${text}` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: health, components, alerts

const HEALTH_WORDS: Record<string, string> = { green: 'Healthy', yellow: 'Degraded', red: 'Critical' };

function renderHealth(health: HealthStatus): void {
  const el = $('health');
  el.dataset.status = health.status;
  el.style.setProperty('--score', String(health.health_score));
  $('health-score').textContent = String(Math.round(health.health_score));
  $('health-status').textContent = HEALTH_WORDS[health.status] ?? health.status;
  const n = health.active_alerts;
  $('health-alerts').textContent = `${health.status} · ${n} active alert${n === 1 ? '' : 's'}`;
}

interface ComponentRow {
  key: string;
  label: string;
  status: ComponentStatus;
  value: string;
  title?: string;
}

function probeValue(group: {
  response_time_ms: number | null;
  status: ComponentStatus;
  error?: string;
}): string {
  if (group.response_time_ms != null) return fmtMs(group.response_time_ms);
  if (group.error) return 'down';
  return 'not configured';
}

function componentRows(s: MetricsSnapshot): ComponentRow[] {
  return [
    { key: 'cpu', label: 'CPU', status: s.cpu.status, value: fmtPercent(s.cpu.current_percent) },
    { key: 'memory', label: 'Memory', status: s.memory.status, value: fmtPercent(s.memory.used_percent) },
    { key: 'disk', label: 'Disk', status: s.disk.status, value: fmtPercent(s.disk.max_used_percent) },
    {
      key: 'network',
      label: 'Network',
      status: s.network.status,
      value: `↓${fmtBytesRate(s.network.bytes_in_per_sec)}`,
    },
    {
      key: 'database',
      label: 'Database',
      status: s.database.status,
      value: probeValue(s.database),
      title: s.database.error,
    },
    {
      key: 'redis',
      label: 'Redis',
      status: s.redis.status,
      value: probeValue(s.redis),
      title: s.redis.error,
    },
    { key: 'requests', label: 'Requests', status: s.requests.status, value: fmtRate(s.requests.per_second) },
    {
      key: 'errors',
      label: 'Errors',
      status: s.errors.status,
      value: fmtPercent(s.errors.error_rate_percent),
    },
    { key: 'latency', label: 'Latency', status: s.latency.status, value: `p95 ${fmtMs(s.latency.p95_ms)}` },
    {
      key: 'websocket',
      label: 'WebSockets',
      status: s.websocket.status,
      value: `${s.websocket.active_connections} open`,
    },
    {
      key: 'process',
      label: 'Event loop',
      status: s.process.status,
      value: `p99 ${fmtMs(s.process.event_loop_delay_p99_ms)}`,
    },
  ];
}

function renderComponents(s: MetricsSnapshot): void {
  const list = $('components');
  const rows = componentRows(s).map((row) => {
    const li = h('li', 'component');
    li.dataset.component = row.key;
    li.dataset.status = row.status;
    li.title = row.title ? `${row.status}: ${row.title}` : row.status;
    li.append(h('span', 'status-dot'), h('span', 'name', row.label), h('span', 'value', row.value));
    return li;
  });
  list.replaceChildren(...rows);
  $('updated').textContent = `updated ${fmtTime(Date.parse(s.timestamp))}`;
}

function alertItem(alert: Alert, badge: string, when: string): HTMLElement {
  const li = h('li', 'alert');
  li.dataset.alertId = alert.id;
  li.dataset.rule = alert.rule;
  li.dataset.severity = alert.severity;
  const msg = h('div', 'msg');
  msg.append(h('div', undefined, alert.message));
  msg.append(
    h(
      'div',
      'sub',
      `${alert.component} · value ${fmtNumber(alert.value, 2)} · threshold ${fmtNumber(alert.threshold, 2)}`,
    ),
  );
  li.append(h('span', `badge ${badge}`, badge), msg, h('span', 'when', when));
  return li;
}

function renderActiveAlerts(): void {
  const alerts = [...activeAlerts.values()].sort((a, b) =>
    a.severity === b.severity ? b.timestamp.localeCompare(a.timestamp) : a.severity === 'critical' ? -1 : 1,
  );
  const now = Date.now();
  $('active-alerts').replaceChildren(
    ...alerts.map((a) =>
      alertItem(
        a,
        a.severity,
        `since ${fmtTime(Date.parse(a.timestamp))} (${fmtAgo(now - Date.parse(a.timestamp))})`,
      ),
    ),
  );
  $('active-count').textContent = String(alerts.length);
  $('no-alerts').hidden = alerts.length > 0;
}

function renderAlertHistory(records: AlertRecord[]): void {
  const items = records.map((r) => {
    const at = r.event === 'cleared' && r.cleared_at ? r.cleared_at : r.timestamp;
    const badge = r.event === 'cleared' ? 'cleared' : r.severity;
    const li = alertItem(r, badge, `${r.event} ${fmtTime(Date.parse(at))}`);
    return li;
  });
  $('alert-history').replaceChildren(...items);
  if (items.length === 0) $('alert-history').append(h('li', 'empty', 'Nothing yet.'));
}

function toast(event: AlertEvent): void {
  const words: Record<string, string> = {
    raised: 'Alert raised',
    escalated: 'Alert escalated',
    deescalated: 'Alert de-escalated',
    cleared: 'Alert cleared',
  };
  const el = h('div', 'toast');
  el.dataset.alertId = event.alert.id;
  const badge = event.type === 'cleared' ? 'cleared' : event.alert.severity;
  const text = h('div');
  text.append(
    h('strong', undefined, words[event.type] ?? event.type),
    h('div', undefined, event.alert.message),
  );
  el.append(h('span', `badge ${badge}`, badge), text);
  const box = $('toasts');
  box.append(el);
  while (box.children.length > 4) box.firstElementChild?.remove();
  setTimeout(() => el.remove(), 8000);
}

// ---------------------------------------------------------------------------------------------------------------
// Connection state, banner, sign-in

type ConnState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

function setConn(state: ConnState, label: string): void {
  const el = $('conn');
  el.dataset.state = state;
  const text = el.querySelector('.label');
  if (text) text.textContent = label;
}

function showBanner(kind: string, title: string, detail: string, retry = false): void {
  const el = $('banner');
  el.dataset.kind = kind;
  $('banner-title').textContent = title;
  $('banner-detail').textContent = detail;
  $('banner-retry').hidden = !retry;
  el.hidden = false;
}

function hideBanner(): void {
  $('banner').hidden = true;
}

function showSignIn(reason: string, refused: boolean): void {
  stopStream();
  $('main').hidden = true;
  const form = $('signin');
  const reasonEl = $('signin-reason');
  reasonEl.textContent = reason;
  reasonEl.dataset.refused = String(refused);
  form.hidden = false;
  ($('token') as HTMLInputElement).focus();
}

let mounted = false;
function showMain(): void {
  $('signin').hidden = true;
  $('main').hidden = false;
  $('sign-out').hidden = storedToken() === null;
  if (!mounted) {
    mounted = true;
    const box = $('charts');
    for (const chart of charts) box.append(chart.el);
    for (const chart of charts) chart.mount();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Live stream and reconnection

let stream: EventSource | undefined;
let attempt = 0;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let countdownTimer: ReturnType<typeof setInterval> | undefined;
let watchdog: ReturnType<typeof setTimeout> | undefined;

function stopStream(): void {
  stream?.close();
  stream = undefined;
  clearTimeout(watchdog);
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
}

/** Handles any failed call: sign-in for 401/403, a countdown and retry for everything else. */
function fail(err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError('server', 0, String(err));
  const hadToken = storedToken() !== null;
  if (e.kind === 'unauthorized') {
    setConn('refused', 'Sign-in needed');
    hideBanner();
    showSignIn(
      hadToken
        ? `The server asks for credentials again (401): ${e.message}.`
        : 'This dashboard reads the admin API, which asks for the admin token.',
      hadToken,
    );
    return;
  }
  if (e.kind === 'refused') {
    setConn('refused', 'Refused');
    if (hadToken) {
      window.sessionStorage.removeItem(TOKEN_KEY);
      showBanner('refused', 'Access refused (403).', 'The server did not accept this token.');
      showSignIn(`The server refused the token (403): ${e.message}.`, true);
    } else {
      showBanner('refused', 'Access refused (403).', `${e.message}.`, true);
      showSignIn(`Access refused (403): ${e.message}. Enter the admin token if you have one.`, true);
    }
    return;
  }
  scheduleReconnect(e);
}

function scheduleReconnect(e: ApiError): void {
  stopStream();
  const delay = Math.min(30_000, 1000 * 2 ** attempt) + Math.round(Math.random() * 300);
  attempt = Math.min(attempt + 1, 5);
  const due = Date.now() + delay;
  const what =
    e.kind === 'unreachable'
      ? 'Cannot reach the server.'
      : e.kind === 'rate_limited'
        ? 'Too many requests (429).'
        : e.status === 0
          ? 'The live stream was interrupted.'
          : `The server answered ${e.status}.`;
  setConn(
    e.kind === 'unreachable' ? 'offline' : 'reconnecting',
    e.kind === 'unreachable' ? 'Offline' : 'Reconnecting…',
  );
  const tick = (): void => {
    const s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    showBanner(e.kind === 'unreachable' ? 'unreachable' : 'reconnecting', what, `Retrying in ${s} s…`, true);
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
  reconnectTimer = setTimeout(() => void start(), delay);
}

function armWatchdog(): void {
  clearTimeout(watchdog);
  // Heartbeats are SSE comments, invisible to EventSource: a stream silent for several sample intervals is dead.
  watchdog = setTimeout(
    () => {
      stopStream();
      scheduleReconnect(new ApiError('server', 0, 'no sample for a while'));
    },
    Math.max(30_000, sampleIntervalMs * 4),
  );
}

/** Opens the stream with a fresh signed token (EventSource cannot send the Authorization header). */
function connectStream(token: string): void {
  const url = new URL('stream/', API_BASE);
  url.searchParams.set('access_token', token);
  stream?.close();
  const source = new EventSource(url);
  stream = source;
  const data = <T>(ev: Event): T => JSON.parse((ev as MessageEvent<string>).data) as T;
  source.onopen = () => {
    attempt = 0;
    clearInterval(countdownTimer);
    setConn('live', 'Live');
    hideBanner();
    armWatchdog();
  };
  source.addEventListener('metrics', (ev) => {
    armWatchdog();
    onMetrics(data<MetricsSnapshot>(ev));
  });
  source.addEventListener('health', (ev) => renderHealth(data<HealthStatus>(ev)));
  source.addEventListener('alert', (ev) => onAlert(data<AlertEvent>(ev)));
  source.onerror = () => {
    if (stream !== source) return;
    // EventSource would retry with the same (maybe expired) token and cannot say why it failed:
    // start over, which asks the API first and tells unreachable from refused.
    scheduleReconnect(new ApiError('server', 0, 'stream interrupted'));
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Data flow

let alertsTimer: ReturnType<typeof setTimeout> | undefined;
function refreshAlertsSoon(): void {
  clearTimeout(alertsTimer);
  alertsTimer = setTimeout(() => void refreshAlerts().catch(() => {}), 250);
}

async function refreshAlerts(): Promise<void> {
  const [active, history] = await Promise.all([
    api<{ alerts: Alert[] }>('alerts/'),
    api<{ alerts: AlertRecord[] }>('alerts/?history=true&limit=15'),
  ]);
  activeAlerts.clear();
  for (const a of active.alerts) activeAlerts.set(a.id, a);
  renderActiveAlerts();
  renderAlertHistory(history.alerts);
}

function onMetrics(s: MetricsSnapshot): void {
  const t = Date.parse(s.timestamp) / 1000;
  if (lastSampleAt > 0 && t > lastSampleAt) {
    // Smoothed estimate of the sample interval, for the watchdog.
    sampleIntervalMs = Math.round(sampleIntervalMs * 0.7 + (t - lastSampleAt) * 1000 * 0.3);
  }
  lastSnapshot = s;
  renderComponents(s);
  for (const chart of charts) chart.showNow(s);
  if (t > lastTime()) {
    lastSampleAt = t;
    pushLive(t, (c, i) => CHARTS[c]?.series[i]?.live(s) ?? null);
    if (period === 'live') renderLive();
  }
}

function onAlert(event: AlertEvent): void {
  if (event.type === 'cleared') activeAlerts.delete(event.alert.id);
  else activeAlerts.set(event.alert.id, event.alert);
  renderActiveAlerts();
  toast(event);
  refreshAlertsSoon();
}

/** History points as chart columns, with a null where a step has no point so the line breaks. */
function historyColumns(def: ChartDef, result: HistoryResult): Columns {
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

let historyTimer: ReturnType<typeof setTimeout> | undefined;

async function loadPeriod(p: typeof period): Promise<void> {
  clearTimeout(historyTimer);
  if (p === 'live') {
    renderLive();
    return;
  }
  const box = $('charts');
  box.dataset.loading = 'true';
  try {
    const result = await api<HistoryResult>(`history/?period=${p}`);
    if (period !== p) return;
    const span: [number, number] = [Date.parse(result.start) / 1000, Date.parse(result.end) / 1000];
    for (const chart of charts) chart.setData(historyColumns(chart.def, result), span);
    box.dataset.loadedPeriod = p;
    const step =
      result.step_seconds >= 60 ? `${Math.round(result.step_seconds / 60)} min` : `${result.step_seconds} s`;
    setCaption(
      result.points.length === 0
        ? `${p}: no history yet (a point is written every minute)`
        : `${p} · ${step} steps · ${result.points.length} point${result.points.length === 1 ? '' : 's'}`,
    );
    if (result.instance) $('instance').textContent = result.instance;
    historyTimer = setTimeout(() => void loadPeriod(p), Math.max(15_000, result.step_seconds * 1000));
  } catch (err) {
    fail(err);
  } finally {
    box.dataset.loading = 'false';
  }
}

/** Seeds the live view with the last minutes of history, so it is not empty when the page opens. */
async function seedLive(): Promise<void> {
  try {
    const result = await api<HistoryResult>('history/?period=1h');
    if (result.instance) $('instance').textContent = result.instance;
    // Whole steps only (server clock): the last step is still filling and overlaps the live samples.
    const end = Date.parse(result.end) / 1000 - result.step_seconds;
    const from = end - LIVE_SEED_MS / 1000;
    const first = live.t[0] ?? Number.POSITIVE_INFINITY;
    const seed = result.points.filter((p) => p.t / 1000 >= from && p.t / 1000 < end && p.t / 1000 < first);
    if (seed.length === 0) return;
    const old = {
      t: live.t.splice(0),
      values: live.values.map((chart) => chart.map((col) => col.splice(0))),
    };
    for (const p of seed)
      pushLive(p.t / 1000, (c, i) => CHARTS[c]?.series[i]?.history(p, result.step_seconds) ?? null);
    // A break in the lines between the last history step and the first live sample.
    const lastSeed = lastTime();
    const firstLive = old.t[0];
    if (firstLive !== undefined && firstLive - lastSeed > result.step_seconds * 1.5) {
      pushLive(lastSeed + result.step_seconds, () => null);
    }
    old.t.forEach((t, k) => {
      pushLive(t, (c, i) => old.values[c]?.[i]?.[k] ?? null);
    });
    if (period === 'live') renderLive();
  } catch {
    // The live view fills from the stream anyway.
  }
}

let seeded = false;

async function start(): Promise<void> {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  setConn(attempt === 0 ? 'connecting' : 'reconnecting', attempt === 0 ? 'Connecting…' : 'Reconnecting…');
  try {
    // token/ checks access like every route (401/403 here mean sign-in) and gives the stream its token.
    // Health comes from the stream: reading health/ would answer 503 whenever the status is red.
    const { token } = await api<{ token: string }>('token/');
    showMain();
    await refreshAlerts();
    if (!seeded) {
      seeded = true;
      void seedLive();
    }
    if (period !== 'live') void loadPeriod(period);
    connectStream(token);
  } catch (err) {
    fail(err);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function init(): void {
  $('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) return;
    window.sessionStorage.setItem(TOKEN_KEY, token);
    input.value = '';
    hideBanner();
    attempt = 0;
    void start();
  });
  $('sign-out').addEventListener('click', () => {
    window.sessionStorage.removeItem(TOKEN_KEY);
    window.location.reload();
  });
  $('banner-retry').addEventListener('click', () => {
    attempt = 0;
    void start();
  });
  for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('.periods button'))) {
    button.addEventListener('click', () => {
      const p = button.dataset.period as typeof period;
      if (p === period) return;
      period = p;
      for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('.periods button'))) {
        b.setAttribute('aria-pressed', String(b === button));
      }
      void loadPeriod(p);
    });
  }
  // Durations in the alert list age while the page is open.
  setInterval(() => {
    if (activeAlerts.size > 0) renderActiveAlerts();
    if (lastSnapshot && period === 'live')
      setCaption(live.t.length ? `last ${fmtAgo((lastTime() - (live.t[0] ?? 0)) * 1000)}` : '');
  }, 10_000);
  void start();
}

init();
