// Outside review F4: `history/?instance=<worker>` reads that worker's own history points, whichever
// worker is asked, the aggregator's included (it answered `points: []` for the aggregator); and an
// instance that is no worker of the cluster and has no history in the store is a 404, as in `metrics/`
// (it was 200 with no points). Real node:cluster workers; the oracle is what each worker logged.

import { describe, expect, it } from 'vitest';
import { BASE, clusterOf, get, getJson, load, logLines, until, untilLogged, useCluster } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: history points as JSON.
const requestsOf = (data: any) =>
  (data.points as Array<{ requests: number }>).reduce((s, p) => s + p.requests, 0);

describe('node:cluster: history/?instance=', () => {
  // One-second history buckets: the load's points close within seconds, not at the next minute's turn.
  // WARN_LOG: the workers' warnings in <pid>.warn, shown with an answer that is not 200 (a 500 says why: its cause).
  const c = useCluster({ RESOLUTION_MS: '1000', WARN_LOG: '1' }, 3);

  it("every worker's own points (the aggregator's too) through every worker; an unknown instance is a 404", async () => {
    const result = await load(c.port, 90, 6, 7);
    expect(result.failed).toBe(0);
    const logged = await untilLogged(c.logDir, 90);
    // The minute holding the load has closed into a point (the cluster's series has all 90).
    await until(async () => {
      const r = await getJson(c.port, `${BASE}/history?period=1h`);
      return requestsOf(r.data.data) === 90;
    }, 90_000);
    // Each worker's bucket holding its last request has ended: its own series holds them all (a read closes a bucket
    // whose timer is overdue). Not before: at this 1 s resolution (not a whole number of 15 s sub-windows) the
    // cluster's points are filed on arrival, so the point closed at a boundary holds what the workers sent at its
    // sync, including requests recorded after the boundary, which a worker's own series holds from its next one (the
    // clean-clone CI of 7 December read 33 of the 34 a worker logged right after the cluster's series showed 90).
    const lastBucketEnd = Math.max(...logged.map((r) => r.at - (r.at % 1000) + 1000));
    await until(async () => Date.now() >= lastBucketEnd, 10_000);
    const cl = await clusterOf(c.port);
    const agg = cl.workers.find((w: { aggregator: boolean }) => w.aggregator);
    expect(agg).toBeDefined();
    for (const w of cl.workers as Array<{ id: string; pid: number }>) {
      const own = logged.filter((r) => r.pid === w.pid).length;
      // Several asks over fresh connections: each lands on the next worker (round robin), the asked one included.
      for (let i = 0; i < 3; i++) {
        for (const key of [String(w.pid), w.id]) {
          const r = await getJson(c.port, `${BASE}/history?period=1h&instance=${encodeURIComponent(key)}`);
          const why = () => JSON.stringify({ answer: r.data, warnings: logLines(c.logDir, 'warn') });
          expect(r.status, r.status === 200 ? '' : why()).toBe(200);
          expect({ key, requests: requestsOf(r.data.data) }).toEqual({ key, requests: own });
        }
      }
    }
    for (let i = 0; i < 3; i++) {
      const r = await get(c.port, `${BASE}/history?period=1h&instance=999999`);
      expect(r.status).toBe(404);
      expect((await get(c.port, `${BASE}/metrics?instance=999999`)).status).toBe(404);
    }
  }, 150_000);
});
