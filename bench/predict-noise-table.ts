// The predictions' noise table (README Predictive alerts, Limits): through the real Analytics and AlertSystem
// (test/analytics/predict-noise.ts, predict-run.ts), fixed seeds, no timing. Run: npx tsx bench/predict-noise-table.ts
// Prints, per case and seed range: flat series' pages; ramps' detection (raised and still raised when the line is
// just under 80) and lead (minutes from the first raise at or after due to the crossing); a stopped ramp's clear.
import { flatRun, rampRun, stopRun } from '../test/analytics/predict-noise.js';

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const RANGES: Array<[string, number[]]> = [
  ['1-60', range(1, 60)],
  ['61-140', range(61, 140)],
];
const only = process.argv[2];
const q = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? `median ${s[Math.floor((s.length - 1) / 2)]} range ${s[0]}-${s[s.length - 1]}` : 'none';
};

if (!only || only === 'flat')
  for (const [level, amp] of [
    [78, 2],
    [92, 2],
    [78, 3],
    [76, 3],
  ] as const)
    for (const [name, seeds] of RANGES) {
      const paged = seeds.filter((s) => flatRun(level, amp, s).raised.length > 0);
      console.log(
        `flat ${level}±${amp} 240min seeds ${name}: paged ${paged.length}/${seeds.length} [${paged.join(' ')}]`,
      );
    }

if (!only || only === 'ramp')
  for (const [start, slope, amp] of [
    [70, 0.25, 4],
    [55, 0.25, 4],
    [40, 0.25, 3],
    [60, 0.5, 2],
  ] as const)
    for (const [name, seeds] of RANGES) {
      const runs = seeds.map((s) => rampRun(start, slope, amp, s));
      const cross = (80 - start) / slope;
      const detected = runs.filter((r) => r.activeAtEnd);
      const leads = runs.filter((r) => Number.isFinite(r.late)).map((r) => cross - (r.due + r.late));
      const late = runs.filter((r) => Number.isFinite(r.late)).map((r) => r.late);
      console.log(
        `ramp ${start}+${slope}±${amp} seeds ${name}: raised at crossing ${detected.length}/${runs.length}, lead ${q(leads)}, late vs due ${q(late)}, early ${runs.filter((r) => r.early).length}, flapped ${runs.filter((r) => r.flapped).length}, clearedDue ${runs.filter((r) => r.clearedWhileDue).length}`,
      );
    }

if (!only || only === 'stop') {
  // The flap test's ramp: 60 + 0.5/min to minute 45 (82.5), flat after, ±2 from an LCG, readings every 10 s, 120 min.
  for (const [name, seeds] of RANGES) {
    const after: number[] = [];
    let pagedFlat = 0;
    let raisedRising = 0;
    for (const seed of seeds) {
      const calls = stopRun(seed).map((c) => ({ ...c, s: c.min * 60 }));
      const a = calls.filter((c) => c.s >= 45 * 60);
      const c = a.find((x) => x.type === 'cleared');
      after.push(c ? c.s / 60 - 45 : Number.POSITIVE_INFINITY);
      if (a.some((x) => x.type === 'raised')) pagedFlat++;
      if (calls.some((x) => x.type === 'raised' && x.s < 45 * 60)) raisedRising++;
    }
    console.log(
      `stop at 45 seeds ${name}: clear after stop ${q(after)}, raised while rising ${raisedRising}, paged on flat ${pagedFlat}`,
    );
  }
}
