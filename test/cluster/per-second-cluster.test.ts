// Cluster-wide `requests.per_second` (outside review 18, F1): workers report every second (or paced, several seconds
// in one frame) and the aggregator used to spread each report's request counts evenly over the span it covers, so a
// burst read low while in the window and a phantom rate showed in seconds with no request at all. Workers now send
// their requests per clock second (`ps`) and the aggregator adds them to those seconds. Oracle: the raw timestamps
// of every request the workers recorded, counted per clock second: per_second = requests in the 5 complete seconds
// before the read / 5, at every read, each read preceded by every worker's frame (the sync a read does).
// Fixture: real workers' statistics, Cuts, Reporter and pacer, the aggregator's real Merger and SystemMonitor, one
// injected clock (paced-workers.ts).

import { describe, expect, it } from 'vitest';
import { applyReport, decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { splitAmongRoutes } from '../../src/requests/sub-split.js';
import { pacedWorkers } from './paced-workers.js';

const T0 = 1_700_000_020_370; // not on a second's edge; recording starts here
const SECOND = 1000;

/** A seeded generator (fixed seed: the run is the same every time). */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

interface Shot {
  at: number;
  worker: number;
  route: string;
  status: number;
}

/** Bursts crossing second boundaries on both workers, then quiet: 144 requests over 1.1 s, then 60 over 2.3 s. */
function bursts(start: number): Shot[] {
  const rand = lcg(18);
  const shots: Shot[] = [];
  const burst = (from: number, ms: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const at = from + Math.floor((i * ms) / n / 10) * 10; // on the run's 10 ms steps: recorded at that time
      const status = [200, 200, 201, 304, 404, 500][Math.floor(rand() * 6)] as number;
      shots.push({ at, worker: Math.floor(rand() * 2), route: rand() < 0.6 ? '/a' : '/b', status });
    }
  };
  burst(start + 450, 1100, 144); // x.450 … (x+1).550: two seconds
  burst(start + 9_820, 2300, 60); // (x+9).820 … (x+12).120: four seconds
  return shots.sort((a, b) => a.at - b.at);
}

/** The exact per_second at `now`: requests in the 5 complete seconds before now's, / 5 (README). */
function exact(shots: readonly Shot[], now: number): number {
  const cur = Math.floor(now / SECOND);
  const n = shots.filter((s) => {
    const sec = Math.floor(s.at / SECOND);
    return sec >= cur - 5 && sec < cur;
  }).length;
  return Math.round((n / 5) * 100) / 100;
}

/**
 * Runs the workers on the clock in 10 ms steps from T0 for `ms`, recording `shots`, sending each worker's frame
 * every second at its own offset (`paced`: when its pacer allows, frames of several seconds) and, every `readEvery`
 * ms, a read: every worker's frame first (the read's sync), then the aggregator's per_second beside the exact figure.
 */
function run(
  shots: readonly Shot[],
  ms: number,
  o: { paced: boolean; readEvery: number; old?: number; windowMs?: number },
) {
  const { paced, readEvery, old = -1, windowMs } = o;
  const t = { now: T0 };
  const clock = { now: () => t.now };
  const { monitor, workers, send } = pacedWorkers(clock, 2, undefined, windowMs);
  const sendAs = (i: number) => {
    const w = workers[i]!;
    if (i !== old) return send(w);
    // A worker of the previous version: its frames carry no `ps`.
    const frame = w.cuts.frame;
    w.cuts.frame = () => {
      const f = frame.call(w.cuts);
      delete f.report.ps;
      for (const c of f.cut) delete c.report.ps;
      return f;
    };
    send(w);
    w.cuts.frame = frame;
  };
  const reads: Array<{ at: number; got: number; want: number }> = [];
  let next = 0;
  for (let step = 0; step * 10 <= ms; step++) {
    t.now = T0 + step * 10;
    while (next < shots.length && (shots[next] as Shot).at <= t.now) {
      const s = shots[next++] as Shot;
      workers[s.worker]!.own.requests.record('GET', s.route, s.status, 3);
    }
    for (const [i, w] of workers.entries()) {
      const offset = i === 0 ? 300 : 800;
      if (t.now % SECOND === offset && (!paced || w.pacer.due())) sendAs(i);
    }
    if (t.now % readEvery === 120 && t.now - T0 >= 20_000) {
      for (let i = 0; i < workers.length; i++) sendAs(i);
      const got = monitor.requests.groups().requests.per_second;
      reads.push({ at: t.now, got, want: exact(shots, t.now) });
    }
  }
  return { reads, monitor };
}

describe('cluster per_second: each report counted in the seconds its requests were recorded in', () => {
  const start = T0 + 25_000 - (T0 % SECOND); // a whole second 25 s in (the windows have turned)
  const shots = bursts(start);
  const ms = 45_000;

  it('reads the exact per_second at every read, 1 s reports from two workers (0 once a burst has left)', () => {
    for (const readEvery of [250, 1000]) {
      const { reads } = run(shots, ms, { paced: false, readEvery });
      expect(reads.length).toBeGreaterThan((ms - 20_000) / readEvery - 2);
      expect(reads.filter((r) => r.want > 0).length).toBeGreaterThan(8_000 / readEvery);
      expect(reads.filter((r) => r.want === 0 && r.at > start).length).toBeGreaterThan(5_000 / readEvery);
      expect(reads.filter((r) => r.got !== r.want)).toEqual([]);
    }
  });

  it('reads the exact per_second at every read with paced frames of several seconds', () => {
    // Reads every 2 and 3 s: between them a worker's frames are paced to its byte budget (several seconds each).
    for (const readEvery of [2000, 3000]) {
      const { reads } = run(shots, ms, { paced: true, readEvery });
      expect(reads.filter((r) => r.want === 0 && r.at > start).length).toBeGreaterThan(1);
      expect(reads.filter((r) => r.got !== r.want)).toEqual([]);
    }
  });

  it('reads the exact per_second at 120 s and 300 s windows (2 s and 5 s sub-windows: `ps` per clock second)', () => {
    for (const windowMs of [120_000, 300_000]) {
      for (const [paced, readEvery] of [
        [false, 250],
        [false, 1000],
        [true, 2000],
      ] as const) {
        const { reads } = run(shots, ms, { paced, readEvery, windowMs });
        expect(reads.filter((r) => r.want > 0).length).toBeGreaterThan(8_000 / readEvery);
        expect(reads.filter((r) => r.want === 0 && r.at > start).length).toBeGreaterThan(1);
        expect(reads.filter((r) => r.got !== r.want)).toEqual([]);
      }
    }
  });

  it('still merges reports of a worker of the previous version (no `ps`): spread over their span, exact in sum', () => {
    const { reads, monitor } = run(shots, ms, { paced: true, readEvery: 1000, old: 1 });
    expect(monitor.requests.total).toBe(shots.length);
    // Its requests are spread (not exact per second), the other worker's are placed: the window's count is exact.
    const g = monitor.requests.groups();
    expect(g.requests.total).toBe(shots.length);
    expect(reads.length).toBeGreaterThan(20);
  });

  it("a report whose seconds left its worker's window, or whose `ps` is malformed, is spread: exact in sum", () => {
    const t = { now: T0 };
    const clock = { now: () => t.now };
    const requests = new RequestStats({ clock });
    const reporter = new Reporter({ requests, functions: new FunctionTimings({ clock }) });
    reporter.reset();
    reporter.take(); // the hello: totals since start, no `ps`
    for (let i = 0; i < 5; i++) requests.record('GET', '/a', 200, 1);
    t.now += 70_000; // held past the worker's 60 s ring
    for (let i = 0; i < 3; i++) requests.record('GET', '/b', 500, 1);
    const held = reporter.take();
    expect(held.ps).toEqual([1000, Math.floor(t.now / SECOND), 3]); // the 5 of 70 s ago are no longer known
    const decoded = decodeReport(held);
    expect(splitAmongRoutes(decoded.subs!, [5, 3])).toBeUndefined();
    const target = new RequestStats({ clock });
    applyReport({ requests: target, functions: new FunctionTimings({ clock }) }, decoded, true);
    expect(target.total).toBe(8);
    // Malformed (negative, not integers, no length): ignored, the report merged as an older worker's.
    for (const ps of [[1000, 5, -1], [0, 5, 1], [1000, 5.5, 1], 'x', [1000, 5]]) {
      const r = decodeReport({ ...held, ps: ps as number[] });
      expect(r.subs).toBeUndefined();
      expect(r.routes.length).toBe(2);
    }
  });
});
