// requests.per_second and per_minute at any request window (`requestWindowMs`), second by second, against the exact
// counts of the raw request list (red team 18, F8: a 120 s window read per_second on 2 s buckets and per_minute over
// the window's nominal length; a 30 s window read its first seconds doubled).

import { describe, expect, it } from 'vitest';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';

// Not aligned to any window: recording starts 370 ms into a second.
const START = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000) + 7_370;

/**
 * README: per_second is the last 5 complete seconds (in the first 5 s after start, the average since start);
 * per_minute the requests in the window over the time it covers, scaled to a minute; while the window still holds
 * everything since start, over at least a minute: in the first minute, the count since start. The window covers the
 * time since the start of the oldest of its four latency sub-windows (`requestWindowMs / 4` long), or since start.
 */
function exact(times: readonly number[], now: number, windowMs: number) {
  const count = (from: number, to: number) => times.filter((t) => t >= from && t < to).length;
  const second = Math.floor(now / 1000) * 1000;
  const perSecond =
    second - 5000 < START
      ? (count(START, now + 1) * 1000) / Math.max(now - START, 1000)
      : count(second - 5000, second) / 5;
  const quarter = windowMs / 4;
  const windowStart = (Math.floor(now / quarter) - 3) * quarter;
  const from = Math.max(START, windowStart);
  // The 1 s floor only while the window holds everything since start (outside review 33, RT33-6).
  const covered = windowStart <= START ? Math.max(now - from, 1000) : now - from;
  const perMinute =
    (count(from, now + 1) * 60_000) / (windowStart <= START ? Math.max(covered, 60_000) : covered);
  return { perSecond, perMinute };
}

// Seeded traffic: each second 0 to 24 requests at random instants, with bursts and silent stretches; read once a
// second at a random instant in it. Instants on a sub-window boundary of a window whose length is not a whole number
// of ms per sub-window (10 s: 166.67 ms) are moved by 1 ms: which sub-window holds them is a float's rounding.
function run(windowMs: number, seconds: number, seed: number) {
  const clock = { t: START, now: () => clock.t };
  const stats = new RequestStats({ clock, windowMs });
  const random = rng(seed);
  const times: number[] = [];
  const off = (t: number) => (t % (windowMs / 60) === 0 || t % (windowMs / 4) === 0 ? t + 1 : t);
  const misses: string[] = [];
  for (let s = 0; s < seconds; s++) {
    const base = START - 370 + s * 1000;
    const phase = Math.floor(s / 17) % 4; // quiet, steady, burst, steady
    const n = phase === 0 ? 0 : phase === 2 ? Math.floor(random() * 25) : Math.floor(random() * 8);
    const at = Array.from({ length: n }, () => off(base + Math.floor(random() * 1000))).sort((a, b) => a - b);
    const readAt = off(base + 1 + Math.floor(random() * 998));
    let read = false;
    for (const t of at) {
      if (!read && t > readAt && readAt >= START) {
        read = true;
        check(readAt);
      }
      if (t < START) continue;
      clock.t = t;
      stats.record('GET', '/r', random() < 0.1 ? 500 : 200, 5);
      times.push(t);
    }
    if (!read && readAt >= START) check(readAt);
  }
  return misses;

  function check(now: number) {
    clock.t = Math.max(clock.t, now);
    const g = stats.groups().requests;
    const want = exact(times, clock.t, windowMs);
    const t = `t=${((clock.t - START) / 1000).toFixed(3)}s`;
    if (Math.abs(g.per_second - want.perSecond) > 0.0051)
      misses.push(`${t} per_second ${g.per_second} exact ${want.perSecond}`);
    if (Math.abs(g.per_minute - want.perMinute) > 0.0051)
      misses.push(`${t} per_minute ${g.per_minute} exact ${want.perMinute}`);
  }
}

describe('request rates at any request window', () => {
  for (const [windowMs, seed] of [
    [10_000, 1],
    [30_000, 2],
    [60_000, 3],
    [120_000, 4],
    [300_000, 5],
    [1_000, 6],
    [3_600_000, 7],
  ] as const) {
    it(`reads the exact per_second and per_minute every second with a ${windowMs / 1000} s window`, () => {
      // Several windows of traffic (at least 4 min, at most 12), so the first window and the sliding ones are both read.
      const seconds = Math.min(720, Math.max(240, (3 * windowMs) / 1000));
      const misses = run(windowMs, seconds, seed);
      expect(misses.slice(0, 8), `${misses.length} wrong reads`).toEqual([]);
    });
  }
});

// A cluster aggregator (src/cluster/report.ts) absorbs its workers' counts with the span they were recorded in and
// spreads them over the seconds of that span: per_second reads them there at any window, as the default 60 s
// window's 1 s sub-windows do (the reference: README, Cluster mode, "spread evenly over the seconds it covers").
describe('absorbed request counts', () => {
  for (const windowMs of [10_000, 120_000, 300_000]) {
    it(`read in per_second at a ${windowMs / 1000} s window as at 60 s`, () => {
      const clock = { t: START, now: () => clock.t };
      const reference = new RequestStats({ clock });
      const stats = new RequestStats({ clock, windowMs });
      const random = rng(windowMs);
      const misses: string[] = [];
      for (let s = 1; s < 200; s++) {
        clock.t = START - 370 + s * 1000 + 1 + Math.floor(random() * 997);
        if (clock.t % (windowMs / 60) === 0) clock.t++;
        const span = { from: clock.t - 1000 * (1 + Math.floor(random() * 3)), to: clock.t };
        const classes = [0, Math.floor(random() * 30), 0, Math.floor(random() * 3), Math.floor(random() * 3)];
        if (s % 23 > 3)
          for (const r of [reference, stats]) r.absorb('GET', '/a', classes, null, true, [], span);
        for (const r of [reference, stats]) r.record('GET', '/b', 200, 5);
        const want = reference.groups().requests.per_second;
        const got = stats.groups().requests.per_second;
        if (got !== want) misses.push(`t=${s}: ${got}, at 60 s ${want}`);
      }
      expect(misses.slice(0, 8), `${misses.length} differ`).toEqual([]);
    });
  }
});
