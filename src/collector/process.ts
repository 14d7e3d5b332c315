// The Node process itself: event-loop delay and utilisation, GC pauses, heap spaces, external and
// array-buffer memory, active resources, open file descriptors, RSS and uptime. Every interval figure
// covers the time since the previous sample, never the last scrape (prom-client#561). The delay
// monitor samples on a coarse timer (50 ms by default) because a fine one is what makes event-loop
// monitors cost up to 10 % of a core (prometheus/client_js #523), and each of its ticks wakes an idle
// process (issue 18); delays shorter than the resolution are not what anyone alerts on. No native
// add-on: perf_hooks, v8 and process only.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createHistogram,
  monitorEventLoopDelay,
  performance,
  type RecordableHistogram,
} from 'node:perf_hooks';
import { levelStatus, round } from '../alerts/status.js';
import { DEFAULT_LEVELS, type RuleLevels } from '../alerts/thresholds.js';
import { nodeV8 } from '../builtins.js';
import type { ProcessMetrics } from '../types.js';
import { emptyGcStats, GcObserver } from './runtime-gc.js';

const NS_PER_MS = 1e6;
const BYTES_PER_MB = 1024 * 1024;

/** What the collector reads of an event-loop delay histogram (perf_hooks' IntervalHistogram has it). */
export interface DelayHistogram {
  /** Recorded ticks since the last reset(). */
  readonly count: number;
  /** Longest tick interval, ns (resolution included). */
  readonly max: number;
  percentile(p: number): number;
  reset(): void;
  enable(): unknown;
  disable(): unknown;
}

/** Cumulative event-loop idle and active time, ms (performance.eventLoopUtilization() has them). */
export interface LoopTimes {
  idle: number;
  active: number;
}

/** The delay histogram's default resolution, ms (README "Runtime signals" states what it sees). */
export const DEFAULT_EVENT_LOOP_RESOLUTION_MS = 50;

export interface ProcessCollectorOptions {
  /** monitorEventLoopDelay resolution. @defaultValue 50 */
  resolutionMs?: number;
  /** Where procfs is mounted (open file descriptors are counted in `<procRoot>/self/fd`); undefined: not counted. */
  procRoot?: string;
  /** The delay histogram, for tests. @defaultValue monitorEventLoopDelay({ resolution: resolutionMs }) */
  delayHistogram?: (resolutionMs: number) => DelayHistogram;
  /** The loop's cumulative idle and active time, for tests. @defaultValue performance.eventLoopUtilization */
  loopTimes?: () => LoopTimes;
  /**
   * The `event_loop_delay` levels (ms) that decide `status` from `event_loop_delay_p99_ms`.
   * @defaultValue DEFAULT_LEVELS.event_loop_delay (warning 100, critical 500)
   */
  levels?: Readonly<RuleLevels>;
}

export class ProcessCollector {
  private delay: DelayHistogram | undefined;
  /** Whose delay figures this one reports instead of its own histogram's (followDelay). */
  private delayOf: ProcessCollector | undefined;
  private readonly loopTimes: () => LoopTimes;
  private readonly gc = new GcObserver();
  private readonly resolutionMs: number;
  private readonly fdDir: string | undefined;
  private readonly levels: Readonly<RuleLevels>;
  private lastDelay = { p50: 0, p99: 0, max: 0 };
  private lastLoop: LoopTimes;
  /**
   * While the process serves nothing the histogram sleeps and a JavaScript lag timer that runs anyway (the load
   * watch's) stands in for it (issue 18: the histogram's 20 wake-ups a second were most of an idle monitor's).
   * `standIn` holds that timer's firings as the histogram would (the time since its previous firing less its period,
   * plus R, in ns); `idle` tells at a sample whether the interval just ended served no request.
   */
  private standIn: { record: RecordableHistogram; periodMs: number; idle: () => boolean } | undefined;
  /** The histogram is disabled for the interval under way; the stand-in's records are its figures. */
  private asleep = false;
  /** The stand-in's next firing is recorded (its interval began while the histogram slept or went to sleep). */
  private recordNext = false;

  constructor(options: ProcessCollectorOptions | number = {}) {
    const opts = typeof options === 'number' ? { resolutionMs: options } : options;
    this.resolutionMs = opts.resolutionMs ?? DEFAULT_EVENT_LOOP_RESOLUTION_MS;
    this.levels = opts.levels ?? DEFAULT_LEVELS.event_loop_delay;
    this.fdDir = opts.procRoot === undefined ? undefined : join(opts.procRoot, 'self', 'fd');
    const histogram = opts.delayHistogram ?? ((resolution) => monitorEventLoopDelay({ resolution }));
    this.delay = histogram(this.resolutionMs);
    this.delay.enable(); // its timer is unref'd by Node: it never keeps the process alive
    this.loopTimes = opts.loopTimes ?? (() => performance.eventLoopUtilization());
    this.lastLoop = this.loopTimes();
  }

  /**
   * Reports `owner`'s delay figures (as of its last sample) and stops this one's histogram: a cluster's own
   * monitor lives in its aggregator's process, whose monitor already measures that loop; a second histogram
   * there cost ~0.85 ms CPU/s idle for figures the workers' replace (issue 13).
   */
  followDelay(owner: ProcessCollector): void {
    this.delay?.disable();
    this.delay = undefined;
    this.delayOf = owner;
  }

  /**
   * Lets a JavaScript lag timer of `periodMs` stand in for the delay histogram while `idle()` (asked at each sample)
   * says the interval just ended served no request: the histogram then sleeps from that sample to the first sample
   * after a request. Returns what the timer calls at each firing with the time since its previous one (ms), or
   * undefined when nothing may stand in (no histogram of its own) or it would cost more than the histogram: a timer
   * that sleeps otherwise (`runsAnyway` false) stands in only at a period of at least twice R (a JavaScript wake-up
   * costs about two of the native histogram's: bench/RESULTS.md `idle`). README "What the delay histogram sees".
   */
  standInFor(
    periodMs: number,
    idle: () => boolean,
    runsAnyway = false,
  ): ((intervalMs: number) => void) | undefined {
    if (this.delay === undefined || this.delayOf !== undefined || !(periodMs > 0)) return undefined;
    if (!runsAnyway && periodMs < 2 * this.resolutionMs) return undefined;
    this.standIn = { record: createHistogram(), periodMs, idle };
    return (intervalMs) => this.lagFiring(intervalMs);
  }

  /** One firing of the stand-in timer, `intervalMs` after its previous one. */
  private lagFiring(intervalMs: number): void {
    const s = this.standIn;
    if (s === undefined) return;
    // A firing whose interval began before a switch is recorded too: a block across the switch is in one of them.
    if (this.recordNext || this.asleep) {
      // As the histogram records: the time between ticks, its own period counted as R (collect() subtracts R).
      s.record.record(Math.max(1, Math.round((intervalMs - s.periodMs + this.resolutionMs) * NS_PER_MS)));
    }
    this.recordNext = this.asleep;
  }

  /** At a sample: the histogram sleeps after an interval that served nothing, and wakes after one that served. */
  private switchDelay(h: DelayHistogram): void {
    const s = this.standIn;
    if (s === undefined) return;
    const idle = s.idle();
    s.record.reset();
    if (idle && !this.asleep) {
      // The histogram was reset by this sample, so its next tick would record nothing: no block is lost by stopping
      // it now; the stand-in's next firing is recorded (its interval began before this sample).
      this.asleep = true;
      h.disable();
    } else if (!idle && this.asleep) {
      this.asleep = false;
      this.recordNext = true; // the stand-in's interval under way began while the histogram slept
      h.reset(); // forgets the tick before it slept (else its first tick records the whole sleep as a delay)
      h.enable();
    }
  }

  /**
   * The process group. The interval figures (delay, utilisation, GC) cover the time since the previous sample;
   * `close` (a sample) ends that interval. A read (`close` false) sees the interval under way and resets
   * nothing, so the next sample still has all of it (a stall a read saw included).
   */
  collect(close = true): ProcessMetrics {
    const h = this.delay;
    let figures = this.lastDelay;
    // The histogram records the time between timer ticks, resolution included: subtract it.
    const delay = (ns: number) => round(Math.max(0, ns / NS_PER_MS - this.resolutionMs), 2);
    const s = this.standIn?.record;
    if (this.delayOf !== undefined) figures = this.delayOf.lastDelay;
    else if (this.asleep && s !== undefined && s.count > 0) {
      // The stand-in ticks every P ms, not R: its p99 is taken at the rank the histogram's would have among its
      // P/R times as many ticks (at 100 and 50 ms its 98th percentile: the second-longest of ~50 in 5 s, as the
      // histogram's p99 is of ~100), so that one block is still never an interval's p99.
      const ticks = (this.standIn as { periodMs: number }).periodMs / this.resolutionMs;
      const p99 = Math.min(100, Math.max(1e-6, 100 - ticks)); // perf_hooks takes (0, 100]
      figures = { p50: delay(s.percentile(50)), p99: delay(s.percentile(p99)), max: delay(s.max) };
    } else if (h !== undefined && h.count > 0) {
      figures = { p50: delay(h.percentile(50)), p99: delay(h.percentile(99)), max: delay(h.max) };
      // A stand-in firing begun before the histogram woke (a block across the switch) counts in the maximum.
      if (s !== undefined && s.count > 0) figures.max = Math.max(figures.max, delay(s.max));
      if (close) h.reset();
    }
    if (close) {
      this.lastDelay = figures;
      if (h !== undefined && this.delayOf === undefined) this.switchDelay(h);
    }
    // Busy time over wall time since the previous sample (what eventLoopUtilization(now, last) computes).
    const loop = this.loopTimes();
    const active = loop.active - this.lastLoop.active;
    const total = active + (loop.idle - this.lastLoop.idle);
    if (close) this.lastLoop = loop;
    const mem = process.memoryUsage();
    return {
      pid: process.pid,
      event_loop_delay_p50_ms: figures.p50,
      event_loop_delay_p99_ms: figures.p99,
      event_loop_delay_max_ms: figures.max,
      event_loop_utilization_percent: total > 0 ? round((100 * active) / total, 2) : 0,
      heap_used_mb: round(mem.heapUsed / BYTES_PER_MB),
      heap_total_mb: round(mem.heapTotal / BYTES_PER_MB),
      external_mb: round(mem.external / BYTES_PER_MB),
      array_buffers_mb: round(mem.arrayBuffers / BYTES_PER_MB),
      rss_mb: round(mem.rss / BYTES_PER_MB),
      heap_used_bytes: mem.heapUsed,
      heap_total_bytes: mem.heapTotal,
      external_bytes: mem.external,
      array_buffers_bytes: mem.arrayBuffers,
      rss_bytes: mem.rss,
      heap_spaces: heapSpaces(),
      gc: this.gc.take(close),
      active_resources: activeResources(),
      open_fds: this.openFds(),
      uptime_seconds: Math.round(process.uptime()),
      // A blocked loop delays every request before its handler runs, which request durations do not see:
      // the delay's p99 over the interval is the process's status (README "Runtime signals").
      status: levelStatus(figures.p99, this.levels.warning, this.levels.critical),
      threshold: this.levels.warning,
    };
  }

  /** Stops the delay monitor and disconnects the GC observer. Idempotent. */
  close(): void {
    this.delay?.disable();
    this.gc.close();
  }

  private openFds(): number | null {
    if (this.fdDir === undefined) return null;
    try {
      // The directory listing itself holds one descriptor open while it is read.
      return Math.max(0, readdirSync(this.fdDir).length - 1);
    } catch {
      return null;
    }
  }
}

/** V8 heap spaces by name (`old_space`, `new_space`, …), used and allocated MB and exact bytes. */
function heapSpaces(): ProcessMetrics['heap_spaces'] {
  const out: ProcessMetrics['heap_spaces'] = {};
  for (const s of nodeV8().getHeapSpaceStatistics()) {
    out[s.space_name] = {
      used_mb: round(s.space_used_size / BYTES_PER_MB),
      size_mb: round(s.space_size / BYTES_PER_MB),
      used_bytes: s.space_used_size,
      size_bytes: s.space_size,
    };
  }
  return out;
}

/** What keeps the event loop alive, by type (`TCPSocketWrap`, `Timeout`, `FSReqCallback`, …). */
function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  const info = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.() ?? [];
  for (const type of info) out[type] = (out[type] ?? 0) + 1;
  return out;
}

export function failedProcess(error: string): ProcessMetrics {
  return {
    pid: process.pid,
    event_loop_delay_p50_ms: 0,
    event_loop_delay_p99_ms: 0,
    event_loop_delay_max_ms: 0,
    event_loop_utilization_percent: 0,
    heap_used_mb: 0,
    heap_total_mb: 0,
    external_mb: 0,
    array_buffers_mb: 0,
    rss_mb: 0,
    heap_spaces: {},
    gc: emptyGcStats(),
    active_resources: {},
    open_fds: null,
    uptime_seconds: 0,
    status: 'unknown',
    error,
  };
}
