// A worker's own history (`history/?instance=<worker>`) read after a bucket's boundary holds that bucket, even when
// the worker's bucket timer has not fired yet: a worker whose loop was held across the boundary (a loaded machine)
// handles the I/O that arrived meanwhile (the read forwarded to it) before its overdue timer, and answered without
// its last bucket, whose requests the cluster's series could already count. The race is forced: the worker's loop is
// held (a busy wait in a timer callback, fixture /ctl/freeze) with a request in its open bucket until after the
// boundary, and reads are forwarded to it meanwhile. Real node:cluster workers; the oracle is what the worker logged.

import { describe, expect, it } from 'vitest';
import { BASE, clusterOf, get, getJson, loggedRequests, until, untilLogged, useCluster } from './helpers.js';

const RESOLUTION_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// biome-ignore lint/suspicious/noExplicitAny: history points as JSON.
const requestsOf = (data: any) =>
  (data.points as Array<{ requests: number }>).reduce((s, p) => s + p.requests, 0);

describe('node:cluster: history/?instance= of a worker whose bucket timer is overdue', () => {
  // SYNC_TIMEOUT 1000: the aggregator waits 4 s for a forwarded read, longer than the worker's loop is held.
  const c = useCluster({ RESOLUTION_MS: String(RESOLUTION_MS), SYNC_TIMEOUT: '1000' }, 3);

  it("a read forwarded to a worker held across its bucket's boundary counts the bucket's requests", async () => {
    const cl = await clusterOf(c.port);
    const aggPid = (cl.workers as Array<{ aggregator: boolean; pid: number }>).find((w) => w.aggregator)?.pid;
    expect(aggPid).toBeDefined();
    let logged = 0;
    let held: { pid: number; boundary: number; until: number } | undefined;
    // A worker other than the aggregator records a request, then its loop is held from well before its bucket's
    // boundary (its timer cannot have fired) to 1.5 s after it. A machine too slow for that tries the next bucket.
    for (let attempt = 0; attempt < 8 && !held; attempt++) {
      await until(async () => Date.now() % RESOLUTION_MS < 600, 10_000);
      const boundary = Date.now() - (Date.now() % RESOLUTION_MS) + RESOLUTION_MS;
      let pid: number | undefined;
      for (let i = 0; i < 6 && pid === undefined && Date.now() < boundary - 1500; i++) {
        expect((await get(c.port, '/work?ms=0&status=200')).status).toBe(200);
        logged++;
        const last = (await untilLogged(c.logDir, logged)).reduce((a, b) => (b.at > a.at ? b : a));
        if (last.pid !== aggPid) pid = last.pid;
      }
      if (pid === undefined) continue;
      const hold = `/ctl/freeze?pid=${pid}&until=${boundary + 1500}`;
      for (let i = 0; i < 6 && Date.now() < boundary - 500; i++) {
        const r = await getJson(c.port, hold);
        if (r.data.frozen !== true) continue;
        if (Date.now() < boundary - 500) held = { pid, boundary, until: boundary + 1500 };
        break;
      }
      // Not held in time: let it go by (the next attempt waits for a later bucket).
      if (!held) await sleep(boundary + 1600 - Date.now());
    }
    expect(held, 'a worker held with a request in its open bucket').toBeDefined();
    const { pid, boundary, until: thaw } = held as { pid: number; boundary: number; until: number };
    await sleep(boundary + 200 - Date.now());
    // Three reads over fresh connections: those another worker gets are forwarded to the held one's socket.
    const path = `${BASE}/history?period=1h&instance=${pid}`;
    const reads = [0, 1, 2].map(() => getJson(c.port, path, 30_000));
    const own = loggedRequests(c.logDir).filter((r) => r.pid === pid).length;
    expect(own).toBeGreaterThan(0);
    for (const r of await Promise.all(reads)) {
      expect(r.status).toBe(200);
      expect(requestsOf(r.data.data)).toBe(own);
    }
    expect(Date.now()).toBeGreaterThan(thaw); // the reads were answered once the held loop let go
    // And the cluster's series counts every request once the worker's figures are in.
    await until(async () => {
      const r = await getJson(c.port, `${BASE}/history?period=1h`);
      return requestsOf(r.data.data) === logged;
    }, 30_000);
  }, 120_000);
});
