// The anomaly detector against the Numenta Anomaly Benchmark: runs it over the whole corpus under
// NAB's rules (streaming, one parameter set, the scorer ignores the first 15 %), writes the results
// files into a writable copy of the corpus, runs NAB's official scorer and records the scores.
//
//   npx tsx bench/anomaly.ts [--variant NAME] [--set key=value ...] [--nab DIR] [--no-write]
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
import {
  AnomalyDetector,
  DEFAULT_DETECTOR_PARAMS,
  type DetectorParams,
} from '../src/analytics/anomaly-detector.js';
import { machineLine, writeSection } from './lib/results.js';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'default' },
    set: { type: 'string', multiple: true, default: [] },
    nab: { type: 'string', default: fileURLToPath(new URL('../../../shared/nab', import.meta.url)) },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

/** What the variant families are (kept with the table, which every run rewrites). */
const NOTES = `Variant families, in the order tried (the model changed between families, so a row's parameters are those of its own code; all were scored the same way): **v1** a 16-bucket Markov context surprise mixed with a deviation, through an HTM-style log anomaly likelihood (saturated at 1 on too many points: the optimiser could not threshold it); **v2** the likelihood's z mapped to z/(z+5) plus the spatial rule (a value 5 % of the seen range beyond it scores 1); **v3** v2 with a novelty gate (score minus the decayed recent maximum); **v4/v5** the shipped design: the deviation from a slow baseline ranked against a decayed histogram of the series' own past deviations, plus the spatial rule. The spatial rule alone scores 50.8; without it the ranked deviation scores 39.7. v5 spatial .02 (57.4) is within noise of the shipped .03 (57.2); .03 was kept because the product scenarios were checked with it. The standard-profile target of 70 is **not** reached. CPU per point was measured while the 2-core machine ran other sessions' work (load average 10-18), so it is an upper bound; the detector's per-point work is O(1) except the histogram tail sum (at most 128 bins).`;

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

// Score every series; the cost is the best of 3 passes over the corpus (fresh detectors each time).
let points = 0;
let best = Number.POSITIVE_INFINITY;
let stateBytes = 0;
const scores: Float64Array[] = [];
for (let pass = 0; pass < 3; pass++) {
  const start = process.cpuUsage();
  points = 0;
  for (const [i, s] of corpus.entries()) {
    const det = new AnomalyDetector(params);
    const out = new Float64Array(s.values.length);
    for (let j = 0; j < s.values.length; j++) out[j] = det.update(s.values[j] as number);
    points += s.values.length;
    scores[i] = out;
    stateBytes = det.state.byteLength;
  }
  const used = process.cpuUsage(start);
  best = Math.min(best, used.user + used.system);
}
const nsPerPoint = (best * 1000) / points;

for (const [i, s] of corpus.entries()) {
  const dir = join(nab, 'results', name, s.category);
  mkdirSync(dir, { recursive: true });
  const out = scores[i] as Float64Array;
  const rows = s.lines.map((line, j) => `${line},${(out[j] as number).toFixed(6)},0`);
  writeFileSync(join(dir, `${name}_${s.file}`), `timestamp,value,anomaly_score,label\n${rows.join('\n')}\n`);
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
const final = JSON.parse(readFileSync(join(nab, 'results', 'final_results.json'), 'utf8'))[name];
if (values.keep) console.log(`results kept in ${nab}`);
else rmSync(work, { recursive: true, force: true });
const result = {
  variant: values.variant as string,
  params,
  standard: final.standard as number,
  low_fp: final.reward_low_FP_rate as number,
  low_fn: final.reward_low_FN_rate as number,
  ns_per_point: nsPerPoint,
  state_bytes: stateBytes,
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
      `| ${r.variant} | ${f(r.standard)} | ${f(r.low_fp)} | ${f(r.low_fn)} | ${Math.round(r.ns_per_point)} | ${r.state_bytes} |`,
  );
  const board = SCOREBOARD.map(([n, a, b, c]) => `| ${n} (scoreboard) | ${a} | ${b} | ${c} | | |`);
  writeSection(
    'anomaly',
    `${machineLine()}
Method: \`npx tsx bench/anomaly.ts\`; the detector runs over all ${corpus.length} NAB series (${points} points), one fresh detector per series, one parameter set for the whole corpus, each score from that row and the rows before it; the results files go into a copy of the corpus and NAB's own scorer scores them (\`run.py --optimize --score --normalize -n 2\`: the optimiser picks one threshold per profile for the whole corpus, the first 15 % of each file is probationary). Cost: CPU per point (best of 3 passes over the corpus, including the ranking stage) and the state one series keeps.

| detector / variant | standard | low FP | low FN | ns per point | state bytes |
|---|---|---|---|---|---|
${rows.join('\n')}
${board.join('\n')}

Each variant row is one run of this script with the parameters in bench/results/anomaly-variants.json; the last row that is not on the scoreboard is what ships (DEFAULT_DETECTOR_PARAMS).

${NOTES}`,
  );
}
