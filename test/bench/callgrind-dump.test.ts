// bench/lib/callgrind-dump.ts against dumps written by hand (callgrind's format), their sums done by hand.

import { describe, expect, it } from 'vitest';
import {
  atNativeTimerRate,
  inclusiveOf,
  jitRanges,
  RUN_TIMERS,
  renameJit,
  saturatedPerRequest,
} from '../../bench/lib/callgrind-dump.js';

const DUMP = `version: 1
creator: callgrind-3.19.0
pid: 42
positions: line
events: Ir
summary: 1000

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) uv__run_timers
0 10
cfn=(2) node::Environment::RunTimers(uv_timer_s*)
calls=3 0
0 600
cfn=(3) other
calls=1 0
0 50

fn=(2)
0 40
cfn=(4) processTimers
calls=3 0
0 560
cfn=(2)
calls=1 0
0 100

fn=(5) main
+1 5
cfn=(2)
calls=2 +3
* 200
`;

describe('inclusiveOf', () => {
  it('sums the callers’ call lines of the function, names compressed, recursion left out', () => {
    // uv__run_timers: 3 calls costing 600; main: 2 calls costing 200; RunTimers calling itself (100) left out
    expect(inclusiveOf(DUMP, RUN_TIMERS)).toEqual({ calls: 5, instructions: 800, total: 1000 });
  });

  it('skips as many position columns as the positions: line names', () => {
    const text = `positions: instr line
events: Ir Dr
totals: 90
fn=(1) caller
0x10 3 20 1
cfn=(2) node::Environment::RunTimers(uv_timer_s*)
calls=1 0x20 4
0x11 3 70 9
`;
    expect(inclusiveOf(text, RUN_TIMERS)).toEqual({ calls: 1, instructions: 70, total: 90 });
  });

  it('finds nothing in a dump without the function', () => {
    expect(inclusiveOf('events: Ir\nfn=(1) a\n0 5\n', RUN_TIMERS)).toEqual({
      calls: 0,
      instructions: 0,
      total: Number.NaN,
    });
  });
});

describe('atNativeTimerRate', () => {
  it('replaces the phase’s timer work with the cost per firing at the native rate', () => {
    // 120,000 per request raw; 600,000 timer instructions over 1,000 requests (600 each) out; 2,000 per firing
    // × 0.004 native firings per request (8) in
    expect(atNativeTimerRate(120_000, 1000, 600_000, 2000, 0.004)).toBe(119_408);
  });
});

describe('saturatedPerRequest', () => {
  it('charges the firings per wall second at the server’s CPU time per request', () => {
    // 903 firings in 59.2 s of wall = 15.25 per second; 0.4 s of CPU over 10,000 requests = 40 µs each;
    // 15.2534 × 0.00004 = 0.00061
    expect(saturatedPerRequest(903, 59.2, 0.4, 10_000)).toBeCloseTo((903 / 59.2) * 0.00004, 12);
    expect(saturatedPerRequest(20, 1, 0.05, 1000)).toBeCloseTo(0.001, 12); // 20/s × 50 µs
  });

  it('is 0 without a window', () => {
    expect(saturatedPerRequest(5, 0, 1, 100)).toBe(0);
    expect(saturatedPerRequest(5, 1, 1, 0)).toBe(0);
  });
});

describe('jitRanges and renameJit (the window turn, named from the perf map)', () => {
  const MAP = `1000 100 JS:^turn /d/dist/core.cjs:504:1
2000 40 JS:~turn /d/dist/core.cjs:485:1
3000 80 JS:*record /d/dist/core.cjs:500:1
4000 10 JS:^turn /other/lib.js:1:1
`;
  const JIT = `events: Ir
summary: 5000
fn=(1) 0x0000000000003010
0 100
cfn=(2) 0x0000000000001000
calls=2 0
0 900
cfn=(3) 0x0000000000004004
calls=1 0
0 70
fn=(2)
0 300
cfn=(4) 0x0000000000002010
calls=2 0
0 400
fn=(5) main
0 5
cfn=(2)
calls=1 0
0 30
`;
  it('keeps the ranges whose name passes, from start and hex size', () => {
    const r = jitRanges(MAP, (n) => /^JS:[*^~+]?turn /.test(n) && n.includes('/d/dist'));
    expect(r.map((x) => [x.start, x.end])).toEqual([
      [0x1000, 0x1100],
      [0x2000, 0x2040],
    ]);
  });

  it('renames the frames in the ranges, so that inclusiveOf counts them once (nested calls left out)', () => {
    const r = jitRanges(MAP, (n) => /^JS:[*^~+]?turn /.test(n) && n.includes('/d/dist'));
    const named = renameJit(JIT, r, 'TURN');
    // record → turn: 2 calls, 900; main → turn (compressed name): 1 call, 30; turn → turn (2010 in the ~turn
    // range) left out; 0x4004 is a turn of another path, not renamed
    expect(inclusiveOf(named, 'TURN')).toEqual({ calls: 3, instructions: 930, total: 5000 });
    expect(renameJit(JIT, [], 'TURN')).toBe(JIT);
  });
});
