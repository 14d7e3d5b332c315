// The aggregator's sync round (sync.ts): before a cluster read every connected worker is asked for what it recorded
// since its last report, and the read waits (at most syncTimeoutMs) for their answers. Under load a round can time out
// and the worker's answer to it arrive during the next round: that late answer carries only what the worker recorded
// before the next round asked, so it must not end the next round's wait (the read would be served without the rest,
// marked complete). Fake timers: the timeout is the round's only time.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Peer } from '../../src/cluster/peer.js';
import { SyncRound } from '../../src/cluster/sync.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';

const TIMEOUT_MS = 300;

/** A round over workers `ids`, each with a peer recording what it is sent. */
function round(ids: string[]) {
  const sent: Array<{ to: string; msg: { t: string; n: number } }> = [];
  const table = new WorkerTable();
  const entries = ids.map((id, i) => {
    const peer = {
      send: (msg: { t: string; n: number }) => void sent.push({ to: id, msg }),
    } as unknown as Peer;
    const e = newEntry(id, 100 + i, 0, { peer });
    table.set(e);
    return e;
  });
  return { sent, entries, sync: new SyncRound(table, TIMEOUT_MS, () => undefined) };
}

type Sent = ReturnType<typeof round>['sent'];

/** Workers a and b were each sent round 1's sync, then round 2's, in that order (their peers' record). */
function expectTwoRoundsAsked(sent: Sent): void {
  expect(sent.map((s) => [s.to, s.msg.n])).toEqual([
    ['a', 1],
    ['b', 1],
    ['a', 2],
    ['b', 2],
  ]);
}

/** Whether `p` has settled, once the microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('cluster sync round: whose answer ends the wait', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a late answer to a round that timed out does not end the next round’s wait; its own answer does', async () => {
    const { sent, entries, sync } = round(['a', 'b']);
    const [a, b] = entries as [ReturnType<typeof newEntry>, ReturnType<typeof newEntry>];
    const first = sync.run();
    sync.answered(a, 1);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await first).toEqual(['b']); // b did not answer in time
    const second = sync.run(true);
    expectTwoRoundsAsked(sent);
    sync.answered(a, 2);
    sync.answered(b, 1); // b's answer to the first round, late
    expect(await settled(second)).toBe(false);
    sync.answered(b, 2);
    expect(await second).toEqual([]);
  });

  it('an answer that never comes for this round leaves the worker missing, however many late ones arrive', async () => {
    const { entries, sync } = round(['a']);
    const a = entries[0] as ReturnType<typeof newEntry>;
    const first = sync.run();
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await first).toEqual(['a']);
    const second = sync.run();
    sync.answered(a, 1);
    sync.answered(a, 'x'); // malformed
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await second).toEqual(['a']);
  });

  it('a disconnection (no sync number) ends the wait', async () => {
    const { entries, sync } = round(['a', 'b']);
    const [a, b] = entries as [ReturnType<typeof newEntry>, ReturnType<typeof newEntry>];
    const r = sync.run();
    sync.answered(a, 1);
    sync.answered(b);
    expect(await settled(r)).toBe(true);
    expect(await r).toEqual([]);
  });

  it('a read that comes while a round is under way is served by a round asked after it came, not by that one', async () => {
    // graceful-reload.test.ts, one or two requests short in reads every worker answered: a read joined a round whose
    // sync a worker had answered before it recorded them (the read came after they were recorded).
    const { sent, entries, sync } = round(['a', 'b']);
    const [a, b] = entries as [ReturnType<typeof newEntry>, ReturnType<typeof newEntry>];
    const first = sync.run();
    sync.answered(a, 1); // a's answer: what it recorded until now
    // a records a request here; then a read comes, while the round still waits for b.
    const second = sync.run();
    sync.answered(b, 1);
    expect(await first).toEqual([]);
    // The read is not served by the first round: a and b are asked again, after it came.
    expect(await settled(second)).toBe(false);
    expectTwoRoundsAsked(sent);
    sync.answered(a, 2);
    sync.answered(b, 2);
    expect(await second).toEqual([]);
  });

  it('the reads that come during one round share the next one', async () => {
    const { sent, entries, sync } = round(['a']);
    const a = entries[0] as ReturnType<typeof newEntry>;
    const first = sync.run();
    const [second, third] = [sync.run(), sync.run(true)];
    sync.answered(a, 1);
    await first;
    expect(sent.map((s) => [s.msg.n, (s.msg as { rf?: boolean }).rf ?? false])).toEqual([
      [1, false],
      [2, true], // one round for both, asking what either asks
    ]);
    sync.answered(a, 2);
    expect(await second).toEqual([]);
    expect(await third).toEqual([]);
  });

  it('a round that throws leaves the next one to the reads that came during it', async () => {
    const table = new WorkerTable();
    let calls = 0;
    const sync = new SyncRound(table, TIMEOUT_MS, () => {
      if (calls++ === 0) throw new Error('self report failed');
    });
    const first = sync.run();
    const second = sync.run();
    await expect(first).rejects.toThrow('self report failed');
    expect(await second).toEqual([]); // no worker connected: the round ends at once
    expect(await sync.run()).toEqual([]);
  });
});
