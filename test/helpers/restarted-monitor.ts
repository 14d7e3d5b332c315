// A monitor of one "process" for the restart tests (restart-unjudged, job-stale-restart, job-gone-restart): a
// RedisStore on a private redis-server, an injected clock, the host rules off (the machine's CPU is not these tests'
// business), and the alert events of the rules a test watches; then whether its saved state has been read.

import type { AlertEvent } from '../../src/alerts/alert.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

export interface Run {
  m: SystemMonitor;
  clock: { t: number; now: () => number };
  events: AlertEvent[];
}

/**
 * The monitor of instance `instanceId` at time `t`, its store under `prefix`; `rules` the alert rules whose events
 * it keeps; `options` on top (`jobs`, `alerts.error_rate`).
 */
export function startRun(
  url: string,
  prefix: string,
  t: number,
  { instanceId, rules, options = {} }: { instanceId: string; rules: string[]; options?: MonitorOptions },
): Run {
  const clock = { t, now: () => clock.t };
  const events: AlertEvent[] = [];
  const m = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: silent,
    store: new RedisStore({ url, prefix, instanceId, logger: silent }),
    instanceId,
    ...options,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      event_loop_delay: { enabled: false },
      ...options.alerts,
    },
    onAlert: (e) => {
      if (rules.includes(e.alert.rule)) events.push(e);
    },
  });
  return { m, clock, events };
}

/** Whether the monitor has read its store's saved state (it saves state only then). */
export const stateLoaded = (m: SystemMonitor): boolean =>
  (m as unknown as { parts: { history: { stateLoaded?: boolean } } }).parts.history.stateLoaded === true;
