// MetricsCollector: one snapshot of every metric group, each group isolated (a failing or hanging one comes back
// `unknown` with an error, a failing dependency `critical`): never throws; returns within groupTimeoutMs (or a longer probe timeoutMs).

import type { CustomMetricSnapshot } from '../custom/types.js';
import { invalidOption } from '../errors.js';
import { errorMessage, OutageLog } from '../logger.js';
import type { DatabaseMetrics, MetricsSnapshot, PluginGroup, RedisMetrics, RequestGroups } from '../types.js';
import { emptyRequestGroups, readWebsocket } from './app-groups.js';
import { type CollectorConfig, type CollectorOptions, parseCollectorOptions } from './config.js';
import { ContainerCollector, cpuInContainer, memoryInContainer } from './container.js';
import { CpuCollector, FIRST_WINDOW_MS, failedCpu, osCpuSource, procCpuSource } from './cpu.js';
import { SharedDeadline } from './deadline.js';
import { DiskCollector, failedDisk, nodeStatFs, procMountSource } from './disk.js';
import { siCpuMhz, siMountSource, siNetworkSource, siSwap } from './fallbacks.js';
import { notCollectedHost, poolState, probeStatus } from './host-groups.js';
import { type CallbackGroups, LastSampled } from './last-sampled.js';
import {
  failedMemory,
  type MemorySource,
  osMemorySource,
  procMemorySource,
  toMemoryMetrics,
} from './memory.js';
import { failedNetwork, NetworkCollector, procNetworkSource } from './network.js';
import { closeRunners, PluginRunner, pluginGroupsNow } from './plugins.js';
import {
  checkLevelsAgainstProbe,
  logAbandoned,
  logOutcome,
  type Probe,
  type ProbeName,
  type ProbeOutcome,
  ProbeRunner,
  readPoolSize,
  validateProbe,
} from './probes.js';
import { failedProcess, ProcessCollector } from './process.js';

/** Collects one MetricsSnapshot on demand: host, process and dependency metrics plus what its sources report. */
export class MetricsCollector {
  /** @internal */
  readonly config: CollectorConfig;
  private readonly outages: OutageLog;
  private readonly cpu: CpuCollector;
  private readonly memory: MemorySource;
  private readonly disk: DiskCollector;
  private readonly network: NetworkCollector;
  /** @internal */
  readonly proc: ProcessCollector;
  private readonly container: ContainerCollector | undefined;
  private readonly pluginRunners: PluginRunner[];
  private readonly runners: Partial<Record<ProbeName, ProbeRunner>> = {};
  private readonly probeNow: () => number;
  private inflight: Promise<MetricsSnapshot> | undefined;
  private peeking: Promise<MetricsSnapshot> | undefined;
  private readonly lastSampled = new LastSampled();
  private closed = false;
  /** @internal closePlugins() ran: a snapshot collected before shows its plugin groups, no longer true. */
  pluginsClosed = false;

  constructor(options: CollectorOptions = {}) {
    const config = parseCollectorOptions(options);
    this.config = config;
    const now = () => config.clock.now();
    const levels = config.levels;
    this.outages = new OutageLog(config.logger, now);
    const { procRoot, useProcfs } = config;
    this.cpu = new CpuCollector(
      useProcfs ? procCpuSource(procRoot, siCpuMhz) : osCpuSource(siCpuMhz),
      now,
      levels.cpu.warning,
      Math.min(FIRST_WINDOW_MS, Math.max(1, Math.floor(config.groupTimeoutMs / 2))),
    );
    this.memory = useProcfs ? procMemorySource(procRoot) : osMemorySource(siSwap, now);
    this.disk = new DiskCollector(
      useProcfs ? procMountSource(procRoot) : siMountSource,
      nodeStatFs,
      now,
      levels.disk.warning,
      Math.max(1, Math.floor(config.groupTimeoutMs / 2)),
    );
    const netSource = useProcfs ? procNetworkSource(procRoot) : siNetworkSource;
    this.network = new NetworkCollector(netSource, now, config.sysRoot);
    this.proc = new ProcessCollector({
      resolutionMs: config.eventLoopResolutionMs,
      procRoot: useProcfs ? procRoot : undefined,
      levels: levels.event_loop_delay,
    });
    if (config.hostMetrics && (config.sysRoot !== null || config.useConstrainedMemory)) {
      this.container = new ContainerCollector({
        procRoot,
        sysRoot: config.sysRoot ?? '/sys',
        now,
        constrainedMemory: config.useConstrainedMemory
          ? (process as { constrainedMemory?: () => number | undefined }).constrainedMemory
          : undefined,
      });
    }
    this.probeNow = () => config.latencyClock.now();
    for (const name of ['database', 'redis'] as const) {
      const probe = config.probes[name];
      if (probe)
        this.runners[name] = new ProbeRunner(probe, this.probeNow, logAbandoned(config.logger, name));
    }
    this.pluginRunners = config.plugins.map(
      (p) => new PluginRunner(p, p.timeoutMs ?? config.groupTimeoutMs, config.logger),
    );
    // Baselines, so that the first collect() reports CPU use and network rates since construction.
    if (config.hostMetrics) {
      this.cpu.prime();
      this.readContainer();
      void this.network.prime();
    }
  }

  /** Registers, replaces or (with undefined) removes a dependency probe at runtime. */
  setProbe(name: ProbeName, probe: Probe | undefined): void {
    if (name !== 'database' && name !== 'redis') {
      throw invalidOption(`setProbe(name, probe): name must be 'database' or 'redis' (got ${String(name)})`);
    }
    if (probe === undefined) {
      delete this.runners[name];
      return;
    }
    const valid = validateProbe(probe, `setProbe('${name}')`);
    if (name === 'database') {
      checkLevelsAgainstProbe(this.config.levels.db_latency, valid, {
        levels: 'levels.db_latency',
        probe: `setProbe('database', probe)`,
      });
    }
    this.runners[name] = new ProbeRunner(valid, this.probeNow, logAbandoned(this.config.logger, name));
  }

  /**
   * One snapshot: a sample, which ends the interval of every figure measured since the previous one (CPU and
   * network use, event-loop delay and utilisation, GC pauses, counter rates). Never throws; concurrent callers
   * share the collection under way.
   */
  collect(): Promise<MetricsSnapshot> {
    this.inflight ??= this.collectNow(true).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * One snapshot for a read: the same groups, the interval figures over the interval under way (counter rates:
   * the last one collect() ended), which it neither ends nor restarts, so what collect() reports next does not
   * depend on reads. The application's callbacks (probes, plugins, gauges' collect()) run only with `callbacks`
   * (no periodic samples); else their groups are the last collect()'s. Never throws; shares a collection under way.
   */
  peek(callbacks = false): Promise<MetricsSnapshot> {
    if (this.inflight) return this.inflight;
    this.peeking ??= this.collectNow(false, callbacks).finally(() => {
      this.peeking = undefined;
    });
    return this.peeking;
  }

  /** Aborts every collect() under way (PluginRunner.close), then calls every plugin's close() once (closePlugins). */
  closePlugins(): Promise<void> {
    this.pluginsClosed = true;
    return closeRunners(this.pluginRunners, this.config.logger);
  }

  /** Stops the event-loop delay monitor. Idempotent; collect() still works afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.proc.close();
  }

  private async collectNow(close: boolean, callbacks = close): Promise<MetricsSnapshot> {
    if (!this.config.hostMetrics) return this.collectWithoutHost(close, callbacks);
    const { levels, groupTimeoutMs } = this.config;
    const timestamp = new Date(this.config.clock.now()).toISOString();
    const deadline = new SharedDeadline(groupTimeoutMs, `no answer within ${groupTimeoutMs} ms`);
    const deps = this.dependencies(callbacks);
    try {
      const [cpu, memory, disk, network, database, redis, process] = await Promise.all([
        this.group(
          deadline,
          'cpu',
          () => this.cpu.collect(close),
          (e) => failedCpu(e, levels.cpu.warning),
        ),
        this.group(
          deadline,
          'memory',
          async () => toMemoryMetrics(await this.memory(), levels.memory.warning),
          (e) => failedMemory(e, levels.memory.warning),
        ),
        this.group(
          deadline,
          'disk',
          () => this.disk.collect(),
          (e) => failedDisk(e, levels.disk.warning),
        ),
        this.group(deadline, 'network', () => this.network.collect(close), failedNetwork),
        deps.database,
        deps.redis,
        this.group(deadline, 'process', () => this.proc.collect(close), failedProcess),
      ]);
      const container = this.readContainer(close);
      return {
        timestamp,
        cpu: container ? cpuInContainer(cpu, container) : cpu,
        memory: container ? memoryInContainer(memory, container) : memory,
        disk,
        network,
        ...(await this.appGroups(close, callbacks, database, redis, process, deps.plugins)),
      };
    } finally {
      deadline.clear();
    }
  }

  /**
   * `hostMetrics: false` (a cluster worker's own monitor): no host group is read; they come back
   * not measured here (zero, `unknown`, no error), the app and process groups as usual.
   */
  private async collectWithoutHost(close: boolean, callbacks: boolean): Promise<MetricsSnapshot> {
    const { levels, groupTimeoutMs } = this.config;
    const timestamp = new Date(this.config.clock.now()).toISOString();
    const deadline = new SharedDeadline(groupTimeoutMs, `no answer within ${groupTimeoutMs} ms`);
    const deps = this.dependencies(callbacks);
    try {
      const [database, redis, process] = await Promise.all([
        deps.database,
        deps.redis,
        this.group(deadline, 'process', () => this.proc.collect(close), failedProcess),
      ]);
      return {
        timestamp,
        ...notCollectedHost(levels),
        ...(await this.appGroups(close, callbacks, database, redis, process, deps.plugins)),
      };
    } finally {
      deadline.clear();
    }
  }

  /** The groups every snapshot has, with or without host metrics: dependencies, the app's, process, custom, plugins. */
  private async appGroups(
    close: boolean,
    callbacks: boolean,
    database: MetricsSnapshot['database'],
    redis: MetricsSnapshot['redis'],
    process: MetricsSnapshot['process'],
    plugins: Promise<Record<string, PluginGroup>>,
  ) {
    const app = this.requestGroups();
    const pluginGroups = await plugins;
    if (callbacks) this.lastSampled.keep({ database, redis, plugins: pluginGroups });
    return {
      database,
      redis,
      websocket: readWebsocket(this.config.sources.websocketConnections, this.outages),
      requests: app.requests,
      errors: app.errors,
      latency: app.latency,
      process,
      functions: app.functions,
      routes: app.routes,
      custom: this.customGroup(close, callbacks),
      plugins: pluginGroups,
    };
  }

  /** The probes' and plugins' groups: run now (`callbacks`), else the last sample's. */
  private dependencies(callbacks: boolean): { [K in keyof CallbackGroups]: Promise<CallbackGroups[K]> } {
    if (callbacks) return { database: this.database(), redis: this.redis(), plugins: this.runPlugins() };
    const names = this.pluginRunners.map((r) => r.plugin.name);
    const last = this.lastSampled.read(names, this.config.levels.db_latency.warning);
    return {
      database: Promise.resolve(last.database),
      redis: Promise.resolve(last.redis),
      plugins: Promise.resolve(pluginGroupsNow(this.pluginRunners, last.plugins)),
    };
  }

  /**
   * Every plugin's group within groupTimeoutMs, as the built-in groups: a collect() still under way then goes on (up to
   * its own timeoutMs) and joins a later sample; this one shows the last outcome (a failure is its group's `unknown`).
   */
  private async runPlugins(): Promise<Record<string, PluginGroup>> {
    const out: Record<string, PluginGroup> = Object.create(null); // no prototype: `toString` is a plugin name like any
    if (this.pluginRunners.length === 0) return out;
    const now = this.config.clock.now();
    const wait = this.config.groupTimeoutMs;
    const groups = await Promise.all(this.pluginRunners.map((r) => r.sample(now, wait)));
    for (const [i, r] of this.pluginRunners.entries()) {
      const group = groups[i] as PluginGroup;
      const key = `plugins.${r.plugin.name}`;
      out[r.plugin.name] = group;
      // A slow first answer is no outage (the group is `unknown` until it lands): not logged as one.
      if (r.awaitingFirst || r.isClosed) continue; // nor a closed monitor's (RTC-7)
      if (group.error !== undefined) this.outages.failed(key, group.error);
      else this.outages.recovered(key);
    }
    return out;
  }

  /** The container's limits and usage; undefined without a container reader or when it fails. */
  private readContainer(close = true) {
    if (!this.container) return undefined;
    try {
      const reading = this.container.read(close);
      this.outages.recovered('container');
      return reading;
    } catch (err) {
      this.outages.failed('container', err);
      return undefined;
    }
  }

  private async group<T>(
    deadline: SharedDeadline,
    name: string,
    run: () => T | Promise<T>,
    failed: (error: string) => T,
  ): Promise<T> {
    try {
      const value = await deadline.race(Promise.resolve().then(run));
      this.outages.recovered(name);
      return value;
    } catch (err) {
      this.outages.failed(name, err);
      return failed(errorMessage(err));
    }
  }

  /**
   * Runs a probe, bounded by its own timeoutMs rather than groupTimeoutMs: the db_latency levels (warning 1000 ms)
   * must stay reachable, and a check cut off at groupTimeoutMs could never show them. Undefined without a probe.
   */
  private async probe(name: ProbeName): Promise<ProbeOutcome | undefined> {
    const runner = this.runners[name];
    if (!runner) return undefined;
    const outcome = await runner
      .run()
      .catch((err: unknown): ProbeOutcome => ({ ok: false, latencyMs: null, error: errorMessage(err) }));
    logOutcome(this.outages, name, outcome);
    return outcome;
  }

  private async database(): Promise<DatabaseMetrics> {
    const { warning, critical } = this.config.levels.db_latency;
    const runner = this.runners.database;
    const outcome = await this.probe('database');
    const pool = readPoolSize(runner?.probe);
    return {
      response_time_ms: outcome?.latencyMs ?? null,
      pool_size: pool.total,
      pool_idle: pool.idle,
      pool_waiting: pool.waiting,
      ...poolState(outcome),
      ...probeStatus(outcome, warning, critical),
      threshold: warning,
    };
  }

  private async redis(): Promise<RedisMetrics> {
    const { warning, critical } = this.config.levels.db_latency;
    const outcome = await this.probe('redis');
    return {
      response_time_ms: outcome?.latencyMs ?? null,
      working: outcome ? outcome.ok : null,
      ...probeStatus(outcome, warning, critical),
      threshold: warning,
    };
  }

  private customGroup(close: boolean, callbacks: boolean): Record<string, CustomMetricSnapshot> {
    const source = this.config.sources.custom;
    if (!source) return {};
    try {
      const custom = source(close, callbacks);
      this.outages.recovered('custom');
      return custom;
    } catch (err) {
      this.outages.failed('custom', err);
      return {};
    }
  }

  private requestGroups(): RequestGroups {
    const { levels, sources } = this.config;
    if (!sources.requests) return emptyRequestGroups(levels);
    try {
      const groups = sources.requests();
      this.outages.recovered('requests');
      return groups;
    } catch (err) {
      this.outages.failed('requests', err);
      return emptyRequestGroups(levels, 'unknown', errorMessage(err));
    }
  }
}
