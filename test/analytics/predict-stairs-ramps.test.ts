// A staircase whose steps take several samples to land (outside review 12, F2): a backup written over
// five minutes adds its +5 as +1 a minute. Each move of such a ramp was under the riser size (1/25 of the
// window's range), so the window read as a staircase only some minutes: `predict: '3h'` raised, cleared
// while the forecast was 1–2.5 h inside the horizon, and raised again with a new id, six times, before
// and after the crossing (2-minute steps: raised 423, cleared 481, raised 483). Oracle, exact arithmetic
// on the raw samples: a staircase is forecast on the line through its landings (the first point of each
// step at its new level), whose rate is the average rate (+5 an hour) and which meets the level where the
// readings first reach it (95 is a step's level); the forecast is due HORIZON minutes before that minute.
// Two forms of each ramp: written from the hour (the review's: the readings reach 95 at minute 600 + w) and
// landing on the hour (the instant staircase's landings: 95 at minute 660, due at 480, as the line).
// Expected: one predict alert, raised within TOLERANCE minutes of the due minute, never cleared while the
// run lasts (an hour past the crossing, where the level rule has its own alert). Each case a sample a
// minute and every 5 s, through the real analytics and alert engine on a snapshot's memory.used_percent
// (through the monitor, its host collection made a 5 s run 9,600 snapshots of this machine); the
// review's own probe (5-minute steps, a custom gauge) through the monitor.

import { describe, expect, it } from 'vitest';
import {
  cases,
  crossing,
  engineEvents,
  expectRaisedWhenDue,
  fromHour,
  HORIZON,
  MIN,
  monitorEvents,
  TOLERANCE,
  toHour,
  type Used,
} from './stairs-ramps.js';

describe("predict: '3h' on a staircase whose steps take minutes to land", () => {
  // Every case a sample a minute; at 5 s (12 times the samples: most of the file's time) the shortest and longest
  // ramps from the hour and the longest landing on it, both ways.
  const at5s = new Set([2, 3, 8, 9, 12, 13]);
  const cadences: Array<[string, number, number, typeof cases]> = [
    ['a sample a minute', MIN, 0, cases],
    ['a sample every 5 s, 2.5 s past the minute', 5000, 2500, cases.filter((_, i) => at5s.has(i))],
  ];
  for (const [cadence, everyMs, offsetMs, some] of cadences) {
    for (const [name, used, below] of some) {
      it(`${name}, ${cadence}: one alert, raised within ${TOLERANCE} min of its due minute, never cleared`, () => {
        const cross = crossing(used, below ? 45 : 95, below);
        expectRaisedWhenDue(engineEvents(used, cross + 60, below, everyMs, offsetMs), cross);
      });
    }
  }

  // The review's probe itself: a custom gauge through the monitor, one sample a minute.
  for (const [name, used, below] of [cases[8], cases[9]] as Array<[string, Used, boolean]>) {
    it(`${name}, through the monitor: one alert, raised at its due minute, never cleared`, async () => {
      const cross = crossing(used, below ? 45 : 95, below);
      expectRaisedWhenDue(await monitorEvents(used, cross + 60, below), cross);
    });
  }

  it('the due minutes are those of the landings line: 420 + w written from the hour, 480 landing on it', () => {
    expect(crossing(fromHour(5, 1), 95, false) - HORIZON).toBe(425);
    expect(crossing(fromHour(2, -1), 45, true) - HORIZON).toBe(422);
    expect(crossing(toHour(5, 1), 95, false) - HORIZON).toBe(480);
  });
});
