// Small group builders of the collector: the host groups a collector without host metrics reports, and a
// dependency probe's status.

import { levelStatus } from '../alerts/status.js';
import type { DatabaseMetrics, MetricsSnapshot } from '../types.js';
import type { CollectorConfig } from './config.js';
import { failedCpu } from './cpu.js';
import { failedDisk } from './disk.js';
import { failedMemory } from './memory.js';
import { failedNetwork } from './network.js';
import type { ProbeOutcome } from './probes.js';

/** The host groups of a collector with `hostMetrics: false`: zero, `unknown`, and no error (not a failure). */
export function notCollectedHost(
  levels: CollectorConfig['levels'],
): Pick<MetricsSnapshot, 'cpu' | 'memory' | 'disk' | 'network'> {
  const { error: _cpu, ...cpu } = failedCpu('', levels.cpu.warning);
  const { error: _memory, ...memory } = failedMemory('', levels.memory.warning);
  const { error: _disk, ...disk } = failedDisk('', levels.disk.warning);
  const { error: _network, ...network } = failedNetwork('');
  return { cpu, memory, disk, network };
}

export function probeStatus(
  outcome: ProbeOutcome | undefined,
  warning: number,
  critical: number,
): Pick<DatabaseMetrics, 'status' | 'error'> {
  if (!outcome) return { status: 'unknown' };
  // Not the database's failure: every pool connection is busy with the application's statements.
  if (outcome.poolExhausted !== undefined) return { status: 'warning', error: outcome.poolExhausted };
  if (!outcome.ok) return { status: 'critical', error: outcome.error ?? 'check failed' };
  return { status: levelStatus(outcome.latencyMs ?? 0, warning, critical) };
}

/** The database group's pool flags: absent without a probe (README "Dependency probes"). */
export function poolState(
  outcome: ProbeOutcome | undefined,
): Pick<DatabaseMetrics, 'pool_exhausted' | 'pool_stuck'> {
  if (!outcome) return {};
  return { pool_exhausted: outcome.poolExhausted !== undefined, pool_stuck: outcome.poolStuck === true };
}
