// The label sets alert rules select (`alerts.rules[].labels`) never fold into `other` for being past a custom
// metric's maxLabelSets (outside review 37, RT37-10): the first set each rule selects keeps a slot of its own past
// the bound (at most one more set per such rule), so the rule never goes blind. A set the rule selects that folds
// all the same (a value over 128 characters in a label the rule leaves open) while the rule reads no set is
// warned about once, naming the rule, the set and maxLabelSets.

import type { LabelSets } from '../custom/label-sets.js';
import { MAX_LABEL_VALUE_LENGTH } from '../custom/names.js';
import type { CustomMetric } from '../custom/registry.js';
import type { Logger } from '../types.js';
import type { MetricRuleConfig } from './metric-rules.js';

const selects = (rule: MetricRuleConfig, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(rule.labels ?? {}).every(([k, v]) => labels[k] === v);

/** Hooks `metric`'s label sets (at its declaration) for the rules that select a set of it. */
export function reserveSelectedSets(
  rules: readonly MetricRuleConfig[],
  metric: CustomMetric,
  logger: Logger,
): void {
  const selecting = rules.filter(
    (r) => r.enabled && r.labels && r.segments[0] === 'custom' && r.segments[1] === metric.name,
  );
  if (selecting.length === 0 || metric.config.labels.length === 0) return;
  // Each kind keeps its sets in a private `sets` (counter.ts, gauge.ts, histogram.ts).
  const sets = (metric as unknown as { sets?: LabelSets<unknown> }).sets;
  if (sets === undefined) return;
  const claimed = new Map<string, string>();
  const warned = new Set<string>();
  sets.folding = (labels, overBound) => {
    let keep = false;
    const key = JSON.stringify(metric.config.labels.map((n) => labels[n]));
    for (const r of selecting) {
      if (!selects(r, labels)) continue;
      const mine = claimed.get(r.name);
      const reads = sets.slots.some((s) => selects(r, s.labels));
      if (overBound && (mine === key || (mine === undefined && !reads))) {
        claimed.set(r.name, key);
        keep = true;
        continue;
      }
      // Not blind while it reads a set of its own (one claimed, or one kept under the bound).
      if (mine !== undefined || reads || warned.has(r.name)) continue;
      warned.add(r.name);
      logger.warn(
        { rule: r.name, metric: metric.name, labels, maxLabelSets: metric.config.maxLabelSets },
        `sysvitals: alert rule \`${r.name}\` selects ${JSON.stringify(r.labels)} of \`${metric.name}\`, and the ` +
          `set ${JSON.stringify(labels)} folds into \`other\` (a value over ${MAX_LABEL_VALUE_LENGTH} characters; ` +
          `maxLabelSets ${metric.config.maxLabelSets}): the rule reads nothing of it.`,
      );
    }
    return keep;
  };
}
