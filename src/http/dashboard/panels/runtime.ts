// The runtime panel: requests in flight and load shedding, event-loop delay and utilisation, GC pauses
// by kind, heap and its spaces, external memory, active resources, open fds and the container's limits.

import type { MetricsSnapshot } from '../../../types.js';
import { $, h } from '../dom.js';
import { fmtBytes, fmtMs, fmtNumber, fmtPercent } from '../format.js';
import { cell, type Figure, figureList, table } from './figures.js';

const mb = (v: number | null) => (v === null ? '—' : fmtBytes(v * 1024 * 1024));

function section(title: string, ...content: HTMLElement[]): HTMLElement {
  const box = h('div', 'runtime-section');
  box.append(h('h3', undefined, title), ...content);
  return box;
}

function load(s: MetricsSnapshot): HTMLElement {
  const r = s.requests;
  const shedding = r.shedding ?? null;
  const rows: Figure[] = [
    {
      label: 'In flight',
      text: r.in_flight === undefined ? '–' : fmtNumber(r.in_flight, 0),
      field: 'requests.in_flight',
      value: r.in_flight ?? null,
    },
    {
      label: 'Shed since start',
      text: r.shed_total === undefined ? '–' : fmtNumber(r.shed_total, 0),
      field: 'requests.shed_total',
      value: r.shed_total ?? null,
    },
    { label: 'Shedding load', text: shedding ? 'yes' : 'no', field: 'requests.shedding', value: shedding },
  ];
  const box = section('Requests', figureList(rows));
  box.dataset.shedding = String(shedding !== null);
  if (shedding) box.append(h('p', 'shed-reason', shedding));
  return box;
}

function loop(p: MetricsSnapshot['process']): HTMLElement {
  return section(
    'Event loop',
    figureList([
      ...(['p50', 'p99', 'max'] as const).map((k) => ({
        label: `Delay ${k}`,
        text: fmtMs(p[`event_loop_delay_${k}_ms`]),
        field: `process.event_loop_delay_${k}_ms`,
        value: p[`event_loop_delay_${k}_ms`],
      })),
      {
        label: 'Utilisation',
        text: fmtPercent(p.event_loop_utilization_percent),
        field: 'process.event_loop_utilization_percent',
        value: p.event_loop_utilization_percent,
      },
    ]),
  );
}

function gc(p: MetricsSnapshot['process']): HTMLElement {
  const kinds = Object.entries(p.gc ?? {});
  return section(
    'GC pauses (last sample interval)',
    table(
      ['kind', 'count', 'total', 'max'],
      kinds.map(([kind, g]) => [
        kind,
        cell(fmtNumber(g.count, 0), `process.gc.${kind}.count`, g.count),
        cell(fmtMs(g.total_ms), `process.gc.${kind}.total_ms`, g.total_ms),
        cell(fmtMs(g.max_ms), `process.gc.${kind}.max_ms`, g.max_ms),
      ]),
    ),
  );
}

function memory(p: MetricsSnapshot['process']): HTMLElement {
  const fields = [
    ['Heap used', 'heap_used_mb'],
    ['Heap total', 'heap_total_mb'],
    ['External', 'external_mb'],
    ['Array buffers', 'array_buffers_mb'],
    ['RSS', 'rss_mb'],
  ] as const;
  const spaces = Object.entries(p.heap_spaces ?? {});
  return section(
    'Memory',
    figureList(fields.map(([label, f]) => ({ label, text: mb(p[f]), field: `process.${f}`, value: p[f] }))),
    table(
      ['heap space', 'used', 'size'],
      spaces.map(([name, sp]) => [
        name,
        cell(mb(sp.used_mb), `process.heap_spaces.${name}.used_mb`, sp.used_mb),
        cell(mb(sp.size_mb), `process.heap_spaces.${name}.size_mb`, sp.size_mb),
      ]),
    ),
  );
}

function resources(s: MetricsSnapshot): HTMLElement {
  const p = s.process;
  const rows: Figure[] = [
    {
      label: 'Open file descriptors',
      text: p.open_fds === null ? 'not readable' : fmtNumber(p.open_fds, 0),
      field: 'process.open_fds',
      value: p.open_fds,
    },
    ...Object.entries(p.active_resources ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([type, n]) => ({
        label: type,
        text: fmtNumber(n, 0),
        field: `process.active_resources.${type}`,
        value: n,
      })),
  ];
  // The container's limits only when there is one (cgroup v2, or process.constrainedMemory()).
  if (s.cpu.limit_cores !== null && s.cpu.limit_cores !== undefined)
    rows.push({
      label: 'Container CPU limit',
      text: `${fmtNumber(s.cpu.limit_cores, 2)} cores`,
      field: 'cpu.limit_cores',
      value: s.cpu.limit_cores,
    });
  if (s.memory.limit_gb !== null && s.memory.limit_gb !== undefined)
    rows.push({
      label: 'Container memory limit',
      text: fmtBytes(s.memory.limit_gb * 1024 ** 3),
      field: 'memory.limit_gb',
      value: s.memory.limit_gb,
    });
  return section('Resources', figureList(rows));
}

/** Re-renders the runtime panel from a snapshot. */
export function renderRuntimePanel(s: MetricsSnapshot): void {
  const grid = $('runtime-grid');
  $('runtime').dataset.timestamp = s.timestamp;
  const p = s.process;
  if (!p || p.error || p.status === 'unknown') {
    grid.replaceChildren(
      load(s),
      h('p', 'empty', `Process figures unavailable${p?.error ? `: ${p.error}` : ''}.`),
    );
    return;
  }
  grid.replaceChildren(load(s), loop(p), gc(p), memory(p), resources(s));
}
