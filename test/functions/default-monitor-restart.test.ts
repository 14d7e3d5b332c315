// Regression (outside review 36, RT36-5): `@timed` records into the default monitor (the first one created).
// When it was closed and another created (a test suite, a hot reload), the new one took over the same statistics:
// its `functions.<name>.count` counted the calls made during the closed monitor's life. Oracle: the calls made,
// counted by the test as it makes them, per monitor life; the closed monitor's figures stay as they were at close.

import { afterEach, describe, expect, it } from 'vitest';
import { timed } from '../../src/functions/timing.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function monitor(now: () => number): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: { now } });
  monitors.push(m);
  return m;
}

describe('the default @timed monitor after the previous one closed', () => {
  it('counts only the calls made after the previous default closed; the closed one keeps its own', async () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const f = timed(() => 1, 'rt36_5.f');
    const m1 = monitor(() => now);
    for (let i = 0; i < 3; i++) f();
    expect((await m1.sample()).functions['rt36_5.f']?.count).toBe(3);
    await m1.close();
    const m2 = monitor(() => now);
    for (let i = 0; i < 4; i++) f();
    expect((await m2.sample()).functions['rt36_5.f']?.count).toBe(4);
    expect(m1.functions.snapshot()['rt36_5.f']?.count).toBe(3); // the closed monitor's figure does not move
    // A second live monitor is not the default: m2 keeps receiving the calls.
    const m3 = monitor(() => now);
    f();
    expect((await m2.sample()).functions['rt36_5.f']?.count).toBe(5);
    expect((await m3.sample()).functions['rt36_5.f']).toBeUndefined();
  });

  it('hands calls made while no monitor is live to the next one, as before the first monitor', async () => {
    // The real clock: calls made while no monitor is live are timed on the module's coarse clock (a wall clock).
    const now = () => Date.now();
    const g = timed(() => 1, 'rt36_5.g');
    const m1 = monitor(now);
    g();
    await m1.close();
    g();
    g();
    const m2 = monitor(now);
    g();
    expect((await m2.sample()).functions['rt36_5.g']?.count).toBe(3);
  });
});
