// Outside review 12, F5 and F7: a worker's exit frame (src/cluster/exit-frame.ts) reaches only an aggregator that
// reads its socket. A worker that exited while the aggregator was hung (SIGSTOP) had its frames dropped with the hung
// aggregator's connections (everything since the last ledger write lost, its cut requests counted nowhere); workers
// exiting at once with their aggregator sent theirs to a process exiting too. Each now also writes its last words
// beside the ledger (src/cluster/last-words.ts), which the next aggregator applies once. Real node:cluster processes
// (3 workers, replacements forked), one cluster for both cases; STOP=exit: SIGHUP exits at once. Oracle: the
// clients' outcomes (every request answered or cut: total; cut: lost, 5xx on GET /work).

import { describe, expect, it } from 'vitest';
import { afterTakeover, BASE, get, ledgerOf, metricsOf, signalPid, until, useCluster } from './helpers.js';
import { figures, type Outcome, slow as work } from './work-requests.js';

type Worker = { id: string; pid: number; aggregator: boolean; connected: boolean };
const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};
const N = 9;

/** Waits for 3 connected workers, nothing in flight; then until routes/ names all `n` requests of `GET /work`. */
async function ready(port: number) {
  return until(async () => {
    const m = await metricsOf(port);
    // After the previous case's takeover the window lacks the old aggregator's minute: nothing else may be missing.
    const whole = m.cluster.complete || afterTakeover(m.cluster);
    return whole && m.cluster.workers_connected === 3 && m.requests.in_flight === 0 && m;
  }, 60_000);
}
async function inFlight(port: number, n: number) {
  await until(async () => {
    const r = JSON.parse((await get(port, `${BASE}/routes?sort=in_flight`)).body).data;
    const row = (r.routes as Array<{ method: string; route: string; in_flight?: number }>).find(
      (x) => x.method === 'GET' && x.route === '/work',
    );
    return (r.cluster.complete || afterTakeover(r.cluster)) && row?.in_flight === n;
  }, 30_000);
}

/** The counts once `total` requests are in (guard; asserted exactly by the caller). */
async function settled(port: number, before: { total: number }, total: number) {
  await until(async () => {
    const f = await figures(port);
    return f.m.cluster.workers_connected === 3 && f.total - before.total >= total;
  }, 30_000).catch(() => {});
  return figures(port);
}

describe('node:cluster: a worker exiting where no aggregator reads its exit frame counts exactly', () => {
  const c = useCluster({ RESPAWN: '1', CLUSTER_BYTES: '0', STOP: 'exit', AGG_TIMEOUT: '3000' }, 3);

  it('F5: the aggregator hung (SIGSTOP), a worker serves requests and exits with some in flight, another takes over, SIGCONT: total = the clients, lost = the resets', async () => {
    const m = await ready(c.port);
    const before = await figures(c.port);
    const workers = m.cluster.workers as Worker[];
    const agg = workers.find((w) => w.aggregator) as Worker;
    const victim = workers.find((w) => !w.aggregator && w.connected) as Worker;
    const slow = Array.from({ length: N }, () => work(c.port, 8000));
    await inFlight(c.port, N);
    const epoch = ledgerOf(c.dir).epoch;
    signalPid(agg.pid, 'SIGSTOP');
    try {
      // Served during the hang: only frames to the hung aggregator say them. The primary hands a connection to one
      // worker at a time and the next only once it acknowledged the last (node:cluster's round-robin), so exactly one
      // waits in the hung aggregator's channel for SIGCONT and every other one is answered before the victim exits.
      // Not before: a connection on its way to the victim as it exits never reaches its HTTP server, so no monitor
      // can count it: one acknowledged was reset uncounted (lost 3 of 4 resets), one not yet acknowledged stayed
      // open in the primary (Node closes that handle only on an acknowledgement) and the test timed out at 120 s
      // (6 of 12 runs at load 20-36 did one or the other with `answered >= 2`: 4 miscounts, 2 timeouts).
      let answered = 0;
      const quick = Array.from({ length: N }, () =>
        work(c.port, 0).then((o) => {
          if (o.status !== undefined) answered++;
          return o;
        }),
      );
      await until(
        async () => answered >= N - 1,
        30_000,
        () => `${answered} of ${N} answered`,
      );
      signalPid(victim.pid, 'SIGHUP');
      await until(async () => gone(victim.pid) && ledgerOf(c.dir).epoch > epoch, 30_000);
      signalPid(agg.pid, 'SIGCONT');
      // Guarded: a client never answered nor reset fails here, saying which, not at the test's timeout.
      const outcomes: Array<Outcome | undefined> = [];
      for (const [i, p] of [...slow, ...quick].entries())
        void p.then((o) => {
          outcomes[i] = o;
        });
      await until(
        async () => outcomes.filter(Boolean).length === 2 * N,
        60_000,
        () =>
          `pending: ${[...Array(2 * N).keys()].filter((i) => !outcomes[i]).map((i) => (i < N ? `slow${i}` : `quick${i - N}`))}`,
      );
      const seen = outcomes as Outcome[];
      const resets = seen.filter((o) => o.error !== undefined).length;
      expect(resets).toBeGreaterThan(0); // the victim held some of the slow ones
      expect(seen.filter((o) => o.status === 200).length).toBe(2 * N - resets);
      const after = await settled(c.port, before, 2 * N);
      expect(after.total - before.total).toBe(2 * N);
      expect(after.lost - before.lost).toBe(resets);
      expect(after.work5xx - before.work5xx).toBe(resets);
    } finally {
      signalPid(agg.pid, 'SIGCONT');
    }
  }, 120_000);

  it('F7: every worker (the aggregator included) exits at once with requests in flight and some unreported, replacements forked: total = the clients, lost = the resets', async () => {
    const m = await ready(c.port);
    const before = await figures(c.port);
    const slow = Array.from({ length: N }, () => work(c.port, 8000));
    await inFlight(c.port, N);
    // Answered just before the exit: in no report yet (a report each interval), only in the exit frames.
    const quick = await Promise.all(Array.from({ length: N }, () => work(c.port, 0)));
    for (const w of m.cluster.workers as Worker[]) if (w.connected) signalPid(w.pid, 'SIGHUP');
    const seen = [...(await Promise.all(slow)), ...quick];
    const resets = seen.filter((o) => o.error !== undefined).length;
    expect(resets).toBe(N);
    // No worker left listening: the primary's handle closed, the replacements listen on a new port (the app says).
    const old = new Set((m.cluster.workers as Worker[]).map((w) => w.pid));
    const port = await until(async () => {
      const l = c.events.filter((e) => typeof e.listening === 'number' && !old.has(e.listening as number));
      return l.length >= 3 && (l[l.length - 1]?.port as number);
    }, 60_000);
    const after = await settled(port, before, 2 * N);
    expect(after.total - before.total).toBe(2 * N);
    expect(after.lost - before.lost).toBe(N);
    expect(after.work5xx - before.work5xx).toBe(N);
  }, 120_000);
});
