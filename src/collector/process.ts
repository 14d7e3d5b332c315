// The Node process itself: event-loop delay and utilisation, GC pauses, heap spaces, external and
// array-buffer memory, active resources, open file descriptors, RSS and uptime. Every interval figure
// covers the time since the previous sample, never the last scrape (prom-client#561). The delay
// monitor samples on a coarse timer (50 ms by default, 100 ms while nothing is served) because a fine one makes event-loop
// monitors cost up to 10 % of a core (prometheus/client_js #523), and each of its ticks wakes an idle
// process (issue 18); delays shorter than the resolution are not what anyone alerts on. No native
// add-on: perf_hooks, v8 and process only.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
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

/**
 * The resolution of the histogram that stands in while nothing is served, ms: a stall longer than this is always seen
 * while idle (README "What the delay histogram sees"); half the wake-ups of the default 50 ms (issue 18).
 */
export const IDLE_EVENT_LOOP_RESOLUTION_MS = 100;

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
  private readonly makeHistogram: (resolutionMs: number) => DelayHistogram;
  /** The coarser histogram in use while `asleep` (created at the first sleep). */
  private idleDelay: DelayHistogram | undefined;
  /** The interval under way served nothing at its start: `idleDelay` measures it, `delay` is disabled. */
  private asleep = false;
  /** Whether the interval just ended served nothing (sleepWhen); undefined: never asleep. */
  private servedNothing: (() => boolean) | undefined;
  /** The start check: a timer due with the histogram's first tick after a sample, which records nothing. */
  private startCheck: NodeJS.Timeout | undefined;
  /** How late the start check ran (ms): the delay a stall at the interval's start gave it. */
  private startLateMs = 0;
  /** When the start check is due (performance.now()); undefined once it ran, or before the first sample. */
  private startDue: number | undefined;
  /** Whose delay figures this one reports instead of its own histogram's (followDelay). */
  private delayOf: ProcessCollector | undefined;
  private readonly loopTimes: () => LoopTimes;
  private readonly gc = new GcObserver();
  private readonly resolutionMs: number;
  private readonly fdDir: string | undefined;
  private readonly levels: Readonly<RuleLevels>;
  private lastDelay = { p50: 0, p99: 0, max: 0 };
  private lastLoop: LoopTimes;

  constructor(options: ProcessCollectorOptions | number = {}) {
    const opts = typeof options === 'number' ? { resolutionMs: options } : options;
    this.resolutionMs = opts.resolutionMs ?? DEFAULT_EVENT_LOOP_RESOLUTION_MS;
    this.levels = opts.levels ?? DEFAULT_LEVELS.event_loop_delay;
    this.fdDir = opts.procRoot === undefined ? undefined : join(opts.procRoot, 'self', 'fd');
    this.makeHistogram = opts.delayHistogram ?? ((resolution) => monitorEventLoopDelay({ resolution }));
    this.delay = this.makeHistogram(this.resolutionMs);
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
    this.stopDelay();
    this.delay = undefined;
    this.delayOf = owner;
  }

  /**
   * From a sample whose interval served nothing (`servedNothing()`, asked at each sample) to the first sample after one
   * that served, the histogram sleeps and one of IDLE_EVENT_LOOP_RESOLUTION_MS stands in: 10 native wake-ups a
   * second instead of 20 (issue 18). Only at a resolution of at most half of it (else it would save nothing).
   */
  sleepWhen(servedNothing: () => boolean): void {
    if (2 * this.resolutionMs <= IDLE_EVENT_LOOP_RESOLUTION_MS) this.servedNothing = servedNothing;
  }

  /** At a sample: the histogram of the next interval (a coarser one if this one served nothing), restarted. */
  private nextInterval(): void {
    const sleep = this.servedNothing?.() === true;
    if (sleep !== this.asleep) this.active()?.disable();
    this.asleep = sleep;
    if (sleep) this.idleDelay ??= this.makeHistogram(IDLE_EVENT_LOOP_RESOLUTION_MS);
    const h = this.active();
    if (h === undefined) return;
    // reset() forgets the previous tick, so the first one after it records nothing: a stall from here to that tick
    // would be lost. Restarted now, the histogram has that tick due with the start check's, in the same loop turn
    // (one wake-up), and the start check's lateness is that stall's delay: between S - R and S, as a tick's.
    h.disable();
    h.reset();
    h.enable();
    const r = this.asleep ? IDLE_EVENT_LOOP_RESOLUTION_MS : this.resolutionMs;
    const due = performance.now() + r;
    this.startLateMs = 0;
    this.startDue = due;
    clearTimeout(this.startCheck);
    this.startCheck = setTimeout(() => {
      this.startLateMs = Math.max(0, performance.now() - due);
      this.startDue = undefined;
    }, r);
    this.startCheck.unref();
  }

  /**
   * The start check's lateness, ms: as it ran; while still to run, with no tick recorded (`ticks` 0), its lateness so
   * far (a stall under way at the sample; 0 before it is due). Undefined while still to run after a tick was recorded
   * (it runs with the first firing, before any recording one: only a hand-filled histogram gets here).
   */
  private startLate(ticks: number): number | undefined {
    if (this.startDue === undefined) return this.startLateMs;
    return ticks === 0 ? Math.max(0, performance.now() - this.startDue) : undefined;
  }

  /** The histogram measuring the interval under way. */
  private active(): DelayHistogram | undefined {
    return this.asleep ? this.idleDelay : this.delay;
  }

  private stopDelay(): void {
    this.delay?.disable();
    this.idleDelay?.disable();
    clearTimeout(this.startCheck);
    this.startDue = undefined;
    this.asleep = false;
  }

  /**
   * The process group. The interval figures (delay, utilisation, GC) cover the time since the previous sample;
   * `close` (a sample) ends that interval. A read (`close` false) sees the interval under way and resets
   * nothing, so the next sample still has all of it (a stall a read saw included).
   */
  collect(close = true): ProcessMetrics {
    const h = this.active();
    let figures = this.lastDelay;
    if (this.delayOf !== undefined) figures = this.delayOf.lastDelay;
    else if (h !== undefined) {
      // The histogram records the time between timer ticks, resolution included: subtract it.
      const r = this.asleep ? IDLE_EVENT_LOOP_RESOLUTION_MS : this.resolutionMs;
      const delay = (ns: number) => round(Math.max(0, ns / NS_PER_MS - r), 2);
      // The start check stands for the first tick, which reset() leaves unrecorded: one tick more in every figure.
      // A stall from the sample to past the first tick is there alone (no tick recorded at all: the interval's
      // figures, not the previous interval's; a 1.2 s block read as 127 ms in a loaded CI run).
      const late = this.startLate(h.count);
      const first = late === undefined ? undefined : (late + r) * NS_PER_MS;
      // The idle histogram ticks r / R times less often: its p99 is taken at the rank the histogram's would have
      // (at 100 and 50 ms its 98th percentile, the second-longest of ~50 ticks in 5 s as the p99 is of ~100), so
      // one stall is never an interval's p99 there either.
      const p99 = Math.min(99, Math.max(1e-6, 100 - r / this.resolutionMs));
      figures = {
        p50: delay(percentileWith(h, 50, first)),
        p99: delay(percentileWith(h, p99, first)),
        max: delay(Math.max(h.count > 0 ? h.max : 0, first ?? 0)),
      };
    }
    if (close) {
      this.lastDelay = figures;
      if (this.delayOf === undefined) this.nextInterval();
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
    this.stopDelay();
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

/**
 * The p-th percentile (nearest rank) of the histogram's ticks and one more, `extraNs` (none: the histogram's alone):
 * the k-th smallest of the n + 1, exactly (from the histogram's own ranks k - 1 and k).
 */
function percentileWith(h: DelayHistogram, p: number, extraNs: number | undefined): number {
  if (extraNs === undefined) return h.percentile(p);
  const n = h.count;
  const k = Math.max(1, Math.ceil((p / 100) * (n + 1) - 1e-9));
  // The rank-i tick; a quarter below i keeps rank i whether the histogram rounds (HDR) or rounds up.
  const at = (i: number) =>
    i < 1
      ? Number.NEGATIVE_INFINITY
      : i > n
        ? Number.POSITIVE_INFINITY
        : h.percentile((100 * (i - 0.25)) / n);
  return Math.min(at(k), Math.max(at(k - 1), extraNs));
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
