// Outside review 8, F6, in cluster mode: the worker reports and rebuilt windows carry the quick closes (early closes
// before `unansweredMinWaitMs`, `count_aborted_quick`), so the aggregator leaves them out of the `unanswered` rule as
// one process does. They travel under keys of their own (`q`), as the body closes do (`b`), never as a seventh report
// figure or a thirteenth window-row figure, which an older aggregator's decoder would reject with the whole report or
// window; without `q` (an older worker, or an older aggregator ignoring it) they are plain early closes, as before.
// Through JSON; the oracle is the closes recorded in each worker.

import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { applyReport, decodeReport, Reporter, type ReportWire } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { applyWindow, decodeWindow, takeWindow, type WindowWire } from '../../src/cluster/window-wire.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { BODY_CLOSE_COLUMN, UNMATCHED_ROUTE } from '../../src/requests/route-counters.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);
const clock = { now: () => ALIGNED + 1_000 };
const json = <T>(w: T): T => JSON.parse(JSON.stringify(w)) as T;

const node = () => {
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  return { requests, functions: new FunctionTimings({ clock }) };
};
/** `n` connections that sent `GET /<random>` and closed after 3 ms (under the 100 ms floor). */
const quickCloses = (stats: RequestStats, n: number) => {
  for (let i = 0; i < n; i++) stats.record('GET', UNMATCHED_ROUTE, 499, 3);
};
/** Every route figure an older aggregator's decodeReport accepts: `x` of 3 to 5 figures. */
const olderReadable = (w: ReportWire) => w.r.every((r) => r.x === undefined || r.x.length <= 5);

describe('cluster wire: quick closes (before unansweredMinWaitMs)', () => {
  it('worker reports: 12 + 8 quick closes merge to count_aborted_quick 20, not unanswered; deltas carry only new ones', () => {
    const [a, b, cluster] = [node(), node(), node()];
    quickCloses(a.requests, 12);
    quickCloses(b.requests, 8);
    const ra = new Reporter(a);
    const wa = ra.take();
    expect(wa.r).toEqual([{ m: 'GET', r: UNMATCHED_ROUTE, k: [0, 0, 0, 0, 0], x: [12, 0, 0, 0], q: 12 }]);
    expect(olderReadable(wa)).toBe(true);
    for (const w of [wa, new Reporter(b).take()]) applyReport(cluster, decodeReport(json(w)), true);
    const e = cluster.requests.groups().errors;
    expect(e).toMatchObject({ count_aborted: 20, count_aborted_early: 20, count_aborted_quick: 20 });
    expect(e.unanswered).toBeUndefined();
    quickCloses(a.requests, 3);
    expect(ra.take().r).toEqual([
      { m: 'GET', r: UNMATCHED_ROUTE, k: [0, 0, 0, 0, 0], x: [3, 0, 0, 0], q: 3 },
    ]);
    expect(ra.take().r).toEqual([]);
  });

  it('decode/encode round trip (the ledger) beside body closes; without `q` (older worker or aggregator) they page as before', () => {
    const w = node();
    quickCloses(w.requests, 20);
    for (let i = 0; i < 2; i++) w.requests.recordWaitedClose('GET', UNMATCHED_ROUTE, BODY_CLOSE_COLUMN);
    const wire = json(new Reporter(w).take());
    expect(wire.r[0]).toMatchObject({ x: [22, 0, 0, 0], b: 2, q: 20 });
    const decoded = decodeReport(wire);
    expect(decoded.routes[0]?.extra).toEqual([22, 0, 0, 0, 0, 2, 20]);
    expect(json(encodeReport(decoded)).r).toEqual(wire.r);
    const older = json(wire);
    for (const r of older.r) delete r.q;
    const cluster = node();
    applyReport(cluster, decodeReport(older), true);
    expect(cluster.requests.groups().errors).toMatchObject({
      count_aborted_early: 22,
      count_aborted_body: 2,
      count_aborted_quick: 0,
      unanswered: true,
    });
    const bad = json(wire);
    (bad.r[0] as { q: unknown }).q = 1.5;
    expect(() => decodeReport(bad)).toThrow('bad quick closes');
  });

  it('KnownTotals: a full report after a reconnection adds only the quick closes the aggregator missed', () => {
    const w = node();
    const known = new KnownTotals();
    const reporter = new Reporter(w);
    quickCloses(w.requests, 5);
    known.add(decodeReport(json(reporter.take())));
    quickCloses(w.requests, 7); // this delta is lost
    reporter.take();
    reporter.reset();
    const missed = known.replace(decodeReport(json(reporter.take())));
    expect(missed.routes).toEqual([expect.objectContaining({ extra: [7, 0, 0, 0, 0, 0, 7] })]);
    expect(known.toReport().routes[0]?.extra).toEqual([12, 0, 0, 0, 0, 0, 12]);
    expect(decodeReport(json(encodeReport(known.toReport()))).routes[0]?.extra).toEqual([
      12, 0, 0, 0, 0, 0, 12,
    ]);
  });

  it('a rebuilt window (a new aggregator) keeps them apart; rows stay as long as an older aggregator reads', () => {
    const [a, b] = [node(), node()];
    quickCloses(a.requests, 12);
    quickCloses(b.requests, 8);
    b.requests.recordWaitedClose('POST', '/echo', BODY_CLOSE_COLUMN);
    const wires = [takeWindow(a), takeWindow(b)] as WindowWire[];
    const stamp = wires[0]?.r[0]?.k[0]?.[0];
    expect(wires[0]?.r[0]?.k[0]).toHaveLength(10);
    expect(wires[0]?.r[0]?.q).toEqual([[stamp, 12]]);
    expect(wires[0]?.r[0]?.b).toBeUndefined();
    for (const w of wires)
      for (const r of w.r) for (const row of r.k) expect(row.length).toBeLessThanOrEqual(11);
    const rebuilt = node();
    for (const w of wires) expect(applyWindow(rebuilt, decodeWindow(json(w)))).toBe(true);
    expect(rebuilt.requests.groups().errors).toMatchObject({
      count_aborted_early: 21,
      count_aborted_body: 1,
      count_aborted_quick: 20,
    });
    expect(rebuilt.requests.groups().errors.unanswered).toBeUndefined();
    const older = node();
    const w = json(wires[0] as WindowWire);
    for (const r of w.r) delete r.q;
    applyWindow(older, decodeWindow(w));
    expect(older.requests.groups().errors).toMatchObject({ count_aborted_early: 12, count_aborted_quick: 0 });
    const bad = json(wires[0] as WindowWire);
    (bad.r[0] as { q: Array<[number, number]> }).q = [[1, 3]];
    expect(() => decodeWindow(bad)).toThrow('bad window row');
  });
});
