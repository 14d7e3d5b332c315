// Custom metrics in a scrape that crosses the socket: their since-start figures as plain data on the
// aggregator, read back on the asking worker as objects the Prometheus serializer reads like metrics.

import type { CustomMetric } from '../custom/registry.js';

/** One custom metric's since-start figures. */
export type CustomPromWire =
  | {
      t: 'counter';
      name: string;
      help: string;
      series: Array<{ labels: Record<string, string>; value: number }>;
    }
  | {
      t: 'gauge';
      name: string;
      help: string;
      series: Array<{ labels: Record<string, string>; value: number }>;
    }
  | {
      t: 'histogram';
      name: string;
      help: string;
      buckets: number[];
      series: Array<{ labels: Record<string, string>; sum: number; count: number; le: number[] }>;
    };

/** A registry's metrics as plain data (a gauge as last set or sampled: no collect() of yours). */
export function customToWire(metrics: Iterable<CustomMetric>, now: number): CustomPromWire[] {
  const out: CustomPromWire[] = [];
  for (const m of metrics) {
    if (m.type === 'counter')
      out.push({ t: 'counter', name: m.name, help: m.config.help, series: m.totals() });
    else if (m.type === 'gauge') {
      const series = m.snapshot(false).series.map((s) => ({ labels: s.labels, value: s.value }));
      out.push({ t: 'gauge', name: m.name, help: m.config.help, series });
    } else {
      out.push({
        t: 'histogram',
        name: m.name,
        help: m.config.help,
        buckets: [...m.config.buckets],
        series: m.totals(now).map((s) => ({
          labels: s.labels,
          sum: s.sum,
          count: s.histogram.totalCount,
          le: Array.from(s.buckets),
        })),
      });
    }
  }
  return out;
}

/**
 * The figures read back as what the serializer reads of a metric (type, name, help, buckets, and
 * totals() or snapshot().series), nothing more: they are not metrics one can record into.
 */
export function customFromWire(wire: readonly CustomPromWire[]): CustomMetric[] {
  return wire.map((w) => {
    if (w.t === 'counter')
      return { type: 'counter', name: w.name, config: { help: w.help }, totals: () => w.series };
    if (w.t === 'gauge')
      return {
        type: 'gauge',
        name: w.name,
        config: { help: w.help },
        snapshot: () => ({ series: w.series }),
      };
    return {
      type: 'histogram',
      name: w.name,
      config: { help: w.help, buckets: w.buckets },
      totals: () =>
        w.series.map((s) => ({
          labels: s.labels,
          sum: s.sum,
          buckets: Float64Array.from(s.le),
          histogram: { totalCount: s.count },
        })),
    };
  }) as unknown as CustomMetric[];
}
