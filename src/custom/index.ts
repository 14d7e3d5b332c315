// Custom metrics: counters, gauges and histograms declared by the application.

export type { BoundCounter, CounterOptions } from './counter.js';
export { Counter } from './counter.js';
export type { BoundGauge, GaugeOptions, GaugeReading } from './gauge.js';
export { Gauge } from './gauge.js';
export type { BoundHistogram, HistogramOptions } from './histogram.js';
export { CustomHistogram, DEFAULT_CUSTOM_BUCKETS } from './histogram.js';
export type { HistogramCounts } from './histogram-delta.js';
export type { LabelValues } from './label-sets.js';
export type { MetricOptionsBase } from './names.js';
export { type CustomBucketEntry, type CustomMetric, CustomMetrics } from './registry.js';
export type * from './types.js';
