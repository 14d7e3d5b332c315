// A worker whose only requests were ones the aggregator learnt of from a full report (its last words after an uncaught
// exception, a hello after a reconnection) had them counted in totals only: the aggregator took "no request known" for
// a first sight, whose figures are old news. The replacement worker of a crashed one, dying with every request it had
// taken cut, so left the cluster's window (error count, error rate) at 0 while its totals read the 5xx (lost-requests'
// uncaught-exception case, 2 to 10 missing from the window). A real Merger and SystemMonitor on an injected clock;
// the oracle is the report's own counts.

import { describe, expect, it } from 'vitest';
import type { ClusterMonitor } from '../../src/cluster/cluster-monitor.js';
import { Merger } from '../../src/cluster/merger.js';
import type { Report } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { testClock } from '../alerts/snapshot.js';

/** Totals since start: `ok` answered 200 and `failed` 5xx on GET /work. */
const totals = (ok: number, failed: number): Report => ({
  routes:
    ok + failed > 0
      ? [
          {
            method: 'GET',
            route: '/work',
            classes: [0, ok, 0, 0, failed],
            latency: null,
            extra: [0, 0, 0, 0],
          },
        ]
      : [],
  functions: [],
});

async function withMerger(
  run: (m: { merger: Merger; window5xx: () => number; total: () => number }) => void,
) {
  const clock = testClock(Date.UTC(2026, 11, 6, 12, 0, 0));
  const monitor = new SystemMonitor({ clock, sampleIntervalMs: 0, logger: silentLogger });
  const merger = new Merger(monitor as unknown as ClusterMonitor, new WorkerTable(), {
    logger: silentLogger,
    now: clock.now,
    changed: () => {},
  });
  try {
    run({
      merger,
      window5xx: () => monitor.requests.groups().errors.count_5xx,
      total: () => monitor.requests.total,
    });
  } finally {
    await monitor.close();
  }
}

describe('the first requests a worker is known by, from a full report', () => {
  it('last words of a worker that said hello before any request: its cut requests count in the window', async () => {
    await withMerger(({ merger, window5xx, total }) => {
      const entry = newEntry('w2', 200, 1);
      // Its hello: nothing yet (a replacement worker, forked as the first one died).
      merger.merge(entry, encodeReport(totals(0, 0)), null, true);
      // It dies with its first 6 requests cut: its last words' totals.
      merger.credit(entry, totals(0, 6));
      expect(total()).toBe(6);
      expect(window5xx()).toBe(6);
    });
  });

  it('a reconnection hello of a worker known with no request: what it did meanwhile counts in the window', async () => {
    await withMerger(({ merger, window5xx, total }) => {
      const entry = newEntry('w3', 300, 1);
      merger.merge(entry, encodeReport(totals(0, 0)), null, true);
      merger.merge(entry, encodeReport(totals(4, 3)), null, true);
      expect(total()).toBe(7);
      expect(window5xx()).toBe(3);
    });
  });

  it('a first sight (a worker older than this aggregator) counts in totals only, as before', async () => {
    await withMerger(({ merger, window5xx, total }) => {
      const entry = newEntry('w4', 400, 1);
      merger.merge(entry, encodeReport(totals(4, 3)), null, true);
      expect(total()).toBe(7);
      expect(window5xx()).toBe(0);
    });
  });
});
