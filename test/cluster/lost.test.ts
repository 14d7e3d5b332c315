// lost.ts (outside review 9, F3): the report of failed requests a dead worker's last in-flight state makes, when the
// watch counts it (the process gone) and when not (it came back, it stays alive, the aggregator stopped counting), and
// the ledger keeping each worker's requests_lost. The real processes: lost-requests.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readLedger, writeLedger } from '../../src/cluster/ledger.js';
import { LOST_WAIT_MS, lostReport, requestsOf, watchLost } from '../../src/cluster/lost.js';
import type { Report } from '../../src/cluster/report.js';

const rows = (...r: Array<[string, string, number]>) => ({
  rows: r.map(([method, route, count]) => ({ method, route, count, oldestMs: 1500 })),
  at: 0,
  left: 0,
});

describe('lostReport', () => {
  it('nothing in flight: null', () => {
    expect(lostReport(null, null)).toBeNull();
    expect(lostReport({ n: 0, ages: null }, rows(['GET', '/a', 2]))).toBeNull();
  });

  it('5xx on the routes said, the rest on * other, no latency; routes bounded by the count', () => {
    const r = lostReport({ n: 5, ages: null }, rows(['GET', '/a', 3])) as Report;
    expect(r.routes.map((x) => [x.method, x.route, x.classes, x.latency])).toEqual([
      ['GET', '/a', [0, 0, 0, 0, 3], null],
      ['*', 'other', [0, 0, 0, 0, 2], null],
    ]);
    // Routes as of an older frame than the count: never more than the count.
    const b = lostReport({ n: 4, ages: null }, rows(['GET', '/a', 3], ['POST', '/b', 3])) as Report;
    expect(b.routes.map((x) => [x.route, x.classes[4]])).toEqual([
      ['/a', 3],
      ['/b', 1],
    ]);
    expect(requestsOf(b)).toBe(4);
  });
});

describe('watchLost', () => {
  afterEach(() => vi.useRealTimers());
  const report = lostReport({ n: 2, ages: null }, null) as Report;

  it('counts once the process is gone; not when it came back, stayed alive, or the aggregator stopped', () => {
    vi.useFakeTimers();
    let t = 0;
    const now = () => t;
    const run = (alive: () => boolean, entry: { pid: number; peer: unknown }, active = () => true) => {
      const counted: Report[] = [];
      watchLost(entry, report, { active, alive, now, count: (r) => counted.push(r) });
      return counted;
    };
    // Gone at once.
    expect(run(() => false, { pid: 1, peer: null })).toEqual([report]);
    // Gone after a while (exited, then reaped).
    let dead = false;
    const later = run(() => !dead, { pid: 1, peer: null });
    t += 200;
    vi.advanceTimersByTime(200);
    expect(later).toEqual([]);
    dead = true;
    t += 50;
    vi.advanceTimersByTime(50);
    expect(later).toEqual([report]);
    // Alive through the wait: nothing, ever.
    const entry = { pid: 1, peer: null as unknown };
    const alive = run(() => true, entry);
    t += LOST_WAIT_MS + 100;
    vi.advanceTimersByTime(LOST_WAIT_MS + 100);
    expect(alive).toEqual([]);
    // It said hello again before it was found dead: nothing.
    let gone = false;
    const back = { pid: 1, peer: null as unknown };
    const again = run(() => !gone, back);
    back.peer = {};
    gone = true;
    vi.advanceTimersByTime(100);
    expect(again).toEqual([]);
    // The aggregator closed meanwhile: nothing.
    expect(
      run(
        () => false,
        { pid: 1, peer: null },
        () => false,
      ),
    ).toEqual([]);
  });
});

describe('ledger', () => {
  it('keeps a worker requests_lost (absent when none)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-lost-'));
    try {
      const path = join(dir, 'l.ledger.json');
      const totals = lostReport({ n: 3, ages: null }, null) as Report;
      writeLedger(
        path,
        [
          { id: 'a', pid: 1, started_at: 1, totals, lost: 3 },
          { id: 'b', pid: 2, started_at: 1, totals: { routes: [], functions: [] } },
        ],
        Date.now(),
      );
      const l = readLedger(path);
      expect(l.workers.map((w) => [w.id, w.lost])).toEqual([
        ['a', 3],
        ['b', undefined],
      ]);
      expect(requestsOf(l.workers[0]!.totals)).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
