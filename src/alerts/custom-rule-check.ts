// Rules on custom metrics that could never read anything: refused when the metric is declared with a kind or
// labels the rule cannot read, and a rule whose metric is never declared warned about once, at the first sample.

import { SysvitalsError } from '../errors.js';
import type { Logger } from '../types.js';
import type { MetricRuleConfig } from './metric-rules.js';

/** What a rule needs to know of a declared custom metric. */
export interface DeclaredMetric {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
}

/** The fields (third path segment) each kind has in a snapshot (custom/types.ts); none: the kind's own reading. */
const FIELDS: Record<DeclaredMetric['type'], readonly string[]> = {
  counter: ['value', 'rate_per_second'],
  gauge: ['value'],
  histogram: ['count', 'sum', 'avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'count_total', 'sum_total'],
};

/** Why `rule` can never read `metric` (a sentence), or undefined when it can or is about another metric. */
export function customRuleProblem(rule: MetricRuleConfig, metric: DeclaredMetric): string | undefined {
  const [group, name, field] = rule.segments;
  if (group !== 'custom' || name !== metric.name) return undefined;
  const fields = FIELDS[metric.type];
  if (field === undefined && metric.type === 'histogram') {
    return `a histogram has no single reading: pick a field (\`custom.${name}.p99\`; fields: ${fields.join(', ')})`;
  }
  if (field !== undefined && !fields.includes(field)) {
    return `a ${metric.type} has no \`${field}\` (its fields: ${fields.join(', ')})`;
  }
  const missing = Object.keys(rule.labels ?? {}).filter((l) => !metric.labels.includes(l));
  if (missing.length > 0) {
    const declared = metric.labels.length ? `its labels are ${metric.labels.join(', ')}` : 'it has no labels';
    return `\`labels\` selects ${missing.map((l) => `\`${l}\``).join(', ')}, which the ${metric.type} does not declare (${declared})`;
  }
  return undefined;
}

/**
 * Throws ERR_SYSVITALS_UNKNOWN_METRIC when a rule could never read `metric` as declared: the declaration is
 * refused (nothing registered), and the message names the rule, the problem and both ways to fix it.
 */
export function checkDeclaredMetric(rules: readonly MetricRuleConfig[], metric: DeclaredMetric): void {
  for (const rule of rules) {
    const problem = customRuleProblem(rule, metric);
    if (problem === undefined) continue;
    throw new SysvitalsError(
      'ERR_SYSVITALS_UNKNOWN_METRIC',
      `sysvitals: alert rule \`${rule.name}\` reads \`${rule.metric}\`${rule.labels ? ` with labels ${JSON.stringify(rule.labels)}` : ''}, ` +
        `and ${metric.type} \`${metric.name}\` could never give it a value: ${problem}. ` +
        'Fix the rule (alerts.rules) or declare the metric as the rule reads it.',
    );
  }
}

/**
 * An observation-source wrapper's check: at its first call (the first sample), logs one warning naming the enabled
 * rules on custom metrics that are not declared (yet), which read nothing until they are.
 */
export function undeclaredRuleWarning(
  rules: readonly MetricRuleConfig[],
  declared: (name: string) => boolean,
  logger: Logger,
): () => void {
  const watched = rules.filter((r) => r.enabled && r.segments[0] === 'custom');
  let done = watched.length === 0;
  return () => {
    if (done) return;
    done = true;
    const missing = watched.filter((r) => !declared(r.segments[1] as string));
    if (missing.length === 0) return;
    logger.warn(
      { rules: missing.map((r) => r.name), metrics: [...new Set(missing.map((r) => r.segments[1]))] },
      `sysvitals: alert rule${missing.length > 1 ? 's' : ''} ${missing.map((r) => `\`${r.name}\` (${r.metric})`).join(', ')} ` +
        'read custom metrics not declared at the first sample: they stay silent until monitor.counter/gauge/histogram() ' +
        'declares them (a misspelt name never will).',
    );
  };
}

/**
 * The custom metrics enabled rules read, each with the label set its rule selects (health.ts: a gauge a rule cannot
 * read is unknown; keyed on that set: outside review rtF, F6).
 */
export function customReads(
  rules: readonly MetricRuleConfig[],
): { name: string; labels?: Readonly<Record<string, string>> }[] {
  return rules.flatMap((r) =>
    r.enabled && r.segments[0] === 'custom'
      ? [{ name: r.segments[1] as string, ...(r.labels ? { labels: r.labels } : {}) }]
      : [],
  );
}
