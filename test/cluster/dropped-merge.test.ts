// dropped_observations across processes: a worker's counts go as deltas (report `d`), a full report after a
// reconnection adds only what the aggregator lacked, and the totals survive the ledger's encoding and the
// retired entry's fold. Oracle: the bad calls made on the worker's own statistics.

import { describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

function worker() {
  const clock = { now: () => 1_000_000 };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const functions = new FunctionTimings({ clock });
  // Sources a thread lacks: queries, jobs and custom histograms, reduced to their counts of dropped values.
  const extra = { queries: 0, jobs: 0, custom: 0 };
  const sources = {
    requests,
    functions,
    queries: {
      states: () => [],
      slowSince: () => ({ entries: [], total: 0 }),
      get dropped() {
        return extra.queries;
      },
    },
    jobs: {
      totalCounts: () => [],
      get dropped() {
        return extra.jobs;
      },
    },
    custom: { all: () => [], droppedValues: () => extra.custom },
  };
  return { requests, functions, extra, sources };
}

describe('dropped observations in reports', () => {
  it('are sent as deltas, merged once, and kept through a full report, the ledger and the retired fold', () => {
    const w = worker();
    const reporter = new Reporter(w.sources as unknown as ConstructorParameters<typeof Reporter>[0]);
    const known = new KnownTotals();
    const bad = (n: number) => {
      for (let i = 0; i < n; i++) {
        w.requests.record('GET', '/a', 200, Number.NaN);
        w.functions.record('f', -1, false);
      }
      w.extra.queries += n;
      w.extra.jobs += 2 * n;
      w.extra.custom += 3 * n;
    };
    expect(reporter.take().d).toBeUndefined();
    bad(4);
    const first = reporter.take();
    expect(first.d).toEqual([4, 4, 4, 8, 12]);
    known.add(roundTrip(first));
    // Nothing new: nothing sent.
    expect(reporter.take().d).toBeUndefined();
    bad(3);
    known.add(roundTrip(reporter.take()));
    expect(known.dropped).toEqual([7, 7, 7, 14, 21]);
    // A reconnection: the full report's totals add only what was not known (2 calls made since).
    bad(2);
    reporter.reset();
    const difference = known.replace(roundTrip(reporter.take()));
    expect(difference.dropped).toEqual([2, 2, 2, 4, 6]);
    expect(known.dropped).toEqual([9, 9, 9, 18, 27]);
    // The ledger (encode, decode) and a new aggregator's known totals.
    const ledger = new KnownTotals();
    ledger.add(decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport())))));
    expect(ledger.dropped).toEqual([9, 9, 9, 18, 27]);
    // A worker that restarted counts from 0: a retired entry keeps the dead one's totals.
    const retired = new KnownTotals();
    retired.add(ledger.toReport());
    expect(retired.dropped).toEqual([9, 9, 9, 18, 27]);
  });

  it('a malformed count drops the report', () => {
    for (const d of [[1, 2], [1, 2, 3, 4, -1], [1, 2, 3, 4, 0.5], 'x'])
      expect(() => decodeReport({ r: [], f: [], d } as never)).toThrow('bad dropped');
  });
});
