// Outside review 9, F3: the requests a worker held in flight when it died (SIGKILL, an uncaught exception) were counted
// nowhere: their clients got a reset, the cluster read 0 5xx and an error rate of 0 %. Real node:cluster processes (2
// workers, replacements forked), one cluster for every case. Each case holds N slow requests open over new connections
// (spread over both workers), waits until the cluster's routes/ names all N in flight (its sync makes every worker
// report every request in flight, by route: the victim's last report holds them), then kills the non-aggregator
// worker. Oracle: the client's count of requests cut by a reset (none can have come after the last report: no other
// traffic). A graceful close (SIGTERM, drained) counts nothing lost.

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  BASE,
  get,
  logLines,
  metricsOf,
  signalPid,
  until,
  useCluster,
  watchScrapes,
} from './helpers.js';
import { cut, type Figures, figures, type Outcome, slow } from './work-requests.js';

const N = 12;
/** Waits until `count()` reaches `n`; fails only when it stays the same for `stallMs` (no progress), however long the wait. */
async function untilProgress(count: () => number, n: number, stallMs: number): Promise<void> {
  let last = count();
  let since = Date.now();
  while (count() < n) {
    if (count() !== last) {
      last = count();
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new Error(`no progress for ${stallMs} ms: ${last} of ${n}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How long each slow request is held (the kill comes once the cluster names them all in flight). */
const HOLD_MS = 6000;

/**
 * Holds N slow requests (`ms` each, or `ms(i)` for the i-th), waits until routes/ names all N in flight, then `stop`s
 * the non-aggregator worker (or the aggregator); returns the client's outcomes, the figures before and once settled
 * (the replacement reporting; after the aggregator's exit, only its window may be missing), the victim.
 */
async function holdThen(
  c: { port: number },
  stop: (pid: number) => void,
  ms: number | ((i: number) => number) = HOLD_MS,
  role: 'worker' | 'aggregator' = 'worker',
) {
  let lastReady = '';
  const ready = await until(
    async () => {
      const m = await metricsOf(c.port);
      lastReady = JSON.stringify({
        complete: m.cluster.complete,
        missing: m.cluster.missing,
        connected: m.cluster.workers_connected,
        in_flight: m.requests.in_flight,
        workers: m.cluster.workers.map((w: { pid: number; connected: boolean; aggregator: boolean }) => [
          w.pid,
          w.connected,
          w.aggregator,
        ]),
      });
      return m.cluster.complete && m.cluster.workers_connected === 2 && m.requests.in_flight === 0 && m;
    },
    60_000,
    () => lastReady,
  );
  const victim = ready.cluster.workers.find(
    (w: { aggregator: boolean; connected: boolean }) =>
      w.aggregator === (role === 'aggregator') && w.connected,
  ) as { pid: number; id: string };
  let before: Figures;
  let outcomes: Promise<Outcome>[];
  // Preconditions, not assertions: all N were in flight at once, and the victim holds at least 2 of them.
  // node:cluster's primary hands a burst of connections to whichever worker is free, not strictly in turn: under load
  // one worker took 11 of the 12 (CI run of stop 32), and a victim holding 1 has nothing cut when it exits as its first
  // request ends. And the shortest requests (1.5 s) can end before the last of the N reached a worker: at load 25 the
  // cluster never named all N in flight (the guard's 30 s ran out). Such a try is let run out (every client
  // answered) and the case holds N again, up to 4 tries.
  for (let attempt = 1; ; attempt++) {
    before = await figures(c.port);
    outcomes = Array.from({ length: N }, (_, i) => slow(c.port, typeof ms === 'number' ? ms : ms(i)));
    let ended = 0;
    for (const o of outcomes) void o.then(() => ended++);
    // Guard (no timing): the cluster names all N in flight on GET /work (every worker answered the read's sync), or
    // one of them ended first.
    const allHeld = await until(async () => {
      if (ended > 0) return 'ended';
      const r = JSON.parse((await get(c.port, `${BASE}/routes?sort=in_flight`)).body).data;
      const row = (r.routes as Array<{ method: string; route: string; in_flight?: number }>).find(
        (x) => x.method === 'GET' && x.route === '/work',
      );
      return r.cluster.complete && row?.in_flight === N && ended === 0 && 'held';
    }, 30_000);
    const held =
      allHeld === 'held'
        ? ((await metricsOf(c.port, `?instance=${victim.pid}`)).requests.in_flight as number)
        : 0;
    if (held >= 2) break;
    if (attempt === 4) {
      throw new Error(
        `in 4 tries: the last ${allHeld === 'held' ? `victim held ${held} of ${N}` : 'ended one first'}`,
      );
    }
    expect((await Promise.all(outcomes)).every((o) => o.status === 200)).toBe(true);
    await until(async () => (await metricsOf(c.port)).requests.in_flight === 0, 30_000);
  }
  const stoppedAt = Date.now();
  stop(victim.pid);
  const seen = await Promise.all(outcomes);
  // Settled: the victim is gone from the live workers, its replacement reports, the survivor's answers counted.
  const answered = seen.filter((o) => o.status !== undefined).length;
  const after = await until(async () => {
    const f = await figures(c.port);
    const gone = f.m.cluster.workers.some(
      (w: { id: string; connected: boolean }) => w.id === victim.id && !w.connected,
    );
    return (
      gone &&
      (f.m.cluster.complete || afterTakeover(f.m.cluster)) &&
      f.m.cluster.workers_connected === 2 &&
      f.total - before.total >= answered &&
      f
    );
  }, 60_000);
  return { seen, before, after, victim, stoppedAt };
}

/** Every client answered 200, and the cluster counted each by its status: none lost, no 5xx, the total N. */
function expectNoneLost(seen: Outcome[], before: Figures, after: Figures): void {
  expect(seen.filter((o) => o.error !== undefined)).toEqual([]);
  expect(seen.filter((o) => o.status === 200).length).toBe(N);
  expect(after.lost - before.lost).toBe(0);
  expect(after.all5xx - before.all5xx).toBe(0);
  expect(after.total - before.total).toBe(N);
  expect(after.work2xx - before.work2xx).toBe(N);
}

/** The counts once the dead worker's lost requests are in (they are counted once its process is gone). */
async function countedAt(port: number, before: Figures, expected: number) {
  // Guard: wait for the count to move (it follows the process's exit by up to a poll); asserted exactly below.
  await until(async () => (await figures(port)).lost - before.lost >= expected, 15_000).catch(() => {});
  return figures(port);
}

// The file's three clusters run at the same time (describe.concurrent: each its own processes, port and log
// directory; the oracles are the clients' outcomes and the cluster's counts), each one's cases in order on it
// (it.sequential): a case's held requests and kill are its cluster's alone.
describe.concurrent('node:cluster: requests in flight on a worker that dies are counted as failed', () => {
  // CLUSTER_BYTES=0: a report every interval; CRASH_SIGNAL=1: SIGUSR2 throws an uncaught exception in a worker.
  // WARN_LOG=1: warnings to <pid>.warn (what the aggregator logged of a disconnection, shown when a case fails).
  const c = useCluster({ RESPAWN: '1', CLUSTER_BYTES: '0', CRASH_SIGNAL: '1', WARN_LOG: '1' }, 2);
  const disconnections = () =>
    logLines<{ obj: unknown; msg: string }>(c.logDir, 'warn')
      .filter((l) => l.v.msg.includes('disconnected') || l.v.msg.includes('exited'))
      .map((l) => JSON.stringify(l.v.obj));

  const counted = (before: Figures, expected: number) => countedAt(c.port, before, expected);

  it.sequential('SIGKILL, then an uncaught exception: the requests the worker held count as failed (5xx on their route), exactly the resets the clients got; error rate and status reflect them; counters never go back', async () => {
    const scrapes = watchScrapes(c.port);
    // When the previous case's lost requests were counted at the latest: while they are surely still in the
    // request window (a minute, dropped by whole sub-windows), the window's count_5xx must grow by exactly this
    // case's resets.
    let previousStop = Number.NEGATIVE_INFINITY;
    try {
      for (const [how, stop] of [
        ['SIGKILL', (pid: number) => signalPid(pid, 'SIGKILL')],
        ['uncaught exception', (pid: number) => signalPid(pid, 'SIGUSR2')],
      ] as const) {
        const { seen, before, victim, stoppedAt } = await holdThen(c, stop);
        const resets = cut(seen);
        // The victim held some (round-robin over two workers), and every request either answered 200 or was cut.
        expect(resets).toBeGreaterThan(0);
        expect(seen.filter((o) => o.status === 200).length).toBe(N - resets);
        const after = await counted(before, resets);
        expect(
          after.lost - before.lost,
          `case ${how}; victim ${victim.id}\n${disconnections().join('\n')}`,
        ).toBe(resets);
        const dead = after.m.cluster.workers.find((w: { id: string }) => w.id === victim.id);
        expect(dead.requests_lost).toBe(resets);
        // Every request of the case counted once: the survivor's 200s and the victim's cut ones as 5xx, on GET /work
        // when the worker's last report named them, else on `* other` (README: a report names requests in flight
        // for 1 s or more; which report was the last one is a race with the kill, 1 run in 3 here).
        expect(after.total - before.total).toBe(N);
        expect(after.all5xx - before.all5xx).toBe(resets);
        expect(after.work5xx - before.work5xx).toBeLessThanOrEqual(resets);
        // The window's error figures count them (5xx are failed requests): a replacement worker whose only requests
        // were the ones cut counted them in totals only (2 to 10 missing from the window in 1 run of 3).
        if (before.m.errors.count_5xx === 0 || Date.now() - previousStop < 45_000)
          expect(after.m.errors.count_5xx - before.m.errors.count_5xx, `case ${how}`).toBe(resets);
        else expect(after.m.errors.count_5xx, `case ${how}`).toBeGreaterThanOrEqual(resets);
        previousStop = stoppedAt;
        expect(after.m.errors.error_rate_percent).toBeGreaterThan(0);
        if (resets >= 5) expect(after.m.errors.status).not.toBe('healthy');
      }
      expect(scrapes.served('200')).toBeGreaterThan(0);
    } finally {
      await scrapes.stop();
    }
    expect(scrapes.drops).toEqual([]);
  }, 240_000);

  it.sequential('a graceful close (SIGTERM: the worker drains its requests, says goodbye) counts nothing lost', async () => {
    // Requests short enough for the close's drain (half of closeTimeoutMs, 5 s by default).
    const { seen, before } = await holdThen(c, (pid) => signalPid(pid, 'SIGTERM'), 1500);
    expect(cut(seen)).toBe(0);
    expect(seen.every((o) => o.status === 200)).toBe(true);
    const after = await figures(c.port);
    expect(after.lost - before.lost).toBe(0);
    expect(after.all5xx - before.all5xx).toBe(0);
    expect(after.total - before.total).toBe(N);
  }, 120_000);
});

// Outside review 10, F2: a graceful restart with the everyday handler `server.close(() => process.exit(0))` (no
// monitor.close(): no goodbye) drained and answered every request, yet the requests the worker had last reported in flight
// were counted as lost 5xx. The server's 'close' (every connection ended) makes the agent report at once, before the
// handler's exit: in flight 0, the requests by their status.
describe.concurrent('node:cluster: a worker restarted by server.close(() => process.exit(0)) loses nothing', () => {
  // REQUEST_WINDOW_MS 1000: latency sub-windows of 250 ms, so that the windows turn while a worker drains.
  const c = useCluster({ RESPAWN: '1', CLUSTER_BYTES: '0', STOP: 'close', REQUEST_WINDOW_MS: '1000' }, 2);

  it.sequential('SIGTERM with requests in flight: every client gets 200, none counted lost or 5xx, each counted by its status', async () => {
    const { seen, before } = await holdThen(c, (pid) => signalPid(pid, 'SIGTERM'), 1500);
    // Oracle: the clients' tally.
    expect(seen.filter((o) => o.error !== undefined)).toEqual([]);
    const ok = seen.filter((o) => o.status === 200).length;
    expect(ok).toBe(N);
    // Guard (no timing): every request of the case counted, by its status or as lost (the lost count follows the exit).
    const after = await until(async () => {
      const f = await figures(c.port);
      return f.total - before.total >= N && f;
    }, 30_000);
    expect(after.lost - before.lost).toBe(0);
    expect(after.all5xx - before.all5xx).toBe(0);
    expect(after.m.errors.count_5xx).toBe(before.m.errors.count_5xx);
    expect(after.total - before.total).toBe(N);
    expect(after.work2xx - before.work2xx).toBe(ok);
  }, 120_000);

  // Outside review 11, F10: a worker restarted this way under load had requests it answered counted as lost. The
  // request that ends its drain can be the first recorded in a new latency sub-window: the window's turn cuts what is
  // pending (src/cluster/cuts.ts), its requests in flight (now 0) with them, and a part that held nothing else was
  // dropped. The aggregator, which reads them from a frame's report, kept the last report's count and counted it lost
  // at the exit. Requests 400 ms apart (REQUEST_WINDOW_MS 1000: latency sub-windows of 250 ms): every end turns the
  // window, the last one's included (lost 1 before).
  it.sequential('SIGTERM with requests ending 400 ms apart (each end turns the latency window): every client 200, none lost or 5xx', async () => {
    const { seen, before } = await holdThen(
      c,
      (pid) => signalPid(pid, 'SIGTERM'),
      (i) => 1500 + 400 * i,
    );
    // holdThen waited for the replacement to report: a loss would have been counted by then (at the exit, + a poll).
    expectNoneLost(seen, before, await figures(c.port));
  }, 120_000);

  // The same under continuous load: 8 client loops, a new connection per request (0 to 150 ms each, a fixed sequence),
  // before, during and after the restart. Oracle: the clients' outcomes (every one 200: nothing lost, no 5xx, the
  // total is the answers). Whether the last request of the drain turns the window is up to the timing here: the case
  // above makes it so.
  it.sequential('SIGTERM under continuous load: every client gets 200, the total is the answers, none lost or 5xx', async () => {
    const ready = await until(async () => {
      const m = await metricsOf(c.port);
      return m.cluster.complete && m.cluster.workers_connected === 2 && m.requests.in_flight === 0 && m;
    }, 60_000);
    const victim = ready.cluster.workers.find(
      (w: { aggregator: boolean; connected: boolean }) => !w.aggregator && w.connected,
    ) as { pid: number; id: string };
    const before = await figures(c.port);
    const seen: Outcome[] = [];
    let running = true;
    const loop = async (_: unknown, k: number) => {
      for (let i = 0; running; i++) seen.push(await slow(c.port, ((k * 37 + i * 53) % 16) * 10));
    };
    const loops = Array.from({ length: 8 }, loop);
    // Guards: the load is under way before the signal, and goes on until the victim is gone and its replacement in.
    // Bounded by progress, not wall time: a loaded machine answers slower, and only 30 s without one more answer fails.
    const answers = (n: number) => untilProgress(() => seen.length, n, 30_000);
    await answers(60);
    signalPid(victim.pid, 'SIGTERM');
    await until(async () => {
      const m = await metricsOf(c.port);
      const gone = m.cluster.workers.some(
        (w: { id: string; connected: boolean }) => w.id === victim.id && !w.connected,
      );
      return gone && m.cluster.complete && m.cluster.workers_connected === 2;
    }, 60_000);
    const atRestart = seen.length;
    await answers(atRestart + 40);
    running = false;
    await Promise.all(loops);
    expect(seen.filter((o) => o.status !== 200)).toEqual([]);
    // Guard (no timing): every answer counted, by its status or as lost.
    const after = await until(async () => {
      const f = await figures(c.port);
      return f.total - before.total >= seen.length && f;
    }, 30_000);
    expect(after.lost - before.lost).toBe(0);
    expect(after.all5xx - before.all5xx).toBe(0);
    expect(after.total - before.total).toBe(seen.length);
    expect(after.work2xx - before.work2xx).toBe(seen.length);
  }, 600_000);

  // Outside review 11, F2: the aggregator restarted the same way lost what it answered since its last ledger write
  // (written every 5 s): only it held its own figures, and its successor starts from the ledger. It writes the ledger
  // as its process exits (Aggregator.atExit), its requests all answered by then: nothing lost, nothing missing.
  it.sequential('the aggregator, SIGTERM with requests in flight: every client 200, its successor counts each by its status, none lost or 5xx', async () => {
    const { seen, before, victim } = await holdThen(
      c,
      (pid) => signalPid(pid, 'SIGTERM'),
      1500,
      'aggregator',
    );
    // Oracle: the clients' tally.
    const after = await figures(c.port);
    expect(after.m.cluster.aggregator).not.toBe(victim.id);
    expectNoneLost(seen, before, after);
  }, 120_000);
});

// Documented before, not fixed: a worker that exits without waiting for its server's 'close' (process.exit() straight
// from its SIGTERM handler after its own drain, an uncaught exception) had what it last reported in flight counted as
// lost 5xx, and what it completed since then counted nowhere. On process 'exit' it now writes its last frame with a
// synchronous write on its socket (src/cluster/exit-frame.ts): what it completed, by status, and as lost only the
// requests in flight as it exited, by route. The requests are staggered 200 ms apart: no two of a worker's end in one
// turn of its loop, so "in flight as it exited" is exactly "not answered". Oracle: the clients' outcomes.
describe.concurrent('node:cluster: a worker that process.exit()s from its signal handler counts exactly the requests it cut', () => {
  // STOP=exit: SIGTERM drains (the app's own count of /work requests) then exits; SIGINT exits as the next one ends.
  const c = useCluster({ RESPAWN: '1', CLUSTER_BYTES: '0', STOP: 'exit', WARN_LOG: '1' }, 2);
  const staggered = (i: number) => 1500 + 200 * i;

  it.sequential('SIGTERM, its own drain, then process.exit(0) as its last request ends: every client 200, none lost or 5xx', async () => {
    const { seen, before } = await holdThen(c, (pid) => signalPid(pid, 'SIGTERM'), staggered);
    // holdThen waited for the replacement to report: a loss would have been counted by then (at the exit, + a poll).
    expectNoneLost(seen, before, await figures(c.port));
  }, 120_000);

  it.sequential('SIGINT: process.exit(0) as its first request ends, others in flight: exactly the clients cut count as lost, on their route', async () => {
    const { seen, before, victim } = await holdThen(c, (pid) => signalPid(pid, 'SIGINT'), staggered);
    const resets = cut(seen);
    // It held more than one (round-robin over two workers): one answered as it exited, the rest cut.
    expect(resets).toBeGreaterThan(0);
    expect(seen.filter((o) => o.status === 200).length).toBe(N - resets);
    const after = await countedAt(c.port, before, resets);
    expect(after.lost - before.lost).toBe(resets);
    expect(after.m.cluster.workers.find((w: { id: string }) => w.id === victim.id).requests_lost).toBe(
      resets,
    );
    expect(after.all5xx - before.all5xx).toBe(resets);
    // Its exit frame names every request in flight by route.
    expect(after.work5xx - before.work5xx).toBe(resets);
    expect(after.work2xx - before.work2xx).toBe(N - resets);
    expect(after.total - before.total).toBe(N);
  }, 120_000);

  // Documented before, not fixed: the requests the aggregator itself held were counted nowhere when its process died
  // (only it held them). On 'exit' it counts them lost in its ledger, which its successor starts from.
  it.sequential('the aggregator exits as its first request ends (SIGINT): its successor counts exactly the requests it cut', async () => {
    const stop = (pid: number) => signalPid(pid, 'SIGINT');
    const { seen, before, victim } = await holdThen(c, stop, staggered, 'aggregator');
    const resets = cut(seen);
    expect(resets).toBeGreaterThan(0);
    expect(seen.filter((o) => o.status === 200).length).toBe(N - resets);
    const after = await countedAt(c.port, before, resets);
    expect(after.m.cluster.aggregator).not.toBe(victim.id);
    expect(after.lost - before.lost).toBe(resets);
    expect(after.m.cluster.workers.find((w: { id: string }) => w.id === victim.id).requests_lost).toBe(
      resets,
    );
    expect(after.all5xx - before.all5xx).toBe(resets);
    expect(after.work5xx - before.work5xx).toBe(resets);
    expect(after.work2xx - before.work2xx).toBe(N - resets);
    expect(after.total - before.total).toBe(N);
  }, 120_000);
});
