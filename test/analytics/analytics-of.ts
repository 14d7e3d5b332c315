// Test helper: the monitor's Analytics for a parsed rule set, as parts.ts builds it (without rules on any metric).

import { predictRules } from '../../src/alerts/predict-rules.js';
import type { AlertRulesConfig } from '../../src/alerts/rules.js';
import { Analytics } from '../../src/analytics/analytics.js';

/** Analytics with the anomaly, disk_full_in and memory_leak rules and the level rules' predictions of `rules`. */
export function analyticsOf(rules: AlertRulesConfig): Analytics {
  return new Analytics({
    anomaly: rules.anomaly,
    diskFull: rules.disk_full_in,
    memoryLeak: rules.memory_leak,
    predict: predictRules(rules),
  });
}
