// The monitor's end: the signal handlers that run shutdown(), and close(), which stops everything in order.

import type { Server } from 'node:http';
import type { AlertSystem } from '../alerts/engine.js';
import type { NotificationRouter } from '../channels/router.js';
import type { MetricsCollector } from '../collector/index.js';
import type { FunctionTimings } from '../functions/function-stats.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { parseShutdown, type ShutdownConfig } from '../lifecycle/options.js';
import { settleClosedConnections } from '../lifecycle/settle-closed.js';
import { drainAndClose, type ShutdownReport } from '../lifecycle/shutdown.js';
import { errorMessage } from '../logger.js';
import type { QueryStats } from '../profiling/query-stats.js';
import type { RequestStats } from '../requests/requests.js';
import type { MetricsStore } from '../stores/store.js';
import type { Logger } from '../types.js';
import type { MonitorShutdownOptions } from './options.js';

/**
 * On SIGTERM and SIGINT (once each), logs, runs `shutdown()` and exits with 0: the stop the orchestrator
 * asked for is done. Requests cut off at the drain deadline are logged by the shutdown, not turned into
 * exit code 1: a client that sends its body a byte at a time would otherwise decide that every pod of a
 * rollout ends in Error. Returns the function that removes the handlers.
 */
export function exitOnSignals(logger: Logger, shutdown: () => Promise<ShutdownReport>): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    logger.warn({ signal }, `sysvitals: ${signal} received; draining before exit`);
    // shutdown() never rejects; should it, the process still exits (1) rather than hang on its servers.
    shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

/** The parts close() stops (the monitor's own fields). */
export interface ClosingParts {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly alertSystem: AlertSystem;
  readonly notifications: NotificationRouter;
  readonly collector: MetricsCollector;
  readonly requests: RequestStats;
  readonly queries: QueryStats;
  readonly store: MetricsStore;
}

/** What else close() stops or calls, in this order. */
export interface ClosingHooks {
  /** The `@timed` statistics when this monitor owns them (not the shared default), else null. */
  readonly ownFunctions: FunctionTimings | null;
  /** Remove the signal handlers and stop listening to worker threads, in this order. */
  readonly detach: ReadonlyArray<() => void>;
  /** Cluster mode: sends the last interval to the aggregator (or, on it, into the ledger). */
  readonly closeCluster: () => Promise<void> | undefined;
  /** Cluster mode: the user's store this worker never used, or null. */
  readonly unusedStore: () => MetricsStore | null;
  /** Stops the sample and bucket timers and gives back the default `@timed` recorder. */
  readonly stopTimers: () => void;
  /** Stops sampling (a later sample() only reads) and returns the sample under way, if any: it belongs to the last bucket. */
  readonly sampling: () => Promise<unknown> | undefined;
  readonly flush: () => Promise<void>;
  /** Emits `close` on the cluster source and the monitor. */
  readonly emitClose: () => void;
}

/** Closes a monitor: each step's failure is logged, never thrown; the store closes last. */
export async function closeMonitor(parts: ClosingParts, hooks: ClosingHooks): Promise<void> {
  parts.lifecycle.beginDrain();
  // Requests whose connections were just destroyed (closeAllConnections(), shutdown's cut) are recorded first.
  await settleClosedConnections(parts.lifecycle.inFlightAges);
  parts.lifecycle.close();
  for (const detach of hooks.detach) detach();
  // The last interval goes to the aggregator (or, on the aggregator, into the ledger) first.
  await hooks.closeCluster();
  const unused = hooks.unusedStore();
  if (unused) {
    try {
      await unused.close();
    } catch (err) {
      parts.logger.warn({ err: errorMessage(err) }, 'sysvitals: store did not close cleanly');
    }
  }
  hooks.stopTimers();
  // A sample under way belongs to the last bucket: let it land (it cannot hang: groups have deadlines).
  await hooks.sampling()?.catch(() => undefined);
  // From here the store's last writes (this flush, its own close) share one bound, not one each.
  try {
    parts.store.beginClose?.();
  } catch (err) {
    parts.logger.warn({ err: errorMessage(err) }, 'sysvitals: store did not close cleanly');
  }
  await hooks.flush();
  // Queued notifications are delivered, side by side: the `webhook` option's queue (the last sample's
  // alerts included) bounded by its timeoutMs, the channels bounded by routing.closeTimeoutMs.
  await Promise.all([parts.alertSystem.drainAndClose(), parts.notifications.close()]);
  parts.collector.close();
  await parts.collector.closePlugins();
  parts.requests.close();
  parts.queries.close();
  hooks.ownFunctions?.close();
  try {
    await parts.store.close();
  } catch (err) {
    parts.logger.warn({ err: errorMessage(err) }, 'sysvitals: store did not close cleanly');
  }
  hooks.emitClose();
}

/**
 * Starts `shutdown()`: the `shutdown` option's delay and drain overridden by `options`, the servers given
 * there besides those the adapters saw serving.
 */
export function startShutdown(
  options: MonitorShutdownOptions,
  defaults: ShutdownConfig,
  lifecycle: Lifecycle,
  logger: Logger,
  close: () => Promise<void>,
): Promise<ShutdownReport> {
  const { server, ...rest } = options ?? {};
  const config = parseShutdown({ ...defaults, ...rest }, 'shutdown()');
  const servers = server === undefined ? [] : Array.isArray(server) ? server : [server as Server];
  return drainAndClose({ lifecycle, servers, config, logger, closeMonitor: close });
}
