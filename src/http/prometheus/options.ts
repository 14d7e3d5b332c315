// Options of the Prometheus endpoint (metric prefix, latency buckets) and their parsing into a frozen config.

import { invalidOption } from '../../errors.js';

/** Public options of the Prometheus endpoint (all optional). */
export interface PrometheusOptions {
  /**
   * Prepended to every metric name; must match the metric-name regex `[a-zA-Z_:][a-zA-Z0-9_:]*` (or be empty).
   * @defaultValue `'sysvitals_'`
   */
  prefix?: string;
  /**
   * Upper bounds (seconds, strictly increasing, finite, > 0) of the latency histogram buckets,
   * for requests and for `@timed` functions. `+Inf` is always added.
   * @defaultValue `[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]` (prom-client's)
   */
  buckets?: readonly number[];
}

export interface PrometheusConfig {
  readonly prefix: string;
  readonly buckets: readonly number[];
}

/** prom-client's defaults, the buckets most Grafana latency panels expect. */
export const DEFAULT_PROMETHEUS_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** The content type Prometheus asks for with `Accept: text/plain;version=0.0.4`. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// From https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const KNOWN_OPTIONS = new Set(['prefix', 'buckets']);

export function parsePrometheusOptions(options: PrometheusOptions = {}): PrometheusConfig {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('prometheus options must be an object like `{ prefix: "sysvitals_" }`.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw invalidOption(
        `Unknown prometheus option \`${key}\`; the options are \`prefix\` and \`buckets\`.`,
      );
    }
  }
  const prefix = options.prefix ?? 'sysvitals_';
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw invalidOption(
      `prometheus.prefix ${JSON.stringify(prefix)} is not a valid metric name prefix: use letters, digits, ` +
        '`_` or `:`, not starting with a digit (for example `myapp_`).',
    );
  }
  const buckets = options.buckets ?? DEFAULT_PROMETHEUS_BUCKETS;
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw invalidOption('prometheus.buckets must be a non-empty array of upper bounds in seconds.');
  }
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0) {
      throw invalidOption(
        `prometheus.buckets[${i}] is ${String(b)}: each bound must be a finite number of seconds above 0 ` +
          '(`+Inf` is added for you).',
      );
    }
    if (i > 0 && b <= (buckets[i - 1] as number)) {
      throw invalidOption(`prometheus.buckets must be strictly increasing; ${b} follows ${buckets[i - 1]}.`);
    }
  }
  return Object.freeze({ prefix, buckets: Object.freeze([...buckets]) });
}
