// Setup-time checks of custom metric names, help texts and label names: Prometheus's name rules, so
// that every custom metric can be exposed as it is, and coded errors that say what to fix.

import { SysvitalsError } from '../errors.js';
import { didYouMean } from '../options/option-keys.js';

// From https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels (no colons: they are
// reserved for recording rules).
const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Longest name accepted: names become JSON keys, Prometheus names and dashboard titles. */
export const MAX_NAME_LENGTH = 100;
/** Labels per metric: each label multiplies the label sets. */
export const MAX_LABELS = 8;
/** Label sets per metric unless `maxLabelSets` says otherwise; the rest fold into `other`. */
export const DEFAULT_MAX_LABEL_SETS = 100;
/** The value every label takes in the set that extra label sets fold into. */
export const OTHER_LABEL_VALUE = 'other';
/**
 * Longest label value kept (characters); a longer one folds its set into `other`, as over-cardinality
 * does: a value taken from a request (6 KB each in an outside review) would otherwise be copied into every
 * scrape and every stream message, and Prometheus setups with a label length limit reject the scrape.
 */
export const MAX_LABEL_VALUE_LENGTH = 128;

export function invalidMetric(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_METRIC', `sysvitals: ${message}`);
}

export function checkMetricName(name: unknown, kind: string): string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw invalidMetric(
      `${kind} name ${JSON.stringify(name)} is not valid: use letters, digits and \`_\`, not starting with a ` +
        `digit, at most ${MAX_NAME_LENGTH} characters (for example \`jobs_processed_total\`).`,
    );
  }
  if (name.startsWith('__'))
    throw invalidMetric(`${kind} name \`${name}\`: names starting with \`__\` are reserved.`);
  return name;
}

/** Options every custom metric takes. */
export interface MetricOptionsBase {
  /** One line saying what is measured (Prometheus `# HELP`, dashboard panel subtitle). */
  help?: string;
  /** Label names, declared up front. @defaultValue none */
  labels?: readonly string[];
  /** Distinct label sets kept; further sets fold into the set whose values are all `other`. @defaultValue 100 */
  maxLabelSets?: number;
}

export interface ParsedBase {
  readonly help: string;
  readonly labels: readonly string[];
  readonly maxLabelSets: number;
}

/** Validates the options every custom metric takes; `extra` lists the options its kind adds. */
export function parseBase(
  name: string,
  kind: string,
  options: unknown,
  extra: readonly string[] = [],
): ParsedBase & Record<string, unknown> {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidMetric(
      `${kind} \`${name}\`: options must be an object such as { help: '…', labels: ['queue'] }.`,
    );
  }
  const known = ['help', 'labels', 'maxLabelSets', ...extra];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNKNOWN_OPTION',
        `sysvitals: ${kind} \`${name}\` has an unknown option \`${key}\`.${didYouMean(key, known)} Known options: ${known.join(', ')}.`,
      );
    }
  }
  const o = options as Record<string, unknown>;
  const help = o.help ?? name;
  if (typeof help !== 'string' || help.includes('\n')) {
    throw invalidMetric(`${kind} \`${name}\`: \`help\` must be a one-line string.`);
  }
  const labels = o.labels ?? [];
  if (!Array.isArray(labels) || labels.length > MAX_LABELS) {
    throw invalidMetric(
      `${kind} \`${name}\`: \`labels\` must be an array of at most ${MAX_LABELS} label names.`,
    );
  }
  const seen = new Set<string>();
  for (const label of labels) {
    if (
      typeof label !== 'string' ||
      !LABEL_NAME.test(label) ||
      label.startsWith('__') ||
      label === 'le' ||
      label === 'quantile'
    ) {
      throw invalidMetric(
        `${kind} \`${name}\`: label ${JSON.stringify(label)} is not valid: use letters, digits and \`_\`, not ` +
          'starting with a digit or `__`, and not `le` or `quantile` (Prometheus reserves them).',
      );
    }
    if (seen.has(label)) throw invalidMetric(`${kind} \`${name}\`: label \`${label}\` is declared twice.`);
    seen.add(label);
  }
  const max = o.maxLabelSets ?? DEFAULT_MAX_LABEL_SETS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10_000) {
    throw invalidMetric(
      `${kind} \`${name}\`: \`maxLabelSets\` must be an integer from 1 to 10000 (got ${String(max)}).`,
    );
  }
  return {
    ...o,
    help: help.trim() || name,
    labels: Object.freeze([...labels] as string[]),
    maxLabelSets: max,
  };
}
