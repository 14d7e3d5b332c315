// Load shedding in reports: a worker's refused requests go as deltas (report `h`), its state when it changes
// (`hr`), a full report after a reconnection adds only what the aggregator lacked, the total survives the
// ledger's encoding, and a report from an older worker (no `h`) merges as no shedding. Oracle: the shed count
// and reason set on the worker's own lifecycle.

import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { noteShed, shedOfCluster } from '../../src/cluster/shed-merge.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

function worker() {
  const clock = { now: () => 1_000_000 };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const lifecycle = { shedTotal: 0, shedReason: undefined as string | undefined };
  const sources = { requests, functions: new FunctionTimings({ clock }), lifecycle };
  return {
    lifecycle,
    reporter: new Reporter(sources as unknown as ConstructorParameters<typeof Reporter>[0]),
  };
}

describe('load shedding in reports', () => {
  it('goes as deltas and state changes, merged once, through a full report and the ledger', () => {
    const w = worker();
    const known = new KnownTotals();
    // The first report says the state (a new aggregator knows nothing), nothing shed.
    const hello = w.reporter.take();
    expect(hello.h).toBeUndefined();
    expect(hello.hr).toBe('');
    w.lifecycle.shedReason = 'event loop delay 300 ms > 100 ms';
    w.lifecycle.shedTotal = 7;
    const first = roundTrip(w.reporter.take());
    expect(first.shed).toBe(7);
    expect(first.shedState).toBe('event loop delay 300 ms > 100 ms');
    known.add(first);
    w.lifecycle.shedTotal = 10;
    const second = roundTrip(w.reporter.take());
    expect(second.shed).toBe(3);
    expect(second.shedState).toBeUndefined(); // unchanged: not sent again
    known.add(second);
    expect(known.shed).toBe(10);
    w.lifecycle.shedReason = undefined;
    expect(roundTrip(w.reporter.take())).toMatchObject({ shedState: '' });
    expect(w.reporter.take().h).toBeUndefined();

    // A reconnection: 5 more shed while unreported; the full report adds those only.
    w.lifecycle.shedTotal = 15;
    w.reporter.reset();
    const diff = known.replace(roundTrip(w.reporter.take()));
    expect(diff.shed).toBe(5);
    expect(known.shed).toBe(15);
    // The ledger: encoded and read back whole.
    const ledger = new KnownTotals();
    ledger.add(decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport())))));
    expect(ledger.shed).toBe(15);
  });

  it('a report from an older worker (no h, no hr) merges, as not shedding; malformed ones are refused', () => {
    const old = decodeReport({ r: [], f: [] });
    expect(old.shed).toBeUndefined();
    const known = new KnownTotals();
    known.add(old);
    expect(known.shed).toBe(0);
    expect(() => decodeReport({ r: [], f: [], h: -1 })).toThrow('bad shed');
    expect(() => decodeReport({ r: [], f: [], h: 1.5 })).toThrow('bad shed');
    expect(() => decodeReport({ r: [], f: [], hr: 3 as never })).toThrow('bad shed state');
  });

  it('the cluster sheds while a live worker sheds or shed in the interval; the total counts every worker', () => {
    const table = new WorkerTable();
    const a = newEntry('a', 1, 0, { self: true });
    const b = newEntry('b', 2, 0, { self: true });
    const gone = newEntry('gone', 3, 0);
    for (const e of [a, b, gone]) table.set(e);
    gone.known.add({ routes: [], functions: [], shed: 4 });
    const req = () => ({}) as { shed_total?: number; shedding?: string | null };

    let r = req();
    shedOfCluster(r, table);
    expect(r).toEqual({ shed_total: 4, shedding: null });
    // b refused 2 requests in an episode that ended before its report: shed in this interval only.
    const report = { routes: [], functions: [], shed: 2 };
    b.known.add(report);
    noteShed(b, report, true);
    r = req();
    shedOfCluster(r, table);
    expect(r).toEqual({ shed_total: 6, shedding: 'b: requests shed' });
    r = req();
    shedOfCluster(r, table);
    expect(r.shedding).toBeNull();
    // a sheds now (no request refused yet): the cluster sheds until a says it stopped.
    noteShed(a, { routes: [], functions: [], shedState: 'heap used 900 MB > 800 MB' }, true);
    for (let i = 0; i < 2; i++) {
      r = req();
      shedOfCluster(r, table);
      expect(r.shedding).toBe('a: heap used 900 MB > 800 MB');
    }
    noteShed(a, { routes: [], functions: [], shedState: '' }, true);
    r = req();
    shedOfCluster(r, table);
    expect(r).toEqual({ shed_total: 6, shedding: null });
  });

  it('a read of the cluster view leaves an ended episode to the next sample (outside review 9b F14)', () => {
    const table = new WorkerTable();
    const b = newEntry('b', 2, 0, { self: true });
    table.set(b);
    const report = { routes: [], functions: [], shed: 2 };
    b.known.add(report);
    noteShed(b, report, true);
    const req = () => ({}) as { shed_total?: number; shedding?: string | null };
    for (let i = 0; i < 3; i++) {
      const read = req();
      shedOfCluster(read, table, false); // a scrape or a dashboard poll
      expect(read.shedding).toBe('b: requests shed');
    }
    const sample = req();
    shedOfCluster(sample, table);
    expect(sample).toEqual({ shed_total: 2, shedding: 'b: requests shed' });
    const next = req();
    shedOfCluster(next, table);
    expect(next.shedding).toBeNull();
  });
});
