// The cluster's process status: the worst live worker's event-loop delay p99 against the event_loop_delay
// levels, not the aggregator's own process (outside review F3 in cluster mode).

import { describe, expect, it } from 'vitest';
import { clusterProcess, withClusterProcess } from '../../src/cluster/process-figures.js';
import { ProcessCollector } from '../../src/collector/process.js';
import type { ClusterSummary } from '../../src/types.js';
import { makeSnapshot } from '../alerts/snapshot.js';

/** A live worker whose process reports this delay p99 (the rest of its figures are this process's). */
function worker(id: string, p99: number) {
  const proc = new ProcessCollector({ resolutionMs: 20 });
  const figures = { ...proc.collect(), event_loop_delay_p99_ms: p99 };
  proc.close();
  return { id, connected: true, process: clusterProcess(figures) };
}

const summary = (workers: ReturnType<typeof worker>[]) =>
  ({
    name: 'c',
    aggregator: 'a',
    complete: true,
    missing: [],
    workers_connected: workers.length,
    workers,
  }) as unknown as ClusterSummary;

describe('withClusterProcess', () => {
  it('judges the worst worker p99 against the levels, whatever the aggregator process says', () => {
    const own = makeSnapshot();
    own.process = { ...own.process, status: 'healthy', event_loop_delay_p99_ms: 0 };
    const cases: [number[], string][] = [
      [[5, 99.99], 'healthy'],
      [[5, 100], 'warning'],
      [[499, 3], 'warning'],
      [[2, 500, 120], 'critical'],
    ];
    for (const [p99s, status] of cases) {
      const s = withClusterProcess(own, summary(p99s.map((p, i) => worker(String(i), p))));
      expect(s.process.event_loop_delay_p99_ms).toBe(Math.max(...p99s));
      expect(s.process.status, String(p99s)).toBe(status);
    }
    const custom = withClusterProcess(own, summary([worker('1', 60)]), { warning: 50, critical: 80 });
    expect([custom.process.status, custom.process.threshold]).toEqual(['warning', 50]);
  });
});
