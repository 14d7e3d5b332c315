// Public API of the core entry point (`sysvitals`): what the README documents, nothing else. Adapters live in
// `sysvitals/express|fastify|koa`. Every change here shows in etc/sysvitals.api.md (`npm run api:update`).

import { attachWebSocket } from './http/websocket.js';
import { provideWebSocket } from './monitor/websocket-port.js';

export type { Alert, AlertEvent, AlertEventType, AlertRecord, AlertSeverity } from './alerts/alert.js';
export { AlertSystem, type PersistedAlert } from './alerts/engine.js';
export type {
  AlertListener,
  AlertRecorder,
  AlertSuppressor,
  AlertSystemOptions,
} from './alerts/engine-options.js';
export type { HealthOptions } from './alerts/health.js';
export type { MetricRuleOptions } from './alerts/metric-rules.js';
export type {
  AlertRuleName,
  AlertRulesConfig,
  AlertRulesOptions,
  AvailabilityRuleConfig,
  AvailabilityRuleName,
  AvailabilityRuleOptions,
  ErrorRateRuleConfig,
  ErrorRateRuleOptions,
  LevelRuleConfig,
  LevelRuleOptions,
} from './alerts/rules.js';
export type { RuleLevels, RuleName } from './alerts/thresholds.js';
export type { WebhookConfig, WebhookOptions } from './alerts/webhook.js';
export { Analytics, type AnomalyScores } from './analytics/analytics.js';
export type { AnomalyGroup } from './analytics/anomaly-group.js';
export type { CapacityFigure, CapacityReport, Confidence } from './analytics/capacity.js';
export type { PredictConfidence } from './analytics/predict-observations.js';
export type {
  AnalyticsRuleName,
  AnomalyRuleConfig,
  AnomalyRuleOptions,
  DiskFullRuleConfig,
  DiskFullRuleOptions,
  MemoryLeakRuleConfig,
  MemoryLeakRuleOptions,
} from './analytics/rule-options.js';
export type { ChannelStatus } from './channels/channel-status.js';
export * from './channels/index.js';
export { type AgentRole as ClusterRole, ClusterAgent } from './cluster/agent.js';
export { type ClusterOptions, DEFAULT_CLUSTER_OPTIONS } from './cluster/options.js';
export { ClusterSource } from './cluster/source.js';
export {
  connectThread,
  type ThreadConnection,
  type ThreadConnectionOptions,
} from './cluster/thread.js';
export type { CollectorOptions, CollectorSources, LevelsOption } from './collector/config.js';
export type { MysqlProbeTarget, PgProbeTarget } from './collector/db-probes.js';
export { mysqlProbe, pgProbe } from './collector/db-probes.js';
export type { DroppedObservations } from './collector/dropped.js';
export { MetricsCollector } from './collector/index.js';
export type { CollectorPlugin, PluginContext } from './collector/plugins.js';
export type {
  PoolSize,
  Probe,
  ProbeName,
  ReadyProbeOptions,
} from './collector/probes.js';
export { type RedisProbeTarget, redisProbe } from './collector/redis-probe.js';
export type { TrackedServer } from './collector/websockets.js';
export * from './custom/index.js';
export type { SysvitalsErrorCode } from './errors.js';
export { SysvitalsError } from './errors.js';
export type { FunctionStats } from './functions/function-row.js';
export type { FunctionRecorder } from './functions/timing.js';
export { type TimedDecorator, type TimedOptions, timed } from './functions/timing.js';
export type { HistoryPeriod } from './history/periods.js';
export type { HistoryPoint, HistoryPointView, HistoryResult } from './history/point.js';
export type {
  CounterSeriesPoint,
  GaugeSeriesPoint,
  HistogramSeriesPoint,
  SeriesPoint,
} from './history/series.js';
export type { AdminApi, AdminApiOptions } from './http/admin-api-options.js';
export { createAdminApi } from './http/api.js';
// Types the public signatures use (api-extractor ae-forgotten-export).
export type { AuthMode } from './http/auth.js';
export type { ProbeKind, ProbePathsOptions } from './http/probes.js';
export type { PrometheusOptions } from './http/prometheus/options.js';
export type { RateLimitOptions } from './http/rate-limit.js';
export type { AdminSource, NotificationsSource } from './http/route.js';
export type { ProbeCheck, ProbeVerdict } from './lifecycle/lifecycle.js';
export type { ProbeRulesOptions, ShedOptions, ShutdownOptions } from './lifecycle/options.js';
export type { ShutdownReport } from './lifecycle/shutdown.js';
export type {
  MonitorEvents,
  MonitorOptions,
  MonitorShutdownOptions,
  RequestRecord,
} from './monitor/options.js';
export type {
  AuthenticateUpgrade,
  AuthOptions,
  OriginGuardOptions,
  UpgradeDecision,
  UpgradeServer,
  WebSocketAttachment,
  WebSocketOptions,
} from './monitor/websocket-port.js';
export { createMonitor, SystemMonitor } from './monitor.js';
export type {
  AlertsReadOptions,
  HealthReadOptions,
  HistoryReadOptions,
  MetricsReadOptions,
} from './options/read-options.js';
export {
  type AmqpChannelLike,
  type AmqpConnectionLike,
  type RabbitmqGroup,
  type RabbitmqPluginOptions,
  type RabbitmqQueueFigures,
  rabbitmqPlugin,
} from './plugins/rabbitmq.js';
export type { ApdexOptions } from './profiling/apdex.js';
export type { EndpointRow, EndpointSort } from './profiling/endpoints.js';
export { fingerprintRedis, fingerprintSql, type SqlDialect } from './profiling/fingerprint.js';
export { instrumentMysql, type MysqlLike } from './profiling/instrument-mysql.js';
export { instrumentPg, type PgClientLike, type PgPoolLike } from './profiling/instrument-pg.js';
export { instrumentRedis, type RedisLike } from './profiling/instrument-redis.js';
export type { JobsGroup } from './profiling/jobs.js';
export { type JobOptions, type JobRow, JobStats } from './profiling/jobs.js';
export type { QueryStatsOptions } from './profiling/query-options.js';
export type { QuerySink } from './profiling/query-sink.js';
export {
  type QueryReport,
  type QueryRow,
  QueryStats,
  type QuerySystem,
  type SlowQuery,
} from './profiling/query-stats.js';
export type { RouteHistory } from './profiling/route-history-read.js';
export type { JobPoint, RoutePoint, SeriesHistoryOptions } from './profiling/series-history.js';
export type { ErrorHorizonMetrics } from './requests/horizon-metrics.js';
export type { RouteStats } from './requests/route-stats.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { RedisStore } from './stores/redis.js';
export type { RedisClient, RedisStoreOptions } from './stores/redis-options.js';
export type {
  InstanceClaim,
  MetricsStore,
  StoredAlertRecord,
  StoreHealth,
  StoreProbe,
} from './stores/store.js';
export * from './types.js';

// monitor.attachWebSocket() serves through the http layer's endpoint, plugged in here (the monitor never
// imports http/; see src/monitor/websocket-port.ts).
provideWebSocket(attachWebSocket);
