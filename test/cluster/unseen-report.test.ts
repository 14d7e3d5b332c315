// Requests the Express or Koa middleware never saw, in cluster mode: each worker sends its count as deltas (report
// `u`, 0 in its first report after a reset so the aggregator knows it counts them), a full report after a
// reconnection adds only what the aggregator lacked, the total survives the ledger's encoding, and the cluster's
// `requests.unseen_total` is the sum over every worker as known (gone ones included), absent while no worker counts.
// Oracles: the count of a real Express server's middleware (a handler mounted before it answers the requests sent)
// and the counts set on the workers' own lifecycles.

import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { encodeReport } from '../../src/cluster/report-encode.js';
import { unseenOfCluster } from '../../src/cluster/shed-merge.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';

const roundTrip = (w: ReturnType<Reporter['take']>) => decodeReport(JSON.parse(JSON.stringify(w)));

type Lifecycle = { shedTotal: number; shedReason: string | undefined; unseenTotal: number | undefined };

function worker(lifecycle: Lifecycle = { shedTotal: 0, shedReason: undefined, unseenTotal: undefined }) {
  const clock = { now: () => 1_000_000 };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const sources = { requests, functions: new FunctionTimings({ clock }), lifecycle };
  return {
    lifecycle,
    reporter: new Reporter(sources as unknown as ConstructorParameters<typeof Reporter>[0]),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('unseen requests in reports', () => {
  it("a real Express worker's count goes as deltas, merged once, through a full report and the ledger", async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {}, info() {} } });
    const w = worker(monitor.lifecycle as unknown as Lifecycle);
    const known = new KnownTotals();
    const app = express();
    app.use('/healthz', (_req, res) => void res.status(204).end());
    app.use(monitor.middleware());
    app.get('/after', (_req, res) => void res.send('after'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const finishes: Promise<unknown>[] = [];
    server.on('request', (_req, res) => void finishes.push(new Promise((r) => res.once('finish', r))));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await monitor.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = async (n: number, path: string) => {
      await Promise.all(Array.from({ length: n }, async () => (await fetch(url + path)).arrayBuffer()));
      await Promise.all(finishes); // each response's 'finish' (published to the middleware's channel before it)
    };
    // Said from the first report once the middleware watches (createMonitor makes it), 0 included.
    const said = roundTrip(w.reporter.take());
    expect(said.unseen).toBe(0);
    known.add(said);
    expect(known.unseen).toBe(0);
    await send(30, '/healthz');
    await send(10, '/after');
    expect(monitor.getUnseenRequests().total).toBe(30);
    const first = roundTrip(w.reporter.take());
    expect(first.unseen).toBe(30);
    known.add(first);
    expect(roundTrip(w.reporter.take()).unseen).toBeUndefined(); // nothing new: nothing sent
    await send(5, '/healthz');
    known.add(roundTrip(w.reporter.take()));
    expect(known.unseen).toBe(35);

    // A reconnection: 7 more while unreported; the full report adds those only.
    await send(7, '/healthz');
    w.reporter.reset();
    const diff = known.replace(roundTrip(w.reporter.take()));
    expect(diff.unseen).toBe(7);
    expect(known.unseen).toBe(42);
    expect(monitor.getUnseenRequests().total).toBe(42);
    // The ledger: encoded and read back whole.
    const ledger = new KnownTotals();
    ledger.add(decodeReport(JSON.parse(JSON.stringify(encodeReport(known.toReport())))));
    expect(ledger.unseen).toBe(42);
  });

  it('a worker that does not count them (Fastify, an older version) sends nothing; malformed ones are refused', () => {
    const w = worker();
    const r = roundTrip(w.reporter.take());
    expect(r.unseen).toBeUndefined();
    const known = new KnownTotals();
    known.add(r);
    known.add(decodeReport({ r: [], f: [] }));
    expect(known.unseen).toBeUndefined();
    expect(encodeReport(known.toReport())).not.toHaveProperty('u');
    expect(() => decodeReport({ r: [], f: [], u: -1 })).toThrow('bad unseen');
    expect(() => decodeReport({ r: [], f: [], u: 1.5 })).toThrow('bad unseen');
    expect(() => decodeReport({ r: [], f: [], u: '3' as never })).toThrow('bad unseen');
  });

  it("the cluster's unseen_total is the sum over every worker as known, gone ones included; absent while none counts", () => {
    const table = new WorkerTable();
    const a = newEntry('a', 1, 0, { self: true });
    const b = newEntry('b', 2, 0, { self: true });
    const gone = newEntry('gone', 3, 0);
    for (const e of [a, b, gone]) table.set(e);
    const req = () => ({}) as { unseen_total?: number };
    let r = req();
    unseenOfCluster(r, table);
    expect(r).toEqual({}); // no worker counts them (a Fastify cluster): left out, not 0
    const workers = [worker(), worker(), worker()];
    const counts = [4, 0, 9];
    workers.forEach((wk, k) => {
      wk.lifecycle.unseenTotal = counts[k];
    });
    [a, b, gone].forEach((e, k) => {
      e.known.add(roundTrip(workers[k]!.reporter.take()));
    });
    r = req();
    unseenOfCluster(r, table);
    expect(r).toEqual({ unseen_total: 13 });
    workers[1]!.lifecycle.unseenTotal = 6;
    b.known.add(roundTrip(workers[1]!.reporter.take()));
    r = req();
    unseenOfCluster(r, table);
    expect(r).toEqual({ unseen_total: 19 });
  });
});
