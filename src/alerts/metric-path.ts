// Metric paths into a snapshot: `process.event_loop_delay_p99_ms`, `custom.queue_depth`,
// `routes["GET /users/:id"].p95_ms`, `plugins.rabbitmq.queues["jobs"].messages`. Parsed once at
// setup; resolved against each snapshot without throwing.

export type PathSegment = string;

/** The segments of a path, or an error message saying what is wrong with it. */
export function parseMetricPath(path: string): PathSegment[] | string {
  const out: string[] = [];
  let i = 0;
  const ident = /[a-zA-Z_][a-zA-Z0-9_]*/y;
  while (i < path.length) {
    if (path[i] === '[') {
      const quote = path[i + 1];
      if (quote !== '"' && quote !== "'") return `expected a quoted key after \`[\` at ${i}`;
      const end = path.indexOf(`${quote}]`, i + 2);
      if (end < 0) return `unclosed \`[${quote}\` at ${i}`;
      out.push(path.slice(i + 2, end));
      i = end + 2;
    } else {
      if (out.length > 0) {
        if (path[i] !== '.') return `expected \`.\` or \`[\` at ${i}`;
        i++;
      }
      ident.lastIndex = i;
      const m = ident.exec(path);
      if (!m) return `expected a field name at ${i}`;
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out.length > 0 ? out : 'the path is empty';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** One step: an object's field, or an array item by `"METHOD /route"` (routes) or `name`/`mount`. */
export function step(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    return value.find((item) => {
      if (!isObject(item)) return false;
      if (
        typeof item.method === 'string' &&
        typeof item.route === 'string' &&
        `${item.method} ${item.route}` === key
      )
        return true;
      return item.name === key || item.mount === key;
    });
  }
  return isObject(value) ? value[key] : undefined;
}

const CUSTOM_TYPES = new Set(['counter', 'gauge', 'histogram']);
/** Figures over a window's values (avg, min, max, percentiles), undefined when it holds none. */
const WINDOW_STATISTIC = /^(avg|min|max|p\d+)(_ms)?$/;

/**
 * The number at `segments` in `snapshot`, or undefined. A custom metric resolves to its
 * `rate_per_second` (counters: a total never decreases, so a level on it would never clear) or its
 * `value` (gauges), or to the series whose labels match `labels`; a component reported `unknown`
 * yields undefined (unknown is never read as a value). `custom.<name>.value` reads a counter's total.
 */
export function resolveMetric(
  snapshot: unknown,
  segments: readonly string[],
  labels?: Readonly<Record<string, string>>,
): number | undefined {
  let v: unknown = snapshot;
  let counter = false;
  for (let i = 0; i < segments.length; i++) {
    if (isObject(v) && v.status === 'unknown') return undefined;
    // A statistic of an empty window (a histogram's p99, a route's p95_ms with count 0) is no reading, not 0.
    if (isObject(v) && v.count === 0 && WINDOW_STATISTIC.test(segments[i] as string)) return undefined;
    v = step(v, segments[i] as string);
    counter = isObject(v) && v.type === 'counter' && Array.isArray(v.series);
    if (isObject(v) && CUSTOM_TYPES.has(v.type as string) && Array.isArray(v.series) && labels) {
      const wanted = Object.entries(labels);
      v = (v.series as Record<string, unknown>[]).find((s) =>
        wanted.every(([k, val]) => (s.labels as Record<string, string> | undefined)?.[k] === val),
      );
    }
  }
  if (isObject(v) && v.status === 'unknown') return undefined;
  // A counter's total never decreases, so a rule on it could never clear: it reads the rate.
  if (counter && isObject(v)) v = v.rate_per_second;
  else if (isObject(v) && typeof v.value === 'number') v = v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
