// Issue #13: routes/ in cluster mode had no requests in flight by route (`instance=all`), so a request hanging in
// another worker than the one asked was invisible. Each worker now sends its routes in flight beside its report
// (when they changed) and the aggregator merges them: counts summed, the oldest age the largest, aged since it
// arrived. Here the merge on an injected clock: three workers with real InFlightAges and InFlightRoutes, a seeded
// sequence of requests starting and ending on five routes (one unrouted, one of a method outside the seven), reports
// and reads at seeded times; the oracle is the list of requests the test holds in flight.

import { afterEach, describe, expect, it } from 'vitest';
import { ClusterInFlight } from '../../src/cluster/in-flight-wire.js';
import type { Peer } from '../../src/cluster/peer.js';
import {
  mergeRoutesInFlight,
  noteRoutesInFlight,
  REPORTED_AFTER_MS,
  REPORTED_ROUTES,
  type RoutesInFlightHolder,
  RoutesInFlightReporter,
  routesUnsaid,
} from '../../src/cluster/routes-in-flight.js';
import { SyncRound } from '../../src/cluster/sync.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { routeKey } from '../../src/profiling/series-history.js';
import type { InFlightEntry } from '../../src/requests/in-flight.js';
import { InFlightAges } from '../../src/requests/in-flight.js';
import { InFlightRoutes, type RouteInFlight } from '../../src/requests/in-flight-routes.js';
import { prng } from '../helpers/random.js';

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
/** [method, route] as the adapters' readers name them (null: not routed yet). */
const ROUTES: Array<[string, string | null]> = [
  ['GET', '/users/:id'],
  ['POST', '/orders'],
  ['GET', null],
  ['PURGE', '/cache'],
  ['GET', '/search'],
];
/** How the table names them: unrouted, and methods outside the standard seven as OTHER. */
const keyOf = ([method, route]: [string, string | null]) =>
  routeKey(method === 'PURGE' ? 'OTHER' : method, route ?? 'unrouted');

interface Held {
  entry: InFlightEntry;
  route: [string, string | null];
  start: number;
}

/** One worker: its requests in flight (real InFlightAges, InFlightRoutes with a reader) and its reporter. */
function worker(id: string, t: { now: number }) {
  const ages = new InFlightAges({ now: () => t.now });
  const routes = new InFlightRoutes();
  const held = new Map<InFlightEntry, Held>();
  routes.add((e) => held.get(e)?.route);
  const reporter = new RoutesInFlightReporter({
    tickets: { routesInFlight: (minMs, keptUpTo) => routes.read(ages, minMs, keptUpTo) },
  });
  const holder: RoutesInFlightHolder & { id: string } = { id, routesInFlight: null };
  return {
    holder,
    held,
    start(route: [string, string | null]) {
      const entry: InFlightEntry = { res: {}, prev: null, next: null, t: Number.NaN };
      ages.track(entry);
      held.set(entry, { entry, route, start: t.now });
    },
    end(entry: InFlightEntry) {
      ages.untrack(entry);
      held.delete(entry);
    },
    /** A frame to the aggregator (through JSON, as on the socket), arriving at `t.now`; returns whether it carried them. */
    report(read: boolean): boolean {
      const wire = reporter.take(read);
      if (wire !== undefined) noteRoutesInFlight(holder, JSON.parse(JSON.stringify(wire)), t.now);
      return wire !== undefined;
    },
  };
}

type Worker = ReturnType<typeof worker>;

/** The oracle: every request held in flight, by route: how many, and the age of the oldest at `now`. */
function oracle(workers: Worker[], now: number, minMs = 0): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const w of workers)
    for (const h of w.held.values()) {
      if (now - h.start < minMs) continue;
      const k = keyOf(h.route);
      const [n, age] = out.get(k) ?? [0, 0];
      out.set(k, [n + 1, Math.max(age, now - h.start)]);
    }
  return out;
}

const asPairs = (m: Map<string, RouteInFlight>) =>
  new Map([...m].map(([k, r]) => [k, [r.count, r.oldestMs] as [number, number]]));

/** The merge of `workers`' routes in flight at `now` is the oracle's: exactly the requests they hold (`minMs` old). */
function expectExact(workers: Worker[], now: number, minMs = 0): void {
  expect(
    asPairs(
      mergeRoutesInFlight(
        workers.map((w) => w.holder),
        now,
      ),
    ),
  ).toEqual(oracle(workers, now, minMs));
}

/**
 * 400 seeded steps on three workers: a request starts on a seeded route, one ends, a worker sends its periodic
 * report, or a read: `answer` plays the workers' answers to the sync (drawing from `u`), the aggregator answers a
 * little later (the ages go on) and the merge must be exact. Returns how many reads there were.
 */
function seededReads(
  seed: number,
  answer: (workers: Worker[], u: () => number, t: { now: number }) => void,
): number {
  const t = { now: T0 };
  const { u } = prng(seed);
  const workers = ['a', 'b', 'c'].map((id) => worker(id, t));
  let reads = 0;
  for (let step = 0; step < 400; step++) {
    t.now += Math.floor(u() * 700);
    const w = workers[Math.floor(u() * workers.length)]!;
    const op = u();
    if (op < 0.45) w.start(ROUTES[Math.floor(u() * ROUTES.length)]!);
    else if (op < 0.7 && w.held.size > 0) {
      const all = [...w.held.keys()];
      w.end(all[Math.floor(u() * all.length)]!);
    } else if (op < 0.9)
      w.report(false); // a periodic report: only those in flight REPORTED_AFTER_MS
    else {
      answer(workers, u, t);
      t.now += Math.floor(u() * 50);
      expectExact(workers, t.now);
      reads++;
    }
  }
  return reads;
}

describe('cluster routes in flight: the merge', () => {
  it('a read (every worker answering its sync) equals the requests held in flight, counts summed and the oldest age, over 400 seeded steps', () => {
    let unchanged = 0;
    const reads = seededReads(13, (workers) => {
      // A read: every worker answers the sync with all its requests in flight (when they changed).
      for (const x of workers) if (!x.report(true)) unchanged++;
    });
    // The sequence read often, and some workers had nothing new to send (their ages went on at the aggregator).
    expect(reads).toBeGreaterThan(20);
    expect(unchanged).toBeGreaterThan(5);
  });

  it('a worker’s periodic report arriving after its answer to a read, before the aggregator answers, leaves the read exact (load 25: 3 of 5 /hang read)', () => {
    // Seen on real processes at load 25: a worker's sync answer and its next periodic report (nothing 1 s old yet:
    // an empty list) were merged together, before the read was answered; the read lacked the worker's requests.
    const t = { now: T0 };
    const [a, b] = [worker('a', t), worker('b', t)];
    a.start(ROUTES[0]!);
    a.start(ROUTES[0]!);
    b.start(ROUTES[0]!);
    t.now += 600;
    a.start(ROUTES[1]!);
    t.now += 180; // the oldest 780 ms: none REPORTED_AFTER_MS yet
    a.report(true);
    b.report(true);
    a.report(false); // its interval ticked while the round waited
    t.now += 5;
    expectExact([a, b], t.now);
    // A request the read named that ends is gone with the next periodic report; one admitted after the read
    // waits, as between reads, until it is REPORTED_AFTER_MS old.
    a.end([...a.held.keys()][2]!);
    a.start(ROUTES[2]!);
    expect(a.report(false)).toBe(true);
    expect(asPairs(mergeRoutesInFlight([a.holder], t.now))).toEqual(
      new Map([[keyOf(ROUTES[0]!), [2, 785] as [number, number]]]),
    );
    t.now += REPORTED_AFTER_MS;
    expect(a.report(false)).toBe(true);
    expectExact([a], t.now);
  });

  it('a read stays exact when workers that answered send periodic reports (and requests end) before the last answer, over 400 seeded steps', () => {
    let between = 0;
    const reads = seededReads(31, (workers, u, t) => {
      // A read: the workers answer one after the other; meanwhile the intervals of those that answered tick
      // (periodic reports, some after one of their requests ended), up to 300 ms (the round's timeout).
      const answered: Worker[] = [];
      for (const x of workers) {
        x.report(true);
        answered.push(x);
        while (u() < 0.5) {
          t.now += Math.floor(u() * 100);
          const y = answered[Math.floor(u() * answered.length)]!;
          if (u() < 0.3 && y.held.size > 0) y.end([...y.held.keys()][Math.floor(u() * y.held.size)]!);
          y.report(false);
          between++;
        }
      }
    });
    expect(reads).toBeGreaterThan(20);
    expect(between).toBeGreaterThan(20);
  });

  it('between reads, periodic reports name the requests in flight for REPORTED_AFTER_MS, aged since they arrived: a lower bound', () => {
    const t = { now: T0 };
    const [a, b] = [worker('a', t), worker('b', t)];
    a.start(ROUTES[0]!);
    t.now += 600;
    b.start(ROUTES[0]!);
    b.start(ROUTES[2]!);
    t.now += 500; // a's request is 1,100 ms old, b's 500 ms
    expect(a.report(false)).toBe(true);
    expect(b.report(false)).toBe(true); // an empty list: said, nothing that old
    expectExact([a, b], t.now, REPORTED_AFTER_MS);
    // Nothing changed at a: not sent again, and its age goes on at the aggregator, exactly.
    t.now += 4000;
    expect(a.report(false)).toBe(false);
    const merged = mergeRoutesInFlight([a.holder, b.holder], t.now);
    expect(merged.get(keyOf(ROUTES[0]!))).toMatchObject({ count: 1, oldestMs: 5100 });
    // b's requests crossed the level: its next report names them.
    expect(b.report(false)).toBe(true);
    expectExact([a, b], t.now);
    // A request that ended is gone from the next report (its route too).
    a.end([...a.held.keys()][0]!);
    expect(a.report(false)).toBe(true);
    expect(mergeRoutesInFlight([a.holder, b.holder], t.now).get(keyOf(ROUTES[0]!))?.count).toBe(1);
  });

  it('a periodic report names at most REPORTED_ROUTES routes and counts the rest; a read names them all; routes/ marks what it lacks', () => {
    const t = { now: T0 };
    const a = worker('a', t);
    const many = Array.from({ length: REPORTED_ROUTES + 3 }, (_, i): [string, string] => ['GET', `/r${i}`]);
    for (const [i, r] of many.entries()) for (let k = 0; k <= i; k++) a.start(r); // route i: i + 1 requests
    t.now += 2000;
    a.report(false);
    const state = a.holder.routesInFlight!;
    expect(state.rows).toHaveLength(REPORTED_ROUTES);
    // The busiest kept, the three quietest counted apart (1 + 2 + 3 requests).
    expect(state.rows.map((r) => r.route)).toEqual(
      many
        .slice(3)
        .reverse()
        .map(([, r]) => r),
    );
    expect(state.left).toBe(6);
    expect(routesUnsaid([a.holder], [])).toEqual(['routes-in-flight:a']);
    a.report(true);
    expect(a.holder.routesInFlight!.rows).toHaveLength(many.length);
    expect(routesUnsaid([a.holder], [])).toEqual([]);
    // A worker that never said (an older version, or just connected) is marked, unless missing already.
    const older: RoutesInFlightHolder = { id: 'old', routesInFlight: null };
    expect(routesUnsaid([a.holder, older], [])).toEqual(['routes-in-flight:old']);
    expect(routesUnsaid([a.holder, older], ['old'])).toEqual([]);
    // A malformed list is not guessed at: marked.
    noteRoutesInFlight(a.holder, { r: [['GET', '/x', -1, 0]] }, t.now);
    expect(a.holder.routesInFlight).toBeNull();
  });
});

describe('cluster routes in flight: the sync round', () => {
  it('a routes/ read asks for them (rf); reads arriving during another read’s round share the next one', async () => {
    const sent: unknown[] = [];
    const table = new WorkerTable();
    const w = newEntry('w', 1, 0, { peer: { send: (m: unknown) => void sent.push(m) } as unknown as Peer });
    table.set(w);
    const round = new SyncRound(table, 60_000, () => undefined);
    const metrics = round.run(); // a metrics/ read's round
    const routes = round.run(true); // a routes/ read meanwhile
    const again = round.run(true);
    expect(sent).toEqual([{ t: 'sync', n: 1 }]);
    round.answered(w);
    expect(await metrics).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([
      { t: 'sync', n: 1 },
      { t: 'sync', n: 2, rf: true },
    ]); // one round for both routes/ reads
    round.answered(w);
    expect(await routes).toEqual([]);
    expect(await again).toEqual([]);
    // A read while a routes/ round is under way does not join it (that round asked before the read came): the next
    // round, asked after it came, serves it.
    const first = round.run(true);
    const later = round.run();
    round.answered(w);
    expect(await first).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(4);
    expect(sent[3]).toEqual({ t: 'sync', n: 4 });
    round.answered(w);
    expect(await later).toEqual([]);
  });
});

describe('cluster routes in flight: the cluster monitor’s routes/', () => {
  const monitors: SystemMonitor[] = [];
  afterEach(async () => {
    for (const m of monitors.splice(0)) await m.close();
  });

  it('sort=in_flight orders the merged table (most first, the oldest breaking ties), unrouted merged too', () => {
    const t = { now: T0 };
    const monitor = new SystemMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: { now: () => t.now },
    });
    monitors.push(monitor);
    const [a, b] = [worker('a', t), worker('b', t)];
    new ClusterInFlight(() => [a.holder, b.holder]).wire(monitor, () => t.now);
    a.start(ROUTES[0]!); // /users/:id: 1 in a, 1 in b
    a.start(ROUTES[2]!); // unrouted: 1 in a, 2 in b
    t.now += 300;
    b.start(ROUTES[2]!);
    b.start(ROUTES[2]!);
    b.start(ROUTES[0]!);
    b.start(ROUTES[1]!); // /orders: 1 in b, the youngest
    t.now += 100;
    a.report(true);
    b.report(true);
    t.now += 1000;
    const rows = monitor.endpoints('in_flight', 10).routes;
    expect(rows.map((r) => [r.method, r.route, r.in_flight, r.oldest_in_flight_ms, r.count])).toEqual([
      ['GET', 'unrouted', 3, 1400, 0],
      ['GET', '/users/:id', 2, 1400, 0],
      ['POST', '/orders', 1, 1100, 0],
    ]);
  });
});
