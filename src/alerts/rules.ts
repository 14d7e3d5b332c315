// Alert rule options: defaults, hysteresis clear levels, validation at setup into a frozen complete config.

import type { PredictConfidence } from '../analytics/predict-observations.js';
import {
  ANALYTICS_RULE_NAMES,
  type AnalyticsRuleName,
  type AnomalyRuleConfig,
  type AnomalyRuleOptions,
  type DiskFullRuleConfig,
  type DiskFullRuleOptions,
  type MemoryLeakRuleConfig,
  type MemoryLeakRuleOptions,
  parseAnomalyRule,
  parseDiskFullRule,
  parseMemoryLeakRule,
  parsePredict,
  parsePredictConfidence,
  parseSeverityHold,
} from '../analytics/rule-options.js';
import { SysvitalsError } from '../errors.js';
import { didYouMean, rejectUnknownKeys, type SuggestOptions } from '../options/option-keys.js';
import {
  DEFAULT_ERROR_HORIZON_MS,
  DEFAULT_LEVELS,
  DEFAULT_MIN_REQUESTS,
  MAX_ERROR_HORIZON_MS,
  PERCENT_RULES,
  RULE_NAMES,
  type RuleLevels,
  type RuleName,
} from './thresholds.js';

/**
 * Rules on a state rather than a level: a dependency answering at all (raised as critical while its
 * probe fails or times out), load shedding (critical while requests are being shed, with the reason), and
 * a background job with `expectEvery` succeeding (`job_stale`, a warning per job).
 */
export type AvailabilityRuleName = 'database' | 'redis' | 'load_shedding' | 'job_stale';
/** Every built-in rule name: level rules, availability rules and analytics rules. */
export type AlertRuleName = RuleName | AvailabilityRuleName | AnalyticsRuleName;

export const AVAILABILITY_RULE_NAMES: readonly AvailabilityRuleName[] = Object.freeze([
  'database',
  'redis',
  'load_shedding',
  'job_stale',
]);
export const ALERT_RULE_NAMES: readonly AlertRuleName[] = Object.freeze([
  ...RULE_NAMES,
  ...AVAILABILITY_RULE_NAMES,
  ...ANALYTICS_RULE_NAMES,
]);

export { DEFAULT_MIN_REQUESTS } from './thresholds.js';

/**
 * How the alert options suggest a near name: prefixes count (`warn` → `warning`) and long names allow
 * more typos than option-keys' default of 2, as rule and property names are often abbreviated.
 */
export const ALERT_HINTS: SuggestOptions = Object.freeze({ prefixes: true, scaled: true });

/** Options of a level rule (cpu, memory, disk, db_latency, api_response_time, db_query_p95). */
export interface LevelRuleOptions {
  /** Raise a warning at or above this value (percent, or ms for db_latency/api_response_time). */
  warning?: number;
  /** Raise, or escalate to, critical at or above this value. */
  critical?: number;
  /**
   * An active alert clears only when the value drops below this level (hysteresis), so a value
   * hovering at the warning level does not flap. Must be ≤ warning.
   * @defaultValue percent rules: warning − min(5, 10 % of warning); ms rules: warning × 0.9
   */
  clear?: number;
  /** Pending time in ms: a level must be breached continuously this long before it fires. @defaultValue 0 */
  for?: number;
  /**
   * The severity hold, ms: an active critical alert falls back to warning only once every reading for this long
   * was under its de-escalation level, and one that fell back escalates again only once every reading for this
   * long (or for `for`, if longer) was critical, so a value wobbling around the critical level does not notify
   * critical, warning, critical at every sample. A first raise, a warning alert's first escalation and every clear
   * are not held. 0 turns it off; at most a day. @defaultValue 60000 (a minute)
   */
  severityHoldMs?: number;
  /** @defaultValue true */
  enabled?: boolean;
  /**
   * Also alert ahead: when the value's trend (Theil–Sen over twice this time, 30 min to 6 h) will
   * reach the warning or critical level within this time, e.g. '30m'. Alerts as `<rule>` with key
   * `predict`. @defaultValue off
   */
  predict?: number | string;
  /**
   * How sure a prediction's raise must be: 'high' (the default) never raises on a slope noise alone could show (no
   * page on a flat series just under the level), at the cost of raising a noisy slow ramp later; 'normal' raises it
   * earlier but pages on such flat series now and then (docs/predictive.md). Only with `predict`.
   * @defaultValue 'high'
   */
  predictConfidence?: PredictConfidence;
}

/** Options of the error_rate rule: a level rule (percent) with a minimum request count. */
export interface ErrorRateRuleOptions extends LevelRuleOptions {
  /** Requests (requests.per_minute) needed in the window before the rule can fire. @defaultValue 20 */
  minRequests?: number;
  /**
   * The error horizon, ms: when the request window cannot judge the error rate (fewer than `minRequests` judged
   * requests, and fewer than 5 failed), it is judged on the judged requests of this longer time, on the same 95 %
   * Wilson bound with at least 5 failures (`errors.horizon`). A whole number of seconds, longer than the request
   * window (`requestWindowMs`), at most a day; 0 turns it off. @defaultValue 900000 (15 minutes)
   */
  horizonMs?: number;
}

/** Options of an availability rule (database, redis, load_shedding, job_stale). */
export interface AvailabilityRuleOptions {
  /** Pending time in ms: the dependency must be failing this long before the alert fires. @defaultValue 0 */
  for?: number;
  /** @defaultValue true */
  enabled?: boolean;
}

/** The `alerts.rules` option: per-rule overrides by rule name; rules left out keep their defaults. */
export type AlertRulesOptions = {
  [K in Exclude<RuleName, 'error_rate'>]?: LevelRuleOptions;
} & {
  error_rate?: ErrorRateRuleOptions;
} & {
  [K in AvailabilityRuleName]?: AvailabilityRuleOptions;
} & {
  /** Opt-in alert on the anomaly score of chosen series. */
  anomaly?: AnomalyRuleOptions;
  /** A partition's time to full from its trend. */
  disk_full_in?: DiskFullRuleOptions;
  /** Steady heap or RSS growth with no GC recovery. */
  memory_leak?: MemoryLeakRuleOptions;
};

/** A level rule after validation, every default filled in (the monitor's `alerts.<name>`, an AlertSystem's `rules.<name>`). */
export interface LevelRuleConfig {
  readonly kind: 'level';
  readonly name: RuleName;
  readonly unit: 'percent' | 'ms';
  readonly enabled: boolean;
  readonly warning: number;
  readonly critical: number;
  readonly clear: number;
  /** A critical alert falls back to warning below this level (critical − (warning − clear)). */
  readonly deescalate: number;
  readonly for: number;
  /** The severity hold, ms (0: off): see LevelRuleOptions.severityHoldMs. */
  readonly severityHoldMs: number;
  /** Prediction horizon in ms, or null. */
  readonly predict: number | null;
  /** How sure a prediction's raise must be: see LevelRuleOptions.predictConfidence. */
  readonly predictConfidence: PredictConfidence;
}

/** The error_rate rule after validation. */
export interface ErrorRateRuleConfig extends LevelRuleConfig {
  readonly minRequests: number;
  /** The error horizon, ms (0: off). */
  readonly horizonMs: number;
}

/** An availability rule after validation. */
export interface AvailabilityRuleConfig {
  readonly kind: 'availability';
  readonly name: AvailabilityRuleName;
  readonly enabled: boolean;
  readonly for: number;
}

/** Every rule's validated configuration by rule name (what parseRules returns, `AlertSystem.rules`). */
export type AlertRulesConfig = {
  readonly [K in Exclude<RuleName, 'error_rate'>]: LevelRuleConfig;
} & {
  readonly error_rate: ErrorRateRuleConfig;
} & {
  readonly [K in AvailabilityRuleName]: AvailabilityRuleConfig;
} & {
  readonly anomaly: AnomalyRuleConfig;
  readonly disk_full_in: DiskFullRuleConfig;
  readonly memory_leak: MemoryLeakRuleConfig;
};

const LEVEL_KEYS = [
  'warning',
  'critical',
  'clear',
  'for',
  'severityHoldMs',
  'enabled',
  'predict',
  'predictConfidence',
] as const;
const ERROR_RATE_KEYS = [...LEVEL_KEYS, 'minRequests', 'horizonMs'] as const;
const AVAILABILITY_KEYS = ['for', 'enabled'] as const;

/** The clear level used when none is given: a hysteresis band below the warning level. */
export function defaultClearLevel(name: RuleName, warning: number): number {
  if (PERCENT_RULES.has(name)) {
    // 5 points, but never more than a tenth of the level, so a 5 % error-rate rule clears at 4.5 %, not 0 %.
    return roundLevel(Math.max(0, warning - Math.min(5, warning * 0.1)));
  }
  return roundLevel(warning * 0.9);
}

/** Configs this module produced, so that passing one back to parseRules returns it unchanged. */
const PARSED = new WeakSet<object>();

/**
 * Validates alert rule options and returns the complete, frozen rule set (a config it returned
 * before is accepted as is, so the monitor can parse once and share). Throws SysvitalsError.
 * `at` is the option path of the rules object as the user wrote it, which every error names:
 * 'rules' for an AlertSystem (`rules.cpu.warning`), 'alerts' for the monitor (`alerts.cpu.warning`).
 */
export function parseRules(
  options: AlertRulesOptions | AlertRulesConfig = {},
  at = 'rules',
): AlertRulesConfig {
  if (typeof options === 'object' && options !== null && PARSED.has(options))
    return options as AlertRulesConfig;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_INVALID_RULE',
      `sysvitals: \`${at}\` must be an object such as { cpu: { warning: 80 } }, got ${describe(options)}. ` +
        'Leave it out for the default rules; turn a rule off with { cpu: { enabled: false } }.',
    );
  }
  const given = options as Record<string, unknown>;
  // The monitor's `alerts` also holds `rules` (rules on any metric, taken out before this): offered as known.
  const known: readonly string[] = at === 'alerts' ? [...ALERT_RULE_NAMES, 'rules'] : ALERT_RULE_NAMES;
  rejectUnknownKeys(
    given,
    known,
    'ERR_SYSVITALS_UNKNOWN_RULE',
    (name) =>
      `sysvitals: unknown alert rule \`${name}\` in \`${at}\`.${didYouMean(name, known, ALERT_HINTS)} ` +
      `Known rules: ${known.join(', ')}.`,
  );
  const out: Record<string, unknown> = {};
  for (const name of RULE_NAMES) out[name] = parseLevelRule(name, given[name], `${at}.${name}`);
  for (const name of AVAILABILITY_RULE_NAMES)
    out[name] = parseAvailabilityRule(name, given[name], `${at}.${name}`);
  out.anomaly = parseAnomalyRule(given.anomaly, at);
  out.disk_full_in = parseDiskFullRule(given.disk_full_in, at);
  out.memory_leak = parseMemoryLeakRule(given.memory_leak, at);
  const config = Object.freeze(out) as AlertRulesConfig;
  PARSED.add(config);
  return config;
}

/** The warning/critical levels of the level rules, e.g. for the collector's `levels` option (which knows no availability rules). */
export function levelsOf(rules: AlertRulesConfig): Readonly<Record<RuleName, Readonly<RuleLevels>>> {
  const out: Partial<Record<RuleName, Readonly<RuleLevels>>> = {};
  for (const name of RULE_NAMES)
    out[name] = Object.freeze({ warning: rules[name].warning, critical: rules[name].critical });
  return Object.freeze(out as Record<RuleName, Readonly<RuleLevels>>);
}

/** `path`: the rule's option path as the user wrote it (`alerts.cpu`), named by every error. */
function parseLevelRule(name: RuleName, raw: unknown, path: string): LevelRuleConfig | ErrorRateRuleConfig {
  const opts = ruleObject(path, raw, name === 'error_rate' ? ERROR_RATE_KEYS : LEVEL_KEYS);
  const percent = PERCENT_RULES.has(name);
  const unit = percent ? '%' : ' ms';
  const level = (key: 'warning' | 'critical' | 'clear', fallback: number): number => {
    const v = opts[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalidRule(`\`${path}.${key}\` must be a finite number, got ${describe(v)}.`);
    }
    if (percent && (v < 0 || v > 100)) {
      throw invalidRule(`\`${path}.${key}\` is a percentage and must be between 0 and 100, got ${v}.`);
    }
    if (!percent && v < 0) {
      throw invalidRule(`\`${path}.${key}\` is in milliseconds and must be ≥ 0, got ${v}.`);
    }
    return v;
  };
  const defaults = DEFAULT_LEVELS[name];
  const warning = level('warning', defaults.warning);
  const critical = level('critical', defaults.critical);
  if (warning > critical) {
    const origin = opts.critical === undefined ? ', the default' : '';
    throw invalidRule(
      `\`${path}.warning\` (${warning}${unit}) is above \`${path}.critical\` ` +
        `(${critical}${unit}${origin}); set critical to a value ≥ warning.`,
    );
  }
  const clear = level('clear', defaultClearLevel(name, warning));
  if (clear > warning) {
    throw invalidRule(
      `\`${path}.clear\` (${clear}${unit}) is above \`${path}.warning\` (${warning}${unit}); ` +
        'an alert clears below the clear level, so it must be ≤ warning.',
    );
  }
  const predict = parsePredict(path, opts.predict);
  const config: LevelRuleConfig = {
    kind: 'level',
    name,
    unit: percent ? 'percent' : 'ms',
    enabled: enabledOf(path, opts.enabled),
    warning,
    critical,
    clear,
    deescalate: roundLevel(critical - (warning - clear)),
    for: pendingOf(path, opts.for),
    severityHoldMs: parseSeverityHold(`\`${path}.severityHoldMs\``, opts.severityHoldMs),
    predict,
    predictConfidence: parsePredictConfidence(
      `\`${path}.predictConfidence\``,
      opts.predictConfidence,
      `\`${path}.predict\``,
      predict,
    ),
  };
  if (name !== 'error_rate') return Object.freeze(config);
  const min = opts.minRequests ?? DEFAULT_MIN_REQUESTS;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) {
    throw invalidRule(`\`${path}.minRequests\` must be an integer ≥ 0, got ${describe(min)}.`);
  }
  const horizonMs = opts.horizonMs ?? DEFAULT_ERROR_HORIZON_MS;
  if (
    typeof horizonMs !== 'number' ||
    !Number.isInteger(horizonMs) ||
    horizonMs < 0 ||
    horizonMs > MAX_ERROR_HORIZON_MS ||
    horizonMs % 1000 !== 0
  ) {
    throw invalidRule(
      `\`${path}.horizonMs\` must be 0 (off) or a whole number of seconds in ms up to ${MAX_ERROR_HORIZON_MS} (a day), got ${describe(horizonMs)}; e.g. 900000 for 15 minutes.`,
    );
  }
  return Object.freeze({ ...config, minRequests: min, horizonMs });
}

function parseAvailabilityRule(
  name: AvailabilityRuleName,
  raw: unknown,
  path: string,
): AvailabilityRuleConfig {
  const opts = ruleObject(path, raw, AVAILABILITY_KEYS);
  return Object.freeze({
    kind: 'availability',
    name,
    enabled: enabledOf(path, opts.enabled),
    for: pendingOf(path, opts.for),
  });
}

function ruleObject(path: string, raw: unknown, known: readonly string[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidRule(`\`${path}\` must be an object such as { enabled: false }, got ${describe(raw)}.`);
  }
  const opts = raw as Record<string, unknown>;
  rejectUnknownKeys(
    opts,
    known,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) =>
      `sysvitals: \`${path}\` has an unsupported property, \`${key}\`.${didYouMean(key, known, ALERT_HINTS)} ` +
      `Supported: ${known.join(', ')}.`,
  );
  return opts;
}

function enabledOf(path: string, v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean')
    throw invalidRule(`\`${path}.enabled\` must be true or false, got ${describe(v)}.`);
  return v;
}

function pendingOf(path: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isInteger(v)) {
    throw invalidRule(
      `\`${path}.for\` is a pending time in whole milliseconds and must be ≥ 0, got ${describe(v)}.`,
    );
  }
  return v;
}

function invalidRule(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_RULE', `sysvitals: ${message}`);
}

function roundLevel(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
