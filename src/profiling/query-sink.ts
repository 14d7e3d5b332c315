// What the database instrumentations need from a monitor, and the one step they share: record a
// finished query with the route of the request it was issued in.

import { invalidOption } from '../errors.js';
import type { QuerySystem } from './query-stats.js';
import { enableRequestContext, type RequestScope, routeOfScope } from './request-context.js';

/** Anything that records queries: a SystemMonitor, or a QueryStats wrapper of your own. */
export interface QuerySink {
  /** Records one query: its system, normalized text (fingerprint), duration in ms, whether it failed, and the route it ran under. */
  recordQuery(
    system: QuerySystem,
    fingerprint: string,
    durationMs: number,
    failed: boolean,
    route?: string,
  ): void;
  /**
   * Optional: where queries in flight are kept (a monitor's QueryStats): begin() as a query is sent, end() with its
   * ticket as it is answered. Past the db_query_p95 critical level they count in the window at their age.
   */
  readonly queries?: {
    /** A query is sent: returns its ticket. */
    begin(): unknown;
    /** The query of `ticket` was answered or failed. */
    end(ticket: unknown): void;
    /** Optional: a query that failed before it reached the database (else recorded as a failure of 0 ms). */
    recordUnsent?(system: QuerySystem, fingerprint: string, route?: string): void;
  };
}

/** Marks an instrumented object, so that instrumenting it twice does not count each query twice. */
export const INSTRUMENTED: unique symbol = Symbol.for('sysvitals.instrumented');

/** Checks the monitor argument at setup (a coded error naming the function) and turns request scopes on. */
export function checkSink(sink: unknown, fn: string): QuerySink {
  if (sink === null || typeof sink !== 'object' || typeof (sink as QuerySink).recordQuery !== 'function') {
    throw invalidOption(
      `sysvitals: ${fn}(client, monitor): \`monitor\` must be a sysvitals monitor (it has recordQuery()).`,
    );
  }
  enableRequestContext();
  return sink as QuerySink;
}

/** A query was sent: its ticket from the sink (undefined when the sink keeps none); never throws. */
export function begin(sink: QuerySink): unknown {
  try {
    return typeof sink.queries?.begin === 'function' ? sink.queries.begin() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records one finished query (and ends its `ticket`); a throwing sink never reaches the application. `start` NaN: it
 * never reached the database (a failure with no duration, recordUnsent).
 */
export function finish(
  sink: QuerySink,
  system: QuerySystem,
  fingerprint: string,
  start: number,
  end: number,
  failed: boolean,
  scope: RequestScope | undefined,
  ticket?: unknown,
): void {
  try {
    if (ticket !== undefined) sink.queries?.end(ticket);
  } catch {
    // Monitoring never breaks a query.
  }
  try {
    if (!Number.isNaN(start)) sink.recordQuery(system, fingerprint, end - start, failed, routeOfScope(scope));
    else if (typeof sink.queries?.recordUnsent === 'function')
      sink.queries.recordUnsent(system, fingerprint, routeOfScope(scope));
    else sink.recordQuery(system, fingerprint, 0, failed, routeOfScope(scope));
  } catch {
    // Monitoring never breaks a query.
  }
}
