// A history flush the bucket timer started just before monitor.close() (a SIGTERM at a minute boundary): before the
// fix, close() flushed the last bucket and closed the store without waiting for it, so that flush, still waiting on
// the store (its claim of the instanceId, a Redis round trip), went on after close() had resolved: its point was given
// to the closed store (and dropped: the minute lost). Now the close's flush waits for it, so the timer's point is
// written before the close's and before the store closes. A store whose claim() the test holds open; fake timers
// (the hold is released 1 s after close() began, on them).

import { afterEach, expect, it, vi } from 'vitest';
import type { HistoryPoint } from '../../src/history/point.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { InstanceClaim } from '../../src/stores/store.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A MemoryStore with claim(): the first answers at once, the second waits until released. */
class HeldClaimStore extends MemoryStore {
  writes: string[] = [];
  claims = 0;
  release = () => {};
  private shut = false;
  async claim(): Promise<InstanceClaim> {
    this.claims++;
    if (this.claims === 2) await new Promise<void>((r) => (this.release = r));
    return { holds: true, others: [] };
  }
  override async appendPoint(instance: string, point: HistoryPoint): Promise<void> {
    this.writes.push(
      `point ${new Date(point.t).toISOString().slice(11, 19)}${this.shut ? ' after close' : ''}`,
    );
    return super.appendPoint(instance, point);
  }
  override async close(): Promise<void> {
    this.shut = true;
    this.writes.push('close');
    return super.close();
  }
}

it("close() waits for the bucket timer's flush under way: its point is written before the store closes", async () => {
  const T0 = Date.UTC(2026, 0, 5, 0, 1, 0);
  vi.useFakeTimers({ now: T0 - 50 });
  const store = new HeldClaimStore();
  const m = createMonitor({
    ...NO_HOST_FILES,
    sampleIntervalMs: 0,
    handleSignals: false,
    store,
    instanceId: 'a',
  });
  await vi.advanceTimersByTimeAsync(10); // the start-up claim (the first) and the saved state read
  expect(store.claims).toBe(1);
  for (let i = 0; i < 5; i++) m.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 2 });
  await vi.advanceTimersByTimeAsync(40); // 00:01:00: the bucket timer fires; its flush waits on its claim
  expect(store.claims).toBe(2);
  for (let i = 0; i < 3; i++) m.recordRequest({ method: 'GET', route: '/r', status: 200, durationMs: 2 });
  await vi.advanceTimersByTimeAsync(20_000);
  let closed = false;
  const closing = m.close().then(() => {
    closed = true;
  });
  setTimeout(() => store.release(), 1000);
  for (let t = 0; t < 5000; t += 10) await vi.advanceTimersByTimeAsync(10);
  await closing;
  expect(closed).toBe(true);
  // Before: ['point 00:01:00', 'close', 'point 00:00:00 after close']: the timer's minute given to the closed store.
  expect(store.writes).toEqual(['point 00:00:00', 'point 00:01:00', 'close']);
});
