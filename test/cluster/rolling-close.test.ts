// Issue #13 (outside review F2): close() in cluster mode is bounded and acknowledged. Real node:cluster
// processes under load: the workers are closed one after another while the aggregator closes too (SIGTERM
// through the fixture's handler: server.close(), then monitor.close(), then exit 0). Every close() resolves
// (the process exits 0: a close() that hangs never exits, and the guard fails), a new aggregator answers, and
// the cluster's totals equal the client's count of completed responses exactly. And a closing worker whose
// aggregator never acknowledges (SIGSTOPped) still resolves, after cluster.closeTimeoutMs, and logs it.
// This order (server.close(), then at once monitor.close(), then exit) is the one README tells apps not to use
// (monitor.shutdown() drains first): close() waits for the requests the monitor saw in flight, not for the server's
// connections, so a connection the worker had taken but whose request it had not yet read when close() resolved is
// reset at the exit, with no record anywhere (docs/cluster.md, Failure modes). Such a request failing at the socket
// is that documented case, counted nowhere: the totals still equal the completed responses exactly.

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  BASE,
  completeRead,
  get,
  load,
  loggedRequests,
  logLines,
  metricsOf,
  promValue,
  signalPid,
  startReadyCluster,
  until,
  untilLogged,
  untilNewAggregator,
} from './helpers.js';

/** The exit event the fixture's primary printed for `pid` (code 0: close() resolved, then exit(0)). */
const exitOf = (events: Array<Record<string, unknown>>, pid: number) => events.find((e) => e.exited === pid);

const completed = (byStatus: Record<number, number>) => Object.values(byStatus).reduce((a, b) => a + b, 0);

describe('node:cluster: a rolling close under load', () => {
  it('every close() resolves, a new aggregator answers, and the totals equal the completed responses exactly', async () => {
    // RESPAWN: the primary forks a replacement for each worker that exits (a rolling restart).
    // CLOSE_TIMEOUT bounds how long a close may wait for its last report's acknowledgement, not how long it takes:
    // at 3000 a clean-clone CI at load ~19 on 2 cores saw one acknowledgement come later (the totals still exact), so
    // the bound is above the default's 5000 here; a report given up is still a failure below.
    const c = await startReadyCluster({ RESPAWN: '1', WARN_LOG: '1', CLOSE_TIMEOUT: '8000' }, 4);
    try {
      const first = await metricsOf(c.port);
      const agg = aggregatorPid(first.cluster);
      const others = c.pids.filter((p) => p !== agg);
      let stopped = false;
      const running = load(c.port, 1_000_000, 4, 5, () => stopped);
      // Guards only: load is flowing before the closes, and after them.
      await until(async () => loggedRequests(c.logDir).length >= 40, 30_000);
      // One worker, the aggregator 100 ms later, another worker 100 ms after that; the fourth keeps serving
      // (node:cluster would give the replacements another port once no worker listens on this one).
      signalPid(others[0] as number, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      signalPid(agg, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      signalPid(others[1] as number, 'SIGTERM');
      const closed = [others[0], agg, others[1]] as number[];
      await until(async () => closed.every((p) => exitOf(c.events, p)), 30_000);
      const seen = loggedRequests(c.logDir).length;
      await until(async () => loggedRequests(c.logDir).length >= seen + 40, 30_000);
      stopped = true;
      const result = await running;
      // Every original worker's close() resolved: it exited 0 through its handler, not by a signal.
      for (const p of closed) expect(exitOf(c.events, p)).toMatchObject({ code: 0, signal: null });
      // A new aggregator answers for the four live workers.
      // (The window may say `aggregator-window`: workers closed within the old aggregator's last minute.)
      const after = await untilNewAggregator(c.port, first.cluster.aggregator, 4, 30_000, (x) =>
        afterTakeover(x.cluster),
      );
      expect(closed).not.toContain(aggregatorPid(after.cluster));
      const n = completed(result.byStatus);
      // A failed request: a connection a closing worker held unread at its exit (above; one seen at load ~30, CI).
      // The client has at most 4 requests out at once, so each of the 3 closes can cut at most 4.
      expect(result.failed, JSON.stringify(result.reasons)).toBeLessThanOrEqual(4 * closed.length);
      expect(n).toBeGreaterThan(80);
      // The oracle: the client's count of completed responses, equal to every request the workers logged.
      // (A response can reach the client before the worker's 'finish': waited for, then exact.)
      // A request cut unread is neither logged nor counted; one that ended and was not counted, or one counted that
      // never completed, fails here. Compared in reads with every live worker's answer (helpers.ts completeRead).
      expect((await untilLogged(c.logDir, n)).length).toBe(n);
      const m = await completeRead(
        () => metricsOf(c.port),
        (x) => afterTakeover(x.cluster),
      );
      expect(afterTakeover(m.cluster)).toBe(true);
      expect(m.requests.total).toBe(n);
      // By status class too (metrics/ 4xx/5xx are the last minute's, which lacks the closed workers' part).
      const prom = await completeRead(
        async () => (await get(c.port, `${BASE}/metrics/prometheus`)).body,
        (t) => promValue(t, 'sysvitals_cluster_workers_missing') === 0,
      );
      expect(promValue(prom, 'sysvitals_cluster_workers_missing')).toBe(0);
      expect(promValue(prom, 'sysvitals_http_requests_total')).toBe(n);
      expect(promValue(prom, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(
        result.byStatus[500] ?? 0,
      );
      expect(promValue(prom, 'sysvitals_http_requests_total', 'status_class="4xx"')).toBe(
        result.byStatus[404] ?? 0,
      );
      // Nothing was given up: every closing worker's last report was acknowledged.
      const lost = logLines<{ msg: string }>(c.logDir, 'warn').filter((l) =>
        /not acknowledged/.test(l.v.msg),
      );
      expect(lost).toEqual([]);
    } finally {
      await c.stop();
    }
  }, 120_000);

  it('a closing worker whose aggregator never acknowledges (SIGSTOPped) resolves close() after closeTimeoutMs and logs it', async () => {
    // aggregatorTimeoutMs 0: the stopped aggregator is not replaced; its lock still answers, so nobody leads.
    const c = await startReadyCluster({ WARN_LOG: '1', CLOSE_TIMEOUT: '1500', AGG_TIMEOUT: '0' }, 3);
    const agg = aggregatorPid((await metricsOf(c.port)).cluster);
    const worker = c.pids.find((p) => p !== agg) as number;
    try {
      signalPid(agg, 'SIGSTOP');
      signalPid(worker, 'SIGTERM');
      // Guard, no timing: close() resolved (exit 0) while the aggregator could not have answered.
      await until(async () => exitOf(c.events, worker), 30_000);
      expect(exitOf(c.events, worker)).toMatchObject({ code: 0, signal: null });
      const warned = logLines<{ msg: string; obj: { worker: string; closeTimeoutMs: number } }>(
        c.logDir,
        'warn',
      ).filter((l) => l.pid === worker && /not acknowledged within closeTimeoutMs/.test(l.v.msg));
      expect(warned).toHaveLength(1);
      expect(warned[0]?.v.obj).toMatchObject({
        worker: expect.stringMatching(`^${worker}@`),
        closeTimeoutMs: 1500,
      });
    } finally {
      signalPid(agg, 'SIGCONT');
      await c.stop();
    }
  }, 120_000);
});
