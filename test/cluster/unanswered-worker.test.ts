// Outside review 20, F3: a worker whose event loop is blocked (a synchronous loop) sends nothing, so its own figures
// (last reported before the block) read healthy, and the cluster's `process` status and `event_loop_delay` (the worst
// worker's p99) read healthy for as long as the block lasts: the alert came only after it ended, for an infinite
// loop never. Now a connected worker that let a sync round end without its answer counts, until it answers, with at
// least the time since that sync was sent (its loop has not turned since). Injected clock `t`, fake timers for the
// round's timeout; the oracle is the clock's time since the unanswered sync against the levels.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Peer } from '../../src/cluster/peer.js';
import { withClusterProcess } from '../../src/cluster/process-figures.js';
import { SyncRound } from '../../src/cluster/sync.js';
import { newEntry, type WorkerEntry, WorkerTable } from '../../src/cluster/workers.js';
import type { ClusterProcess } from '../../src/types.js';
import { makeSnapshot } from '../alerts/snapshot.js';

const TIMEOUT_MS = 300;
const LEVELS = { warning: 1000, critical: 5000 };
/** The status the levels give a delay of `ms` (README "Alerts": warning at or above `warning`, critical at `critical`). */
const expected = (ms: number) =>
  ms >= LEVELS.critical ? 'critical' : ms >= LEVELS.warning ? 'warning' : 'healthy';

/** A worker's process figures with this event-loop delay p99 (and max). */
const figures = (pid: number, p99: number) =>
  ({
    pid,
    rss_mb: 10,
    heap_used_mb: 5,
    heap_total_mb: 8,
    external_mb: 1,
    event_loop_delay_p50_ms: 1,
    event_loop_delay_p99_ms: p99,
    event_loop_delay_max_ms: p99,
    event_loop_utilization_percent: 5,
    open_fds: 20,
    uptime_seconds: 60,
  }) satisfies ClusterProcess;

/** The aggregator (self, p99 3 ms) and workers `a` (p99 5 ms) and `b` (p99 10 ms), each `a`/`b` on a stub peer. */
function cluster() {
  const clock = { t: 1_000_000 };
  const table = new WorkerTable(() => clock.t);
  table.set(newEntry('agg', 100, 0, { self: true, process: figures(100, 3) }));
  const peer = { send: () => undefined } as unknown as Peer;
  const a = newEntry('a', 101, 0, { peer, process: figures(101, 5) });
  const b = newEntry('b', 102, 0, { peer, process: figures(102, 10) });
  table.set(a);
  table.set(b);
  const sync = new SyncRound(table, TIMEOUT_MS, () => undefined);
  const read = () => {
    const summary = table.summary('c', 'agg', []);
    const s = withClusterProcess(makeSnapshot(), summary, LEVELS);
    return { s, b: summary.workers.find((w) => w.id === 'b')! };
  };
  /** A round in which `a` answers and `b` does not; the clock moves with the timeout. */
  const round = async (n: number) => {
    const r = sync.run();
    sync.answered(a, n);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    clock.t += TIMEOUT_MS;
    return r;
  };
  return { clock, sync, a, b: b as WorkerEntry, read, round };
}

describe('cluster process status: a connected worker that does not answer (outside review 20, F3)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts at least the time since its first unanswered sync, until it answers', async () => {
    const { clock, sync, b, read, round } = cluster();
    expect(read().s.process.status).toBe('healthy'); // nobody asked yet: the workers' own figures (p99 10)
    const askedAt = clock.t;
    expect(await round(1)).toEqual(['b']);
    for (const since of [TIMEOUT_MS, 999, 1000, 4999, 5000, 30_000, 600_000]) {
      clock.t = askedAt + since;
      const { s, b: listed } = read();
      expect(listed.unanswered_ms).toBe(since);
      expect(s.process.event_loop_delay_p99_ms, String(since)).toBe(Math.max(10, since));
      expect(s.process.event_loop_delay_max_ms).toBe(Math.max(10, since));
      expect(s.process.status, String(since)).toBe(expected(since));
    }
    // Another round it misses: still counted from the first unanswered sync, not from this one.
    clock.t = askedAt + 6000;
    expect(await round(2)).toEqual(['b']);
    expect(read().b.unanswered_ms).toBe(6000 + TIMEOUT_MS);
    expect(read().s.process.status).toBe('critical');
    // Its late answer to the first round: its loop turned, its own figures again.
    sync.answered(b, 1);
    expect(read().b.unanswered_ms).toBeUndefined();
    expect([read().s.process.event_loop_delay_p99_ms, read().s.process.status]).toEqual([10, 'healthy']);
  });

  it('a worker that answers within the round is never counted, however long the round waited', async () => {
    const { clock, sync, a, b, read } = cluster();
    const r = sync.run();
    sync.answered(a, 1);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
    clock.t += 10_000;
    sync.answered(b, 1);
    expect(await r).toEqual([]);
    expect(read().b.unanswered_ms).toBeUndefined();
    expect(read().s.process.status).toBe('healthy');
  });

  it('a worker that disconnected is not counted as blocked (its requests are lost, another case)', async () => {
    const { clock, sync, b, read, round } = cluster();
    expect(await round(1)).toEqual(['b']);
    b.peer = null; // as the aggregator's close handler does, then tells the round
    sync.answered(b);
    clock.t += 60_000;
    const { s, b: listed } = read();
    expect([listed.connected, listed.unanswered_ms]).toEqual([false, undefined]);
    expect([s.process.event_loop_delay_p99_ms, s.process.status]).toEqual([5, 'healthy']);
  });

  it('a malformed or older sync number does not clear it', async () => {
    const { clock, sync, b, read, round } = cluster();
    const askedAt = clock.t;
    await round(1);
    clock.t = askedAt + 1000;
    await round(2); // b first unanswered at n 1
    sync.answered(b, 'x');
    sync.answered(b, 0);
    expect(read().b.unanswered_ms).toBe(1000 + TIMEOUT_MS);
    sync.answered(b, 2); // an answer to a later round also shows its loop turned
    expect(read().b.unanswered_ms).toBeUndefined();
  });
});
