// Prometheus families for the runtime signals of the `process` group (event-loop utilisation, GC
// pauses, heap spaces, external memory, active resources, open descriptors) and the container limits.

import type { MetricsSnapshot } from '../../types.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** A family's `# HELP`/`# TYPE` lines followed by its samples; nothing when it has no sample. */
export function family(
  out: string[],
  name: string,
  type: 'gauge' | 'counter',
  help: string,
  samples: readonly string[],
): void {
  if (samples.length === 0) return;
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
}

/** Label value escaping of the text format: backslash, double quote and line feed. */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : 'NaN');

/** Appends the runtime and container families to `out`. */
export function renderRuntime(out: string[], s: MetricsSnapshot, prefix: string): void {
  const p = s.process;
  if (p && p.status !== 'unknown') {
    const ms = (v: number) => num(Math.round(v * 1000) / 1e6);
    family(
      out,
      `${prefix}eventloop_utilization_ratio`,
      'gauge',
      'Share of the last sample interval the event loop was busy (0-1).',
      [`${prefix}eventloop_utilization_ratio ${num(p.event_loop_utilization_percent / 100)}`],
    );
    const gc = Object.entries(p.gc ?? {});
    family(
      out,
      `${prefix}gc_pauses`,
      'gauge',
      'Garbage-collection pauses in the last sample interval, by kind.',
      gc.map(([kind, g]) => `${prefix}gc_pauses{kind="${kind}"} ${num(g.count)}`),
    );
    family(
      out,
      `${prefix}gc_pause_seconds`,
      'gauge',
      'Time spent in garbage-collection pauses in the last sample interval, by kind.',
      gc.map(([kind, g]) => `${prefix}gc_pause_seconds{kind="${kind}"} ${ms(g.total_ms)}`),
    );
    family(
      out,
      `${prefix}gc_pause_max_seconds`,
      'gauge',
      'Longest garbage-collection pause in the last sample interval, by kind.',
      gc.map(([kind, g]) => `${prefix}gc_pause_max_seconds{kind="${kind}"} ${ms(g.max_ms)}`),
    );
    const spaces = Object.entries(p.heap_spaces ?? {});
    family(
      out,
      `${prefix}heap_space_used_bytes`,
      'gauge',
      'V8 heap space in use, by space.',
      spaces.map(
        ([space, v]) =>
          `${prefix}heap_space_used_bytes{space="${esc(space)}"} ${v.used_bytes ?? Math.round(v.used_mb * MIB)}`,
      ),
    );
    family(
      out,
      `${prefix}heap_space_size_bytes`,
      'gauge',
      'V8 heap space allocated, by space.',
      spaces.map(
        ([space, v]) =>
          `${prefix}heap_space_size_bytes{space="${esc(space)}"} ${v.size_bytes ?? Math.round(v.size_mb * MIB)}`,
      ),
    );
    family(out, `${prefix}external_memory_bytes`, 'gauge', 'Memory of C++ objects bound to JS objects.', [
      `${prefix}external_memory_bytes ${p.external_bytes ?? Math.round(p.external_mb * MIB)}`,
    ]);
    // Null in a cluster view when a live worker did not report it: no sample rather than a partial sum.
    const arrayBuffers =
      p.array_buffers_bytes ?? (p.array_buffers_mb === null ? null : Math.round(p.array_buffers_mb * MIB));
    family(
      out,
      `${prefix}array_buffers_bytes`,
      'gauge',
      'Memory of ArrayBuffers and Buffers.',
      arrayBuffers === null ? [] : [`${prefix}array_buffers_bytes ${arrayBuffers}`],
    );
    family(
      out,
      `${prefix}active_resources`,
      'gauge',
      'Resources keeping the event loop alive, by type.',
      Object.entries(p.active_resources ?? {}).map(
        ([type, n]) => `${prefix}active_resources{type="${esc(type)}"} ${num(n)}`,
      ),
    );
    if (typeof p.open_fds === 'number') {
      family(out, `${prefix}process_open_fds`, 'gauge', 'Open file descriptors of the process.', [
        `${prefix}process_open_fds ${p.open_fds}`,
      ]);
    }
  }
  const limit = s.memory?.limit_gb;
  if (typeof limit === 'number') {
    // Under a container limit the memory group's total is the limit, in exact bytes (limit_gb is rounded).
    const bytes = s.memory.total_bytes ?? Math.round(limit * GIB);
    family(out, `${prefix}container_memory_limit_bytes`, 'gauge', 'Memory limit of the container.', [
      `${prefix}container_memory_limit_bytes ${bytes}`,
    ]);
  }
  const cores = s.cpu?.limit_cores;
  if (typeof cores === 'number') {
    family(out, `${prefix}container_cpu_limit_cores`, 'gauge', 'CPU quota of the container, in cores.', [
      `${prefix}container_cpu_limit_cores ${num(cores)}`,
    ]);
  }
}
