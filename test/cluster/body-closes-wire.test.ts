// Outside review 7, F2, in cluster mode: the worker reports and rebuilt windows carry the closes while the request's
// body was still arriving (`count_aborted_body`), so the aggregator leaves them out of the `unanswered` rule as one
// process does. They travel under keys of their own (`b`), never as a sixth report figure or a twelfth window-row
// figure, which an older aggregator's decoder (3 to 5 figures, rows of 9 to 11) would reject with the whole report or
// window; without `b` (an older worker, or an older aggregator ignoring it) they are plain early closes, as before.
// Through JSON; the oracle is the closes recorded in each worker.

import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { applyReport, decodeReport, Reporter, type ReportWire } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { applyWindow, decodeWindow, takeWindow, type WindowWire } from '../../src/cluster/window-wire.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { ANSWERED_CLOSE_COLUMN, BODY_CLOSE_COLUMN } from '../../src/requests/route-counters.js';

const START = 1_700_000_000_000;
const ALIGNED = START - (START % 60_000);
const clock = { now: () => ALIGNED + 1_000 };
const json = <T>(w: T): T => JSON.parse(JSON.stringify(w)) as T;

const node = () => {
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  return { requests, functions: new FunctionTimings({ clock }) };
};
/** `n` half-sent POSTs closed by their clients (request-ticket.ts settleCutOff: BODY_CLOSE_COLUMN). */
const bodyCloses = (stats: RequestStats, n: number, route = '/echo') => {
  for (let i = 0; i < n; i++) stats.recordWaitedClose('POST', route, BODY_CLOSE_COLUMN);
};
const answeredCloses = (stats: RequestStats, n: number) => {
  for (let i = 0; i < n; i++) stats.recordWaitedClose('GET', '/big', ANSWERED_CLOSE_COLUMN);
};
/** Every route figure an older aggregator's decodeReport accepts: `x` of 3 to 5 figures. */
const olderReadable = (w: ReportWire) => w.r.every((r) => r.x === undefined || r.x.length <= 5);

describe('cluster wire: closes while the body was arriving', () => {
  it('worker reports: 12 + 8 body closes merge to count_aborted_body 20, not unanswered; deltas carry only new ones', () => {
    const [a, b, cluster] = [node(), node(), node()];
    bodyCloses(a.requests, 12);
    bodyCloses(b.requests, 8);
    const ra = new Reporter(a);
    const wa = ra.take();
    expect(wa.r).toEqual([{ m: 'POST', r: '/echo', k: [0, 0, 0, 0, 0], x: [12, 0, 0, 0], b: 12 }]);
    expect(olderReadable(wa)).toBe(true);
    for (const w of [wa, new Reporter(b).take()]) applyReport(cluster, decodeReport(json(w)), true);
    const e = cluster.requests.groups().errors;
    expect(e).toMatchObject({ count_aborted: 20, count_aborted_early: 20, count_aborted_body: 20 });
    expect(e.count_aborted_answered).toBe(0);
    expect(e.unanswered).toBeUndefined();
    // A delta: 3 more on a, with 2 answered closes beside them.
    bodyCloses(a.requests, 3);
    answeredCloses(a.requests, 2);
    const delta = ra.take();
    expect(delta.r.find((r) => r.r === '/echo')).toMatchObject({ x: [3, 0, 0, 0], b: 3 });
    expect(delta.r.find((r) => r.r === '/big')).toMatchObject({ x: [2, 0, 0, 0, 2] });
    expect(delta.r.find((r) => r.r === '/big')?.b).toBeUndefined();
    applyReport(cluster, decodeReport(json(delta)), true);
    expect(cluster.requests.groups().errors).toMatchObject({
      count_aborted_early: 25,
      count_aborted_answered: 2,
      count_aborted_body: 23,
    });
    // Totals since start too (the worker's figures, merged).
    expect(ra.take().r).toEqual([]);
  });

  it('decode/encode round trip (the ledger); an older worker (no `b`) and an older aggregator (ignores it) read plain early closes', () => {
    const w = node();
    bodyCloses(w.requests, 20);
    answeredCloses(w.requests, 4);
    const wire = json(new Reporter(w).take());
    const decoded = decodeReport(wire);
    expect(decoded.routes.find((r) => r.route === '/echo')?.extra).toEqual([20, 0, 0, 0, 0, 20]);
    expect(decoded.routes.find((r) => r.route === '/big')?.extra).toEqual([4, 0, 0, 0, 4]);
    expect(json(encodeReport(decoded)).r).toEqual(wire.r);
    // Without `b`: 20 early closes toward the rule, as before this version (not dropped, no NaN).
    const older = json(wire);
    for (const r of older.r) delete r.b;
    const cluster = node();
    applyReport(cluster, decodeReport(older), true);
    expect(cluster.requests.groups().errors).toMatchObject({
      count_aborted_early: 24,
      count_aborted_answered: 4,
      count_aborted_body: 0,
      unanswered: true,
    });
    // A malformed `b` drops the report, as every malformed figure does.
    const bad = json(wire);
    (bad.r[0] as { b: unknown }).b = -1;
    expect(() => decodeReport(bad)).toThrow('bad body closes');
  });

  it('KnownTotals: a full report after a reconnection adds only the body closes the aggregator missed', () => {
    const w = node();
    const known = new KnownTotals();
    const reporter = new Reporter(w);
    bodyCloses(w.requests, 5);
    known.add(decodeReport(json(reporter.take())));
    bodyCloses(w.requests, 7); // this delta is lost
    reporter.take();
    reporter.reset();
    const missed = known.replace(decodeReport(json(reporter.take())));
    expect(missed.routes).toEqual([expect.objectContaining({ route: '/echo', extra: [7, 0, 0, 0, 0, 7] })]);
    expect(known.toReport().routes[0]?.extra).toEqual([12, 0, 0, 0, 0, 12, 0]);
    // The ledger's copy through the wire keeps them.
    expect(decodeReport(json(encodeReport(known.toReport()))).routes[0]?.extra).toEqual([12, 0, 0, 0, 0, 12]);
  });

  it('a rebuilt window (a new aggregator) keeps them apart; rows stay as long as an older aggregator reads', () => {
    const [a, b] = [node(), node()];
    bodyCloses(a.requests, 12);
    bodyCloses(b.requests, 8);
    answeredCloses(b.requests, 3);
    const rebuilt = node();
    const wires = [takeWindow(a), takeWindow(b)] as WindowWire[];
    expect(wires[0]?.r[0]?.k[0]).toHaveLength(10); // no answered closes: the 10 figures of before
    expect(wires[0]?.r[0]?.b).toEqual([[wires[0]?.r[0]?.k[0]?.[0], 12]]);
    for (const w of wires)
      for (const r of w.r) for (const row of r.k) expect(row.length).toBeLessThanOrEqual(11);
    for (const w of wires) expect(applyWindow(rebuilt, decodeWindow(json(w)))).toBe(true);
    expect(rebuilt.requests.groups().errors).toMatchObject({
      count_aborted: 23,
      count_aborted_early: 23,
      count_aborted_answered: 3,
      count_aborted_body: 20,
    });
    expect(rebuilt.requests.groups().errors.unanswered).toBeUndefined();
    // Without `b` (an older worker's window): plain early closes.
    const older = node();
    const w = json(wires[0] as WindowWire);
    for (const r of w.r) delete r.b;
    applyWindow(older, decodeWindow(w));
    expect(older.requests.groups().errors).toMatchObject({ count_aborted_early: 12, count_aborted_body: 0 });
    // A `b` naming no row it came with is malformed: the window is not used.
    const bad = json(wires[0] as WindowWire);
    (bad.r[0] as { b: Array<[number, number]> }).b = [[1, 3]];
    expect(() => decodeWindow(bad)).toThrow('bad window row');
  });
});
