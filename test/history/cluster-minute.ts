// Test helper: an aggregator's minute built from two workers' reports, as node:cluster's wire carries them (each
// worker's RequestStats reported, JSON round trip, applied to the aggregator's), closed as a history point and read
// back through the point codec. Used by the judged-points tests (outside reviews 24 and 25).

import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { BucketAggregator } from '../../src/history/bucket-aggregator.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { parsePoint, serializePoint } from '../../src/history/point-codec.js';
import { RequestStats } from '../../src/requests/requests.js';

/** `n` GET requests of `route` answered `status` in `ms`. */
export interface WorkerRequests {
  route: string;
  status: number;
  ms: number;
  n: number;
}

/** The point of minute `t0` the aggregator writes from workers `a` and `b` (their requests recorded at `t0 + 1 s`). */
export function clusterMinutePoint(
  t0: number,
  a: readonly WorkerRequests[],
  b: readonly WorkerRequests[],
): HistoryPoint | undefined {
  const clock = { now: () => t0 + 1_000 };
  const node = () => {
    const requests = new RequestStats({ clock });
    requests.trackRouteLatency();
    return { requests, functions: new FunctionTimings({ clock }) };
  };
  const [wa, wb, cluster] = [node(), node(), node()];
  for (const [w, reqs] of [
    [wa, a],
    [wb, b],
  ] as const)
    for (const r of reqs) for (let i = 0; i < r.n; i++) w.requests.record('GET', r.route, r.status, r.ms);
  for (const w of [wa, wb])
    applyReport(cluster, decodeReport(JSON.parse(JSON.stringify(new Reporter(w).take()))), true);
  const point = new BucketAggregator().close(t0, cluster.requests.takeBucket());
  return parsePoint(serializePoint(point)) ?? undefined;
}
