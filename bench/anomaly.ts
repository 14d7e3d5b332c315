// The anomaly detector against the Numenta Anomaly Benchmark: runs it over the whole corpus under
// NAB's rules (streaming, one parameter set, the scorer ignores the first 15 %), writes the results
// files into a writable copy of the corpus, runs NAB's official scorer and records the scores.
//
//   npx tsx bench/anomaly.ts [--variant NAME] [--set key=value ...] [--nab DIR] [--no-write] [--replica]
//
// --replica scores with bench/lib/nab-sweep.ts (an in-process replica of NAB's sweep, optimiser and
// normalisation, equal to the official scorer's figures on every variant checked) instead of NAB's
// Python scorer: seconds instead of minutes, for exploring; its rows say so.
//
// Every variant scored is kept in bench/results/anomaly-variants.json, and all of them are listed
// in bench/RESULTS.md, so that the figure reported is never the only one tried.

import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  AnomalyDetector,
  DEFAULT_DETECTOR_PARAMS,
  type DetectorParams,
  detectorStateLayout,
} from '../src/analytics/anomaly-detector.js';
import { packState } from '../src/analytics/detector-codec.js';
import { nabScore, readNab } from './lib/nab-sweep.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'default' },
    set: { type: 'string', multiple: true, default: [] },
    nab: { type: 'string', default: fileURLToPath(new URL('../../../shared/nab', import.meta.url)) },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    replica: { type: 'boolean', default: false },
  },
});

/** What the variant families are (kept with the table, which every run rewrites). */
const NOTES = `Variant families, in the order tried (the model changed between families, so a row's parameters are those of its own code; all were scored the same way): **v1** a 16-bucket Markov context surprise mixed with a deviation, through an HTM-style log anomaly likelihood (saturated at 1 on too many points: the optimiser could not threshold it); **v2** the likelihood's z mapped to z/(z+5) plus the spatial rule (a value 5 % of the seen range beyond it scores 1); **v3** v2 with a novelty gate (score minus the decayed recent maximum); **v4/v5** the deviation from a slow baseline ranked against a decayed histogram of the series' own past deviations, plus the spatial rule (57.2). **v6** (prototypes scored by the replica, then the detector): a rank flags the top 0.1 % of every series whatever happens, so NAB's corpus-wide threshold buys false positives on every quiet series; v6 compares each feature with the decayed *record* of its own past values instead (a new record by the onset ratio 1.17 is an onset), on seven features (deviation above and below a slow baseline, the step from the previous point, the short mean above and below the baseline, the short noise level flattening or agitating against the long one), and reports an onset once: for the 30 points after it, scores stay below the onset (the hold-off). Holding off after the old ranked score lost points (its onsets were too often false and hid the true one); after a record onset it gains 2. A context-novelty gate or boost over discretised values, and an anomaly likelihood (the short mean of the ratio against its long mean, with its own record) added nothing worth their state or CPU. **v7** (shipped) adds a drift baseline (alpha 0.0003) above and below: 65.3. **v8** (prototypes, not shipped) added a seasonal feature to v7: block means of 8 points in a ring of 128, the period taken as the lag of best autocorrelation (recomputed every 256 points), the point's distance from the same phase one period back compared with its record; it added false positives faster than it caught skipped beats (62.0 to 65.1, never above v7), and costs 1 KB more state. **v9** (shipped) adds a context model to v7, in the spirit of CAD OSE's contexts (its idea, not its code): each value is put in one of 10 bins of the range seen so far, the bins of the last 3 values form a context, a set remembers every context seen (10^3 contexts: a 1000-bit set, 32 float64 slots, so the dictionary is bounded by construction), and the share of unseen contexts (smoothed, alpha 0.03) is compared with its own decayed record (0.9995 per point, floor 0.05, learning from point 300, scoring from 600), through the same ratio-to-score map, onset at 1.3 times the record; it is one more way to an onset (the score is the larger of the two), under the same hold-off. It catches art_daily_flatmiddle, art_daily_jumpsdown, one more nyc_taxi window, rogue_agent_key_hold and one Twitter_volume_CVS window, for 18 more false positives at the optimiser's threshold: 68.2 (official), 496 bytes of state, about the same CPU as v7. Prototypes (rows "v9 proto", replica scorer) tried a hashed dictionary of 512 contexts with eviction of the oldest (8.4 KB with v7: over the budget; 256 or an unbounded set score the same, 128 loses 0.9), a fixed threshold on the share (64.5 to 65.3), bins of the short mean or contexts spread over strides of 8 to 32 points (64.8 to 65.3: below v7), and several bin grids at once (65.6 to 67.2). The gain is sensitive to the bin count: 9 bins give 65.4 and 11 give 66.1 (rows "v9 sweep"), so part of 10 bins' +2.9 is a good fit to this corpus's levels; the context variants on raw values scored 64.5 to 68.3, most of them above v7, so the model helps, but expect less than +2.9 on data that is not NAB. art_daily_nojump (a daily cycle that stays low: every context seen before) and three nyc_taxi windows are still missed. Moving each parameter of v6 one step either way (rows "sweep"; driftAlpha around v7) lowers the score by 0.2 to 2.4 points, except driftAlpha, the step that made v7: the set sits at a local optimum of this corpus, which is also the measure of how much it is fitted to NAB (every scoreboard entry was tuned on the same corpus). With v9 the standard-profile target of 70 was **not** reached (68.2; CAD OSE 69.9, Numenta HTM 70.1): its contexts caught some of the daily cycles that skip a beat (art_daily_jumpsdown, art_daily_flatmiddle, one nyc_taxi holiday) but not a beat that is skipped with values and steps all seen before (art_daily_nojump, most nyc_taxi holidays), which needs a model of where in the cycle the series is. **v10** (shipped) adds a phase model to v9 (src/analytics/phase-model.ts; the idea of a position in the cycle as context, as HTM's time encoding or ARTime's window categories give theirs, without timestamps and without their code): means of 8 points in a ring of 512 (4,096 points: two days of the monitor's 1-minute points, 14 days at NAB's usual 5 minutes), the period taken every 512 points as the lag of the highest autocorrelation peak above 0.5 (the shortest peak within 90 % of it, so not a multiple; the current period kept while its lag, or one block either side, stays within 80 % of the best), a position in the period advanced each point; each value falls in a cell (one of at most 64 phase bins, one of the context model's 10 value bins), a count per cell (16 bits, three to a float64 slot), and a value whose cell holds fewer than half a period's worth of that phase bin's points is rare. The smoothed share of rare values is compared, through the context model's alpha, decay, floor and onset, with its record as it stood at the last block's end (so that a rise over a few points reads against the quiet before it); it counts one period, learns its record for two more and scores from the fourth; a new period voids the counts. **v10.1** (shipped) is v10 with each series estimating its period at its own point of the 512-point cycle (from a hash of its first value that differs from the first one), instead of every series at the same point: one estimate is about 130,000 multiply-adds, and 106 detectors created together (the monitor's 6 series and 100 custom ones) stalled the event loop for 50 to 340 ms every 512 minutes on this loaded machine; the scores move by at most 0.05 (72.05, 64.5, 76.8 by the replica). It catches art_daily_nojump, one more nyc_taxi holiday window, both Twitter_volume_AMZN windows v9 missed and rds_cpu_utilization_e47b3b's second window (100 of 116 windows hit instead of 95), for 5 more false positives at the optimiser's threshold (163 instead of 158): 72.0 by the replica (the official figures are the last row), 6,384 bytes of state (4 KB of it the ring), 3 to 4 times v9's CPU (the sweep rows, run under the same load: about 360 ns against 106 ns with the phase model off). Prototypes (rows "v10 proto", replica scorer; the families in the order tried): a set of seen (phase, value) cells instead of counts (68.7; 69.5 with the sticky period: a skipped beat makes only one new cell per phase bin), counts with rare below 1, 0.5 or 2 periods' worth (70.4, 71.2, 69.0); the phase from the timestamps instead of a detected period (time of day in 24, 48 or 96 bins, with or without a weekend split: 67.5 to 70.7, below the detected period); a period refined between blocks by a parabola through the autocorrelation (69.2: biased by 4 to 9 points a day on a smooth daily bump, so the phase drifts); comparing the share with its running record (69.1 to 69.9 depending on where the phase bins start: the onset then needs a one-step jump of 30 % over the record, which only a quiet series gives), hence the record of the last block's end (70.0 to 70.3 for lags 8 to 64 at blocks of 16); a cell rare only if the neighbouring phase bins are rare too (69.2 to 69.3); blocks of 16 in a ring of 256 (70.2) and of 8 in 512 (72.0), the period estimated every 256, 512 or 1,024 points (71.9, 72.0, 72.0). Sensitivity (rows "v10 sweep", each parameter one step either way from the shipped set): every phase parameter moved one step scores 70.2 to 72.0 (blocks of 16: 70.2; the autocorrelation threshold 0.4: 70.8; rare 0.25: 71.3; all others 71.6 to 72.0), so the gain is not a knife-edge fit; the shared context parameters move both models (contextAlpha 0.02: 69.4, the only step below 70; contextBins 9: 70.0). Like every entry on the scoreboard, the set was chosen on this corpus; the phase model's own gain (+3.8 over v9) rests on a handful of windows (the five above), so expect less on other data, but it is the gain the brief asked for (beats skipped with every value seen before), and it cannot fire before it has found a period (no gain and no cost on series without one). The product's anomaly rule warns at 0.995 by default (a record twice the onset ratio, or a value outside the range), stricter than NAB's operating point (0.99), because NAB's costs accept more false alerts than an on-call rotation does (the scenario tests' normal week raises none at 0.995). **v11** (shipped; the outside review of the product's scores, findings 4-6 of issue 17): a constant series scored 0.846 every point (the noise flattening and agitating features were floor over floor, ratio 1 to their record of 1), above a noisy series' median (0.714); the floor is now in their denominators only, so a constant series scores 0 (rows "v11 proto": NAB unchanged, 72.05 by the replica). The monitor's episode no longer restarts on a return to the baseline the onset left (returnGuard): it changes the monitor's episode score only, not the output NAB scores (72.05 with and without). Each series gets a resolution, resolution times the largest magnitude it has shown, at least resolutionFloor (for a series that has only read 0): it is added to the noise levels the features divide by, each value bin of the context and phase models is at least that wide, it is the spatial rule's smallest margin, and each feature's record is taken as at least recordFloor. The sweep (rows "v11 sweep", replica; resolution 0.0003 to 0.01, resolutionFloor 0.01, 0.05, 0.1, recordFloor 1, 0.5, 0): recordFloor 0 scores highest (73.0 to 73.6 for a resolution up to 0.003) but a second tiny change on a series that never moved is then a record of the first (50.0001 then 50.0005 scored 0.998, an alert); recordFloor 0.5 scores 71.2 to 72.8 and lets a change of one resolution reach twice its floor (0.994, an onset); recordFloor 1 (a change within 1.17 resolutions never makes an onset) scores 70.0 to 72.4; resolutionFloor 0.1 costs 1.2 to 1.4 points against 0.05 at every setting, a resolution of 0.01 about 1; recordFloor 1 with no resolution loses 0.5 (71.5). Shipped: resolution 0.003, resolutionFloor 0.05, recordFloor 1: 72.4 / 66.3 / 76.7 by the official scorer (v10.1: 72.1 / 64.5 / 76.8), so the fixes cost no score and the low-FP profile gains 1.8 (fewer false positives on stretches that barely move). The cost column of three sweep rows (about 760 ns) was measured while two runs shared the machine; the others ran one at a time at load 15 to 18. The saved state is packed losslessly (src/analytics/detector-codec.ts: the context set's words in 4 bytes, the phase model's counts in 6): 7,784 bytes of base64 instead of 8,524, the same scores. **v12** (shipped; outside review 1, finding F5): the absolute resolutionFloor made scores depend on the unit (a 20x latency jump scored 1.000 in ms and 0.672 in seconds, an error ratio 0.001 -> 0.045 scored 0.773 against 1.000 in percent). The floor is now weighed by the decayed share of the series' readings that were exactly 0 (one more float64 slot, smoothed by driftAlpha, starting at the first value's): a series that has only read 0 has all of it (0 -> 0.01 % errors still raises nothing), a series that never reads 0 none, so its resolution is 0.3 % of its own scale and the same series x 1e-3, x 1 and x 1e3 scores the same to 1e-9 (test/analytics/scale-free.test.ts); the noise floor's absolute 1e-9 is gone too. Prototypes (replica scorer, not rows): a floor of a share of a streaming median of |value| (multiplicative steps of slowAlpha) beside 0.3 % of the largest magnitude, at 0, 0.003, 0.01, 0.03, 0.1: 72.15, 72.15, 72.10, 71.73, 67.99 (so no median: it adds a slot and costs score); the floor only while every value so far is 0: 72.15 (same score, but 0 -> 0.01 % errors and staying alerts from the second minute); the zero share alone: 72.23 / 65.77 / 76.60; resolution 0.002 or 0.005 with it: 72.16, 71.19 (0.003 kept). Cost: one float64 more (6,400 bytes of state); a saved state of v11 (v3, or v2 raw) loads, with its zero share 0 when its saved range excludes 0 and 1 (the old floor, fading) otherwise (test/analytics/saved-state.test.ts, a fixture saved by v11). **v12.2** (outside review rtF, F2; the monitor's score, not the output NAB scores): a level held beyond the range ever seen (a sawtooth queue 0,0,0,0,500 stuck at 1000) paged only a warning, which cleared while it held; three readings in a row beyond the range as it stood before them score 1 for the monitor while they hold (src/analytics/range-run.ts). Two float64 slots more (6,416 bytes of state, 7,816 saved). The output NAB scores is the same as v12.1's at every one of the 365,558 points (checked point by point against v12.1's detector; the monitor's score differs at 422 points, in 3 series), so the same figures to the last digit (71.9441 / 65.2471 / 76.4110); CPU per point interleaved with v12.1 in the same session (load 11 to 18): v12.1 279, 293, 284 ns, v12.2 288, 288, 309 (the 458 of the v12.1 row was measured at load 46).`;

const VARIANTS_FILE = fileURLToPath(new URL('./results/anomaly-variants.json', import.meta.url));
const SCOREBOARD: [string, number, number, number][] = [
  ['ARTime', 74.9, 65.2, 80.4],
  ['Numenta HTM', 70.1, 63.1, 74.3],
  ['CAD OSE', 69.9, 67.0, 73.2],
  ['earthgecko Skyline', 58.2, 46.2, 63.8],
  ['KNN CAD', 58.0, 43.4, 64.8],
  ['Random Cut Forest', 51.7, 38.4, 59.7],
  ['Twitter ADVec', 47.1, 33.6, 53.5],
  ['windowed Gaussian', 39.6, 20.9, 47.4],
];

const params: DetectorParams = { ...DEFAULT_DETECTOR_PARAMS };
for (const kv of values.set ?? []) {
  const [k, v] = kv.split('=');
  if (!k || v === undefined || !(k in params)) throw new Error(`--set ${kv}: unknown parameter`);
  (params as unknown as Record<string, number>)[k] = Number(v);
}

const source = values.nab as string;
if (!existsSync(join(source, 'run.py'))) throw new Error(`no NAB corpus at ${source}`);
const work = mkdtempSync(join(os.tmpdir(), 'sysvitals-nab-'));
const nab = join(work, 'nab');
cpSync(source, nab, { recursive: true });
const name = 'sysvitals';

// Read the whole corpus first, so that the timing below covers the detector only.
interface Series {
  category: string;
  file: string;
  lines: string[];
  values: Float64Array;
}
const corpus: Series[] = [];
for (const category of readdirSync(join(nab, 'data')).sort()) {
  const dir = join(nab, 'data', category);
  if (!existsSync(dir) || category.endsWith('.md')) continue;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const lines = readFileSync(join(dir, file), 'utf8')
      .trim()
      .split(/\r?\n|\r/)
      .filter((l) => l !== '')
      .slice(1);
    const vals = new Float64Array(lines.length);
    lines.forEach((line, i) => {
      vals[i] = Number(line.slice(line.indexOf(',') + 1));
    });
    corpus.push({ category, file, lines, values: vals });
  }
}

// Score every series once (fresh detectors), then measure the cost: 10 interleaved rounds, each one
// pass over the corpus with the detector and one with a baseline (an EWMA z-score, about the cheapest
// streaming detector there is), CPU time per point, means with 95 % intervals.
let points = 0;
const scores: Float64Array[] = [];
for (const [i, s] of corpus.entries()) {
  const det = new AnomalyDetector(params);
  const out = new Float64Array(s.values.length);
  for (let j = 0; j < s.values.length; j++) out[j] = det.update(s.values[j] as number);
  points += s.values.length;
  scores[i] = out;
}
let sink = 0;
function passDetector(): number {
  const start = process.cpuUsage();
  for (const s of corpus) {
    const det = new AnomalyDetector(params);
    for (let j = 0; j < s.values.length; j++) sink += det.update(s.values[j] as number);
  }
  const u = process.cpuUsage(start);
  return ((u.user + u.system) * 1000) / points;
}
function passBaseline(): number {
  const start = process.cpuUsage();
  for (const s of corpus) {
    let m = 0;
    let v = 0;
    for (let j = 0; j < s.values.length; j++) {
      const x = s.values[j] as number;
      const d = x - m;
      sink += Math.abs(d) / (Math.sqrt(v) + 1e-9);
      m += 0.01 * d;
      v = 0.99 * (v + 0.01 * d * d);
    }
  }
  const u = process.cpuUsage(start);
  return ((u.user + u.system) * 1000) / points;
}
const detNs: number[] = [];
const baseNs: number[] = [];
passDetector();
passBaseline();
for (let r = 0; r < 10; r++) {
  detNs.push(passDetector());
  baseNs.push(passBaseline());
}
const load = loadLine();
const detI = meanInterval(detNs);
const baseI = meanInterval(baseNs);
const nsPerPoint = detI.mean;
if (sink === 42) console.log('');

// State per series: the Float64Array's bytes, its serialised form (base64 in the saved JSON), and
// the heap of 10,000 trained detectors after a GC.
const stateBytes = new AnomalyDetector(params).state.byteLength;
const trained = new AnomalyDetector(params);
for (const v of corpus[0]?.values ?? []) trained.update(v);
// The saved form: the state packed losslessly (src/analytics/detector-codec.ts), base64.
const packed = packState(trained.state, detectorStateLayout(params));
if (!packed) throw new Error('the trained state does not fit its layout');
const serialisedBytes = Buffer.from(packed).toString('base64').length;
const rawBase64Bytes = Buffer.from(trained.state.buffer).toString('base64').length;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
gc();
const used = () => {
  const u = process.memoryUsage();
  return u.heapUsed + u.arrayBuffers; // a Float64Array's bytes live outside the JS heap
};
const heapBefore = used();
const many: AnomalyDetector[] = [];
for (let i = 0; i < 10_000; i++) many.push(new AnomalyDetector(params, new Float64Array(trained.state)));
gc();
const heapPerSeries = (used() - heapBefore) / many.length;
many.length = 0;

let final: { standard: number; reward_low_FP_rate: number; reward_low_FN_rate: number };
if (values.replica) {
  const files = readNab(nab, [...new Set(corpus.map((c) => c.category))]);
  const byName = new Map(corpus.map((c, i) => [`${c.category}/${c.file}`, scores[i] as Float64Array]));
  const r = nabScore(
    files,
    files.map((f) => byName.get(`${f.category}/${f.file}`) as Float64Array),
  );
  final = {
    standard: r.standard?.score ?? 0,
    reward_low_FP_rate: r.reward_low_FP_rate?.score ?? 0,
    reward_low_FN_rate: r.reward_low_FN_rate?.score ?? 0,
  };
  rmSync(work, { recursive: true, force: true });
} else {
  for (const [i, s] of corpus.entries()) {
    const dir = join(nab, 'results', name, s.category);
    mkdirSync(dir, { recursive: true });
    const out = scores[i] as Float64Array;
    const rows = s.lines.map((line, j) => `${line},${(out[j] as number).toFixed(6)},0`);
    writeFileSync(
      join(dir, `${name}_${s.file}`),
      `timestamp,value,anomaly_score,label\n${rows.join('\n')}\n`,
    );
  }

  const thresholds = JSON.parse(readFileSync(join(nab, 'config', 'thresholds.json'), 'utf8'));
  thresholds[name] = {
    reward_low_FN_rate: { score: 0, threshold: 0.5 },
    reward_low_FP_rate: { score: 0, threshold: 0.5 },
    standard: { score: 0, threshold: 0.5 },
  };
  writeFileSync(join(nab, 'config', 'thresholds.json'), JSON.stringify(thresholds, null, 2));

  const run = spawnSync(
    '/usr/bin/python3',
    ['run.py', '-d', name, '--optimize', '--score', '--normalize', '--skipConfirmation', '-n', '2'],
    { cwd: nab, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`NAB scorer failed:\n${run.stdout}\n${run.stderr}`);
  final = JSON.parse(readFileSync(join(nab, 'results', 'final_results.json'), 'utf8'))[name];
  if (values.keep) console.log(`results kept in ${nab}`);
  else rmSync(work, { recursive: true, force: true });
}
const result = {
  variant: `${values.variant as string}${values.replica ? ' (replica scorer)' : ''}`,
  params,
  standard: final.standard as number,
  low_fp: final.reward_low_FP_rate as number,
  low_fn: final.reward_low_FN_rate as number,
  ns_per_point: nsPerPoint,
  ns_per_point_ci: formatInterval(detI, 0),
  baseline_ns_ci: formatInterval(baseI, 0),
  load,
  state_bytes: stateBytes,
  serialised_bytes: serialisedBytes,
  raw_base64_bytes: rawBase64Bytes,
  heap_bytes: Math.round(heapPerSeries),
  points,
  date: new Date().toISOString(),
};
console.log(JSON.stringify(result));

if (!values['no-write']) {
  const all = existsSync(VARIANTS_FILE) ? JSON.parse(readFileSync(VARIANTS_FILE, 'utf8')) : [];
  all.push(result);
  writeFileSync(VARIANTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
  const f = (x: number) => x.toFixed(1);
  const rows = all.map(
    (r: typeof result) =>
      `| ${r.variant} | ${f(r.standard)} | ${f(r.low_fp)} | ${f(r.low_fn)} | ${r.ns_per_point == null ? '' : Math.round(r.ns_per_point)} | ${r.state_bytes ?? ''} |`,
  );
  const board = SCOREBOARD.map(([n, a, b, c]) => `| ${n} (scoreboard) | ${a} | ${b} | ${c} | | |`);
  writeSection(
    'anomaly',
    `${machineLine()}
Method: \`npx tsx bench/anomaly.ts\`; the detector runs over all ${corpus.length} NAB series (${points} points), one fresh detector per series, one parameter set for the whole corpus, each score from that row and the rows before it; the results files go into a copy of the corpus and NAB's own scorer scores them (\`run.py --optimize --score --normalize -n 2\`: the optimiser picks one threshold per profile for the whole corpus, the first 15 % of each file is probationary). Rows marked "replica scorer" were scored in-process by bench/lib/nab-sweep.ts (\`--replica\`), a replica of NAB's sweep, optimiser and normalisation that gives the official scorer's figures to the printed digit on every variant scored both ways (57.2/54.1/62.4 for the old detector, ${f(result.standard)}/${f(result.low_fp)}/${f(result.low_fn)} for the last row). Cost columns: CPU per point over the corpus (mean of interleaved rounds) and the Float64Array state of one series.

| detector / variant | standard | low FP | low FN | ns per point | state bytes |
|---|---|---|---|---|---|
${rows.join('\n')}
${board.join('\n')}

Each variant row is one run of this script with the parameters in bench/results/anomaly-variants.json (prototype rows of families v6, v8, v9 and v10 were scored by the same replica from scripts outside the repository, see the notes); the last row that is not on the scoreboard is what ships (DEFAULT_DETECTOR_PARAMS: ${Object.entries(
      params,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}).

Cost of the shipped detector in this run: ${result.ns_per_point_ci} ns of CPU per point (mean, 95 % interval, 10 interleaved rounds over the ${points} points), against ${result.baseline_ns_ci} ns for a baseline EWMA z-score in the same rounds (budget 2,000 ns). State per series: ${result.state_bytes} bytes of Float64Array, ${result.serialised_bytes} bytes saved (the state packed losslessly, integer slots in 4 or 6 bytes, then base64 in the saved JSON, plus the series name; the raw Float64Array in base64 would be ${result.raw_base64_bytes}), ${result.heap_bytes} bytes of memory per detector object, heap and array buffers (10,000 trained detectors after a GC; budget 8 KB). ${load}

${NOTES}`,
  );
}
