// LoopStamps (outside review 10, F5): what a closed connection's client is known to have waited, from the lag timer's
// (time, idle total) stamps. The oracle is a model event loop written out by hand: the spans it was busy (JavaScript
// running), idle everywhere else, the timer's firings at given times, and the client's real close; the figure must
// never exceed the client's real wait (sound), and must come close to it when the loop was idle (an outage still seen).

import { describe, expect, it } from 'vitest';
import { LoopStamps } from '../../src/lifecycle/loop-stamps.js';

/** A model loop: the busy spans [from, to) in ms; idle elsewhere. */
function loop(busy: Array<[number, number]>) {
  const idleAt = (t: number) =>
    t - busy.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, t) - Math.min(a, t)), 0);
  const stamps = new LoopStamps(0, 0); // set at 0
  return {
    fire: (...times: number[]) => {
      for (const t of times) stamps.stamp(t, idleAt(t));
    },
    /** The lag timer set again after a sleep, at `t`. */
    mark: (t: number) => stamps.mark(t, idleAt(t)),
    /** The figure for a request started at `start`, its close noticed at `notice`. */
    waited: (start: number, notice: number) => stamps.waited(start, notice - start, idleAt(notice)),
  };
}

/** The timer's firings every `every` ms from `from` to `to` (both included). */
const ticks = (from: number, to: number, every = 100) =>
  Array.from({ length: Math.floor((to - from) / every) + 1 }, (_, i) => from + i * every);

describe('LoopStamps.waited', () => {
  it('before the timer first fired: the stamp taken when it was set bounds the idle time (a hung route still seen)', () => {
    const m = loop([[40, 41]]); // the request's parse at 40
    expect(m.waited(41, 91)).toBe(49); // a close 50 ms later, the loop idle meanwhile: all but the parse known
    const busy = loop([[40, 91]]); // the same, the loop busy throughout
    expect(busy.waited(41, 91)).toBe(0);
  });

  it('a hung asynchronous route on an idle loop: the client waited 250 ms, the figure misses only the busy 4 ms', () => {
    // 1 ms of the timer's own work at each firing, 1 ms for the request's parse at 1030.
    const m = loop([...ticks(0, 1300).map((t): [number, number] => [t, t + 1]), [1030, 1031]]);
    m.fire(...ticks(0, 1200));
    const w = m.waited(1031, 1281); // the client closed at 1281, noticed at once (the loop waited in its poll)
    // Missed: the busy time between the stamp before the start (1000) and the start (2 ms), and after it (2 ms).
    expect(w).toBeCloseTo(246, 6);
  });

  it('150 ms of synchronous work, a reset that came with the request: the figure is 0, not the 150 ms measured', () => {
    // Busy to the notice: the reset was there, so the poll after the work returned at once (no wait, no idle).
    const m = loop([[1000.5, 1150.8]]);
    m.fire(...ticks(0, 1000), 1150.6); // the timer fires late, after the work, in the turn that notices the close
    expect(m.waited(1000.5, 1150.8)).toBeLessThan(0.001);
  });

  it('the same work, then the client waits 400 ms in all (the loop idle after the work): 250 ms known', () => {
    const m = loop([[1000.5, 1150.5]]);
    m.fire(...ticks(0, 1000), 1150.6, 1250.6, 1350.6);
    const w = m.waited(1000.5, 1400.5);
    expect(w).toBeLessThanOrEqual(400);
    expect(w).toBeGreaterThanOrEqual(249.8);
  });

  it('a loop busy with one request after another, polling between them without waiting: the polls bound the close', () => {
    // Requests of 150 ms back to back from 1000 on; the timer fires late, once a turn, at 1150, 1300 and 1450; the
    // close of the request started at 1000 is noticed at 1460. The loop polled in the turn of 1300 (the close had not
    // come): the client waited at least 300 ms, though the loop never idled.
    const m = loop([[1000, 1460]]);
    m.fire(...ticks(0, 900), 1150, 1300, 1450);
    expect(m.waited(1000, 1460)).toBe(300);
  });

  it('a request older than the latest stamps: the older ones (every 16th) still tell an idle loop', () => {
    const m = loop([]);
    m.fire(...ticks(0, 9000));
    // The 32 latest firings cover 5.9–9 s; the start at 2 s is found among the older stamps (1.6 s).
    expect(m.waited(2000, 9050)).toBe(7050);
  });

  it('a lag timer that slept (issue 18): the stamp at its wake bounds the idle time, the firings before its sleep no poll', () => {
    // Firings to 1 s, then asleep (no request served) while a job held the loop from 2 to 3 s; a request admitted at
    // 5000 wakes it (the stamp at 5000.5), and its route hangs: the loop idles but for 1 ms firings at 5100.5 and
    // 5200.5, and the client's close at 5250 is noticed at once.
    const busy: Array<[number, number]> = [
      [2000, 3000],
      [5000, 5000.5],
      [5100.5, 5101.5],
      [5200.5, 5201.5],
    ];
    const woke = loop(busy);
    const unwoken = loop(busy);
    for (const m of [woke, unwoken]) m.fire(...ticks(0, 1000));
    woke.mark(5000.5);
    for (const m of [woke, unwoken]) m.fire(5100.5, 5200.5);
    // Known: all but the 2.5 ms busy after the start; without the wake's stamp only the idle time after the first
    // firing (the stamp at 1000 is 4 s back, a second of it busy).
    expect(woke.waited(5000, 5250)).toBeCloseTo(247.5, 6);
    expect(unwoken.waited(5000, 5250)).toBeCloseTo(147.5, 6);
    // The same wake, the route's synchronous work holding the loop from the start to the notice of a reset that
    // came with the request, the timer firing late in that turn: 0 (the firing before the sleep is no poll after it).
    const held = loop([[5000, 5150.8]]);
    held.fire(...ticks(0, 1000));
    held.mark(5000.5);
    held.fire(5150.6);
    expect(held.waited(5000, 5150.8)).toBeLessThan(0.001);
  });

  it('never more than the measured wait', () => {
    const stamps = new LoopStamps(0, 0);
    for (const t of ticks(0, 900)) stamps.stamp(t, t);
    expect(stamps.waited(900, 10, 950)).toBe(10);
  });
});
