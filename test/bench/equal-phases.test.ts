// bench/lib/equal-phases.ts: the servers of a bench/instructions.ts run stop together and are quoted on the same
// phase indices. The counts below are the quiet-machine Fastify run's (RESULTS "instructions with the timers at the
// native rate": sysvitals 84,726 → 76,938 → 75,221 stopped after 3 phases at 3 %, bare ran 5), worked by hand.

import { describe, expect, it } from 'vitest';
import { commonClean, decide, type EqualPhaseRule, PhaseGate } from '../../bench/lib/equal-phases.js';

const RULE: EqualPhaseRule = { minPhases: 3, maxPhases: 8, tolerance: 0.01 };
const clean = (n: number): boolean[] => new Array<boolean>(n).fill(false);

describe('equal phases', () => {
  it('does not stop when one server is settled and the other is not: both go on', () => {
    // sysvitals: 76,938 and 75,221 are 2.26 % apart (settled at the old 3 %, not at 1 %); bare: 71,375 and 72,121
    // are 1.04 % apart. Neither at 1 %: go on.
    const d = decide(
      [
        { raw: [74_435, 71_375, 72_121], crossed: clean(3) },
        { raw: [84_726, 76_938, 75_221], crossed: clean(3) },
      ],
      RULE,
    );
    expect(d).toEqual({ stop: false, pair: [1, 2], settled: [false, false] });
    // One settled (bare: 72,121 and 72,000 are 0.17 % apart; no earlier phase 1 % below their mean 72,060.5
    // — 71,375 < 71,339.9? no), the other not (75,221 → 74,100: 1.50 %): still no stop.
    const e = decide(
      [
        { raw: [74_435, 71_375, 72_121, 72_000], crossed: clean(4) },
        { raw: [84_726, 76_938, 75_221, 74_100], crossed: clean(4) },
      ],
      RULE,
    );
    expect(e).toEqual({ stop: false, pair: [2, 3], settled: [true, false] });
  });

  it('stops all together once all are settled on the same pair', () => {
    const d = decide(
      [
        { raw: [74_435, 71_375, 72_121, 72_000, 71_900], crossed: clean(5) },
        { raw: [84_726, 76_938, 75_221, 74_100, 74_050], crossed: clean(5) },
      ],
      RULE,
    );
    // bare 72,000 / 71,900: 0.14 %; sysvitals 74,100 / 74,050: 0.07 %; earlier clean phases of each ≥ 99 % of the mean.
    expect(d).toEqual({ stop: true, pair: [3, 4], settled: [true, true] });
  });

  it('quotes every server on the phases that no server crossed a minute boundary in', () => {
    const servers = [
      { raw: [80_000, 72_000, 72_100, 90_000, 72_050], crossed: [false, false, false, true, false] },
      { raw: [84_000, 75_000, 99_000, 75_100, 75_050], crossed: [false, false, true, false, false] },
    ];
    expect(commonClean(servers, 5)).toEqual([0, 1, 4]);
    // Pair (1, 4): bare 72,000 / 72,050, sysvitals 75,000 / 75,050; phase 0 is above both.
    expect(decide(servers, RULE)).toEqual({ stop: true, pair: [1, 4], settled: [true, true] });
  });

  it('is not settled on a pair above an earlier clean phase by more than the tolerance (a step)', () => {
    const d = decide([{ raw: [70_000, 75_000, 75_100], crossed: clean(3) }], RULE);
    expect(d).toEqual({ stop: false, pair: [1, 2], settled: [false] });
  });

  it('is never settled before the minimum phase count, and stops at the maximum settled or not', () => {
    expect(decide([{ raw: [72_000, 72_010], crossed: clean(2) }], RULE).stop).toBe(false);
    const rule = { ...RULE, maxPhases: 3 };
    expect(decide([{ raw: [90_000, 80_000, 70_000], crossed: clean(3) }], rule)).toEqual({
      stop: true,
      pair: [1, 2],
      settled: [false],
    });
  });

  it('with a fixed count runs exactly that many phases, settled or not', () => {
    const rule = { ...RULE, fixed: 5 };
    const flat = [72_000, 72_000, 72_000, 72_000, 72_000];
    expect(decide([{ raw: flat.slice(0, 4), crossed: clean(4) }], rule).stop).toBe(false);
    expect(decide([{ raw: flat, crossed: clean(5) }], rule)).toEqual({
      stop: true,
      pair: [3, 4],
      settled: [true],
    });
  });

  it('refuses servers at different phase counts', () => {
    expect(() =>
      decide(
        [
          { raw: [1, 2, 3], crossed: clean(3) },
          { raw: [1, 2], crossed: clean(2) },
        ],
        RULE,
      ),
    ).toThrow(/3, 2 phases/);
  });

  it('the gate holds each server until all have counted the phase, and gives all the same decision', async () => {
    const gate = new PhaseGate(2, RULE);
    const order: string[] = [];
    const a = gate.arrive(0, { raw: [74_435, 71_375, 72_121], crossed: clean(3) }).then((d) => {
      order.push('bare');
      return d;
    });
    await Promise.resolve();
    expect(order).toEqual([]); // bare waits for sysvitals
    const b = gate.arrive(1, { raw: [84_726, 76_938, 75_221], crossed: clean(3) });
    const [da, db] = await Promise.all([a, b]);
    expect(order).toEqual(['bare']);
    expect(da).toEqual(db);
    expect(da.stop).toBe(false);
    // The next phase is a new round: the same slots arrive again.
    const c = gate.arrive(0, { raw: [74_435, 71_375, 72_121, 72_000, 71_900], crossed: clean(5) });
    expect(() => gate.arrive(0, { raw: [], crossed: [] })).toThrow(/twice/);
    const d2 = gate.arrive(1, { raw: [84_726, 76_938, 75_221, 74_100, 74_050], crossed: clean(5) });
    expect((await c).stop).toBe(true);
    expect((await d2).pair).toEqual([3, 4]);
  });
});
