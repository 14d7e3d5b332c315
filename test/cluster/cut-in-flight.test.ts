// Outside review 11, F10: a worker's requests in flight taken by a part cut where its windows turned (cuts.ts) never
// reached the aggregator, which reads them from a frame's report: the part, holding nothing else (the request whose
// record turned the window goes into the new sub-window, after the cut), was dropped, and the next report said nothing
// (unchanged since taken). The aggregator kept the older count: the cluster's in_flight stayed up, and a worker that
// exited after its drain (`server.close(() => process.exit(0))`) had that count counted as lost. Here a real
// RequestStats (1 s window: latency sub-windows of 250 ms), InFlightAges, Reporter and Cuts on an injected clock, and a
// real aggregator-side Merger; requests end 400 ms apart, each record turning the window. Oracle: the requests the
// test holds in flight.

import { describe, expect, it } from 'vitest';
import type { ClusterMonitor } from '../../src/cluster/cluster-monitor.js';
import { Cuts } from '../../src/cluster/cuts.js';
import { Merger } from '../../src/cluster/merger.js';
import { Reporter } from '../../src/cluster/report.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { InFlightAges, type InFlightEntry } from '../../src/requests/in-flight.js';
import { RequestStats } from '../../src/requests/requests.js';
import { testClock } from '../alerts/snapshot.js';
import { throwing } from './paced-workers.js';

describe('requests in flight taken at a window turn', () => {
  it('reach the aggregator with the next frame: its count is the requests held, 0 once the last ends', async () => {
    const clock = testClock(Date.UTC(2026, 11, 5, 12, 0, 0, 10));
    const requests = new RequestStats({ clock, windowMs: 1000 });
    requests.trackRouteLatency();
    const ages = new InFlightAges(clock);
    requests.inFlight = ages;
    const own = { requests, functions: new FunctionTimings({ clock }) };
    const cuts = new Cuts(new Reporter(own), clock.now, throwing, own);
    cuts.reset(true);
    const monitor = new SystemMonitor({ clock, sampleIntervalMs: 0, logger: silentLogger });
    const table = new WorkerTable();
    const merger = new Merger(monitor as unknown as ClusterMonitor, table, {
      logger: silentLogger,
      now: clock.now,
      changed: () => {},
    });
    const entry = newEntry('w1', 100, clock.now());
    table.set(entry);
    /** A frame as a worker writes it (through JSON, as on its socket), merged as the aggregator does. */
    const send = () => {
      const { report, cut, at } = cuts.frame();
      const msg = { t: 'report', report, ...(cut.length > 0 ? { cut } : {}), ...(at ? { at } : {}) };
      merger.mergeFrame(entry, JSON.parse(JSON.stringify(msg)), null);
    };
    const held: InFlightEntry[] = Array.from({ length: 4 }, () => {
      const e: InFlightEntry = { res: {}, prev: null, next: null, t: Number.NaN };
      ages.track(e);
      return e;
    });
    try {
      requests.record('GET', '/warm', 200, 1); // the first turn heard: where cutting starts
      send();
      expect(entry.inFlight?.n ?? 0).toBe(held.length);
      while (held.length > 0) {
        clock.advance(400);
        // As a request ends (request-ticket.ts): out of flight, then recorded (its record turns the window).
        ages.untrack(held.pop() as InFlightEntry);
        requests.record('GET', '/work', 200, 5);
        send();
        expect(entry.inFlight?.n ?? 0).toBe(held.length);
      }
    } finally {
      await monitor.close();
    }
  });
});
