// worker_threads: requests and @timed calls recorded in a thread count in the process that owns it.
// The thread reports deltas over a BroadcastChannel named after the process; the process's monitor
// (the one that holds the @timed statistics) merges them.

import { nodeWorkerThreads } from '../builtins.js';
import { FunctionTimings } from '../functions/function-stats.js';
import { setDefaultRecorder } from '../functions/timing.js';
import { consoleLogger, errorMessage, guarded, OutageLog } from '../logger.js';
import { RequestStats } from '../requests/requests.js';
import type { Logger } from '../types.js';
import { applyReport, decodeReport, Reporter, type ReportTarget, type ReportWire } from './report.js';

const channelName = () => `sysvitals:threads:${process.pid}`;
/** Where the process's monitor leaves its `abortedFailureMs` for the threads started after it (worker_threads environment data). */
const ABORTED_KEY = 'sysvitals:abortedFailureMs';
const DEFAULT_ABORTED_FAILURE_MS = 1000;

/** Options of connectThread(). */
export interface ThreadConnectionOptions {
  /** How often the thread reports to its process. @defaultValue 1000 */
  intervalMs?: number;
  /**
   * An aborted request (status 499) recorded in this thread counts as failed when its client waited at least
   * this long (ms), as the monitor's own `abortedFailureMs`. Default: the process's monitor's, when the monitor
   * was created before this thread started; else 1000.
   */
  abortedFailureMs?: number;
}

/** What connectThread() returns: record here (or let `@timed` do it), flush before the thread ends. */
export interface ThreadConnection {
  /** Records one finished request (duration in ms) as if the process's monitor had seen it. */
  recordRequest(r: { method: string; route: string; status: number; durationMs: number }): void;
  /** Records one call of a timed function (duration in ms, failed when it threw). */
  recordFunction(name: string, durationMs: number, failed: boolean): void;
  /** Reports what is pending now. */
  flush(): void;
  /**
   * Flushes, stops the timer and closes the channel. Idempotent. A thread that ends without it (its work
   * returned, it threw, it called process.exit) is flushed as it exits; `worker.terminate()` runs no code in
   * the thread, so what it recorded since its last report is lost then.
   */
  close(): void;
}

/**
 * Call once in a worker thread: `@timed` calls in this thread (and requests given to recordRequest)
 * are reported every `intervalMs` to the process's monitor, which counts them as its own.
 */
export function connectThread(options: ThreadConnectionOptions = {}): ThreadConnection {
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs > 60_000) {
    throw new TypeError('connectThread: `intervalMs` must be an integer from 10 to 60000');
  }
  const abortedFailureMs = options.abortedFailureMs ?? processAbortedFailureMs();
  const requests = new RequestStats({ abortedFailureMs });
  requests.trackRouteLatency();
  const functions = new FunctionTimings();
  const reporter = new Reporter({ requests, functions });
  const channel = new (nodeWorkerThreads().BroadcastChannel)(channelName());
  channel.unref();
  setDefaultRecorder(functions);
  let closed = false;
  const flush = () => {
    if (closed) return;
    const report = reporter.take();
    // A report of dropped observations alone (`d`) goes too: they are the process's (listenThreads).
    if (report.r.length > 0 || report.f.length > 0 || report.d !== undefined)
      channel.postMessage({ thread: nodeWorkerThreads().threadId, report, abortedFailureMs });
  };
  // A report that cannot be taken or posted is logged (once per outage), never thrown at the thread.
  const timer = setInterval(guarded(new OutageLog(consoleLogger), 'thread report', flush), intervalMs);
  timer.unref();
  // A thread that crashes or returns without close() still reports what it recorded since its last report (its
  // last failures are the ones that matter): a thread's 'exit' runs on an uncaught error and on process.exit.
  const onExit = guarded(new OutageLog(consoleLogger), 'thread report', flush);
  process.once('exit', onExit);
  return {
    recordRequest: (r) => requests.record(r.method, r.route, r.status, r.durationMs),
    recordFunction: (name, ms, failed) => functions.record(name, ms, failed),
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
      clearInterval(timer);
      process.off('exit', onExit);
      setDefaultRecorder(null);
      channel.close();
      requests.close();
      functions.close();
    },
  };
}

/** The process's monitor's `abortedFailureMs`, as it left it for its threads; else the default. */
function processAbortedFailureMs(): number {
  const v = nodeWorkerThreads().getEnvironmentData(ABORTED_KEY);
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : DEFAULT_ABORTED_FAILURE_MS;
}

/**
 * In the main thread: merges the threads' reports into `target`; returns the stop function. Threads started
 * from now on judge their aborted requests by the target's `abortedFailureMs`; a thread that reports with
 * another (its own option) is logged once.
 */
export function listenThreads(
  target: ReportTarget & {
    requests: { config?: { abortedFailureMs?: number }; addDropped?(n: number): void };
    functions: { addDropped?(n: number): void };
  },
  logger: Logger,
): () => void {
  const abortedFailureMs = target.requests.config?.abortedFailureMs ?? DEFAULT_ABORTED_FAILURE_MS;
  const threads = nodeWorkerThreads();
  if (!threads.isMainThread) return () => undefined;
  threads.setEnvironmentData(ABORTED_KEY, abortedFailureMs);
  const channel = new threads.BroadcastChannel(channelName());
  channel.unref();
  let warned = false;
  channel.onmessage = (event) => {
    const data = (event as { data?: unknown }).data as {
      report?: ReportWire;
      abortedFailureMs?: unknown;
    } | null;
    if (!warned && typeof data?.abortedFailureMs === 'number' && data.abortedFailureMs !== abortedFailureMs) {
      warned = true;
      logger.warn(
        { process: abortedFailureMs, thread: data.abortedFailureMs },
        "sysvitals: a worker thread judges aborted requests by another abortedFailureMs than the process's monitor",
      );
    }
    try {
      const report = decodeReport(data?.report as ReportWire);
      applyReport(target, report, true);
      // What the thread dropped for bad input counts in the process's dropped_observations (and its cluster
      // reports, which read the same counts). A thread records requests and @timed calls only.
      if (report.dropped) {
        target.requests.addDropped?.(report.dropped[0] as number);
        target.functions.addDropped?.(report.dropped[1] as number);
      }
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'sysvitals: malformed thread report dropped');
    }
  };
  return () => {
    channel.close();
    if (threads.getEnvironmentData(ABORTED_KEY) === abortedFailureMs)
      threads.setEnvironmentData(ABORTED_KEY, undefined);
  };
}
