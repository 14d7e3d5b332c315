// The shapes custom metrics take in a snapshot (`custom.<name>`), the stream and the HTTP API.

/** The kinds of custom metric. */
export type CustomMetricType = 'counter' | 'gauge' | 'histogram';

/** One label set of a counter. */
export interface CounterSeries {
  labels: Record<string, string>;
  /** Since start. */
  value: number;
  /**
   * Increase per second over the last interval between snapshots (at least a second; the first from the
   * counter's creation); null while no interval is known.
   */
  rate_per_second: number | null;
}

/** A counter in a snapshot (`custom.<name>`): totals since start and rates per second. */
export interface CounterSnapshot {
  type: 'counter';
  help: string;
  labels: string[];
  /** Sum over every label set, since start. */
  value: number;
  /** Sum of the series' rates; null while no interval is known. */
  rate_per_second: number | null;
  series: CounterSeries[];
}

/** One label set of a gauge. */
export interface GaugeSeries {
  labels: Record<string, string>;
  value: number;
  /** True when this set's last reading failed and it shows its last value (`error` says why); absent otherwise. */
  stale?: true;
}

/** A gauge in a snapshot (`custom.<name>`). */
export interface GaugeSnapshot {
  type: 'gauge';
  help: string;
  labels: string[];
  /**
   * The value (with labels: the sum over label sets); `null` for a `collect()` gauge whose callback has returned no
   * reading yet (a read before the first sample, or every call so far threw): nothing was read, not 0.
   */
  value: number | null;
  /** Per label set (none while `value` is `null`). */
  series: GaugeSeries[];
  /** Set when the gauge's callback threw or returned something other than a number. */
  error?: string;
}

/**
 * Figures of recorded values over the window (`count_total`/`sum_total` since start). With no value in the window
 * (`count` 0) avg, min, max and the percentiles are null: no reading, not 0.
 */
export interface HistogramFigures {
  count: number;
  sum: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  count_total: number;
  sum_total: number;
}

export interface HistogramSeries extends HistogramFigures {
  labels: Record<string, string>;
}

export interface HistogramSnapshot extends HistogramFigures {
  type: 'histogram';
  help: string;
  labels: string[];
  series: HistogramSeries[];
}

/** Any custom metric in a snapshot, told apart by `type`. */
export type CustomMetricSnapshot = CounterSnapshot | GaugeSnapshot | HistogramSnapshot;
