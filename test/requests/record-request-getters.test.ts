// Regression (outside review 36, RT36-4): `monitor.recordRequest(record)` is documented "it never throws", but a
// record whose property getter throws (a class getter, a Proxy) propagated the exception to the caller. Oracle:
// the number of unreadable records given, each counted in `dropped_observations.requests`; the readable records
// beside them count as requests as before.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { RequestRecord } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

const boom = (what: string) => () => {
  throw new Error(what);
};

const UNREADABLE: unknown[] = [
  Object.defineProperty({ route: '/a', status: 200, durationMs: 1 }, 'method', { get: boom('method') }),
  Object.defineProperty({ method: 'GET', status: 200, durationMs: 1 }, 'route', { get: boom('route') }),
  Object.defineProperty({ method: 'GET', route: '/a', durationMs: 1 }, 'status', { get: boom('status') }),
  Object.defineProperty({ method: 'GET', route: '/a', status: 200 }, 'durationMs', {
    get: boom('durationMs'),
  }),
  Object.defineProperty({ method: 'GET', route: '/a', status: 499, durationMs: 1 }, 'answered', {
    get: boom('answered'),
  }),
  new Proxy({}, { get: boom('proxy get') }),
  new (class Lazy {
    get method(): string {
      throw new Error('lazy');
    }
  })(),
];

describe('recordRequest() with a record whose fields cannot be read', () => {
  it('never throws and counts each one as a dropped request observation', async () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock: { now: () => now } });
    monitors.push(m);
    m.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 5 });
    for (const r of UNREADABLE) expect(() => m.recordRequest(r as RequestRecord)).not.toThrow();
    m.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 7 });
    const s = await m.getMetrics();
    expect(s.dropped_observations?.requests).toBe(UNREADABLE.length);
    expect(s.requests.total).toBe(2);
  });
});
