// Requests in flight kept as entries by their callers (track/untrack: the adapters' tickets, no Map) beside those
// keyed by their response (begin/release): ages on an injected clock, oracle the admission times themselves.

import { describe, expect, it } from 'vitest';
import { createView, summarizeView } from '../../src/latency/latency-ring.js';
import { InFlightAges, type InFlightEntry } from '../../src/requests/in-flight.js';

const entry = (key: object = {}): InFlightEntry => ({
  res: key,
  prev: null,
  next: null,
  t: Number.NaN,
});

function setup() {
  const t = { now: 1_000_000 };
  const ages = new InFlightAges({ now: () => t.now });
  const seen = (minMs: number): number[] => {
    const out: number[] = [];
    ages.eachAtLeast(minMs, t.now, (age) => out.push(age));
    return out.sort((a, b) => a - b);
  };
  return { t, ages, seen };
}

describe('InFlightAges entries', () => {
  it('keeps hundreds in flight at once exact across its holder changes, ended in a seeded random order', () => {
    // More tracks than HOLDER_USES (16) between two ends, so the newest entry moves from holder to holder while
    // requests are in flight (a timeout storm): every one stays visible at its own age until its own end.
    const { t, ages } = setup();
    const admitted = new Map<InFlightEntry, number>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const check = () => {
      const got: [InFlightEntry, number][] = [];
      ages.eachEntry((e, age) => got.push([e, age]));
      // Oracle: the entries admitted and not ended, oldest first, each aged from its own admission.
      const want = [...admitted].sort((x, y) => x[1] - y[1]).map(([e, at]) => [e, t.now - at]);
      expect(got).toEqual(want);
      expect(ages.size).toBe(admitted.size);
    };
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 37; i++) {
        const e = entry();
        t.now += 1;
        ages.track(e);
        admitted.set(e, t.now);
      }
      check();
      for (const e of [...admitted.keys()]) {
        if (random() < 0.5) continue;
        ages.untrack(e);
        admitted.delete(e);
      }
      check();
    }
    for (const e of [...admitted.keys()]) ages.untrack(e);
    admitted.clear();
    check();
    const last = entry();
    ages.track(last);
    admitted.set(last, t.now);
    check();
  });

  it('ages tracked entries and keyed requests alike, each until its own end, in any order', () => {
    const { t, ages, seen } = setup();
    const a = entry();
    const b = entry();
    const c = entry();
    ages.track(a); // admitted at 1,000,000
    t.now += 100;
    ages.begin({}); // keyed, at 1,000,100
    t.now += 100;
    ages.track(b); // 1,000,200
    t.now += 100;
    ages.track(c); // 1,000,300
    t.now += 700; // now 1,001,000
    expect(ages.size).toBe(4);
    expect(seen(0)).toEqual([700, 800, 900, 1000]);
    ages.untrack(b); // the middle one ends first
    expect(seen(0)).toEqual([700, 900, 1000]);
    ages.untrack(a);
    ages.untrack(a); // idempotent
    expect(ages.size).toBe(2);
    expect(seen(750)).toEqual([900]);
    ages.untrack(c);
    expect(seen(0)).toEqual([900]);
    // An entry ended and admitted again is tracked once, from its new admission.
    ages.track(a);
    ages.track(a);
    t.now += 50;
    expect(seen(0)).toEqual([50, 950]);
  });

  it('release() ends a begun (keyed) request, the oldest without its key, and never a tracked entry', () => {
    const { t, ages, seen } = setup();
    const a = entry();
    const k1 = {};
    const k2 = {};
    ages.track(a);
    t.now += 10;
    ages.begin(k1);
    t.now += 10;
    ages.begin(k2);
    t.now += 10;
    expect(seen(0)).toEqual([10, 20, 30]);
    expect(ages.release({})).toBe(false); // a response never begun: nothing ends
    expect(ages.release(undefined)).toBe(true); // the oldest keyed one, k1
    expect(seen(0)).toEqual([10, 30]);
    expect(ages.release(k2)).toBe(true);
    expect(ages.release(k2)).toBe(false);
    // No keyed request left: an end without its key ends nothing; the entry stays until untracked.
    expect(ages.release(undefined)).toBe(false);
    expect(seen(0)).toEqual([30]);
    expect(a.t).toBe(1_000_000); // tracked: its admission time
    ages.untrack(a);
    expect(ages.size).toBe(0);
  });

  it('a request begun on a throwing or NaN clock is kept unaged, and its end finds it', () => {
    let reading: () => number = () => Number.NaN;
    const ages = new InFlightAges({ now: () => reading() });
    const k1 = {};
    const k2 = {};
    ages.begin(k1);
    reading = () => {
      throw new Error('clock');
    };
    ages.begin(k2);
    expect(ages.size).toBe(2);
    const visited: number[] = [];
    expect(ages.eachAtLeast(0, 1_000, (age) => visited.push(age))).toBe(0);
    expect(ages.release(k2)).toBe(true);
    expect(ages.release(undefined)).toBe(true);
    expect(ages.size).toBe(0);
  });

  it('a throwing or NaN clock leaves the entry untracked', () => {
    let reading: () => number = () => Number.NaN;
    const ages = new InFlightAges({ now: () => reading() });
    const a = entry();
    ages.track(a);
    reading = () => {
      throw new Error('clock');
    };
    const b = entry();
    ages.track(b);
    expect(ages.size).toBe(0);
    expect([a.t, b.t]).toEqual([Number.NaN, Number.NaN]); // untracked
  });

  it('adds entries at least minMs old to a latency view at their age', () => {
    const { t, ages } = setup();
    ages.track(entry());
    t.now += 3000;
    ages.track(entry());
    t.now += 1000;
    const view = createView();
    expect(ages.addToView(view, 2000)).toBe(1);
    expect(summarizeView(view).max_ms).toBeCloseTo(4000, 0);
  });

  it('walks the tracked entries oldest first, whichever ended (the oldest, a middle one, the newest)', () => {
    const { t, ages } = setup();
    const all = Array.from({ length: 6 }, () => entry());
    for (const e of all) {
      ages.track(e);
      t.now += 10;
    }
    const order = (): number[] => {
      const out: number[] = [];
      ages.eachEntry((e) => out.push(all.indexOf(e)));
      return out;
    };
    expect(order()).toEqual([0, 1, 2, 3, 4, 5]); // the admission order, the oracle
    ages.untrack(all[0] as InFlightEntry); // the oldest
    ages.untrack(all[3] as InFlightEntry); // a middle one
    ages.untrack(all[5] as InFlightEntry); // the newest
    expect(order()).toEqual([1, 2, 4]);
    ages.track(all[0] as InFlightEntry); // admitted again: now the newest
    expect(order()).toEqual([1, 2, 4, 0]);
    for (const i of [2, 4, 1, 0]) ages.untrack(all[i] as InFlightEntry);
    expect(order()).toEqual([]);
    expect(ages.size).toBe(0);
    ages.track(all[4] as InFlightEntry); // the list starts again from empty
    expect(order()).toEqual([4]);
  });
});
