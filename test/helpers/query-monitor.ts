// The monitor the query-profiling tests (test/profiling: redis-*, mysql-lost) instrument their clients with: every
// query timed and logged slow, no in-flight floor, and no logging.

import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

/**
 * A monitor that logs every query as slow (threshold 0, room for 100) and reports an open ticket at once
 * (`inFlightMinMs` 0: one left open would show in window_count); pushed onto `monitors`, for the caller to close.
 */
export function everyQueryMonitor(monitors: SystemMonitor[]): SystemMonitor {
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger: { warn() {}, error() {} },
    queries: { slowThresholdMs: 0, slowLogSize: 100 },
  });
  m.queries.inFlightMinMs = 0; // a ticket left open would show in window_count
  monitors.push(m);
  return m;
}
