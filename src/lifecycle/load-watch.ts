// The load watch: a light timer that reads event-loop delay and utilisation, heap and RSS, for the
// liveness probe and load shedding. It runs apart from the sample cycle, because shedding must react
// within a second while samples come every five, and it must never collect anything on the request path.

import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { consoleLogger, guarded, OutageLog } from '../logger.js';
import { LoopStamps } from './loop-stamps.js';
import type { ShedConfig } from './options.js';

/** One reading of the load watch. */
export interface LoadReading {
  /** The longest event-loop delay seen in the last interval (ms), the tick's own drift included. */
  eventLoopDelayMs: number;
  /** Event-loop utilisation over the last interval, 0–1. */
  eventLoopUtilization: number;
  /** process.memoryUsage() heapUsed, read only for a shedding limit on memory (0 otherwise). */
  heapUsedBytes: number;
  /** process.memoryUsage() rss, read only for a shedding limit on memory (0 otherwise). */
  rssBytes: number;
}

/** Reads the process's load; injectable for tests. */
export type LoadReader = () => LoadReading;

/**
 * A reader of the real process, which also tells how long a closed connection's client is known to have waited
 * (LoopStamps.waited, from its lag timer's stamps; the measured wait without one).
 */
export type ProcessLoadReader = LoadReader & {
  close(): void;
  waited(start: number, measuredMs: number): number;
  /** Re-arms a lag timer that slept (LagSleep), with a stamp now; nothing when it runs. */
  wake(): void;
};

/**
 * A reader with nothing to read (a cluster's own monitor: its lifecycle answers no probe and sheds nothing). A
 * Lifecycle given it runs no load-watch timer: its readings would all be these zeros, which `load` holds anyway.
 */
export const IDLE_LOAD_READER: LoadReader = () => ({
  eventLoopDelayMs: 0,
  eventLoopUtilization: 0,
  heapUsedBytes: 0,
  rssBytes: 0,
});

/**
 * When the lag timer may sleep (issue 18: its firings were a third of an idle monitor's wake-ups). At each firing it
 * asks `quiet()`; on true it stops and calls `asleep(true)`, and it runs again only when wake() is called (with
 * `asleep(false)`): the lifecycle wakes it at the next admitted request, so that every request's close has the
 * stamps it had (loop-stamps.ts). Meanwhile the lag reads 0 and the watch's own tick lateness stands for it.
 */
export interface LagSleep {
  /** No request in flight and none admitted since the previous firing. */
  quiet(): boolean;
  asleep(yes: boolean): void;
}

/**
 * LagSleep for a lifecycle's requests: quiet at a firing with none in flight and none ended since the previous firing
 * (so none admitted: a request is in flight from its admission to its end). The lifecycle wakes the timer at an
 * admission.
 */
export function servedLagSleep(
  requests: { readonly inFlight: number; readonly endedTotal: number },
  asleep: (yes: boolean) => void,
): LagSleep {
  let ended = -1;
  return {
    quiet: () => {
      const quiet = requests.inFlight === 0 && requests.endedTotal === ended;
      ended = requests.endedTotal;
      return quiet;
    },
    asleep,
  };
}

/**
 * A check, asked at each sample, that no request is in flight and none ended since the previous call: the interval
 * served nothing (the delay histogram then gives way to a coarser one: ProcessCollector.sleepWhen, issue 18).
 */
export function servedNothingCheck(requests: {
  readonly inFlight: number;
  readonly endedTotal: number;
}): () => boolean {
  let ended = 0;
  return () => {
    const nothing = requests.inFlight === 0 && requests.endedTotal === ended;
    ended = requests.endedTotal;
    return nothing;
  };
}

/**
 * Reads the real process: the longest event-loop lag since the last reading (from a JS timer every
 * `lagResolutionMs`, which sees a blocked loop as its own lateness; libuv's delay histogram misses
 * blocks that end between its ticks), ELU deltas, memory. A lag timer every 100 ms serves the
 * liveness limit of seconds; shedding on delay uses 20 ms; 0 leaves lag to the watch's own tick drift.
 * `onMemoryRead` hears each memory read's failure (the error) or success (undefined), to log an outage once.
 * With `readMemory` false, memory is not read (the reading's heap and RSS stay 0): only a shedding limit on
 * memory needs them, and process.memoryUsage() costs about 0.2 ms here, twice a second (bench/RESULTS.md `idle`).
 * With `sleep`, the lag timer stops while the process serves no request (LagSleep).
 */
export function processLoadReader(
  lagResolutionMs = 20,
  onMemoryRead: (err: unknown) => void = () => {},
  readMemory = true,
  sleep?: LagSleep,
): ProcessLoadReader {
  let maxLag = 0;
  let heapUsed = 0;
  let rss = 0;
  let last = performance.now();
  // Its stamps tell a close's wait (loop-stamps.ts): one idle read per firing, nothing on the request path.
  const stamps = new LoopStamps();
  const fire = () => {
    const now = performance.now();
    const lag = now - last - lagResolutionMs;
    if (lag > maxLag) maxLag = lag;
    last = now;
    stamps.stamp(now);
    if (sleep?.quiet()) {
      clearInterval(lagTimer);
      lagTimer = undefined;
      sleep.asleep(true);
    }
  };
  const arm = () => {
    const timer = setInterval(fire, lagResolutionMs);
    timer.unref();
    return timer;
  };
  let lagTimer: NodeJS.Timeout | undefined = lagResolutionMs > 0 ? arm() : undefined;
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  const read = (): LoadReading => {
    // A loop blocked right now has not let the lag timer run: count the time since its last run too.
    const pending = lagTimer ? performance.now() - last - lagResolutionMs : 0;
    const delay = Math.max(0, maxLag, pending);
    maxLag = 0;
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, elu);
    elu = now;
    if (readMemory) readMemoryNow();
    return {
      eventLoopDelayMs: delay,
      eventLoopUtilization: Number.isFinite(delta.utilization) ? delta.utilization : 0,
      heapUsedBytes: heapUsed,
      rssBytes: rss,
    };
  };
  // process.memoryUsage() reads /proc and throws EMFILE when the process is out of file descriptors:
  // the watch keeps the last memory figures and goes on reading the loop (an fd squeeze is not fatal).
  const readMemoryNow = () => {
    try {
      const mem = process.memoryUsage();
      heapUsed = mem.heapUsed;
      rss = mem.rss;
      onMemoryRead(undefined);
    } catch (err) {
      onMemoryRead(err);
    }
  };
  let closed = false;
  return Object.assign(read, {
    close: () => {
      closed = true;
      clearInterval(lagTimer);
      lagTimer = undefined;
    },
    waited: (start: number, measuredMs: number) => stamps.waited(start, measuredMs),
    wake: () => {
      if (lagTimer !== undefined || closed || lagResolutionMs <= 0) return;
      // The time asleep is no lag; the stamp now bounds the idle time of the request that woke it (as the one
      // taken when the timer was first set does).
      last = performance.now();
      stamps.mark(last);
      lagTimer = arm();
      sleep?.asleep(false);
    },
  });
}

/** Calls `onReading` every `intervalMs` with a reading; the timer is unref'd and never keeps the process alive. */
export class LoadWatch {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private last: LoadReading = { eventLoopDelayMs: 0, eventLoopUtilization: 0, heapUsedBytes: 0, rssBytes: 0 };

  private readonly guardedTick: () => void;

  constructor(
    private readonly intervalMs: number,
    private readonly read: LoadReader,
    private readonly onReading: (reading: LoadReading) => void,
    private readonly now: () => number = () => performance.now(),
    outage: OutageLog = new OutageLog(consoleLogger),
  ) {
    // The timer's work never throws into the host: a failing reader or listener is logged once per outage.
    this.guardedTick = guarded(outage, 'load watch', () => this.tick());
  }

  /** The latest reading (zeros before the first tick). */
  get latest(): LoadReading {
    return this.last;
  }

  start(): void {
    if (this.timer) return;
    this.expected = this.now() + this.intervalMs;
    this.timer = setInterval(this.guardedTick, this.intervalMs);
    this.timer.unref();
  }

  /** One reading now (the timer calls it; tests may too). */
  tick(): LoadReading {
    const now = this.now();
    // A loop blocked across the tick shows as the tick's lateness, even when the histogram missed it.
    const drift = this.expected > 0 ? Math.max(0, now - this.expected) : 0;
    this.expected = now + this.intervalMs;
    const reading = this.read();
    if (drift > reading.eventLoopDelayMs) reading.eventLoopDelayMs = drift;
    this.last = reading;
    this.onReading(reading);
    return reading;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Why the reading exceeds a shedding limit, or undefined. */
export function shedReason(shed: ShedConfig, r: LoadReading): string | undefined {
  const mb = (b: number) => (b >= 10 * 1024 * 1024 ? `${Math.round(b / 1024 / 1024)} MB` : `${b} bytes`);
  if (shed.maxEventLoopDelayMs !== undefined && r.eventLoopDelayMs > shed.maxEventLoopDelayMs) {
    return `event loop delay ${Math.round(r.eventLoopDelayMs)} ms > ${shed.maxEventLoopDelayMs} ms`;
  }
  if (shed.maxEventLoopUtilization !== undefined && r.eventLoopUtilization > shed.maxEventLoopUtilization) {
    return `event loop utilization ${r.eventLoopUtilization.toFixed(2)} > ${shed.maxEventLoopUtilization}`;
  }
  if (shed.maxHeapUsedBytes !== undefined && r.heapUsedBytes > shed.maxHeapUsedBytes) {
    return `heap used ${mb(r.heapUsedBytes)} > ${mb(shed.maxHeapUsedBytes)}`;
  }
  if (shed.maxRssBytes !== undefined && r.rssBytes > shed.maxRssBytes) {
    return `RSS ${mb(r.rssBytes)} > ${mb(shed.maxRssBytes)}`;
  }
  return undefined;
}
