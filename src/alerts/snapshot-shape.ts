// The snapshot's known shape at setup, for checking alert rule metric paths: every built-in group
// with its fields (from the collector's own empty groups), a route and a disk partition as array
// items, and the records whose keys are only known at run time.

import { websocketMetrics } from '../collector/app-groups.js';
import { failedCpu } from '../collector/cpu.js';
import { failedDisk } from '../collector/disk.js';
import { failedMemory } from '../collector/memory.js';
import { failedNetwork } from '../collector/network.js';
import { failedProcess } from '../collector/process.js';
import { RequestStats } from '../requests/requests.js';
import type { SnapshotShape } from './metric-rules.js';

const RECORD = { __record: true };

/** The shape rules are checked against; `extra` adds groups other parts of the monitor contribute. */
export function snapshotShape(
  plugins: readonly string[],
  reserved: readonly string[],
  extra: Record<string, unknown> = {},
): SnapshotShape {
  const requests = new RequestStats({ clock: { now: () => 0 } });
  let groups: ReturnType<RequestStats['groups']>;
  try {
    requests.record('GET', '/', 200, 1);
    groups = requests.groups();
  } finally {
    requests.close();
  }
  const disk = failedDisk('', 0);
  const proc = failedProcess('') as unknown as Record<string, unknown>;
  const template: Record<string, unknown> = {
    cpu: failedCpu('', 0),
    memory: failedMemory('', 0),
    disk: {
      ...disk,
      partitions: [
        { mount: '/', filesystem: '', type: '', total_gb: 0, used_gb: 0, free_gb: 0, used_percent: 0 },
      ],
    },
    network: failedNetwork(''),
    database: { response_time_ms: null, pool_size: null, pool_idle: null, pool_waiting: null },
    redis: { response_time_ms: null, working: null },
    websocket: websocketMetrics(0),
    ...groups,
    functions: RECORD,
    process: { ...proc, heap_spaces: RECORD, active_resources: RECORD },
    ...extra,
  };
  for (const g of Object.values(template)) {
    if (g && typeof g === 'object' && !Array.isArray(g)) delete (g as Record<string, unknown>).error;
  }
  return Object.freeze({ template: Object.freeze(template), plugins: Object.freeze([...plugins]), reserved });
}
