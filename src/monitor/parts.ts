// The monitor's parts built from its options: alert rules and engine, notifications, request, function, query,
// job and custom statistics, the store, the collector, the process lifecycle and the analytics.

import { hostname } from 'node:os';
import type { Alert, AlertEvent } from '../alerts/alert.js';
import { checkDeclaredMetric, customReads, undeclaredRuleWarning } from '../alerts/custom-rule-check.js';
import { AlertSystem } from '../alerts/engine.js';
import { type MetricRuleConfig, metricRuleSource, parseMetricRules } from '../alerts/metric-rules.js';
import type { AlertObservation } from '../alerts/observations.js';
import { metricPredictRules, predictRules } from '../alerts/predict-rules.js';
import { ruleExists } from '../alerts/restored.js';
import { checkRuleReferences, nearMissSeries } from '../alerts/rule-references.js';
import {
  ALERT_RULE_NAMES,
  type AlertRulesConfig,
  type AlertRulesOptions,
  levelsOf,
  parseRules,
} from '../alerts/rules.js';
import { reserveSelectedSets } from '../alerts/selected-sets.js';
import { snapshotShape } from '../alerts/snapshot-shape.js';
import { Analytics } from '../analytics/analytics.js';
import { DEFAULT_ANOMALY_SERIES } from '../analytics/rule-options.js';
import { NotificationRouter } from '../channels/router.js';
import { MetricsCollector } from '../collector/index.js';
import { checkLevelsAgainstProbe } from '../collector/probes.js';
import { CustomMetrics } from '../custom/index.js';
import { invalidOption } from '../errors.js';
import { FunctionTimings } from '../functions/function-stats.js';
import { adoptDefaultFunctionStats, type FunctionRecorder } from '../functions/timing.js';
import { readQuietly } from '../latency/coarse-clock.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { servedNothingCheck } from '../lifecycle/load-watch.js';
import { parseProbeRules, parseShed, parseShutdown, type ShutdownConfig } from '../lifecycle/options.js';
import { JobStats } from '../profiling/jobs.js';
import { QueryStats } from '../profiling/query-stats.js';
import { SeriesHistory } from '../profiling/series-history.js';
import { checkHorizon } from '../requests/error-horizon.js';
import { parseExcludeRoutes, RequestExclusion } from '../requests/exclusion.js';
import { RequestStats } from '../requests/requests.js';
import { MemoryStore } from '../stores/memory.js';
import type { MetricsStore } from '../stores/store.js';
import { useMonitorLogger } from '../stores/store-logger.js';
import type { Clock, ComponentStatus, Logger, MetricsSnapshot } from '../types.js';
import { holdFor } from './held-elsewhere.js';
import { HistoryWriter } from './history-writer.js';
import { markConflict } from './instance-watch.js';
import { isClusterView } from './notification-state.js';
import type { CheckedMonitorOptions } from './options.js';
import { Sampler } from './sampler.js';
import { workerGroups } from './shared-groups.js';
import { pinTickShape } from './tick-shape.js';

/**
 * The monitor being built: its settings, and itself as the recorder that adopts the default `@timed`
 * statistics when no other monitor has.
 */
export interface PartsOwner extends FunctionRecorder {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  readonly retentionMs: number;
  readonly resolutionMs: number;
}

/** What else the parts need from the monitor being built. */
export interface PartsContext {
  /** Cluster mode: alerts are delivered once, by the cluster's monitor, and history goes there. */
  readonly clustered: boolean;
  /** The latest snapshot (the probes read dependency statuses from it). */
  readonly latest: () => MetricsSnapshot | undefined;
  /** Open WebSocket connections of the application (trackWebSockets). */
  readonly websocketConnections: () => number;
  /** True once the monitor is closing. */
  readonly closing: () => boolean;
  /** Every alert event, for the monitor's `alert` event. */
  readonly alert: (event: AlertEvent) => void;
  /** A periodic sample's snapshot, for the monitor's `metrics` event. */
  readonly sampled: (snapshot: MetricsSnapshot) => void;
}

/** The monitor's parts; `adopted` says whether it took the default `@timed` statistics. */
export interface MonitorParts {
  readonly rules: AlertRulesConfig;
  readonly alertSystem: AlertSystem;
  readonly notifications: NotificationRouter;
  readonly functions: FunctionTimings;
  readonly adopted: boolean;
  readonly requests: RequestStats;
  readonly queries: QueryStats;
  readonly jobs: JobStats;
  readonly custom: CustomMetrics;
  readonly series: SeriesHistory;
  readonly store: MetricsStore;
  /** Cluster mode: the user's store, unused by this worker until it builds the cluster's monitor. */
  readonly unusedStore: MetricsStore | null;
  readonly collector: MetricsCollector;
  readonly lifecycle: Lifecycle;
  readonly shutdownConfig: ShutdownConfig;
  readonly analytics: Analytics;
  /** Excluded paths and event streams (left out of the request figures). */
  readonly exclusion: RequestExclusion;
  readonly history: HistoryWriter;
  readonly sampler: Sampler;
}

const MONOTONIC = { now: () => performance.now() };

/** Builds the parts in dependency order; options are checked as each part is built. */
export function createParts(
  options: CheckedMonitorOptions,
  owner: PartsOwner,
  ctx: PartsContext,
): MonitorParts {
  pinTickShape();
  const clustered = ctx.clustered;
  const monotonic = options.monotonicClock ?? (options.clock === undefined ? MONOTONIC : undefined);
  // `alerts.rules` (rules on any metric) is an array beside the built-in rules' object.
  // Only a missing `alerts` means the defaults: `null` is refused as AlertSystem's `rules: null` is (no "alerts off").
  const alerts: unknown = options.alerts === undefined ? {} : options.alerts;
  // Not an object: parseRules refuses it, naming `alerts` (a spread would have read a string's characters as rules).
  if (typeof alerts !== 'object' || alerts === null || Array.isArray(alerts))
    parseRules(alerts as never, 'alerts');
  const { rules: metricRulesOption, ...builtInRules } = alerts as AlertRulesOptions & { rules?: unknown };
  // The monitor's built-in rules are written `alerts.<rule>`: every setup error names them so.
  const rules = parseRules(builtInRules, 'alerts');
  const metricRules = parseMetricRules(
    metricRulesOption,
    snapshotShape(
      Array.isArray(options.collectors) ? options.collectors.map((c) => String(c?.name)) : [],
      Object.keys(rules),
    ),
  );
  const levels = levelsOf(rules);
  // Checked here with the monitor's option names; the collector checks the same for its own options.
  const database = options.probes?.database;
  if (database !== null && typeof database === 'object') {
    checkLevelsAgainstProbe(rules.db_latency, database, {
      levels: 'alerts.db_latency',
      probe: 'probes.database',
    });
  }
  const alertSystem = new AlertSystem({
    rules,
    clock: owner.clock,
    monotonicClock: monotonic, // every pending wait, hold and duration (rtF F4; else performance.now)
    logger: owner.logger,
    historyLimit: options.alertHistoryLimit,
    // In cluster mode alerts are delivered once, by the cluster's monitor.
    onAlert: clustered ? undefined : options.onAlert,
    webhook: clustered ? undefined : options.webhook,
  });
  if (metricRules.length > 0) {
    const source = metricRuleSource(metricRules);
    // The cluster's own monitor declares no metric (the workers do, and check them there): it does not warn.
    const warn = isClusterView(options)
      ? () => {}
      : undeclaredRuleWarning(metricRules, (name) => custom.get(name) !== undefined, owner.logger);
    alertSystem.addObservationSource((snapshot) => {
      warn();
      return source(snapshot);
    });
  }
  // A restored alert (store or cluster ledger) whose rule this deploy removed, renamed or disabled is cleared.
  alertSystem.ruleExists = ruleExists(rules, metricRules);
  alertSystem.ruleMetrics = customReads(metricRules);
  // A rule's selected label set is among its alerts' labels (silences, channels, Alertmanager; RT37-1).
  const selected = new Map(metricRules.flatMap((r) => (r.labels ? [[r.name, r.labels] as const] : [])));
  alertSystem.ruleLabels = selected.size > 0 ? (rule) => selected.get(rule) : undefined;
  const ruleNames = [...ALERT_RULE_NAMES, ...metricRules.map((r) => r.name)];
  checkRuleReferences(options, ruleNames);
  const nearMiss = nearMissSeries(rules.anomaly.series, DEFAULT_ANOMALY_SERIES);
  if (nearMiss.length > 0)
    owner.logger.warn(
      { series: rules.anomaly.series },
      `sysvitals: \`alerts.anomaly.series\` names ${nearMiss.join(', ')}: no built-in series has this name, so the ` +
        'rule scores nothing of it until analytics.observe() gives a series of that name values.',
    );
  const notifications = new NotificationRouter({
    channels: clustered ? undefined : options.channels,
    routing: clustered ? undefined : options.routing,
    maintenance: options.maintenance,
    clock: owner.clock,
    monotonicClock: monotonic, // the group wait and repeats (rtF F4)
    logger: owner.logger,
    host: hostname(),
    instance: owner.instanceId,
    rules: ruleNames,
    inhibitScope: inhibitScopes(metricRules, (id) => alertSystem.keyOf(id)),
  });
  // Without an injected clock the @timed statistics keep the coarse clock (see RequestStats).
  const adopted = adoptDefaultFunctionStats(owner, options.clock);
  const functions = adopted ?? new FunctionTimings({ clock: options.clock });
  const requests = new RequestStats({
    // Without an injected clock, the hot path reads the coarse clock rather than Date.now().
    clock: options.clock,
    windowMs: options.requestWindowMs,
    maxRoutes: options.maxRoutes,
    abortedFailureMs: options.abortedFailureMs,
    unansweredMinWaitMs: options.unansweredMinWaitMs,
    levels,
    minRequests: rules.error_rate.minRequests,
    errorHorizonMs: rules.error_rate.horizonMs,
    functions,
    apdex: options.apdex,
  });
  checkHorizon(builtInRules.error_rate?.horizonMs, requests.config);
  const queries = new QueryStats(options.queries, options.clock);
  // Queries in flight past the critical level count in the query window at their age (a hung database reads slow).
  queries.inFlightMinMs = rules.db_query_p95.critical;
  // Staleness on the monotonic clock: a wall clock stepped forward is no time without a success (outside review A, t30).
  const jobs = new JobStats({ ...(options.jobs ?? {}), clock: owner.clock }, monotonic);
  // A restored job_stale alert of a job declared without expectEvery clears at once (RT48-1).
  alertSystem.jobUnwatched = (name) => jobs.rows().some((r) => r.name === name && r.expect_every_ms === null);
  const unusedStore = clustered && options.store ? options.store : null;
  const custom = new CustomMetrics(options.requestWindowMs ?? 60_000, undefined, () => owner.clock.now());
  // A metric declared with a kind or labels some rule could never read is refused (outside review 31, RT31-13).
  // A set a rule selects keeps its own slot past maxLabelSets (RT37-10).
  custom.onDeclare = (m) => {
    checkDeclaredMetric(metricRules, { name: m.name, type: m.type, labels: m.config.labels });
    reserveSelectedSets(metricRules, m, owner.logger);
  };
  // A custom metric may not take a collector plugin's Prometheus families (`plugin_<name>_…`); the plugins'
  // own option errors come from validatePlugins, so only well-formed names are reserved here.
  if (Array.isArray(options.collectors)) {
    custom.reservePlugins(options.collectors.flatMap((c) => (typeof c?.name === 'string' ? [c.name] : [])));
  }
  const series = new SeriesHistory(options.routeHistory, owner.resolutionMs);
  const store: MetricsStore =
    (clustered ? undefined : options.store) ??
    new MemoryStore({
      retentionMs: owner.retentionMs,
      resolutionMs: owner.resolutionMs,
      alertLimit: options.alertHistoryLimit,
      clock: owner.clock,
    });
  // The store's own lines (a RedisStore's outage and data-loss lines) go to the monitor's logger (RT40-4).
  if (!clustered) useMonitorLogger(store, owner.logger);
  const dependencies = Object.keys(options.probes ?? {}).concat(
    !options.probes?.redis && store.probe ? ['redis'] : [],
  );
  const probeRules = parseProbeRules(options.probeRules, dependencies);
  // Cluster mode: probes and plugins measure what the workers share, so the aggregator's cluster monitor runs
  // them once (shared-groups.ts); a worker keeps the probes its own readiness requires.
  const groups = clustered
    ? workerGroups(options.probes, options.collectors, levels, probeRules.required)
    : { probes: options.probes, plugins: options.collectors };
  const collector = new MetricsCollector({
    clock: owner.clock,
    logger: owner.logger,
    levels,
    probes: groups.probes,
    groupTimeoutMs: options.groupTimeoutMs,
    eventLoopResolutionMs: options.eventLoopResolutionMs,
    procRoot: options.procRoot,
    sysRoot: options.sysRoot,
    plugins: groups.plugins,
    // Cluster mode: host metrics are collected once per host, by the aggregator's cluster monitor.
    hostMetrics: !clustered,
    sources: {
      custom: (close, collect) => custom.snapshot(owner.clock.now(), close, collect),
      // Not the hot path: its reads leave a sleeping coarse clock asleep (an idle sample wakes nothing for it).
      requests: () => readQuietly(() => requests.groups()),
      websocketConnections: ctx.websocketConnections,
    },
  });
  // A store that talks to Redis reports its health in the `redis` group, unless a redis probe of the user's does.
  if (!options.probes?.redis && store.probe) collector.setProbe('redis', store.probe());

  if (options.handleSignals !== undefined && typeof options.handleSignals !== 'boolean') {
    throw invalidOption('sysvitals: `handleSignals` must be true or false.');
  }
  const shed = parseShed(options.shed);
  const shutdownConfig = parseShutdown(options.shutdown);
  const lifecycle = new Lifecycle({
    rules: probeRules,
    shed,
    reader: options.loadReader,
    logger: owner.logger,
    clock: requests.config.clock,
    // The liveness check's durations: monotonic, as the history's coverage (an injected wall clock alone is its own).
    durationClock: monotonic,
    waitForSample: options.sampleIntervalMs !== 0,
    dependencyStatus: (name) =>
      (ctx.latest() as unknown as Record<string, { status?: ComponentStatus } | undefined> | undefined)?.[
        name
      ]?.status,
    onShedChange: (reason) => {
      if (reason) owner.logger.warn({ reason }, `sysvitals: shedding load: ${reason}`);
      else owner.logger.warn({}, 'sysvitals: load back under the limits; no longer shedding');
    },
  });
  // Requests in flight past the critical level count in the latency window at their age (a hang reads critical).
  // A sample interval that served nothing puts the delay histogram to sleep, a coarser one standing in (issue 18).
  collector.proc.sleepWhen(servedNothingCheck(lifecycle));
  requests.inFlight = lifecycle.inFlightAges;
  const exclusion = new RequestExclusion(parseExcludeRoutes(options.excludeRoutes));
  const analytics = new Analytics({
    anomaly: rules.anomaly,
    diskFull: rules.disk_full_in,
    memoryLeak: rules.memory_leak,
    predict: [...predictRules(rules), ...metricPredictRules(metricRules)],
  });
  alertSystem.addObservationSource((snapshot) => analytics.observations(snapshot) as AlertObservation[]);
  alertSystem.on('alert', ctx.alert);
  // A restart with the same store and instanceId restores them (same ids), instead of orphaning them, with
  // what each channel's receiver got of them (notification-state.ts).
  const carry = !clustered && !isClusterView(options);
  // While another live process under this instanceId holds its saved state, its alerts are its own to page.
  const held = carry && store.claim && notifications.active ? holdFor(alertSystem, notifications) : undefined;
  if (notifications.active) {
    alertSystem.setSuppressor((alert, active) => notifications.classify(alert, active));
    alertSystem.on('alert', (event) => (held ? held.event(event) : notifications.notify(event)));
  }
  alertSystem.setRecorder((record) => store.appendAlert(record));
  const parts = {
    clock: owner.clock,
    logger: owner.logger,
    instanceId: owner.instanceId,
    resolutionMs: owner.resolutionMs,
    requests,
    functions,
    custom,
    jobs,
    series,
    analytics,
    store,
    collector,
    alertSystem,
    lifecycle,
    queries,
  };
  const history = new HistoryWriter({
    ...ctx,
    ...parts,
    // How long each bucket was recorded: monotonic (a wall clock's forward step is not recorded time); an injected
    // wall clock alone is its own (tests step it as they like).
    coverageClock: monotonic,
    ...(carry ? { notificationState: { notifications, alertSystem, heldElsewhere: held } } : {}),
  });
  history.watch.heldElsewhere = held;
  const save = () => history.saveActiveAlerts();
  alertSystem.on('alert', save);
  if (carry) {
    notifications.onChange(save);
    if (alertSystem.webhook) alertSystem.webhook.onChange = save;
  }
  const sampler = new Sampler({
    ...ctx,
    ...parts,
    // Without periodic samples a read has nothing sampled to show: it runs the callbacks itself.
    readsCollect: options.sampleIntervalMs === 0,
    sampled: (snapshot) => {
      history.add(snapshot);
      ctx.sampled(snapshot);
    },
  });
  // Another live process under this instanceId past a deploy's overlap: `instance_conflict` (instance-watch.ts).
  if (store.claim) sampler.decorate(markConflict(history.watch));
  return {
    history,
    sampler,
    rules,
    alertSystem,
    notifications,
    functions,
    adopted: adopted !== null,
    requests,
    queries,
    jobs,
    custom,
    series,
    store,
    unusedStore,
    collector,
    lifecycle,
    shutdownConfig,
    analytics,
    exclusion,
  };
}

/**
 * A rule on any metric inhibits within its own metric's thing (metric-rules.ts); a built-in one within its component,
 * and a disk alert within its partition (`disk`, `disk_full_in`, a disk rule's prediction: keyed by mount), since a
 * full /boot says nothing of the data disk (outside review 9b, F11: it muted every other partition's warnings).
 */
export function inhibitScopes(
  rules: readonly MetricRuleConfig[],
  keyOf: (id: string) => string | undefined,
): (alert: Alert) => string {
  const scopes = new Map(rules.map((r) => [r.name, r.inhibitScope]));
  return (alert) => {
    const scope = scopes.get(alert.rule) ?? alert.component;
    if (scope !== 'disk') return scope;
    const key = keyOf(alert.id) ?? '';
    return `disk\u0000${key.startsWith('predict:') ? key.slice(8) : key}`;
  };
}
