// The chart panels of the dashboard: one entry per chart (add a chart by adding an entry).

import type { ChartDef } from '../chart.js';

export const CHARTS: ChartDef[] = [
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
