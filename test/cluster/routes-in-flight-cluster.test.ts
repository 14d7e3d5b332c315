// Issue #13: routes/ in cluster mode named the routes in flight only in one worker's table (`?instance=<worker>`);
// the cluster's (`instance=all`, the default) had none, so a request hanging in worker B was invisible when the
// admin request reached worker A: exactly during a hang storm. Real node:cluster processes (2 workers); requests
// held open on /hang (a route that never answers) in whichever worker gets them; every worker's routes/ read. The
// oracle is what the client did: the requests it holds open, when it sent them, when their handlers started.

import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { COARSE_CLOCK_RESOLUTION_MS } from '../../src/latency/coarse-clock.js';
import { BASE, fromEveryWorker, loggedRequests, logLines, until, useCluster } from './helpers.js';

const HUNG = 5;
/** The fixture's cluster.intervalMs: the slack allowed above the client's own measure of the age. */
const INTERVAL_MS = 200;

interface HangRow {
  method: string;
  route: string;
  in_flight?: number;
  oldest_in_flight_ms?: number;
  count_aborted: number;
}

describe('node:cluster: routes/ names the routes in flight of every worker', () => {
  const open: Array<{ destroy(): void }> = [];
  const c = useCluster({}, 2);
  afterAll(() => {
    for (const r of open) r.destroy();
  });

  it('in_flight is the number of requests the client holds open in both workers, oldest_in_flight_ms their age; 0 once released', async () => {
    // HUNG requests on new connections (spread over the two workers), the client waiting without a timeout.
    const sentAt: number[] = [];
    for (let i = 0; i < HUNG; i++) {
      const req = request({ host: '127.0.0.1', port: c.port, path: '/hang', agent: false });
      req.on('error', () => undefined);
      sentAt.push(Date.now());
      req.end();
      open.push(req);
    }
    // Guard only: every handler started (each logs when, on its worker's Date.now()).
    const started = await until(async () => {
      const s = logLines(c.logDir, 'hang', Number);
      return s.length === HUNG && s;
    }, 30_000);
    expect(new Set(started.map((h) => h.pid)).size).toBe(2); // both workers hold some: the view is not one's
    const firstStart = Math.min(...started.map((h) => h.v));
    const firstSent = Math.min(...sentAt);
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));

    // Every worker's routes/ (instance=all): the whole cluster's requests in flight, sorted by them. Judged on a read
    // every worker answered the sync of (complete): one that did not answer within syncTimeoutMs (300 ms, a loaded
    // machine) is counted as its last report had them, and listed missing; that worker is then asked again.
    const answers = await fromEveryWorker(
      c.port,
      c.pids,
      `${BASE}/routes?sort=in_flight`,
      (b, asked, answered) =>
        b.data.cluster.complete
          ? {
              row: (b.data.routes as HangRow[])[0],
              cluster: b.data.cluster,
              // The oldest request's age as the client knows it: at least since its handler started until the
              // question was asked; at most since it was sent until the answer came.
              atLeast: asked - firstStart,
              atMost: answered - firstSent,
            }
          : undefined,
    );
    for (const { row, cluster, atLeast, atMost } of answers.values()) {
      expect(cluster.missing).toEqual([]);
      expect(row).toMatchObject({ method: 'GET', route: '/hang', in_flight: HUNG });
      // The worker's request clock is the coarse clock (refreshed every COARSE_CLOCK_RESOLUTION_MS).
      expect(row!.oldest_in_flight_ms).toBeGreaterThanOrEqual(atLeast - COARSE_CLOCK_RESOLUTION_MS);
      expect(row!.oldest_in_flight_ms).toBeLessThanOrEqual(atMost + INTERVAL_MS);
    }

    // Released: the client closes them (each recorded as aborted, logged by the fixture).
    for (const r of open.splice(0)) r.destroy();
    await until(
      async () => loggedRequests(c.logDir).filter((r) => r.route === '/hang').length === HUNG,
      30_000,
    );
    const after = await fromEveryWorker(c.port, c.pids, `${BASE}/routes?sort=in_flight`, (b) =>
      b.data.cluster.complete
        ? { row: (b.data.routes as HangRow[]).find((r) => r.route === '/hang') }
        : undefined,
    );
    for (const { row } of after.values()) {
      expect(row?.in_flight ?? 0).toBe(0);
      expect(row?.oldest_in_flight_ms).toBeUndefined();
      expect(row?.count_aborted).toBe(HUNG);
    }
  }, 120_000);
});
