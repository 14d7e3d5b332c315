// Outside review 47, RT47-2: with `severityHoldMs: 0`, a ramp (60 % + 0.5 %/min) that stops flat just under the
// warning level cleared its prediction with "no longer predicted to reach 80 within 30 min (now 78, +15/h)", though
// 78 at +15/h reaches 80 in 8 min: the quoted slope was the window's, not what the clear was decided on (no trusted
// forecast). Real Analytics and AlertSystem on an injected clock, one reading a minute (predict-run.ts).
//
// The oracle is arithmetic on the notice's own figures: a clear that says the level is no longer predicted within
// the horizon must not quote a reading and rate that reach it within the horizon, unless it says that trend is not
// what it forecasts on.

import { describe, expect, it } from 'vitest';
import { predictRun } from './predict-run.js';

const FIGURES = /\(now (-?\d+(?:\.\d+)?)[^)]*?, ([+-]?\d+(?:\.\d+)?)\/h/;

/** Minutes until the notice's own reading reaches `level` at its own rate (Infinity: never). */
function minutesToReach(message: string, level: number): number {
  const m = FIGURES.exec(message);
  if (!m) throw new Error(`no figures in ${message}`);
  const now = Number(m[1]);
  const perHour = Number(m[2]);
  if (now >= level) return 0;
  return perHour > 0 ? ((level - now) / perHour) * 60 : Number.POSITIVE_INFINITY;
}

describe('a prediction clear notice never contradicts its own figures (RT47-2)', () => {
  for (const stop of [78, 75]) {
    it(`ramp stopped at ${stop}, severityHoldMs 0: the clear's figures do not reach 80 within 30 min, or it says they are not a forecast`, () => {
      const cpu = (min: number) => Math.min(60 + 0.5 * min, stop);
      const { calls } = predictRun(cpu, 61, 0, 60_000);
      const cleared = calls.filter((c) => c.type === 'cleared');
      expect(cleared.length).toBeGreaterThan(0);
      for (const c of cleared) {
        expect(c.message).toMatch(/^CPU usage no longer predicted to reach 80 within 30 min/);
        if (minutesToReach(c.message, 80) <= 30) expect(c.message).toMatch(/no significant trend toward 80/);
      }
    });
  }
});
