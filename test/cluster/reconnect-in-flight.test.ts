// Outside review 11, F10: a worker whose hello reached the aggregator on a new connection while its old one was still
// open there kept, in the cluster's requests.in_flight, the requests in flight of its last report on the old one.
// WorkerTable.connect kept the entry's in-flight state (it reset only the routes), and the worker's hello said nothing
// of in flight 0 (a state is sent when it changes, and 0 is where a reporter starts). A real aggregator on a real Unix
// socket in a temporary directory; the worker is two real connections speaking the wire (frames, a real Reporter).
// Oracle: the worker's own count of requests in flight. Both ends are fixed, each enough here alone: the aggregator
// forgets the old state on a hello (a worker of an earlier release says nothing of 0), the hello says 0 (an aggregator
// of an earlier release kept the old state).
//
// (With node:cluster processes, a worker's link dropped while the aggregator's loop was stopped (SIGSTOP) and taken up
// again before SIGCONT: the aggregator read the old connection's end first, then the hello, and in_flight was right.
// The hello before the end is what this file drives; WorkerTable.connect closes the old connection then.)

import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/cluster/aggregator.js';
import { clusterEndpoint } from '../../src/cluster/endpoint.js';
import { FrameReader, sendFrame } from '../../src/cluster/frames.js';
import { Reporter } from '../../src/cluster/report.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { testClock } from '../alerts/snapshot.js';
import { until } from './helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sv-reconnect-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The worker's requests in flight (the oracle: the test holds the count) and its real reporter. */
function workerState() {
  const state = { inFlight: 0 };
  const reporter = new Reporter({
    requests: {
      routeStates: () => [],
      inFlight: {
        get size() {
          return state.inFlight;
        },
        addToView: () => 0,
      },
    },
    functions: { totalCounts: () => [] },
  });
  return { state, reporter };
}

/** One connection of worker `id`: says hello (totals since start: the reporter reset), answers syncs with a report. */
async function link(path: string, id: string, reporter: Pick<Reporter, 'reset' | 'take'>): Promise<Socket> {
  const s = connect(path);
  const welcomed = new Promise<void>((resolve, reject) => {
    const reader = new FrameReader((m) => {
      const msg = m as { t: string; n?: number };
      if (msg.t === 'welcome') resolve();
      if (msg.t === 'sync') sendFrame(s, { t: 'report', report: reporter.take(), sync: msg.n });
    });
    s.on('data', (d) => reader.push(d));
    s.on('error', reject);
    s.on('close', () => reject(new Error('closed before its welcome')));
  });
  s.on('connect', () => {
    reporter.reset();
    sendFrame(s, { t: 'hello', id, pid: process.pid, started_at: 1, report: reporter.take(), p: null });
  });
  await welcomed;
  return s;
}

describe('a worker that connects again while its old connection is open', () => {
  it("its hello (in flight 0) replaces what the old connection last reported: the cluster's in_flight reads 0", async () => {
    const clock = testClock();
    const monitors: SystemMonitor[] = [];
    const agg = (await Aggregator.lead({
      name: 'reconnect',
      endpoint: clusterEndpoint(`reconnect-${process.pid}`, join(root, 'sock')),
      syncTimeoutMs: 200,
      retireAfterMs: 60_000,
      logger: silentLogger,
      now: clock.now,
      createMonitor: () => {
        const m = new SystemMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock });
        monitors.push(m);
        return m as never;
      },
      self: {
        id: 'agg',
        pid: process.pid,
        startedAt: 1,
        take: () => ({ report: { r: [], f: [] } }),
        process: () => null,
        answerSelf: async () => ({}),
      },
    })) as Aggregator;
    const sockets: Socket[] = [];
    try {
      // Each read a second later on the injected clock (a snapshot is taken at most once per instant).
      const inFlight = async () => {
        clock.advance(1000);
        return ((await agg.ask({ op: 'metrics' } as never, undefined)) as { requests: { in_flight: number } })
          .requests.in_flight;
      };
      const w = workerState();
      const path = clusterEndpoint(`reconnect-${process.pid}`, join(root, 'sock')).socketPath;
      sockets.push(await link(path, 'w1@1', w.reporter));
      // Three requests start; its next report (the read's sync) says so.
      w.state.inFlight = 3;
      expect(await inFlight()).toBe(3);
      // They end; before any report on the old connection says so, a new one says hello (the old one still open).
      w.state.inFlight = 0;
      sockets.push(await link(path, 'w1@1', w.reporter));
      expect(await inFlight()).toBe(w.state.inFlight);
      // The old connection, closed by the aggregator as the new one came, changes nothing once its end is read.
      await until(async () => sockets[0]?.destroyed === true || sockets[0]?.readableEnded === true);
      expect(await inFlight()).toBe(0);
      // And a count that moves on the new connection is read as usual.
      w.state.inFlight = 2;
      expect(await inFlight()).toBe(2);
      // A worker of an earlier release says nothing of in flight 0 in its hello: the aggregator holds none then.
      w.state.inFlight = 0;
      // Its reports as that release wrote them: in flight only when changed since its hello, and none said there.
      const older = { reset: () => {}, take: () => ({ r: [], f: [] }) };
      sockets.push(await link(path, 'w1@1', older));
      expect(await inFlight()).toBe(w.state.inFlight);
    } finally {
      for (const s of sockets) s.destroy();
      await agg.close();
      for (const m of monitors) await m.close();
    }
  });
});
