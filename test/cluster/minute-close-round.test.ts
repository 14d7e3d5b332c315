// A history minute's close through the sync round (minute-gate.ts before(), sync.ts run()): like a read, a close that
// comes while a round is under way must not join it. That round asked before the close came; a worker that answered
// it and then recorded requests would leave them out of the minute just closed (counted in the next one instead),
// though every worker answered. The close waits for a round asked after it came. Real components: the aggregator's
// SystemMonitor (its history writer's flush), Merger and MinuteGate, the SyncRound, paced workers (Cuts) answering
// each sync on fake timers after a per-worker delay. Oracle: the requests recorded before the close came, counted
// as they are recorded, against the closed minute's point in the store.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { gateMinutes } from '../../src/cluster/minute-gate.js';
import type { Peer } from '../../src/cluster/peer.js';
import { SyncRound } from '../../src/cluster/sync.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { pacedWorkers } from './paced-workers.js';

const T0 = 1_700_000_003_700; // 36.3 s before a minute's edge: the whole test lies in one minute
const TIMEOUT_MS = 5000;
const MINUTE = 60_000;
/** A part the gate could not file is the test's failure. */
const fails = (o: unknown, m: string) => {
  throw new Error(`${m} ${JSON.stringify(o)}`);
};

afterEach(() => {
  vi.useRealTimers();
});

describe('a history minute closing while a sync round is under way', () => {
  it('is served by a round asked after the close came: what a worker recorded after answering the round under way is in the minute', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = { now: () => Date.now() };
    const store = new MemoryStore();
    const { monitor, merger, workers, send } = pacedWorkers(clock, 2, store);
    // The aggregator's sync round over the same two workers: each answers a sync (its frame, then its sync
    // number) after its own delay, w0 quickly, w1 slowly.
    const asked: Array<[string, number]> = [];
    const table = new WorkerTable();
    const sync = new SyncRound(table, TIMEOUT_MS, () => undefined);
    for (const [i, w] of workers.entries()) {
      const delayMs = i === 0 ? 10 : 100;
      const peer = {
        send: (msg: { t: string; n: number }) => {
          asked.push([w.entry.id, msg.n]);
          setTimeout(() => {
            send(w);
            sync.answered(entry, msg.n);
          }, delayMs);
        },
      } as unknown as Peer;
      const entry = newEntry(w.entry.id, w.entry.pid, clock.now(), { peer });
      table.set(entry);
    }
    merger.gate = gateMinutes(monitor, clock, () => sync.run(), { warn: fails, error: fails });
    expect(merger.gate).toBeDefined();

    let recorded = 0;
    const record = (w: (typeof workers)[number]) => {
      w.own.requests.record('GET', '/a', 200, 5);
      recorded++;
    };
    for (const w of workers) record(w);
    const read = sync.run(); // a read's round: both asked at T0
    await vi.advanceTimersByTimeAsync(20); // w0 answered it at +10
    for (const w of workers) record(w); // w0's request here is not in its answer; w1 has not answered yet
    await vi.advanceTimersByTimeAsync(10);
    const closed = monitor.flush(); // the minute's close comes at +30, while the read's round waits for w1
    const atClose = recorded;
    await vi.advanceTimersByTimeAsync(1000);
    expect(await read).toEqual([]);
    await closed;
    const points = await store.readPoints('c', 0, T0 + MINUTE);
    expect(points.map((p) => [p.requests, p.missing])).toEqual([[atClose, undefined]]);
    // The close was served by a second round, asked after it came.
    expect(asked).toEqual([
      ['w0', 1],
      ['w1', 1],
      ['w0', 2],
      ['w1', 2],
    ]);
    const closing = monitor.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closing;
  });
});
