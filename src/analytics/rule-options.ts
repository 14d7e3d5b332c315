// Options of the analytics alert rules (`anomaly`, `disk_full_in`, `memory_leak`) and of a level
// rule's `predict`, parsed once into frozen configs with coded errors.

import { SysvitalsError } from '../errors.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';
import { readDuration } from './durations.js';
import type { PredictConfidence } from './predict-observations.js';

/** The series the anomaly detector scores by default (custom series are added by observing them). */
export const DEFAULT_ANOMALY_SERIES = Object.freeze([
  'cpu',
  'memory',
  'event_loop_delay',
  'request_rate',
  'error_rate',
  'latency_p95',
] as const);

/** Options of the anomaly rule (opt-in): alerts on series that leave their usual pattern. */
export interface AnomalyRuleOptions {
  /** Opt-in. @defaultValue false */
  enabled?: boolean;
  /** Series the rule watches. @defaultValue every scored series */
  series?: string[];
  /**
   * Score (0-1) at or above which a warning is raised. The detector's onset scores 0.99 (its NAB
   * operating point); 0.995 asks for a record twice the onset ratio, or a value outside the range.
   * @defaultValue 0.995
   */
  warning?: number;
  /** Score at or above which it is critical. @defaultValue 1 (the value left the range ever seen) */
  critical?: number;
  /** The alert clears below this score. @defaultValue 0.9 */
  clear?: number;
  /** Pending time, ms or '3m'. @defaultValue 180000 (3 scored minutes) */
  for?: number | string;
  /**
   * The severity hold, ms: a critical alert falls back to warning only once every score for this long was under
   * `warning`, and one that fell back escalates again only once every score for this long was critical (as the
   * level rules' `severityHoldMs`). 0 turns it off; at most a day. @defaultValue 60000
   */
  severityHoldMs?: number;
}

/** Options of the disk_full_in rule: alerts when a partition's trend fills it within `warning` (or `critical`). */
export interface DiskFullRuleOptions {
  /** @defaultValue true */
  enabled?: boolean;
  /** Warn when a partition will be full within this time (ms or '24h'). @defaultValue '24h' */
  warning?: number | string;
  /** Critical within this time. @defaultValue '4h' */
  critical?: number | string;
  /** The trend's window (ms or '6h'). @defaultValue '6h' */
  window?: number | string;
  /** Pending time. @defaultValue 0 */
  for?: number | string;
  /**
   * The severity hold, ms: a critical alert falls back to warning only once every reading for this long gave a
   * time to full at least 10 % longer than `critical`, and one that fell back escalates again only once every reading for this
   * long was critical (as the level rules' `severityHoldMs`). 0 turns it off; at most a day. @defaultValue 60000
   */
  severityHoldMs?: number;
}

/** Options of the memory_leak rule: alerts on steady memory growth over `window`. */
export interface MemoryLeakRuleOptions {
  /** @defaultValue true */
  enabled?: boolean;
  /** Window the growth is judged over. @defaultValue '2h' */
  window?: number | string;
  /** Smallest growth that counts, as a fraction of the size per hour. @defaultValue 0.02 */
  minGrowthPerHour?: number;
  /** Critical when the limit is this close at the current rate. @defaultValue '4h' */
  critical?: number | string;
  /** Pending time. @defaultValue 0 */
  for?: number | string;
  /**
   * The severity hold, ms: a critical alert falls back to warning only once every reading for this long put the
   * limit `critical` away or further, and one that fell back escalates again only once every reading for this long
   * was critical (as the level rules' `severityHoldMs`). 0 turns it off; at most a day. @defaultValue 60000
   */
  severityHoldMs?: number;
}

/** The validated `anomaly` rule (`AlertSystem.rules.anomaly`): levels as scores 0–1, durations in ms. */
export interface AnomalyRuleConfig {
  readonly kind: 'anomaly';
  readonly name: 'anomaly';
  readonly enabled: boolean;
  readonly series: readonly string[] | null;
  readonly warning: number;
  readonly critical: number;
  readonly clear: number;
  readonly for: number;
  /** The severity hold, ms (0: off). */
  readonly severityHoldMs: number;
}

/** The validated `disk_full_in` rule: levels and window in ms. */
export interface DiskFullRuleConfig {
  readonly kind: 'disk_full_in';
  readonly name: 'disk_full_in';
  readonly enabled: boolean;
  readonly warning: number;
  readonly critical: number;
  readonly window: number;
  readonly for: number;
  /** The severity hold, ms (0: off). */
  readonly severityHoldMs: number;
}

/** The validated `memory_leak` rule: window in ms, growth in bytes per hour. */
export interface MemoryLeakRuleConfig {
  readonly kind: 'memory_leak';
  readonly name: 'memory_leak';
  readonly enabled: boolean;
  readonly window: number;
  readonly minGrowthPerHour: number;
  readonly critical: number;
  readonly for: number;
  /** The severity hold, ms (0: off). */
  readonly severityHoldMs: number;
}

/** Names of the analytics alert rules (anomaly score, disk full forecast, memory leak). */
export type AnalyticsRuleName = 'anomaly' | 'disk_full_in' | 'memory_leak';
export const ANALYTICS_RULE_NAMES: readonly AnalyticsRuleName[] = Object.freeze([
  'anomaly',
  'disk_full_in',
  'memory_leak',
]);

const HOUR = 3_600_000;

/**
 * A rule's `severityHoldMs` by default: a critical alert falls back to warning, and one that fell back escalates
 * again, only after a minute of readings in the new band (src/alerts/rule-state.ts).
 */
export const DEFAULT_SEVERITY_HOLD_MS = 60_000;

/** The longest `severityHoldMs`: a day. */
export const MAX_SEVERITY_HOLD_MS = 86_400_000;

/**
 * A rule's `severityHoldMs` (every level rule, rule on any metric and analytics rule): ms from 0 (off) to a day;
 * DEFAULT_SEVERITY_HOLD_MS when left out. `where` names the option in the error as the user wrote it, e.g.
 * '`alerts.cpu.severityHoldMs`'.
 */
export function parseSeverityHold(where: string, v: unknown): number {
  if (v === undefined) return DEFAULT_SEVERITY_HOLD_MS;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_SEVERITY_HOLD_MS) {
    throw invalid(
      `${where} is how long a new severity must hold before the alert changes to it, in ms from 0 (off) to ${MAX_SEVERITY_HOLD_MS} (a day), got ${describe(v)}; e.g. 60000 for a minute.`,
    );
  }
  // Whole ms, as the monitor's other ms options (sampleIntervalMs, retentionMs, error_rate.horizonMs, …).
  if (!Number.isInteger(v)) {
    throw invalid(
      `${where} is a whole number of ms (0 turns the hold off), got ${describe(v)}; e.g. ${Math.max(1, Math.round(v))}.`,
    );
  }
  return v;
}

/**
 * The parsers of the analytics rules take `at`, the option path of the rules object holding them as the user wrote
 * it ('rules' for an AlertSystem, 'alerts' for the monitor), and every error names the option from it
 * (`alerts.anomaly.warning`).
 */
export function parseAnomalyRule(raw: unknown, at = 'rules'): AnomalyRuleConfig {
  const path = `${at}.anomaly`;
  const o = ruleObject(path, raw, [
    'enabled',
    'series',
    'warning',
    'critical',
    'clear',
    'for',
    'severityHoldMs',
  ]);
  const score = (key: string, fallback: number): number => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw invalid(`\`${path}.${key}\` is a score between 0 and 1, got ${describe(v)}.`);
    }
    return v;
  };
  const warning = score('warning', 0.995);
  const critical = score('critical', 1);
  const clear = score('clear', Math.min(0.9, warning));
  if (warning > critical) throw invalid(`\`${path}.warning\` must be ≤ \`${path}.critical\`.`);
  if (clear > warning) throw invalid(`\`${path}.clear\` must be ≤ \`${path}.warning\`.`);
  let series: string[] | null = null;
  if (o.series !== undefined) {
    if (!Array.isArray(o.series) || o.series.some((s) => typeof s !== 'string' || s === '')) {
      throw invalid(
        `\`${path}.series\` must be an array of series names such as ['latency_p95'], got ${describe(o.series)}.`,
      );
    }
    series = [...o.series];
  }
  return Object.freeze({
    kind: 'anomaly',
    name: 'anomaly',
    enabled: bool(path, o.enabled, false),
    series: series && Object.freeze(series),
    warning,
    critical,
    clear,
    for: duration(path, 'for', o.for, 180_000),
    severityHoldMs: parseSeverityHold(`\`${path}.severityHoldMs\``, o.severityHoldMs),
  });
}

export function parseDiskFullRule(raw: unknown, at = 'rules'): DiskFullRuleConfig {
  const path = `${at}.disk_full_in`;
  const o = ruleObject(path, raw, ['enabled', 'warning', 'critical', 'window', 'for', 'severityHoldMs']);
  const warning = duration(path, 'warning', o.warning, 24 * HOUR);
  const critical = duration(path, 'critical', o.critical, 4 * HOUR);
  if (critical > warning) {
    throw invalid(`\`${path}.critical\` is a shorter time to full than \`warning\`: it must be ≤ warning.`);
  }
  return Object.freeze({
    kind: 'disk_full_in',
    name: 'disk_full_in',
    enabled: bool(path, o.enabled, true),
    warning,
    critical,
    window: duration(path, 'window', o.window, 6 * HOUR, 10 * 60_000),
    for: duration(path, 'for', o.for, 0),
    severityHoldMs: parseSeverityHold(`\`${path}.severityHoldMs\``, o.severityHoldMs),
  });
}

export function parseMemoryLeakRule(raw: unknown, at = 'rules'): MemoryLeakRuleConfig {
  const path = `${at}.memory_leak`;
  const o = ruleObject(path, raw, [
    'enabled',
    'window',
    'minGrowthPerHour',
    'critical',
    'for',
    'severityHoldMs',
  ]);
  const g = o.minGrowthPerHour ?? 0.02;
  if (typeof g !== 'number' || !(g > 0 && g < 10)) {
    throw invalid(`\`${path}.minGrowthPerHour\` is a fraction per hour such as 0.02, got ${describe(g)}.`);
  }
  return Object.freeze({
    kind: 'memory_leak',
    name: 'memory_leak',
    enabled: bool(path, o.enabled, true),
    window: duration(path, 'window', o.window, 2 * HOUR, 10 * 60_000),
    minGrowthPerHour: g,
    critical: duration(path, 'critical', o.critical, 4 * HOUR),
    for: duration(path, 'for', o.for, 0),
    severityHoldMs: parseSeverityHold(`\`${path}.severityHoldMs\``, o.severityHoldMs),
  });
}

/** A level rule's `predict` horizon in ms (null when absent); `path` is the rule's option path (`alerts.cpu`). */
export function parsePredict(path: string, v: unknown): number | null {
  if (v === undefined) return null;
  const ms = readDuration(v);
  if (ms === null || ms <= 0 || ms > 7 * 24 * HOUR || !Number.isInteger(ms)) {
    throw invalid(
      `\`${path}.predict\` is how far ahead to predict, such as '30m' or 1800000 (whole ms, up to 7 days), got ${describe(v)}.`,
    );
  }
  return ms;
}

const CONFIDENCES: readonly PredictConfidence[] = ['normal', 'high'];

/**
 * A rule's `predictConfidence` ('high' when absent: a false page on a flat series is the worse error; docs/predictive.md). `where` names it as written (`` `alerts.cpu.predictConfidence` ``),
 * `predictWhere` the rule's `predict`, which it needs (`predict`: the parsed horizon, null when absent).
 */
export function parsePredictConfidence(
  where: string,
  v: unknown,
  predictWhere: string,
  predict: number | null,
): PredictConfidence {
  if (v === undefined) return 'high';
  if (!CONFIDENCES.includes(v as PredictConfidence)) {
    const hint = typeof v === 'string' ? didYouMean(v, CONFIDENCES, { prefixes: true }) : '';
    throw invalid(`${where} is 'high' (the default) or 'normal', got ${describe(v)}.${hint}`);
  }
  if (predict === null) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_CONFLICTING_OPTIONS',
      `sysvitals: ${where} is how sure a prediction's raise must be, but the rule does not predict (no ${predictWhere}): ` +
        `add one, such as '30m', or leave ${where} out.`,
    );
  }
  return v as PredictConfidence;
}

function duration(path: string, key: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const ms = readDuration(v);
  if (ms === null || ms < min || !Number.isInteger(ms)) {
    throw invalid(
      `\`${path}.${key}\` is a duration such as '30m', '4h' or whole milliseconds${min ? ` (at least ${min / 60_000} min)` : ''}, got ${describe(v)}.`,
    );
  }
  return ms;
}

function bool(path: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalid(`\`${path}.enabled\` must be true or false, got ${describe(v)}.`);
  return v;
}

function ruleObject(path: string, raw: unknown, known: readonly string[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`\`${path}\` must be an object such as { enabled: true }, got ${describe(raw)}.`);
  }
  const o = raw as Record<string, unknown>;
  rejectUnknownKeys(
    o,
    known,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) =>
      `sysvitals: \`${path}\` has an unsupported property, \`${key}\`.${didYouMean(key, known)} Supported: ${known.join(', ')}.`,
  );
  return o;
}

function invalid(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_RULE', `sysvitals: ${message}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
