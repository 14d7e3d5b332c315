// The flat-series page table (outside review 42, RT42-8): at the default `predictConfidence`, how many seeded flat
// noisy runs page, through the real Analytics and AlertSystem (test/analytics/predict-noise.ts, a reading a minute,
// `cpu: { warning: 80, critical: 95, predict: '30m' }`, 240 min). Oracle: the generator (slope 0 by construction:
// every raise is false). Counts, no timing. Run: npx tsx bench/predict-flat-table.ts [from-to] [kind] [normal|high]
// Prints, per noise kind and level, the runs paged (seed:minute:severity) and a total; `ramps` prints the ramp
// tables' detection minutes (first raise) instead, for the before/after of a change.
import {
  ar1,
  flatRun,
  type Jitter,
  jitterOf,
  mulberry32,
  parkMiller,
  rampRun,
} from '../test/analytics/predict-noise.js';

const KINDS: Record<string, Jitter> = {
  'white mulberry32': mulberry32,
  'white park-miller': parkMiller,
  'white repo (fuzz)': jitterOf,
  'AR(1) 0.5 mulberry32': ar1(0.5, mulberry32),
  'AR(1) 0.8 mulberry32': ar1(0.8, mulberry32),
};
const LEVELS: ReadonlyArray<readonly [number, number]> = [
  [92, 2],
  [78, 2],
  [76, 3],
  [75, 2],
];
const [span = '1-100', kind, conf] = process.argv.slice(2);
const [a, b] = span.split('-').map(Number) as [number, number];
const seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
const confidence = conf === 'high' || conf === 'normal' ? conf : undefined;

if (kind === 'ramps') {
  const q = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    const at = (f: number) => s[Math.floor((s.length - 1) * f)];
    return s.length
      ? `median ${at(0.5)} p10 ${at(0.1)} p90 ${at(0.9)} range ${s[0]}-${s[s.length - 1]}`
      : 'none';
  };
  for (const [g, jitter] of Object.entries(KINDS))
    for (const [start, slope, amp] of [
      [60, 0.5, 2],
      [70, 0.25, 4],
      [55, 0.25, 4],
      [40, 0.25, 3],
    ] as const) {
      const runs = seeds.map((s) => rampRun(start, slope, amp, s, jitter, confidence));
      const firsts = runs.map((r) => r.first);
      const missed = seeds.filter((_, i) => !runs[i]?.activeAtEnd);
      console.log(
        `ramp ${g} ${start}+${slope}±${amp} seeds ${span} (cross ${runs[0]?.cross}): first raise ${q(firsts.filter(Number.isFinite))}, not raised at crossing ${missed.length} [${missed.join(' ')}], flapped ${runs.filter((r) => r.flapped).length}, firsts ${firsts.join(',')}`,
      );
    }
} else {
  let total = 0;
  let paged = 0;
  for (const [name, jitter] of Object.entries(KINDS)) {
    if (kind && !name.includes(kind)) continue;
    for (const [level, amp] of LEVELS) {
      const hits: string[] = [];
      for (const seed of seeds) {
        const { events } = flatRun(level, amp, seed, 240, jitter, confidence);
        const r = events.find((e) => e.type === 'raised');
        if (r) hits.push(`${seed}:${r.min}:${r.severity[0]}`);
      }
      total += seeds.length;
      paged += hits.length;
      console.log(
        `flat ${name} ${level}±${amp} seeds ${span}: paged ${hits.length}/${seeds.length} [${hits.join(' ')}]`,
      );
    }
  }
  console.log(`total: paged ${paged}/${total}`);
}
