// Requests in flight kept as entries by their callers (track/untrack: the adapters' tickets, no Map) beside those
// keyed by their response (begin/end): ages on an injected clock, oracle the admission times themselves.

import { describe, expect, it } from 'vitest';
import { createView, summarizeView } from '../../src/latency/latency-ring.js';
import { InFlightAges, type InFlightEntry } from '../../src/requests/in-flight.js';

const entry = (key: object = {}): InFlightEntry => ({
  key,
  prev: null,
  next: null,
  t: Number.NaN,
  linked: false,
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

  it('an end without its key releases the oldest, keyed first, until no more are tracked than are in flight', () => {
    const { t, ages, seen } = setup();
    const a = entry();
    const b = entry();
    ages.begin({});
    ages.track(a);
    t.now += 10;
    ages.track(b);
    t.now += 10;
    ages.end(undefined, 2); // 3 tracked, 2 in flight: the keyed one goes
    expect(seen(0)).toEqual([10, 20]);
    ages.end(undefined, 1); // then the oldest entry, a
    expect(seen(0)).toEqual([10]);
    ages.untrack(a); // already released: nothing changes
    expect(ages.size).toBe(1);
    ages.untrack(b);
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
    expect(a.linked || b.linked).toBe(false);
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
});
