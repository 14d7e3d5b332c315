// Alert rules on any metric: `alerts: { rules: [{ name, metric, warning, critical, … }] }`. Each rule
// reads one number from the snapshot by path (src/alerts/metric-path.ts), checked at setup against
// the snapshot's known shape with did-you-mean, and feeds the engine the same observations as the
// built-in rules (pending `for`, hysteresis, escalation, history, webhook, health). A rule's `type`
// says how it reads its metric: 'threshold' today; other kinds register a parser in RULE_TYPES.

import { readDuration } from '../analytics/durations.js';
import type { PredictConfidence } from '../analytics/predict-observations.js';
import { parsePredictConfidence, parseSeverityHold } from '../analytics/rule-options.js';
import { MAX_LABEL_VALUE_LENGTH } from '../custom/names.js';
import { SysvitalsError } from '../errors.js';
import { didYouMean } from '../options/option-keys.js';
import type { MetricsSnapshot } from '../types.js';
import { parseMetricPath, resolveMetric } from './metric-path.js';
import type { AlertObservation, ObservationSource } from './observations.js';

/** A threshold rule on any snapshot figure (`alerts.metricRules`), e.g. a custom metric. */
export interface MetricRuleOptions {
  /** The rule's name: the alert's `rule`, unique, not a built-in rule's name. */
  name: string;
  /** A path into the snapshot: `custom.queue_depth`, `routes["GET /users/:id"].p95_ms`, … */
  metric: string;
  /** How the rule reads the metric. @defaultValue 'threshold' */
  type?: 'threshold';
  warning: number;
  /** @defaultValue none (warning only) */
  critical?: number;
  /** An active alert clears past this level. @defaultValue warning ∓ 10 % of |warning| */
  clear?: number;
  /** Pending time in ms. @defaultValue 0 */
  for?: number;
  /**
   * The severity hold, ms: a critical alert falls back to warning only once every reading for this long was past
   * its de-escalation level, and one that fell back escalates again only once every reading for this long was
   * critical (as the built-in level rules' `severityHoldMs`). 0 turns it off; at most a day. @defaultValue 60000
   */
  severityHoldMs?: number;
  /** A custom metric's label set to read (instead of the sum over label sets). */
  labels?: Record<string, string>;
  /** 'below' raises when the value falls to the level or under it. @defaultValue 'above' */
  direction?: 'above' | 'below';
  /** @defaultValue true */
  enabled?: boolean;
  /**
   * Alert (key `predict`) when the trend reaches the warning (or critical) level within this span,
   * such as '30m' or 1800000 (up to 7 days); in the rule's `direction`. @defaultValue none
   */
  predict?: string | number;
  /**
   * 'high' (the default): a prediction raises only on a slope noise alone could not show; 'normal': earlier, with
   * pages on flat noisy series now and then (as the level rules'). @defaultValue 'high'
   */
  predictConfidence?: PredictConfidence;
}

/** Snapshot groups keyed by a name of the user's or the traffic's: each key is a thing of its own. */
const KEYED_GROUPS = new Set(['custom', 'routes', 'plugins', 'functions', 'jobs']);

export interface MetricRuleConfig {
  readonly type: 'threshold';
  readonly name: string;
  readonly metric: string;
  readonly segments: readonly string[];
  readonly direction: 'above' | 'below';
  readonly warning: number;
  readonly critical: number;
  readonly clear: number;
  readonly deescalate: number;
  readonly for: number;
  /** The severity hold, ms (0: off). */
  readonly severityHoldMs: number;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly enabled: boolean;
  readonly component: string;
  /**
   * What a critical alert inhibits the warnings of (routing.inhibit): the component, or in a group of
   * unrelated things (custom metrics, routes, plugins, functions, jobs) the one thing the metric belongs to.
   */
  readonly inhibitScope: string;
  /** The predict horizon in ms, or null. */
  readonly predict: number | null;
  /** How sure a prediction's raise must be ('high' unless given). */
  readonly predictConfidence: PredictConfidence;
}

/** What setup knows of the snapshot: a template of the built-in groups and the plugin names. */
export interface SnapshotShape {
  readonly template: Readonly<Record<string, unknown>>;
  readonly plugins: readonly string[];
  /** Names a rule may not take (the built-in rules'). */
  readonly reserved: readonly string[];
}

const KEYS = [
  'name',
  'metric',
  'type',
  'warning',
  'critical',
  'clear',
  'for',
  'severityHoldMs',
  'labels',
  'direction',
  'enabled',
  'predict',
  'predictConfidence',
];
const CUSTOM_FIELDS = [
  'value',
  'rate_per_second',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'p50',
  'p90',
  'p95',
  'p99',
  'count_total',
  'sum_total',
];

function invalid(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_RULE', `sysvitals: ${message}`);
}
function unknownMetric(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_UNKNOWN_METRIC', `sysvitals: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Throws ERR_SYSVITALS_UNKNOWN_METRIC when the path cannot exist in a snapshot; `rule` names the option in it. */
export function checkMetricPath(
  rule: string,
  metric: string,
  segments: readonly string[],
  shape: SnapshotShape,
): void {
  const fail = (at: number, known: readonly string[]) => {
    const seg = segments[at] as string;
    const where = segments.slice(0, at).join('.') || 'the snapshot';
    throw unknownMetric(
      `${rule}: \`${metric}\` has no \`${seg}\` in ${where}.${didYouMean(seg, known, { scaled: true, prefixes: true })} ` +
        `Known: ${known.slice(0, 30).join(', ')}.`,
    );
  };
  const [group] = segments;
  const groups = [...Object.keys(shape.template), 'custom', 'plugins'];
  if (!groups.includes(group as string)) fail(0, groups);
  if (group === 'custom') {
    if (segments.length < 2 || segments.length > 3)
      throw unknownMetric(`${rule}: use \`custom.<name>\` or \`custom.<name>.p99\`.`);
    if (segments.length === 3 && !CUSTOM_FIELDS.includes(segments[2] as string)) fail(2, CUSTOM_FIELDS);
    return;
  }
  if (group === 'plugins') {
    if (segments.length < 3) throw unknownMetric(`${rule}: use \`plugins.<name>.<field>\`.`);
    if (!shape.plugins.includes(segments[1] as string)) fail(1, shape.plugins);
    return; // a plugin's fields are its own
  }
  let node: unknown = shape.template;
  for (let i = 0; i < segments.length; i++) {
    if (Array.isArray(node)) {
      // An array keyed by item (`routes["GET /x"]`, `disk.partitions["/"]`): any key, then the item's fields.
      node = node[0];
      continue;
    }
    if (!isObject(node)) fail(i, []);
    const obj = node as Record<string, unknown>;
    const keys = Object.keys(obj);
    // A record whose keys are only known at run time (functions, heap spaces, active resources).
    if (keys.length === 0 || (i > 0 && obj.__record === true)) return;
    if (!((segments[i] as string) in obj))
      fail(
        i,
        keys.filter((k) => k !== '__record'),
      );
    node = obj[segments[i] as string];
  }
  if (!(typeof node === 'number' || node === null || typeof node === 'boolean')) {
    const keys = isObject(node) ? Object.keys(node) : [];
    throw unknownMetric(
      `${rule}: \`${metric}\` is not a number.${keys.length ? ` Pick a field: ${keys.join(', ')}.` : ''}`,
    );
  }
}

function num(at: string, rule: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalid(`\`${at}.${key}\` (rule \`${rule}\`) must be a finite number, got ${String(v)}.`);
  return v;
}

/** Parsers by rule `type`: add a kind by adding a parser that returns its config. */
const RULE_TYPES: Record<
  string,
  (o: Record<string, unknown>, name: string, shape: SnapshotShape, at: string) => MetricRuleConfig
> = {
  threshold: parseThreshold,
};

function parseThreshold(
  o: Record<string, unknown>,
  name: string,
  shape: SnapshotShape,
  at: string,
): MetricRuleConfig {
  // Errors name the option as written (`alerts.rules[2].warning`) and the rule's name.
  const opt = (key: string) => `\`${at}.${key}\` (rule \`${name}\`)`;
  if (typeof o.metric !== 'string')
    throw invalid(`${opt('metric')} must be a path such as "custom.queue_depth".`);
  const segments = parseMetricPath(o.metric);
  if (typeof segments === 'string')
    throw unknownMetric(`${opt('metric')}: \`${o.metric}\` is not a metric path: ${segments}.`);
  checkMetricPath(opt('metric'), o.metric, segments, shape);
  const direction = o.direction ?? 'above';
  if (direction !== 'above' && direction !== 'below')
    throw invalid(`${opt('direction')} is 'above' or 'below'.`);
  const above = direction === 'above';
  const warning = num(at, name, 'warning', o.warning);
  const critical =
    o.critical === undefined ? (above ? Infinity : -Infinity) : num(at, name, 'critical', o.critical);
  if (above ? warning > critical : warning < critical) {
    throw invalid(
      `${opt('critical')}: with direction '${direction}', critical (${critical}) must be ${above ? '≥' : '≤'} warning (${warning}).`,
    );
  }
  const band = Math.abs(warning) * 0.1;
  const clear =
    o.clear === undefined ? (above ? warning - band : warning + band) : num(at, name, 'clear', o.clear);
  if (above ? clear > warning : clear < warning) {
    throw invalid(`${opt('clear')} (${clear}) must be ${above ? '≤' : '≥'} warning (${warning}).`);
  }
  const pending = o.for ?? 0;
  if (typeof pending !== 'number' || !Number.isFinite(pending) || pending < 0 || !Number.isInteger(pending))
    throw invalid(`${opt('for')} is a whole number of milliseconds ≥ 0, got ${String(pending)}.`);
  const hold = parseSeverityHold(opt('severityHoldMs'), o.severityHoldMs);
  let labels: Record<string, string> | undefined;
  if (o.labels !== undefined) {
    if (segments[0] !== 'custom')
      throw invalid(`${opt('labels')} selects a label set of a custom metric only.`);
    if (!isObject(o.labels) || Object.values(o.labels).some((v) => typeof v !== 'string')) {
      throw invalid(`${opt('labels')} must map label names to string values.`);
    }
    const long = Object.entries(o.labels).find(([, v]) => (v as string).length > MAX_LABEL_VALUE_LENGTH);
    if (long)
      throw invalid(
        `${opt('labels')}: the value of \`${long[0]}\` is over ${MAX_LABEL_VALUE_LENGTH} characters; a custom metric folds such a set into \`other\`, so the rule would never read it.`,
      );
    labels = Object.freeze({ ...(o.labels as Record<string, string>) });
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean')
    throw invalid(`${opt('enabled')} is true or false.`);
  let predict: number | null = null;
  if (o.predict !== undefined) {
    const ms = readDuration(o.predict);
    if (ms === null || ms <= 0 || ms > 7 * 24 * 3_600_000 || !Number.isInteger(ms))
      throw invalid(
        `${opt('predict')} is how far ahead to predict, such as '30m' or 1800000 (whole ms, up to 7 days), got ${JSON.stringify(o.predict) ?? String(o.predict)}.`,
      );
    predict = ms;
  }
  const confidence = parsePredictConfidence(
    opt('predictConfidence'),
    o.predictConfidence,
    opt('predict'),
    predict,
  );
  const gap = Math.abs(warning - clear);
  return Object.freeze({
    type: 'threshold',
    name,
    metric: o.metric,
    segments: Object.freeze([...segments]),
    direction,
    warning,
    critical,
    clear,
    deescalate: above ? critical - gap : critical + gap,
    for: pending,
    severityHoldMs: hold,
    labels,
    enabled: o.enabled ?? true,
    component: segments[0] === 'plugins' ? `plugins.${segments[1]}` : (segments[0] as string),
    // A label set of a custom metric is a thing of its own too (the sms queue is not the email queue).
    inhibitScope: KEYED_GROUPS.has(segments[0] as string)
      ? `${segments[0]}.${JSON.stringify(segments[1])}${labels ? JSON.stringify(Object.entries(labels).sort()) : ''}`
      : (segments[0] as string),
    predict,
    predictConfidence: confidence,
  });
}

/** Validates `alerts.rules` at setup. Throws coded errors; returns frozen configs. */
export function parseMetricRules(raw: unknown, shape: SnapshotShape): readonly MetricRuleConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw invalid('`alerts.rules` must be an array of { name, metric, warning, critical }.');
  const names = new Set<string>();
  const out = raw.map((r, i) => {
    if (!isObject(r)) throw invalid(`\`alerts.rules[${i}]\` must be an object.`);
    const unknown = Object.keys(r).find((k) => !KEYS.includes(k));
    if (unknown !== undefined) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNKNOWN_OPTION',
        `sysvitals: \`alerts.rules[${i}]\` has an unsupported property, \`${unknown}\`.${didYouMean(unknown, KEYS, { prefixes: true })} Supported: ${KEYS.join(', ')}.`,
      );
    }
    const name = r.name;
    if (typeof name !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(name)) {
      throw invalid(`\`alerts.rules[${i}].name\` must be a name such as "queue_backlog".`);
    }
    if (names.has(name) || shape.reserved.includes(name))
      throw invalid(`alerts.rules: the name \`${name}\` is taken.`);
    names.add(name);
    const type = (r.type ?? 'threshold') as string;
    const parse = RULE_TYPES[type];
    if (!parse)
      throw invalid(
        `\`alerts.rules[${i}].type\` (rule \`${name}\`): unknown type \`${type}\`. Types: ${Object.keys(RULE_TYPES).join(', ')}.`,
      );
    return parse(r, name, shape, `alerts.rules[${i}]`);
  });
  return Object.freeze(out);
}

// Whether a rule's path is a custom counter itself (read as its rate per second, see resolveMetric).
function readsCounterRate(snapshot: MetricsSnapshot, segments: readonly string[]): boolean {
  if (segments.length !== 2 || segments[0] !== 'custom') return false;
  const m = (snapshot as { custom?: Record<string, { type?: string }> }).custom?.[segments[1] as string];
  return m?.type === 'counter';
}

/** Groups whose every figure is of the last-minute window (a custom histogram's window fields: HISTOGRAM_WINDOW). */
const WINDOW_GROUPS = new Set(['latency', 'errors', 'apdex', 'routes', 'functions', 'queries']);
const HISTOGRAM_WINDOW = new Set(['count', 'sum', 'avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99']);

/** Whether a rule's metric is a figure of the request, query or custom histogram window (window-hold.ts). */
export function readsWindow(segments: readonly string[]): boolean {
  const [group, name, field] = segments;
  if (WINDOW_GROUPS.has(group as string)) return true;
  if (group === 'requests') return name === 'per_second' || name === 'per_minute';
  return group === 'custom' && HISTOGRAM_WINDOW.has(field as string);
}

/** The engine's view of the rules: one observation per enabled rule whose metric has a value. */
export function metricRuleSource(rules: readonly MetricRuleConfig[]): ObservationSource {
  const windowed = new Set(rules.filter((r) => readsWindow(r.segments)));
  return (snapshot: MetricsSnapshot): AlertObservation[] => {
    const out: AlertObservation[] = [];
    for (const r of rules) {
      if (!r.enabled) continue;
      const v = resolveMetric(snapshot, r.segments, r.labels);
      if (v === undefined) continue;
      const above = r.direction === 'above';
      const label = r.labels ? ` ${JSON.stringify(r.labels)}` : '';
      const unit = readsCounterRate(snapshot, r.segments) ? '/s' : '';
      out.push({
        rule: r.name as AlertObservation['rule'],
        key: '',
        component: r.component,
        pendingMs: r.for,
        value: v,
        breachWarning: above ? v >= r.warning : v <= r.warning,
        breachCritical: above ? v >= r.critical : v <= r.critical,
        clear: above ? v < r.clear : v > r.clear,
        deescalate: above ? v < r.deescalate : v > r.deescalate,
        warningLevel: r.warning,
        criticalLevel: Number.isFinite(r.critical) ? r.critical : r.warning,
        severityHoldMs: r.severityHoldMs,
        message: (severity) =>
          `${r.name}: ${r.metric}${label} is ${v}${unit} (${severity} ${above ? 'at or above' : 'at or below'} ${severity === 'critical' ? r.critical : r.warning})`,
        windowed: windowed.has(r),
      });
    }
    return out;
  };
}
