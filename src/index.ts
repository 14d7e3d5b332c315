// Public API of the core entry point (`sysvitals`). Adapters live in `sysvitals/express|fastify|koa`.

export * from './alerts/index.js';
export { DEFAULT_LEVELS, RULE_NAMES, type RuleLevels, type RuleName } from './alerts/thresholds.js';
export type { Analytics, AnomalyScores } from './analytics/analytics.js';
export type { CapacityFigure, CapacityReport, Confidence } from './analytics/capacity.js';
export type {
  AnomalyRuleOptions,
  DiskFullRuleOptions,
  MemoryLeakRuleOptions,
} from './analytics/rule-options.js';
export * from './channels/index.js';
export { type Standalone, type StandaloneOptions, startStandalone } from './cli/serve.js';
export type { AgentRole as ClusterRole, ClusterAgent } from './cluster/agent.js';
export { type ClusterOptions, DEFAULT_CLUSTER_OPTIONS } from './cluster/options.js';
export type { ClusterSource } from './cluster/source.js';
export {
  connectThread,
  type ThreadConnection,
  type ThreadConnectionOptions,
} from './cluster/thread.js';
export type {
  CollectorOptions,
  CollectorPlugin,
  CollectorSources,
  LevelsOption,
  PluginContext,
  PoolSize,
  Probe,
  ProbeName,
  ReadyProbeOptions,
} from './collector/index.js';
export {
  DEFAULT_COLLECTOR_OPTIONS,
  DEFAULT_PROBE_TIMEOUT_MS,
  MetricsCollector,
  mysqlProbe,
  pgProbe,
  redisProbe,
} from './collector/index.js';
export * from './custom/index.js';
export type { SysvitalsErrorCode } from './errors.js';
export { SysvitalsError } from './errors.js';
export { FunctionTimings, type FunctionTimingsOptions } from './functions/function-stats.js';
export { type FunctionRecorder, setDefaultRecorder, type TimedOptions, timed } from './functions/timing.js';
export { HISTORY_PERIODS, PERIODS } from './history/periods.js';
export type { HistoryPoint, HistoryPointView, HistoryResult } from './history/point.js';
export { type AdminApi, type AdminApiOptions, createAdminApi, DEFAULT_BASE_PATH } from './http/api.js';
export { DEFAULT_PROMETHEUS_BUCKETS, type PrometheusOptions } from './http/prometheus/options.js';
export { renderPrometheus } from './http/prometheus/render.js';
export { createStreamRoute, type StreamOptions } from './http/stream.js';
export { trackWebSockets } from './http/track-websockets.js';
export { attachWebSocket, type WebSocketAttachment, type WebSocketOptions } from './http/websocket.js';
export { consoleLogger, silentLogger } from './logger.js';
export {
  createMonitor,
  DEFAULT_MONITOR_OPTIONS,
  type MonitorEvents,
  type MonitorOptions,
  type RequestRecord,
  SystemMonitor,
} from './monitor.js';
export {
  type AmqpChannelLike,
  type AmqpConnectionLike,
  type RabbitmqGroup,
  type RabbitmqPluginOptions,
  type RabbitmqQueueFigures,
  rabbitmqPlugin,
} from './plugins/rabbitmq.js';
export { fingerprintRedis, fingerprintSql, type SqlDialect } from './profiling/fingerprint.js';
export { instrumentMysql, type MysqlLike } from './profiling/instrument-mysql.js';
export { instrumentPg, type PgClientLike, type PgPoolLike } from './profiling/instrument-pg.js';
export { instrumentRedis, type RedisLike } from './profiling/instrument-redis.js';
export { type JobOptions, type JobRow, JobStats } from './profiling/jobs.js';
export type { QuerySink } from './profiling/query-sink.js';
export {
  type QueryReport,
  type QueryRow,
  QueryStats,
  type QueryStatsOptions,
  type QuerySystem,
  type SlowQuery,
} from './profiling/query-stats.js';
export type { RequestStatsOptions } from './requests/request-options.js';
export { RequestStats } from './requests/requests.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { type RedisClient, RedisStore, type RedisStoreOptions } from './stores/redis.js';
export type { MetricsStore, StoreHealth } from './stores/store.js';
export * from './types.js';
