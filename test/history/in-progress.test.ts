// Red-team figures F8: history/ holds closed buckets only; the minute in progress shows once its bucket closes
// (at the boundary, or on flush()), as the README says. Oracle: the requests sent per bucket.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('history and the minute in progress (F8)', () => {
  it('leaves the open bucket out until it closes, then has every request', async () => {
    let now = B + 1_000;
    const store = new MemoryStore({ clock: { now: () => B } });
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: { now: () => now }, store });
    monitors.push(m);
    const send = (n: number) => {
      for (let i = 0; i < n; i++) m.recordRequest({ method: 'GET', route: '/q', status: 200, durationMs: 5 });
    };
    const sum = async () => (await m.getHistory({ period: '1h' })).points.reduce((n, p) => n + p.requests, 0);
    send(20);
    now = B + 60_000;
    await m.flush(); // the bucket timer's close at the boundary
    send(7);
    now = B + 90_000;
    expect((await m.getMetrics()).requests?.total).toBe(27);
    expect(await sum()).toBe(20); // the 7 of the minute in progress are not in a point yet
    await m.flush();
    expect(await sum()).toBe(27);
  });
});
