// CPU usage from the kernel's cumulative tick counters: current use since the previous sample, and
// 5/15-minute averages from checkpoints of the same counters (exact, and independent of how often
// collect() is called). Never the share since boot: with no span measured yet, collect() measures one.

import os from 'node:os';
import { join } from 'node:path';
import { bandStatus, round, withExactPercent } from '../alerts/status.js';
import { nodeFsPromises } from '../builtins.js';
import type { CpuMetrics } from '../types.js';
import { readProcFile } from './proc.js';

export interface CpuTimes {
  /** Ticks spent not idle, summed over all cores since boot. */
  busy: number;
  /** All ticks, summed over all cores since boot. */
  total: number;
  /** Number of per-core lines (logical cores). */
  cores: number;
}

export interface CpuFacts {
  model: string;
  /** Average current frequency over cores; 0 when the platform does not say. */
  mhz: number;
}

/** Where CPU figures come from: /proc on Linux, os.cpus() elsewhere. */
export interface CpuSource {
  times(): CpuTimes;
  /** Units of CpuTimes: USER_HZ (100) for /proc/stat, milliseconds for os.cpus(). */
  ticksPerSecond: number;
  /** Static or slow-changing facts; called rarely (see FACTS_REFRESH_MS). */
  facts(): Promise<CpuFacts>;
  loadAverage(): [number, number, number];
}

const WINDOW_5MIN = 5 * 60_000;
const WINDOW_15MIN = 15 * 60_000;
/** One checkpoint per 10 s is enough for a 15-minute window: ≤ 92 entries whatever the sample rate. */
const CHECKPOINT_SPACING_MS = 10_000;
const CHECKPOINT_CAPACITY = WINDOW_15MIN / CHECKPOINT_SPACING_MS + 2;
/** A current figure needs at least this much CPU time behind it (per core). */
const MIN_SPAN_SECONDS = 0.1;
/** With no span measured yet, the first collect() measures one this long (the network rates' minimum too). */
export const FIRST_WINDOW_MS = 250;
/** CPU model and frequency are re-read at most this often. */
const FACTS_REFRESH_MS = 60_000;

/** `cpu  user nice system idle iowait irq softirq steal guest guest_nice` (guest is already in user). */
export function parseProcStat(text: string): CpuTimes {
  if (!text.startsWith('cpu ')) throw new Error('no cpu line in stat');
  const eol = text.indexOf('\n');
  const f = text
    .slice(4, eol < 0 ? undefined : eol)
    .trim()
    .split(/\s+/, 8)
    .map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) throw new Error('unreadable cpu line in stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  // Per-core lines follow the aggregate one; the long intr/softirq lines after them are not scanned.
  let cores = 0;
  for (let at = eol; at >= 0 && text.startsWith('cpu', at + 1); at = text.indexOf('\n', at + 1)) cores++;
  return { busy: total - idleAll, total, cores: Math.max(cores, 1) };
}

export function parseCpuInfo(text: string): CpuFacts {
  let model = '';
  let sum = 0;
  let n = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (key === 'cpu MHz') {
      const mhz = Number.parseFloat(line.slice(colon + 1));
      if (Number.isFinite(mhz)) {
        sum += mhz;
        n++;
      }
    } else if (!model && (key === 'model name' || key === 'Model' || key === 'Processor')) {
      model = line.slice(colon + 1).trim();
    }
  }
  return { model, mhz: n > 0 ? sum / n : 0 };
}

export function parseLoadAverage(text: string): [number, number, number] {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (![a, b, c].every((v) => Number.isFinite(v))) throw new Error('unreadable loadavg');
  return [a as number, b as number, c as number];
}

/**
 * Linux: /proc/stat each sample (a sync read of an in-memory file, ≈25 µs). /proc/cpuinfo is read
 * asynchronously once a minute: on large x86 hosts the kernel samples every core's frequency to
 * produce it, which can take milliseconds. The load average comes from os.loadavg() (one syscall)
 * unless procRoot points somewhere else.
 */
export function procCpuSource(procRoot: string, fallbackMhz: () => Promise<number>): CpuSource {
  const ownProc = procRoot === '/proc';
  return {
    times: () => parseProcStat(readProcFile(procRoot, 'stat')),
    ticksPerSecond: 100,
    async facts() {
      const facts = parseCpuInfo(await nodeFsPromises().readFile(join(procRoot, 'cpuinfo'), 'latin1'));
      // ARM kernels and some VMs print no "cpu MHz"; ask the slower sources once.
      if (facts.mhz === 0) facts.mhz = await fallbackMhz();
      return facts;
    },
    loadAverage: () =>
      ownProc
        ? (os.loadavg() as [number, number, number])
        : parseLoadAverage(readProcFile(procRoot, 'loadavg')),
  };
}

/** Other platforms: os.cpus() (≈70 µs). */
export function osCpuSource(fallbackMhz: () => Promise<number>): CpuSource {
  return {
    ticksPerSecond: 1000,
    times() {
      const cpus = os.cpus();
      if (cpus.length === 0) throw new Error('os.cpus() returned no cores');
      let busy = 0;
      let total = 0;
      for (const { times: t } of cpus) {
        const all = t.user + t.nice + t.sys + t.idle + t.irq;
        total += all;
        busy += all - t.idle;
      }
      return { busy, total, cores: cpus.length };
    },
    async facts() {
      const cpus = os.cpus();
      const speeds = cpus.map((c) => c.speed).filter((s) => s > 0);
      const mhz = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : await fallbackMhz();
      return { model: cpus[0]?.model.trim() ?? '', mhz };
    },
    loadAverage: () => os.loadavg() as [number, number, number],
  };
}

interface Checkpoint {
  at: number;
  busy: number;
  total: number;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export class CpuCollector {
  private previous: CpuTimes | undefined;
  private previousAt = 0;
  private lastPercent: number | undefined;
  private readonly checkpoints: Checkpoint[] = [];
  private facts: CpuFacts = { model: '', mhz: 0 };
  private factsAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: CpuSource,
    private readonly now: () => number,
    private readonly threshold: number,
    /** How long the first collect() measures when no span lies behind it (bounded by groupTimeoutMs). */
    private readonly firstWindowMs = FIRST_WINDOW_MS,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}

  /** Takes a baseline so that the first collect() measures from here rather than from boot. */
  prime(): void {
    try {
      this.sample(this.source.times());
    } catch {
      // collect() reports the failure.
    }
  }

  /**
   * CPU use since the previous sample and the 5/15-minute averages. `close` false (a read): the share since the
   * previous sample without making this reading the next one's base (the last figure while too short a span).
   */
  async collect(close = true): Promise<CpuMetrics> {
    let times = this.source.times();
    let current = close ? this.sample(times) : this.peek(times, false);
    if (current === undefined) {
      // Nothing measured yet (the first collection, or counters that went backwards): measure a short
      // window now rather than report the share since boot, which can be anything on a long-running host.
      await this.wait(Math.max(0, this.firstWindowMs - (this.now() - this.previousAt)));
      times = this.source.times();
      current = close ? (this.sample(times) ?? this.shortSpan(times)) : this.peek(times, true);
    }
    const at = this.now();
    if (at - this.factsAt >= FACTS_REFRESH_MS) {
      this.factsAt = at;
      try {
        this.facts = await this.source.facts();
      } catch {
        // Model and frequency are decoration: keep the last known ones rather than fail the group.
      }
    }
    let loadAverage: [number, number, number] = [0, 0, 0];
    try {
      loadAverage = this.source.loadAverage().map((v) => round(v, 2)) as [number, number, number];
    } catch {
      // Same as above: not worth failing the CPU group for.
    }
    const currentPercent = current === undefined ? 0 : round(current, 1);
    const avg5 = this.average(times, WINDOW_5MIN);
    const avg15 = this.average(times, WINDOW_15MIN);
    const unmeasured = current === undefined && {
      status: 'unknown' as const,
      error: `no CPU time passed in ${this.firstWindowMs} ms: the counters did not move`,
    };
    const exact = current ?? 0;
    return withExactPercent<CpuMetrics>(
      {
        current_percent: currentPercent,
        avg_5min_percent: avg5 === undefined ? null : round(avg5, 1),
        avg_15min_percent: avg15 === undefined ? null : round(avg15, 1),
        core_count: times.cores,
        frequency_mhz: round(this.facts.mhz, 1),
        model: this.facts.model,
        load_average: loadAverage,
        limit_cores: null,
        machine_percent: currentPercent,
        // Judged on the exact share, not the rounded display (RT33-2).
        status: bandStatus(exact),
        threshold: this.threshold,
        ...unmeasured,
      },
      exact,
    );
  }

  /**
   * Records a sample and returns the percentage busy since the previous one; undefined when nothing
   * has been measured yet (no baseline before this one, or too short a span behind the first).
   */
  private sample(times: CpuTimes): number | undefined {
    const at = this.now();
    let prev = this.previous;
    if (prev && times.total < prev.total) {
      // Counters went backwards (a different host's /proc, or a restore): start over.
      this.checkpoints.length = 0;
      this.lastPercent = undefined;
      prev = undefined;
    }
    let percent: number | undefined;
    if (!prev) {
      this.setBaseline(times, at);
    } else if (times.total - prev.total >= this.source.ticksPerSecond * times.cores * MIN_SPAN_SECONDS) {
      percent = percentBusy(times.busy - prev.busy, times.total - prev.total);
      this.setBaseline(times, at);
    } else {
      // Too short a span to mean anything (a 1-tick delta reads as 0 % or 50 %): repeat the last
      // figure (none before the first measurement) and keep the older baseline, so the next sample
      // covers a longer span.
      percent = this.lastPercent;
    }
    if (percent !== undefined) this.lastPercent = percent;
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (!last || at - last.at >= CHECKPOINT_SPACING_MS) {
      this.checkpoints.push({ at, busy: times.busy, total: times.total });
      if (this.checkpoints.length > CHECKPOINT_CAPACITY) this.checkpoints.shift();
    }
    return percent;
  }

  /**
   * A read: the share busy since the base, which stays; with too short a span, the last figure (or, `short`,
   * whatever ticks passed). Undefined with no base, counters that went backwards or did not move.
   */
  private peek(times: CpuTimes, short: boolean): number | undefined {
    const prev = this.previous;
    if (!prev) {
      this.setBaseline(times, this.now()); // no interval yet: a first base closes nothing
      return undefined;
    }
    if (times.total <= prev.total) return short ? undefined : this.lastPercent;
    const span = times.total - prev.total;
    if (!short && span < this.source.ticksPerSecond * times.cores * MIN_SPAN_SECONDS) return this.lastPercent;
    return percentBusy(times.busy - prev.busy, span);
  }

  private setBaseline(times: CpuTimes, at: number): void {
    this.previous = times;
    this.previousAt = at;
  }

  /**
   * After the first window: the share of whatever ticks passed, even if fewer than MIN_SPAN_SECONDS
   * (a coarse figure, but of this window); undefined when the counters did not move at all.
   */
  private shortSpan(times: CpuTimes): number | undefined {
    const prev = this.previous;
    if (!prev || times.total <= prev.total) return undefined;
    const percent = percentBusy(times.busy - prev.busy, times.total - prev.total);
    this.setBaseline(times, this.now());
    this.lastPercent = percent;
    return percent;
  }

  /**
   * Busy share since the newest checkpoint at least `windowMs` old; undefined until the collector's
   * own checkpoints cover the window (a shorter span is not a 5- or 15-minute average).
   */
  private average(times: CpuTimes, windowMs: number): number | undefined {
    const start = this.now() - windowMs;
    let from: Checkpoint | undefined;
    for (const c of this.checkpoints) {
      if (c.at <= start) from = c;
      else break;
    }
    if (!from || times.total <= from.total) return undefined;
    return percentBusy(times.busy - from.busy, times.total - from.total);
  }
}

function percentBusy(busy: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, (busy / total) * 100));
}

export function failedCpu(error: string, threshold: number): CpuMetrics {
  return {
    current_percent: 0,
    avg_5min_percent: null,
    avg_15min_percent: null,
    core_count: 0,
    frequency_mhz: 0,
    model: '',
    load_average: [0, 0, 0],
    limit_cores: null,
    machine_percent: 0,
    status: 'unknown',
    error,
    threshold,
  };
}
