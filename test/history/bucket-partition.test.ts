// Regression (issue 12, figures 5): buckets partition time whatever the order of flushes, closes and clock
// steps: every request lands in exactly one point, no `t` is written twice, and `t` never goes backwards.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const R = 1_000;
const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a bucket boundary

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A MemoryStore that stays readable after the monitor closes it, so the last bucket can be checked. */
class KeptStore extends MemoryStore {
  override async close(): Promise<void> {}
}

function make(clock: { now(): number }): SystemMonitor {
  const store = new KeptStore({ resolutionMs: R, clock: { now: () => B } });
  const monitor = createMonitor({ sampleIntervalMs: 0, resolutionMs: R, logger: silentLogger, clock, store });
  monitors.push(monitor);
  return monitor;
}

const one = (m: SystemMonitor) => m.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 1 });

async function points(m: SystemMonitor) {
  return m.store.readPoints(m.instanceId, B - 10 * R, B + 100 * R);
}

describe('history buckets partition time', () => {
  it('a flush inside a bucket: the bucket timer still fires at the boundary, and the next point is its own', async () => {
    vi.useFakeTimers({ now: B, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const m = make({ now: () => Date.now() });
    one(m);
    await vi.advanceTimersByTimeAsync(300);
    await m.flush(); // B+300: the first point holds B..B+300
    one(m);
    await vi.advanceTimersByTimeAsync(700); // B+1000: the timer closes B+300..B+1000 on time
    one(m);
    await vi.advanceTimersByTimeAsync(1_000); // B+2000: and B+1000..B+2000
    const ps = await points(m);
    expect(ps.map((p) => [p.t - B, p.requests])).toEqual([
      [0, 1],
      [300, 1],
      [1_000, 1],
    ]);
  });

  it('two flushes in one bucket, then a clock stepped back: t only increases and every request is in one point', async () => {
    let now = B + 100;
    const m = make({ now: () => now });
    one(m);
    now = B + 300;
    await m.flush();
    one(m);
    now = B + 500;
    await m.flush();
    one(m);
    now = B - 5_000; // NTP steps the clock back
    await m.flush();
    one(m);
    await m.flush();
    one(m);
    now = B + 4_200;
    await m.flush();
    one(m);
    await m.close();
    const ps = await points(m);
    const ts = ps.map((p) => p.t);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1] as number);
    expect(ps.reduce((n, p) => n + p.requests, 0)).toBe(6);
    expect(ps.every((p) => p.requests === 1)).toBe(true);
  });

  it('a bucket flushed late is labelled with the minute it mostly covers, the next minute stays free', async () => {
    let now = B + R - 1;
    const m = make({ now: () => now });
    one(m);
    await m.flush(); // B .. B+R-1
    one(m);
    now = B + 2 * R - 1;
    await m.flush(); // B+R-1 .. B+2R-1: mostly the minute B+R
    expect((await points(m)).map((p) => [p.t - B, p.requests])).toEqual([
      [0, 1],
      [R, 1],
    ]);
  });
});
