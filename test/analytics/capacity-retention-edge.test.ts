// Outside review 37, RT37-9: with the history filling the 7-day retention, the retention cut (now − 7 d) takes the
// first minutes of the oldest 30-min step, so capacity reads the 335 whole steps after it (README says so), never
// that partial step. A real monitor over a MemoryStore fed one point a minute for 8 days (injected clock); the
// oracle is the raw minutes: which 30-min steps the store still holds whole at `now`.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { flatPoint } from '../helpers/history-points.js';

const MIN = 60_000;
const STEP = 30 * MIN;
const DAY = 24 * 60 * MIN;

async function windowAt(now: number, end: number) {
  let t = end - 8 * DAY;
  const clock = { now: () => t };
  const store = new MemoryStore({ clock });
  for (; t < end; t += MIN) await store.appendPoint('i1', flatPoint(t, 600));
  // The current minute's point written at `now` (as the monitor's flush does): the store trims to the retention.
  t = now;
  await store.appendPoint('i1', flatPoint(end, 600));
  const m = createMonitor({ sampleIntervalMs: 0, clock, store, instanceId: 'i1' });
  try {
    return (await m.capacity()).window;
  } finally {
    await m.close();
  }
}

describe('capacity window at the retention edge (RT37-9)', () => {
  it('1 s past a step boundary: the oldest step lost its first minute, so 335 whole steps', async () => {
    const end = Date.UTC(2026, 10, 10);
    const now = end + 1000;
    const w = await windowAt(now, end);
    // Oracle: minutes kept are those at or after now − 7 d; a step is whole when all 30 of its minutes are kept.
    const cut = now - 7 * DAY;
    const whole: number[] = [];
    for (let s = end - 8 * DAY; s < end; s += STEP) if (s >= cut) whole.push(s);
    expect(whole).toHaveLength(335);
    expect(w.points).toBe(335);
    expect(w.start).toBe(new Date(whole[0] as number).toISOString());
    expect(w.end).toBe(new Date(end).toISOString());
  });

  it('exactly on a step boundary: the full 336', async () => {
    const end = Date.UTC(2026, 10, 10);
    const w = await windowAt(end, end);
    expect(w.points).toBe(336);
    expect(w.start).toBe(new Date(end - 7 * DAY).toISOString());
  });
});
