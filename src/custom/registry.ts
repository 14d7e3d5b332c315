// The monitor's custom metrics: creation (names checked, one kind per name), the `custom` group of
// each snapshot, the per-bucket figures history keeps and the since-start figures Prometheus shows.

import type * as hdr from 'hdr-histogram-js';
import { SysvitalsError } from '../errors.js';
import { BUILTIN_NAMES, exposedFamily, familyNames, pluginFamilyPrefix } from './builtin-families.js';
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
  | { type: 'histogram'; histogram: hdr.Histogram; sum: number; lo?: number; hi?: number };

/** The registry of a monitor's custom metrics (at most 100 unless configured): one kind per name. */
export class CustomMetrics {
  private readonly metrics = new Map<string, CustomMetric>();
  /** Every exposition name a metric takes (builtin-families.ts familyNames), and that metric. */
  private readonly taken = new Map<string, CustomMetric>();
  /** The family prefix of each collector plugin (`plugin_<name>_`), by plugin name. */
  private readonly plugins = new Map<string, string>();
  /**
   * Called with each new metric before it is registered; a throw refuses the declaration (nothing registered). The
   * monitor checks it against its alert rules here.
   * @internal
   */
  onDeclare: ((metric: CustomMetric) => void) | undefined;

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

  /**
   * The `custom` group: every metric by name, in creation order. `close` false (a read): counters' rates stay
   * those of the interval the last sample ended (Counter.snapshot). `collect` false: gauges' collect() callbacks
   * are not run, their values are those last collected (a read with sampling on).
   */
  snapshot(now: number, close = true, collect = close): Record<string, CustomMetricSnapshot> {
    const out: Record<string, CustomMetricSnapshot> = {};
    for (const [name, m] of this.metrics) {
      if (m.type === 'counter') out[name] = m.snapshot(now, close);
      else out[name] = m.type === 'gauge' ? m.snapshot(collect) : m.snapshot(now);
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
        out.set(name, { type: 'histogram', histogram: b.histogram, sum: b.sum, lo: b.lo, hi: b.hi });
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
    const names = exposedNames(metric);
    this.checkExposition(metric, names);
    this.onDeclare?.(metric);
    if (this.metrics.size >= this.maxMetrics) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_INVALID_METRIC',
        `sysvitals: at most ${this.maxMetrics} custom metrics per monitor; \`${name}\` would be one more. Use labels for variants of one metric.`,
      );
    }
    this.metrics.set(name, metric);
    for (const n of names) this.taken.set(n, metric);
    return metric;
  }

  /**
   * Registers collector plugins by name: their families (`plugin_<name>_…`) are then refused to custom
   * metrics, and a plugin whose families would meet an existing custom metric is refused here. The monitor
   * calls it with its `collectors`.
   * @internal
   */
  reservePlugins(names: readonly string[]): void {
    for (const plugin of names) {
      const start = pluginFamilyPrefix(plugin);
      for (const [n, m] of this.taken) {
        if (!n.startsWith(start)) continue;
        throw new SysvitalsError(
          'ERR_SYSVITALS_DUPLICATE_METRIC',
          `sysvitals: collector plugin \`${plugin}\` exposes its figures as \`<prefix>${start}…\` families, and ${m.type} \`${m.name}\` ` +
            `already takes \`<prefix>${n}\`; rename the plugin or the metric.`,
        );
      }
    }
    for (const plugin of names) this.plugins.set(plugin, pluginFamilyPrefix(plugin));
  }

  /** Refuses a new metric one of whose exposition names a built-in family, another metric or a plugin takes. */
  private checkExposition(metric: CustomMetric, names: readonly string[]): void {
    const what = `${metric.type} \`${metric.name}\` (Prometheus family \`<prefix>${exposedFamily(metric.name, metric.type)}\`)`;
    for (const n of names) {
      const builtin = BUILTIN_NAMES.get(n);
      if (builtin !== undefined) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_INVALID_METRIC',
          `sysvitals: ${what} would meet the built-in family \`<prefix>${builtin}\` at \`<prefix>${n}\` ` +
            '(two families of one name make the whole Prometheus scrape unparseable); pick another name.',
        );
      }
      const other = this.taken.get(n);
      if (other !== undefined) {
        throw new SysvitalsError(
          'ERR_SYSVITALS_DUPLICATE_METRIC',
          `sysvitals: ${what} would meet ${other.type} \`${other.name}\` (family \`<prefix>${exposedFamily(other.name, other.type)}\`) ` +
            `at \`<prefix>${n}\`; pick another name.`,
        );
      }
      for (const [plugin, start] of this.plugins) {
        if (!n.startsWith(start)) continue;
        throw new SysvitalsError(
          'ERR_SYSVITALS_INVALID_METRIC',
          `sysvitals: ${what}: \`<prefix>${n}\` is in the families of collector plugin \`${plugin}\` ` +
            `(\`<prefix>${start}…\`); pick another name.`,
        );
      }
    }
  }
}

/** The names a custom metric takes in the exposition: its family and its series (familyNames). */
function exposedNames(m: CustomMetric): string[] {
  return familyNames(exposedFamily(m.name, m.type), m.type);
}
