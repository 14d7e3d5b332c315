// The predictions' noise table (README Predictive alerts, Limits): through the real Analytics and AlertSystem
// (test/analytics/predict-noise.ts, predict-run.ts), fixed seeds, no timing. Run: npx tsx bench/predict-noise-table.ts
// [flat|ramp|stop] [repo|pm|mulberry32] [from-to] [normal|high]. Prints, per case, generator and seed range: flat series' pages;
// ramps' detection (raised and still raised when the line is just under 80), the first raise's minute and the lead
// (minutes from the first raise to the noise-free line's crossing of 80; and from the first raise at or after due);
// a stopped ramp's clear. Three jitter generators: the repo's (Park–Miller on a hashed seed, predict-noise.ts),
// Park–Miller on the raw seed (outside review 28's pred1.cjs: for seeds up to 140 the first draw is under 0.0011, the
// bottom of the jitter) and mulberry32 (review 28's pred1m.cjs).
import {
  ar1,
  flatRun,
  type Jitter,
  jitterOf,
  mulberry32,
  parkMiller,
  rampRun,
  stopRun,
  stopRunMinute,
} from '../test/analytics/predict-noise.js';

const GENERATORS: Record<string, Jitter> = { repo: jitterOf, pm: parkMiller, mulberry32 };

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const [only, gen, span, conf] = process.argv.slice(2);
// A fourth argument `normal` or `high` runs the rule with that `predictConfidence` (docs/predictive.md, Confidence;
// left out: the default, 'high' since 2026-12-07).
const confidence = conf === 'high' || conf === 'normal' ? conf : undefined;
const RANGES: Array<[string, number[]]> = span
  ? [[span, range(Number(span.split('-')[0]), Number(span.split('-')[1]))]]
  : [
      ['1-60', range(1, 60)],
      ['61-140', range(61, 140)],
    ];
const gens = Object.entries(GENERATORS).filter(([name]) => !gen || gen === name);
const q = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (f: number) => s[Math.floor((s.length - 1) * f)];
  return s.length
    ? `median ${at(0.5)} quartiles ${at(0.25)}-${at(0.75)} range ${s[0]}-${s[s.length - 1]}`
    : 'none';
};

// AR(1) noise (predict-noise.ts `ar1`, Park–Miller innovations): each minute correlated φ with the last, as a real
// CPU or memory series is. Flat series (slope 0 by construction: every page is false) and ramps (lead kept?).
if (only === 'ar1')
  for (const phi of [0.5, 0.8]) {
    const jitter = ar1(phi);
    for (const [level, amp, limit] of [
      [78, 2, 80],
      [75, 2, 80],
      [92, 2, 95],
      [76, 3, 80],
    ] as const)
      for (const [name, seeds] of RANGES) {
        const runs = seeds.map((s) => flatRun(level, amp, s, 240, jitter, confidence));
        const paged = seeds.filter((_, i) => (runs[i]?.raised.length ?? 0) > 0);
        const raises = runs.reduce((a, r) => a + r.raised.length, 0);
        console.log(
          `ar1 φ ${phi} flat ${level}±${amp} (under ${limit}) 240min seeds ${name}: paged ${paged.length}/${seeds.length} [${paged.join(' ')}], raises ${raises}`,
        );
      }
    for (const [start, slope, amp] of [
      [60, 0.5, 2],
      [70, 0.25, 4],
    ] as const)
      for (const [name, seeds] of RANGES) {
        const runs = seeds.map((s) => rampRun(start, slope, amp, s, jitter, confidence));
        const detected = runs.filter((r) => r.activeAtEnd);
        const lead = runs.filter((r) => Number.isFinite(r.first)).map((r) => r.cross - r.first);
        console.log(
          `ar1 φ ${phi} ramp ${start}+${slope}±${amp} seeds ${name} (cross at ${runs[0]?.cross}): raised at crossing ${detected.length}/${runs.length}, lead ${q(lead)}, early ${runs.filter((r) => r.early).length}, flapped ${runs.filter((r) => r.flapped).length}`,
        );
      }
  }

if (!only || only === 'flat')
  for (const [g, jitter] of gens)
    for (const [level, amp] of [
      [78, 2],
      [92, 2],
      [78, 3],
      [76, 3],
      [75, 2],
    ] as const)
      for (const [name, seeds] of RANGES) {
        const paged = seeds.filter((s) => flatRun(level, amp, s, 240, jitter, confidence).raised.length > 0);
        console.log(
          `flat ${g} ${level}±${amp} 240min seeds ${name}: paged ${paged.length}/${seeds.length} [${paged.join(' ')}]`,
        );
      }

if (!only || only === 'ramp')
  for (const [g, jitter] of gens)
    for (const [start, slope, amp] of [
      [60, 0.5, 2],
      [70, 0.25, 4],
      [55, 0.25, 4],
      [40, 0.25, 3],
    ] as const)
      for (const [name, seeds] of RANGES) {
        const runs = seeds.map((s) => rampRun(start, slope, amp, s, jitter, confidence));
        const detected = runs.filter((r) => r.activeAtEnd);
        const firsts = runs.filter((r) => Number.isFinite(r.first)).map((r) => r.first);
        const lead = runs.filter((r) => Number.isFinite(r.first)).map((r) => r.cross - r.first);
        const leads = runs.filter((r) => Number.isFinite(r.late)).map((r) => r.cross - (r.due + r.late));
        console.log(
          `ramp ${g} ${start}+${slope}±${amp} seeds ${name} (cross at ${runs[0]?.cross}): raised at crossing ${detected.length}/${runs.length}, first raise ${q(firsts)}, lead ${q(lead)}, lead from due ${q(leads)}, early ${runs.filter((r) => r.early).length}, flapped ${runs.filter((r) => r.flapped).length}, clearedDue ${runs.filter((r) => r.clearedWhileDue).length}`,
        );
      }

if (!only || only === 'stop') {
  // The flap test's ramp: 60 + 0.5/min to minute 45 (82.5), flat after, ±2 from an LCG, readings every 10 s, 120 min.
  for (const [name, seeds] of RANGES) {
    const after: number[] = [];
    let pagedFlat = 0;
    let raisedRising = 0;
    let clearedRising = 0;
    for (const seed of seeds) {
      const calls = stopRun(seed).map((c) => ({ ...c, s: c.min * 60 }));
      const a = calls.filter((c) => c.s >= 45 * 60);
      const c = a.find((x) => x.type === 'cleared');
      after.push(c ? c.s / 60 - 45 : Number.POSITIVE_INFINITY);
      if (a.some((x) => x.type === 'raised')) pagedFlat++;
      if (calls.some((x) => x.type === 'raised' && x.s < 45 * 60)) raisedRising++;
      if (calls.some((x) => x.type === 'cleared' && x.s < 45 * 60)) clearedRising++;
    }
    console.log(
      `stop at 45 seeds ${name}: clear after stop ${q(after)}, raised while rising ${raisedRising}, cleared while rising ${clearedRising}, paged on flat ${pagedFlat}`,
    );
  }
}
// The same ramp read once a minute with each generator's ±2 (outside review 28's harness; predict-noise.ts
// stopRunMinute): clears while it rises (before minute 45), the clear after the stop, the critical raise.
if (!only || only === 'stop')
  for (const [g, jitter] of gens)
    for (const [name, seeds] of RANGES) {
      const rising: string[] = [];
      const after: number[] = [];
      const crit: number[] = [];
      let pagedFlat = 0;
      for (const seed of seeds) {
        const { events } = stopRunMinute(seed, jitter, 120, confidence);
        if (events.some((e) => e.type === 'cleared' && e.min < 45))
          rising.push(`${seed}:${events.map((e) => `${e.min}${e.type[0]}${e.severity[0]}`).join(',')}`);
        const c = events.find((e) => e.type === 'cleared' && e.min >= 45);
        after.push(c ? c.min - 45 : Number.POSITIVE_INFINITY);
        const k = events.find((e) => e.severity === 'critical');
        if (k) crit.push(k.min);
        if (c && events.some((e) => e.type === 'raised' && e.min > c.min)) pagedFlat++;
      }
      console.log(
        `stop at 45, a reading a minute, ${g} seeds ${name}: cleared while rising ${rising.length} [${rising.join(' ')}], clear after stop ${q(after)}, critical ${q(crit)}, paged on flat after the clear ${pagedFlat}`,
      );
    }
