// The monitor's custom metrics: creation (names checked, one kind per name), the `custom` group of
// each snapshot, the per-bucket figures history keeps and the since-start figures Prometheus shows.

import type * as hdr from 'hdr-histogram-js';
import { SysvitalsError } from '../errors.js';
import { Counter, type CounterOptions } from './counter.js';
import { Gauge, type GaugeOptions } from './gauge.js';
import { CustomHistogram, type HistogramOptions } from './histogram.js';
import type { CustomMetricSnapshot } from './types.js';

/** Any custom metric: a Counter, Gauge or CustomHistogram. */
export type CustomMetric = Counter | Gauge | CustomHistogram;

/** Custom metrics per registry unless told otherwise: each one is a panel, a family and a history series. */
export const DEFAULT_MAX_CUSTOM_METRICS = 100;

/** One metric's contribution to a history bucket. */
export type CustomBucketEntry =
  | { type: 'counter'; increase: number }
  | { type: 'histogram'; histogram: hdr.Histogram; sum: number };

/** The registry of a monitor's custom metrics (at most 100 unless configured): one kind per name. */
export class CustomMetrics {
  private readonly metrics = new Map<string, CustomMetric>();

  /** `now`: the monitor's clock, read when a counter is created (the start of its first rate interval). */
  constructor(
    private readonly windowMs = 60_000,
    private readonly maxMetrics = DEFAULT_MAX_CUSTOM_METRICS,
    private readonly now: () => number = () => Number.NaN,
  ) {}

  /** Creates the counter `name`, or returns it if it exists; throws if the name holds another kind. */
  counter(name: string, options?: CounterOptions): Counter {
    return this.register(name, 'counter', () => new Counter(name, options, this.startTime()));
  }

  /** Creates the gauge `name`, or returns it if it exists; throws if the name holds another kind. */
  gauge(name: string, options?: GaugeOptions): Gauge {
    return this.register(name, 'gauge', () => new Gauge(name, options));
  }

  /** Creates the histogram `name`, or returns it if it exists; throws if the name holds another kind. */
  histogram(name: string, options?: HistogramOptions): CustomHistogram {
    return this.register(name, 'histogram', () => new CustomHistogram(name, options, this.windowMs));
  }

  // The clock's time, or NaN if it throws (the counter's first rate then waits for a second snapshot).
  private startTime(): number {
    try {
      return this.now();
    } catch {
      return Number.NaN;
    }
  }

  get size(): number {
    return this.metrics.size;
  }

  /** Metric names in creation order. */
  names(): string[] {
    return [...this.metrics.keys()];
  }

  /** The metric named `name`, or undefined. */
  get(name: string): CustomMetric | undefined {
    return this.metrics.get(name);
  }

  /** The `custom` group: every metric by name, in creation order. */
  snapshot(now: number): Record<string, CustomMetricSnapshot> {
    const out: Record<string, CustomMetricSnapshot> = {};
    for (const [name, m] of this.metrics) {
      out[name] = m.type === 'gauge' ? m.snapshot() : m.snapshot(now);
    }
    return out;
  }

  /** Counters' increases and histograms' values since the previous call (gauges are read from samples). */
  takeBucket(now: number): Map<string, CustomBucketEntry> {
    const out = new Map<string, CustomBucketEntry>();
    for (const [name, m] of this.metrics) {
      if (m.type === 'counter') {
        let increase = 0;
        for (const s of m.takeBucket()) increase += s.increase;
        out.set(name, { type: 'counter', increase });
      } else if (m.type === 'histogram') {
        const b = m.takeBucket(now);
        out.set(name, { type: 'histogram', histogram: b.histogram, sum: b.sum });
      }
    }
    return out;
  }

  /**
   * Recordings ignored since start by every custom metric (an amount that is not a number, NaN, negative where
   * it must not be, infinite, too large; label values that threw): `dropped_observations.custom_histograms`,
   * which counts counters and gauges too (the source kept its name: renaming it would break dashboards).
   */
  droppedValues(): number {
    let n = 0;
    for (const m of this.metrics.values()) n += m.dropped;
    return n;
  }

  /** Every metric, for the Prometheus serializer. */
  all(): IterableIterator<CustomMetric> {
    return this.metrics.values();
  }

  private register<T extends CustomMetric>(name: string, type: T['type'], create: () => T): T {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_DUPLICATE_METRIC',
          `sysvitals: custom metric \`${name}\` already exists as a ${existing.type}; pick another name for the ${type}.`,
        );
      }
      // The same declaration again (a module loaded twice, a hot reload) gets the same metric.
      const again = create();
      if (JSON.stringify(again.config) !== JSON.stringify(existing.config)) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_DUPLICATE_METRIC',
          `sysvitals: ${type} \`${name}\` already exists with other options (help, labels or buckets).`,
        );
      }
      return existing as T;
    }
    const metric = create();
    if (this.metrics.size >= this.maxMetrics) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_INVALID_METRIC',
        `sysvitals: at most ${this.maxMetrics} custom metrics per monitor; \`${name}\` would be one more. Use labels for variants of one metric.`,
      );
    }
    this.metrics.set(name, metric);
    return metric;
  }
}
