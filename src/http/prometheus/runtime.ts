// Prometheus families for the runtime signals of the `process` group (event-loop utilisation, GC
// pauses, heap spaces, external memory, active resources, open descriptors) and the container limits.

import { type BuiltinFamily, BUILTIN_FAMILIES as F } from '../../custom/builtin-families.js';
import type { MetricsSnapshot } from '../../types.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/**
 * A built-in family's `# HELP`/`# TYPE` lines followed by its samples, each given as what follows the name
 * (`{labels} value` or ` value`); nothing when it has no sample.
 */
export function family(out: string[], prefix: string, f: BuiltinFamily, samples: readonly string[]): void {
  if (samples.length === 0) return;
  const name = prefix + f.name;
  out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
  for (const s of samples) out.push(name + s);
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
    family(out, prefix, F.eventloop_utilization_ratio, [` ${num(p.event_loop_utilization_percent / 100)}`]);
    const gc = Object.entries(p.gc ?? {});
    family(
      out,
      prefix,
      F.gc_pauses,
      gc.map(([kind, g]) => `{kind="${kind}"} ${num(g.count)}`),
    );
    family(
      out,
      prefix,
      F.gc_pause_seconds,
      gc.map(([kind, g]) => `{kind="${kind}"} ${ms(g.total_ms)}`),
    );
    family(
      out,
      prefix,
      F.gc_pause_max_seconds,
      gc.map(([kind, g]) => `{kind="${kind}"} ${ms(g.max_ms)}`),
    );
    const spaces = Object.entries(p.heap_spaces ?? {});
    family(
      out,
      prefix,
      F.heap_space_used_bytes,
      spaces.map(([space, v]) => `{space="${esc(space)}"} ${v.used_bytes ?? Math.round(v.used_mb * MIB)}`),
    );
    family(
      out,
      prefix,
      F.heap_space_size_bytes,
      spaces.map(([space, v]) => `{space="${esc(space)}"} ${v.size_bytes ?? Math.round(v.size_mb * MIB)}`),
    );
    family(out, prefix, F.external_memory_bytes, [` ${p.external_bytes ?? Math.round(p.external_mb * MIB)}`]);
    // Null in a cluster view when a live worker did not report it: no sample rather than a partial sum.
    const arrayBuffers =
      p.array_buffers_bytes ?? (p.array_buffers_mb === null ? null : Math.round(p.array_buffers_mb * MIB));
    family(out, prefix, F.array_buffers_bytes, arrayBuffers === null ? [] : [` ${arrayBuffers}`]);
    family(
      out,
      prefix,
      F.active_resources,
      Object.entries(p.active_resources ?? {}).map(([type, n]) => `{type="${esc(type)}"} ${num(n)}`),
    );
    if (typeof p.open_fds === 'number') {
      family(out, prefix, F.process_open_fds, [` ${p.open_fds}`]);
    }
  }
  const limit = s.memory?.limit_gb;
  if (typeof limit === 'number') {
    // Under a container limit the memory group's total is the limit, in exact bytes (limit_gb is rounded).
    const bytes = s.memory.total_bytes ?? Math.round(limit * GIB);
    family(out, prefix, F.container_memory_limit_bytes, [` ${bytes}`]);
  }
  const cores = s.cpu?.limit_cores;
  if (typeof cores === 'number') {
    family(out, prefix, F.container_cpu_limit_cores, [` ${num(cores)}`]);
  }
}
