// The dashboard page's entry (runs in the browser): sign-in, the live stream and reconnection, history periods, wiring of the panels.

import type { Alert, AlertEvent, AlertRecord } from '../../alerts/alert.js';
import type { HistoryResult } from '../../history/point.js';
import type { HealthStatus, MetricsSnapshot } from '../../types.js';
import { addScores, anomalyKey, setAnomalyLearning, setAnomalyThreshold } from './anomaly.js';
import { API_BASE, ApiError, api, storedToken, TOKEN_KEY } from './api-client.js';
import { hideBanner, setConn, showBanner } from './connection.js';
import { $ } from './dom.js';
import { fmtAgo } from './format.js';
import {
  charts,
  historyColumns,
  LIVE_SEED_MS,
  lastTime,
  live,
  pushLive,
  renderLive,
  setCaption,
} from './live-view.js';
import { activeAlerts, renderActiveAlerts, renderAlertHistory, toast } from './panels/alerts.js';
import { startCapacity } from './panels/capacity.js';
import { CHARTS } from './panels/charts.js';
import { renderComponents } from './panels/components.js';
import { renderCustomPanels } from './panels/custom.js';
import { renderHealth, renderScope } from './panels/health.js';
import { loadNotifications } from './panels/notifications.js';
import { loadProfiling } from './panels/profiling.js';
import { renderRuntimePanel } from './panels/runtime.js';

// ---------------------------------------------------------------------------------------------------------------
// State (the live view and the panels keep theirs in live-view.ts and panels/)

let period: 'live' | '1h' | '24h' | '7d' = 'live';
let lastSnapshot: MetricsSnapshot | undefined;
let lastSampleAt = 0;
let sampleIntervalMs = 5000;

// ---------------------------------------------------------------------------------------------------------------
// Connection state, banner, sign-in

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
  // The server ends a stream when the access token it was opened with expires: take a fresh one and
  // carry on, with no "interrupted" banner (closing first also keeps onerror out of it).
  source.addEventListener('token_expired', () => {
    if (stream !== source) return;
    source.close();
    stream = undefined;
    void start();
  });
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
  // Channel status and silences change with alerts; a failure here must not stop the alert panel.
  void loadNotifications().catch(() => {});
  void loadProfiling().catch(() => {});
}

let profilingAt = 0;

function onMetrics(s: MetricsSnapshot): void {
  startCapacity();
  // The routes, queries and jobs tables follow the samples, at most every 10 s.
  if (Date.now() - profilingAt >= 10_000) {
    profilingAt = Date.now();
    void loadProfiling().catch(() => {});
  }
  const t = Date.parse(s.timestamp) / 1000;
  if (lastSampleAt > 0 && t > lastSampleAt) {
    // Smoothed estimate of the sample interval, for the watchdog.
    sampleIntervalMs = Math.round(sampleIntervalMs * 0.7 + (t - lastSampleAt) * 1000 * 0.3);
  }
  lastSnapshot = s;
  // Scores first: the panels below shade their samples with them.
  const a = s.anomaly;
  const relearn = setAnomalyLearning(a?.minutes_to_first_score);
  const shadeAgain = setAnomalyThreshold(a?.threshold);
  if (shadeAgain || relearn) showAnomalyKey();
  if (shadeAgain) for (const chart of charts) chart.shade(true);
  const scoredNew = a?.scored_at ? addScores(Date.parse(a.scored_at) / 1000, a.scores) : false;
  renderComponents(s);
  renderScope(s);
  renderCustomPanels(s);
  renderRuntimePanel(s);
  for (const chart of charts) chart.showNow(s);
  if (t > lastTime()) {
    lastSampleAt = t;
    pushLive(t, (c, i) => CHARTS[c]?.series[i]?.live(s) ?? null);
    if (period === 'live') renderLive();
  } else if (scoredNew && period === 'live') renderLive();
}

function showAnomalyKey(): void {
  const key = anomalyKey();
  $('anomaly-key').textContent = key.text;
  $('anomaly-key').title = key.title;
}

function onAlert(event: AlertEvent): void {
  if (event.type === 'cleared') activeAlerts.delete(event.alert.id);
  else activeAlerts.set(event.alert.id, event.alert);
  renderActiveAlerts();
  toast(event);
  refreshAlertsSoon();
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
    for (const chart of charts) {
      const { cols, scores } = historyColumns(chart.def, result);
      chart.setData(cols, span, scores);
    }
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
    for (const p of seed) {
      pushLive(p.t / 1000, (c, i) => CHARTS[c]?.series[i]?.history(p, result.step_seconds) ?? null);
      if (p.anomaly) addScores(p.t / 1000, p.anomaly, result.step_seconds);
    }
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
    showAnomalyKey();
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
