// Issue #13 (outside review F2): when the aggregator is SIGKILLed, the new aggregator rebuilds the
// cluster's last-minute window from what each live worker still holds (its own monitor's windows), so
// per_minute, error counts, percentiles, routes/ and @timed functions are right within seconds, and the
// answer says what only the dead aggregator held is missing (`aggregator-window`) instead of claiming
// complete. Real node:cluster processes; the oracle is every request and call the workers logged.

import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  BASE,
  clearBreach,
  ERROR_RATE_ALERTS,
  expectPercentilesOf,
  get,
  getJson,
  killAggregator,
  load,
  loggedRequests,
  logLines,
  metricsOf as metrics,
  until,
  useCluster,
} from './helpers.js';

// The first two describes run at the same time (describe.concurrent), each on its own cluster and scratch directory:
// the alerts case spends most of its time waiting through the takeover's hold, which the window case's load, kill
// and reads overlap. Their oracles are the workers' logs and the receiver's events, not timings. The rates case
// below stays on its own: its oracle is the load generator's count over a window of time.
describe.concurrent('node:cluster takeover: the window', () => {
  // No respawn: the dead aggregator's process stays dead, the oracle is the two survivors' logs.
  // Start-up guard only (tsx workers on a loaded machine), no timed assertion.
  const c = useCluster({}, 3);

  it("after a SIGKILL of the aggregator, per_minute, 4xx/5xx, percentiles, routes/ and functions are the live workers' last minute; missing aggregator-window", async () => {
    const result = await load(c.port, 300, 6, 3);
    expect(result.failed).toBe(0);
    // @timed calls, tallied by the worker that made them.
    const calls = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const r = await getJson(c.port, '/timed?n=2000');
      calls.set(r.data.pid, (calls.get(r.data.pid) ?? 0) + 1);
    }
    // Database queries (one per /query request), logged by the worker that ran them.
    for (let i = 0; i < 40; i++) {
      await get(
        c.port,
        `/query?sys=postgresql&fp=${encodeURIComponent('SELECT 1')}&ms=${1 + ((i * 7) % 60)}`,
      );
    }
    // A custom histogram's values (one per /custom request), logged by the worker that recorded them.
    for (let i = 0; i < 30; i++) await get(c.port, `/custom?kind=a&n=1&v=${1 + ((i * 13) % 50)}`);
    // The /timed, /query and /custom requests are requests too: 430 in all.
    await until(async () => loggedRequests(c.logDir).length === 430);
    const before = await until(async () => {
      const m = await metrics(c.port);
      return m.requests.total === 430 && m.functions.render?.count === 60 && m;
    });
    expect(before.requests.per_minute).toBe(430);
    const aggPid = aggregatorPid(before.cluster);
    const after = await killAggregator(c.port, before.cluster, 'SIGKILL', 2, 30_000, (m) =>
      afterTakeover(m.cluster),
    );
    // The oracle: what the two surviving workers recorded (the dead aggregator's own minute died with it).
    const survivors = loggedRequests(c.logDir).filter((r) => r.pid !== aggPid);
    const n = survivors.length;
    const c4 = survivors.filter((r) => r.status >= 400 && r.status < 500).length;
    const c5 = survivors.filter((r) => r.status >= 500).length;
    expect(n).toBeGreaterThan(0);
    // Honest: the window lacks the dead aggregator's part.
    expect(after.cluster.complete).toBe(false);
    expect(after.cluster.missing).toEqual(['aggregator-window']);
    // Totals never go back; the window is the survivors' last minute, exactly.
    expect(after.requests.total).toBe(430);
    // per_minute: the window's count, in the cluster's first minute (its window covers since the first
    // worker started, not since the takeover); after it, that count over the time the window covers.
    const span = (await getJson(c.port, `${BASE}/routes`)).data.data.window_seconds as number;
    if (after.requests.per_minute !== n) expect(after.requests.per_minute).toBeCloseTo((n * 60) / span, 0);
    expect(after.errors.count_4xx).toBe(c4);
    expect(after.errors.count_5xx).toBe(c5);
    expect(after.errors.error_rate_percent).toBeCloseTo((c5 / n) * 100, 1);
    expectPercentilesOf(after.latency, survivors, { max: false });
    expect(after.apdex.score).not.toBeNull();
    // routes/: /work, /timed and /query, summing to the survivors' count.
    const routes = (await getJson(c.port, `${BASE}/routes`)).data.data;
    const counts = routes.routes.map((r: { route: string; count: number }) => [r.route, r.count]);
    expect(counts.map(([r]: [string]) => r).sort()).toEqual(['/custom', '/query', '/timed', '/work']);
    expect(counts.reduce((a: number, [, k]: [string, number]) => a + k, 0)).toBe(n);
    // @timed: the survivors' calls, still listed in metrics/.
    const survivorCalls = [...calls].filter(([pid]) => pid !== aggPid).reduce((a, [, k]) => a + k, 0);
    expect(after.functions.render?.count ?? 0).toBe(survivorCalls);
    // queries/: the last minute (what db_query_p95 reads) is the survivors' queries, rebuilt from their windows
    // (it restarted from the next reports: 0 here); the totals come from the ledger, all 40.
    const survivorQueries = logLines(c.logDir, 'qlog', String).filter((l) => l.pid !== aggPid).length;
    expect(survivorQueries).toBeGreaterThan(0);
    const q = (await getJson(c.port, `${BASE}/queries`)).data.data;
    expect(q.window_count).toBe(survivorQueries);
    expect(q.total).toBe(40);
    // custom: the histogram's window is the survivors' values, rebuilt from their windows (it read 0 until
    // new reports before); count_total comes from the ledger, all 30.
    const survivorValues = logLines<number[]>(c.logDir, 'clog')
      .filter((l) => l.pid !== aggPid)
      .map((l) => l.v[2] as number)
      .sort((x, y) => x - y);
    expect(survivorValues.length).toBeGreaterThan(0);
    const size = after.custom.order_size;
    expect(size.count).toBe(survivorValues.length);
    expect(size.count_total).toBe(30);
    expect(size.sum).toBe(survivorValues.reduce((a, v) => a + v, 0));
    expect(size.max).toBe(survivorValues.at(-1));
    expect(size.min).toBe(survivorValues[0]);
  }, 120_000);
});

describe.concurrent('node:cluster takeover: active alerts', () => {
  const c = useCluster<{ type: string; alert: { id: string; rule: string } }>(
    (url) => ({
      WEBHOOK: url,
      SAMPLE_MS: '300',
      // A 12 s request window: the takeover's hold of the windowed rules is 9 s (45 s with the default minute),
      // waited for below. The alert keeps its state through the hold whatever the window holds; the 400 successes
      // that clear it are sent after the takeover, still in the window when the hold ends (it covers at least the
      // hold's length: window-hold.ts). test/cluster/window-hold.test.ts checks the hold on the default window.
      REQUEST_WINDOW_MS: '12000',
      // Host rules off: this shared test machine may well be at 100% CPU.
      ALERTS: ERROR_RATE_ALERTS,
    }),
    3,
  );

  it('an error_rate alert raised by an aggregator SIGKILLed: the new one keeps it (same id, no second raised), then clears it once the breach stops', async () => {
    // 1 in 3 requests is a 500: 33% > the 20% warning.
    const statuses = [200, 500, 200];
    for (let i = 0; i < 60; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) => get(c.port, `/work?ms=1&status=${statuses[(i + k) % 3]}`)),
      );
    }
    const raised = await until(async () =>
      c.hooks.received.find((e) => e.type === 'raised' && e.alert.rule === 'error_rate'),
    );
    const id = raised.alert.id;
    const before = await metrics(c.port);
    await killAggregator(c.port, before.cluster, 'SIGKILL', 2);
    // Still active on the new aggregator, under the same id (the survivors' window still breaches).
    const active = (await getJson(c.port, `${BASE}/alerts`)).data.data.alerts;
    expect(
      active.filter((a: { rule: string }) => a.rule === 'error_rate').map((a: { id: string }) => a.id),
    ).toEqual([id]);
    // The breach stops: 400 successful requests bring the rate under the 15 % clear level.
    await clearBreach(c.port);
    // Not while the rules on windowed figures hold after the takeover (9 s here: window-hold.ts); a guard, no timing.
    await until(async () => c.hooks.received.some((e) => e.type === 'cleared' && e.alert.id === id), 120_000);
    // A few more evaluations: still exactly one of each.
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.hooks.received.filter((e) => e.type === 'cleared' && e.alert.id === id)).toHaveLength(1);
    expect(c.hooks.received.filter((e) => e.type === 'raised' && e.alert.rule === 'error_rate')).toHaveLength(
      1,
    );
    expect((await getJson(c.port, `${BASE}/alerts`)).data.data.alerts).toEqual([]);
  }, 240_000);
});

describe('node:cluster takeover: rates right after it', () => {
  // Load before the kill: more than the 5 s per_second reads, several times the second or two a window that
  // started at the takeover would cover (the bug).
  const LOAD_MS = 7000;
  const c = useCluster({}, 3);

  it("per_second and routes/ rates read the moment the new aggregator answers are the load generator's count over the same window (read 325 req/s for ~60: the rebuilt window divided by the time since the takeover)", async () => {
    // A paced load (one request every 25 ms); each answer says which worker served it, and when it came back.
    const served: Array<{ pid: number; at: number }> = [];
    const loadStart = Date.now();
    const pacer = setInterval(() => {
      getJson(c.port, '/timed?n=10')
        .then((r) => served.push({ pid: r.data.pid as number, at: Date.now() }))
        .catch(() => undefined);
    }, 25);
    try {
      // LOAD_MS of load, then the aggregator is SIGKILLed while the load goes on.
      await new Promise((r) => setTimeout(r, LOAD_MS));
      const before = await metrics(c.port);
      const aggPid = aggregatorPid(before.cluster);
      const after = await killAggregator(c.port, before.cluster, 'SIGKILL', 2);
      const routes = (await getJson(c.port, `${BASE}/routes`)).data.data;
      const readAt = Date.now();
      // per_second: the last 5 complete seconds before the answer, of the survivors (the dead aggregator's own
      // requests died with it: `aggregator-window`). Oracle: what the load generator got back from them.
      const sec = Math.floor(Date.parse(after.timestamp) / 1000);
      const survivors = served.filter((s) => s.pid !== aggPid);
      const inLast5 = survivors.filter((s) => s.at >= (sec - 5) * 1000 && s.at < sec * 1000).length;
      expect(inLast5).toBeGreaterThan(25);
      // Tolerance: a request answered within a few ms of a second's edge may be recorded in the neighbour
      // second (the monitor's coarse clock; the reply's travel), ~1 request a second at this rate.
      expect(Math.abs(after.requests.per_second - inLast5 / 5)).toBeLessThanOrEqual(inLast5 / 5 / 8 + 1);
      // routes/: the window covers at least the load's LOAD_MS (not the second or two since the takeover), and its
      // rate is the survivors' count over it.
      expect(routes.window_seconds * 1000).toBeGreaterThanOrEqual(LOAD_MS);
      expect(routes.window_seconds * 1000).toBeLessThanOrEqual(readAt - loadStart + 60_000);
      const timedRow = routes.routes.find((r: { route: string }) => r.route === '/timed');
      const windowFrom = readAt - routes.window_seconds * 1000;
      const inWindow = survivors.filter((s) => s.at >= windowFrom && s.at <= readAt).length;
      expect(Math.abs(timedRow.rate_per_second - inWindow / routes.window_seconds)).toBeLessThanOrEqual(
        inWindow / routes.window_seconds / 8 + 1,
      );
    } finally {
      clearInterval(pacer);
    }
  }, 120_000);
});
