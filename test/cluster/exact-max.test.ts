// Cluster maxima above the histogram's one-hour ceiling (outside review 20, F2): a worker's report carried its
// max clipped to the upper edge of the highest slot it changed, so an exact 7200000 ms read 3607101.439 ms (the top
// of the ceiling slot) in every merged table, while one process reads it exactly (README Precision: "the maxima keep
// the exact value"). Oracle: the max of the raw durations each table recorded. Fixture: real worker monitors and
// their Reporter, the aggregator's real Merger into a real SystemMonitor, one injected clock, several frames.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClusterMonitor } from '../../src/cluster/cluster-monitor.js';
import { Merger } from '../../src/cluster/merger.js';
import { Reporter, type ReportSources } from '../../src/cluster/report.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/** What one worker records in one frame: each duration (ms) as a request, a @timed call, a query and a job run. */
type Frame = Array<[route: string, ms: number]>;

/** Frames of two workers: values around and above the ceiling, a later one in the ceiling slot below an earlier max. */
const PLAN: Array<[worker: number, frame: Frame]> = [
  [
    0,
    [
      ['/edge', 0],
      ['/edge', 50],
      ['/edge', 2 * HOUR],
    ],
  ],
  [
    1,
    [
      ['/edge', 0.0004],
      ['/long', HOUR - 1],
      ['/long', 0.5],
    ],
  ],
  [
    0,
    [
      ['/edge', HOUR + 1],
      ['/edge', 1.0001],
      ['/long', HOUR],
    ],
  ],
  [
    1,
    [
      ['/long', 2.5 * HOUR],
      ['/edge', 50],
    ],
  ],
  [
    1,
    [
      ['/long', 1.5 * HOUR],
      ['/edge', 1],
    ],
  ],
];

const monitorAt = (now: () => number, id: string, store = new MemoryStore()) =>
  new SystemMonitor({ clock: { now }, store, sampleIntervalMs: 0, logger: silentLogger, instanceId: id });

function run() {
  const t = { now: T0 };
  const now = () => t.now;
  const store = new MemoryStore();
  const cluster = monitorAt(now, 'c', store);
  const table = new WorkerTable();
  const merger = new Merger(cluster as unknown as ClusterMonitor, table, {
    logger: silentLogger,
    now,
    changed: () => {},
  });
  const workers = [0, 1].map((i) => {
    const own = monitorAt(now, `w${i}`);
    own.requests.trackRouteLatency();
    const entry = newEntry(`w${i}`, 100 + i, now());
    table.set(entry);
    return { own, entry, reporter: new Reporter(own as unknown as ReportSources) };
  });
  for (const [i, frame] of PLAN) {
    const w = workers[i]!;
    for (const [route, ms] of frame) {
      w.own.recordRequest({ method: 'GET', route, status: 200, durationMs: ms });
      w.own.recordFunction('fx', ms, false);
      w.own.recordQuery('postgresql', 'SELECT 1', ms, false);
      w.own.recordJob('jb', ms, false);
    }
    t.now += 1000;
    merger.merge(w.entry, JSON.parse(JSON.stringify(w.reporter.take())), null, false);
  }
  return { cluster, store };
}

/** The oracle: the largest raw duration (ms), of one route or of all. */
const rawMax = (route?: string) =>
  Math.max(
    ...PLAN.flatMap(([, f]) => f.filter((r) => route === undefined || r[0] === route).map((r) => r[1])),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('cluster maxima: the max of the workers’ exact maxima, above the one-hour ceiling too', () => {
  it('metrics/ latency and functions, routes/, queries/ and jobs/ read the raw max', async () => {
    const { cluster } = run();
    const all = rawMax();
    expect(all).toBe(2.5 * HOUR);
    const m = await cluster.getMetrics();
    expect(m.latency.max_ms).toBe(all);
    expect(m.functions.fx?.max_ms).toBe(all);
    const rows = cluster.endpoints('time', 100).routes;
    for (const route of ['/edge', '/long'])
      expect(rows.find((r) => r.route === route)?.max_ms, route).toBe(rawMax(route));
    expect(rawMax('/edge')).toBe(2 * HOUR);
    expect(cluster.queries.report().fingerprints[0]?.max_ms).toBe(all);
    expect(cluster.jobs.rows().find((j) => j.name === 'jb')?.max_ms).toBe(all);
    await cluster.close();
  });

  it("history/: the minute's latency_max_ms and each route point's max_ms read the raw max", async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] }); // the store keeps what is within its retention of Date.now()
    const { cluster, store } = run();
    await cluster.flush();
    const points = await store.readPoints('c', 0, T0 + HOUR);
    expect(points).toHaveLength(1);
    expect(points[0]?.latency_max_ms).toBe(rawMax());
    for (const route of ['/edge', '/long'])
      expect(
        cluster.series.route(route, 'GET')?.points.map((p) => p.max_ms),
        route,
      ).toEqual([rawMax(route)]);
    await cluster.close();
  });
});
