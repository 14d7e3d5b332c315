// The components panel: one row per metric group with its status and current value.

import { shownErrorRatePercent } from '../../../alerts/shown-error-rate.js';
import type { ComponentStatus, MetricsSnapshot } from '../../../types.js';
import { $, h } from '../dom.js';
import { fmtBytesRate, fmtMs, fmtPercent, fmtRate, fmtTime } from '../format.js';

export interface ComponentRow {
  key: string;
  label: string;
  status: ComponentStatus;
  value: string;
  title?: string;
}

/** A probe's figure: its round trip; without one, what was seen (the pool, not the database, when it was the pool). */
export function probeValue(group: {
  response_time_ms: number | null;
  status: ComponentStatus;
  error?: string;
  pool_exhausted?: boolean;
  pool_stuck?: boolean;
}): string {
  if (group.response_time_ms != null) return fmtMs(group.response_time_ms);
  if (group.pool_stuck) return 'pool held';
  if (group.pool_exhausted) return 'pool exhausted';
  if (group.error) return 'down';
  return 'not configured';
}

/**
 * Why the errors status is what it is when the rate alone does not say: not judged (the reason), or judged below
 * minRequests on the 95 % Wilson lower bound (README Alerts: One status everywhere).
 */
export function errorsTitle(errors: MetricsSnapshot['errors']): string | undefined {
  if (errors.reason) return errors.reason;
  if (typeof errors.error_rate_lower_percent !== 'number') return undefined;
  return `fewer than minRequests requests: judged on the 95 % lower bound of the error rate, ${fmtPercent(errors.error_rate_lower_percent)}`;
}

export function componentRows(s: MetricsSnapshot): ComponentRow[] {
  const errorRate = shownErrorRatePercent(s.errors); // RT41-3: the figure the status was judged on
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
      value: errorRate === null ? '–' : fmtPercent(errorRate),
      title: errorsTitle(s.errors),
    },
    {
      key: 'latency',
      label: 'Latency',
      status: s.latency.status,
      value: s.latency.p95_ms === null ? 'p95 –' : `p95 ${fmtMs(s.latency.p95_ms)}`,
    },
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

export function renderComponents(s: MetricsSnapshot): void {
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
