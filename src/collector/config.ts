// MetricsCollector options: parsed and validated once into a frozen, complete config.

import {
  DEFAULT_LEVELS,
  PERCENT_RULES,
  RULE_NAMES,
  type RuleLevels,
  type RuleName,
} from '../alerts/thresholds.js';
import type { CustomMetricSnapshot } from '../custom/types.js';
import { invalidOption, SysvitalsError } from '../errors.js';
import { consoleLogger, safeLogger } from '../logger.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import { didYouMean, rejectUnknownKeys } from '../options/option-keys.js';
import type { Clock, Logger, RequestGroups } from '../types.js';
import { type CollectorPlugin, validatePlugins } from './plugins.js';
import { checkLevelsAgainstProbe, type Probe, type ProbeName, validateProbe } from './probes.js';
import { DEFAULT_EVENT_LOOP_RESOLUTION_MS } from './process.js';

/** Where a MetricsCollector reads the figures it does not measure itself (requests, WebSockets, …). */
export interface CollectorSources {
  /** Request, error, latency, route and `@timed` figures. @defaultValue zeros: requests `healthy`, errors and latency `unknown` (nothing to judge) */
  requests?: () => RequestGroups;
  /** Open WebSocket / live-stream connections. @defaultValue 0 */
  websocketConnections?: () => number;
  /**
   * Custom metrics' `custom` group; `close` is true for a sample (collect(), which ends the counters' rate
   * interval) and false for a read (peek(), which must not); `collect` is true when gauges' collect() callbacks
   * are to run (a sample, or a read of a monitor without periodic samples). @defaultValue none
   */
  custom?: (close: boolean, collect: boolean) => Record<string, CustomMetricSnapshot>;
}

/** Warning and critical levels by rule name (percent, or ms for latency rules), used for the snapshot's statuses. */
export type LevelsOption = { [K in RuleName]?: Partial<RuleLevels> };

/** Options of a MetricsCollector: clock, probes, levels and sources. */
export interface CollectorOptions {
  /** Wall-clock time in ms (timestamps, rates, averages). @defaultValue Date.now */
  clock?: Clock;
  /** Monotonic sub-millisecond time that times probes. @defaultValue performance (performance.now()) */
  latencyClock?: Clock;
  /** Where procfs is mounted; point it at captured files in tests. @defaultValue '/proc' */
  procRoot?: string;
  /**
   * Where sysfs is mounted: container limits are read from `<sysRoot>/fs/cgroup` (cgroup v2). With an
   * explicit procRoot and no sysRoot, container limits are not read (tests read only their fixtures).
   * @defaultValue '/sys'
   */
  sysRoot?: string;
  /** Longest wait for any one host or app metric group (probes are bounded by their own timeoutMs). @defaultValue 1000 */
  groupTimeoutMs?: number;
  /** Per-rule warning/critical levels (partial); `threshold` fields show the warning level. @defaultValue DEFAULT_LEVELS */
  levels?: LevelsOption;
  /** Dependency probes; without one the component is `unknown`. */
  probes?: { database?: Probe; redis?: Probe };
  /** pino-compatible; outages are logged once when they start and once when they end. @defaultValue consoleLogger */
  logger?: Logger;
  /** Figures owned by other parts of sysvitals (or by you). */
  sources?: CollectorSources;
  /** Event-loop delay sampling resolution, whole ms; coarser is cheaper (README "Runtime signals"). @defaultValue 50 */
  eventLoopResolutionMs?: number;
  /** Collector plugins: groups of your own under `plugins.<name>` (see CollectorPlugin). */
  plugins?: readonly CollectorPlugin[];
  /**
   * Whether this collector reads the host groups (cpu, memory, disk, network, container limits). With
   * false it never reads them (nor takes their baselines): they come back zero with status `unknown`
   * and no error (not measured here, not failed). Cluster mode turns them off in every worker's own
   * monitor; the aggregator's cluster monitor collects them once per host.
   * @defaultValue true
   */
  hostMetrics?: boolean;
}

export interface CollectorConfig {
  readonly clock: Clock;
  readonly latencyClock: Clock;
  readonly procRoot: string;
  /** True when host groups read procRoot; false on platforms without /proc (os/systeminformation). */
  readonly useProcfs: boolean;
  /** Where container limits are read; null when they are not (see CollectorOptions.sysRoot). */
  readonly sysRoot: string | null;
  /** process.constrainedMemory() is consulted only when neither procRoot nor sysRoot is given. */
  readonly useConstrainedMemory: boolean;
  readonly groupTimeoutMs: number;
  readonly levels: Readonly<Record<RuleName, Readonly<RuleLevels>>>;
  readonly probes: Readonly<Partial<Record<ProbeName, Probe>>>;
  readonly logger: Logger;
  readonly sources: Readonly<CollectorSources>;
  readonly eventLoopResolutionMs: number;
  readonly plugins: readonly CollectorPlugin[];
  readonly hostMetrics: boolean;
}

export const DEFAULT_COLLECTOR_OPTIONS = Object.freeze({
  procRoot: '/proc',
  groupTimeoutMs: 1000,
  eventLoopResolutionMs: DEFAULT_EVENT_LOOP_RESOLUTION_MS,
});

const OPTION_NAMES: readonly (keyof CollectorOptions)[] = [
  'clock',
  'latencyClock',
  'procRoot',
  'sysRoot',
  'groupTimeoutMs',
  'levels',
  'probes',
  'logger',
  'sources',
  'eventLoopResolutionMs',
  'plugins',
  'hostMetrics',
];

const systemClock: Clock = { now: () => Date.now() };
const performanceClock: Clock = { now: () => performance.now() };

export function parseCollectorOptions(options: CollectorOptions = {}): CollectorConfig {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('MetricsCollector options must be an object');
  }
  rejectUnknown(options, OPTION_NAMES, 'MetricsCollector option');
  const {
    clock,
    latencyClock,
    procRoot,
    sysRoot,
    groupTimeoutMs,
    levels,
    probes,
    logger,
    sources,
    eventLoopResolutionMs,
    plugins,
    hostMetrics,
  } = options;

  for (const [name, c] of [
    ['clock', clock],
    ['latencyClock', latencyClock],
  ] as const) {
    if (c !== undefined && typeof c?.now !== 'function') {
      throw invalidOption(`\`${name}\` must be an object with a now() method returning milliseconds`);
    }
  }
  if (procRoot !== undefined && (typeof procRoot !== 'string' || procRoot === '')) {
    throw invalidOption('`procRoot` must be a non-empty path such as "/proc"');
  }
  if (sysRoot !== undefined && (typeof sysRoot !== 'string' || sysRoot === '')) {
    throw invalidOption('`sysRoot` must be a non-empty path such as "/sys"');
  }
  wholeMs(groupTimeoutMs, 'groupTimeoutMs');
  if (hostMetrics !== undefined && typeof hostMetrics !== 'boolean') {
    throw invalidOption(`\`hostMetrics\` must be true or false (got ${String(hostMetrics)})`);
  }
  // monitorEventLoopDelay takes whole milliseconds (a fraction throws a RangeError there, uncoded).
  if (
    eventLoopResolutionMs !== undefined &&
    !(Number.isInteger(eventLoopResolutionMs) && (eventLoopResolutionMs as number) >= 1)
  ) {
    throw invalidOption(
      `\`eventLoopResolutionMs\` must be a whole number of milliseconds, at least 1 (got ${String(eventLoopResolutionMs)})`,
    );
  }
  if (logger !== undefined && (typeof logger?.warn !== 'function' || typeof logger?.error !== 'function')) {
    throw invalidOption('`logger` must be pino-compatible: an object with warn() and error()');
  }

  const parsedProbes: Partial<Record<ProbeName, Probe>> = {};
  if (probes !== undefined) {
    if (typeof probes !== 'object' || probes === null) {
      throw invalidOption('`probes` must be an object: { database?: probe, redis?: probe }');
    }
    rejectUnknown(probes, ['database', 'redis'], 'probe');
    for (const name of ['database', 'redis'] as const) {
      if (probes[name] !== undefined) parsedProbes[name] = validateProbe(probes[name], `probes.${name}`);
    }
  }

  if (sources !== undefined) {
    if (typeof sources !== 'object' || sources === null) throw invalidOption('`sources` must be an object');
    rejectUnknown(sources, ['requests', 'websocketConnections', 'custom'], 'source');
    for (const [name, fn] of Object.entries(sources)) {
      if (fn !== undefined && typeof fn !== 'function')
        throw invalidOption(`\`sources.${name}\` must be a function`);
    }
  }

  const resolvedLevels = resolveLevels(levels);
  checkLevelsAgainstProbe(resolvedLevels.db_latency, parsedProbes.database, {
    levels: 'levels.db_latency',
    probe: 'probes.database',
  });

  const root = procRoot ?? DEFAULT_COLLECTOR_OPTIONS.procRoot;
  return Object.freeze({
    clock: clock ?? systemClock,
    latencyClock: latencyClock ?? performanceClock,
    procRoot: root,
    // An explicit procRoot means "read these files" on any platform (tests, containers).
    useProcfs: procRoot !== undefined || process.platform === 'linux',
    sysRoot: sysRoot ?? (procRoot === undefined && process.platform === 'linux' ? '/sys' : null),
    useConstrainedMemory: procRoot === undefined && sysRoot === undefined,
    groupTimeoutMs: groupTimeoutMs ?? DEFAULT_COLLECTOR_OPTIONS.groupTimeoutMs,
    levels: resolvedLevels,
    probes: Object.freeze(parsedProbes),
    logger: safeLogger(logger ?? consoleLogger),
    sources: Object.freeze({ ...sources }),
    eventLoopResolutionMs: eventLoopResolutionMs ?? DEFAULT_COLLECTOR_OPTIONS.eventLoopResolutionMs,
    plugins: validatePlugins(plugins),
    hostMetrics: hostMetrics ?? true,
  });
}

/**
 * Merges partial per-rule levels over DEFAULT_LEVELS. Only `warning` and `critical` are read, so an
 * alert rule object with more fields (clear, for, enabled) can be passed as it is.
 */
export function resolveLevels(
  levels: LevelsOption | undefined,
): Readonly<Record<RuleName, Readonly<RuleLevels>>> {
  if (levels !== undefined && (typeof levels !== 'object' || levels === null)) {
    throw invalidOption('`levels` must be an object such as { cpu: { warning: 80, critical: 95 } }');
  }
  const given = levels ?? {};
  rejectUnknownKeys(
    given,
    RULE_NAMES,
    'ERR_SYSVITALS_UNKNOWN_RULE',
    (key) =>
      `Unknown rule \`${key}\` in levels.${didYouMean(key, RULE_NAMES)} Rules: ${RULE_NAMES.join(', ')}.`,
  );
  const out = {} as Record<RuleName, Readonly<RuleLevels>>;
  for (const rule of RULE_NAMES) {
    const partial = given[rule];
    if (partial !== undefined && (typeof partial !== 'object' || partial === null)) {
      throw invalidRule(`levels.${rule} must be an object: { warning?: number, critical?: number }`);
    }
    const warning = partial?.warning ?? DEFAULT_LEVELS[rule].warning;
    const critical = partial?.critical ?? Math.max(DEFAULT_LEVELS[rule].critical, warning);
    const max = PERCENT_RULES.has(rule) ? 100 : Number.POSITIVE_INFINITY;
    for (const [which, v] of [
      ['warning', warning],
      ['critical', critical],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
        throw invalidRule(
          `levels.${rule}.${which} must be a number ${max === 100 ? 'from 0 to 100 (percent)' : '≥ 0 (milliseconds)'} (got ${String(v)})`,
        );
      }
    }
    if (warning > critical) {
      throw invalidRule(`levels.${rule}: warning (${warning}) must not be above critical (${critical})`);
    }
    out[rule] = Object.freeze({ warning, critical });
  }
  return Object.freeze(out);
}

function invalidRule(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_RULE', message);
}

/**
 * A timer's delay, whole ms as the monitor's other ms options (outside review A, RTA-4: `0.5` was taken and every
 * group "timed out"): above 2^31-1 ms Node fires after 1 ms (outside review 47, RT47-4), so that is refused too.
 */
function wholeMs(value: unknown, name: string): void {
  if (
    value !== undefined &&
    !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_TIMER_MS)
  ) {
    throw invalidOption(
      `\`${name}\` must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (got ${String(value)})`,
    );
  }
}

function rejectUnknown(obj: object, known: readonly string[], what: string): void {
  rejectUnknownKeys(
    obj,
    known,
    'ERR_SYSVITALS_UNKNOWN_OPTION',
    (key) => `Unknown ${what} \`${key}\`.${didYouMean(key, known)} Known: ${known.join(', ')}.`,
  );
}
