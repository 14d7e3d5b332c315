// The alert system's public API: rules, the engine, health and the webhook channel.

export {
  type AlertListener,
  type AlertRecorder,
  type AlertSuppressor,
  AlertSystem,
  type AlertSystemOptions,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_HISTORY_READ_LIMIT,
} from './engine.js';
export {
  componentStatuses,
  getHealthStatus,
  HEALTH_COMPONENTS,
  type HealthOptions,
  healthColor,
  healthScore,
  SCORE_PENALTIES,
} from './health.js';
export type { MetricRuleOptions } from './metric-rules.js';
export {
  ALERT_RULE_NAMES,
  type AlertRuleName,
  type AlertRulesConfig,
  type AlertRulesOptions,
  AVAILABILITY_RULE_NAMES,
  type AvailabilityRuleConfig,
  type AvailabilityRuleName,
  type AvailabilityRuleOptions,
  DEFAULT_MIN_REQUESTS,
  defaultClearLevel,
  type ErrorRateRuleConfig,
  type ErrorRateRuleOptions,
  type LevelRuleConfig,
  type LevelRuleOptions,
  levelsOf,
  parseRules,
} from './rules.js';
export {
  DEFAULT_WEBHOOK_OPTIONS,
  parseWebhookOptions,
  WebhookChannel,
  type WebhookConfig,
  type WebhookOptions,
} from './webhook.js';
