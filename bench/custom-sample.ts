// What one monitor.sample() costs with custom histograms (outside review 18, F2): CPU per sample and the longest
// event-loop stall while it runs, against label sets × value spread, with a monitor without custom histograms in
// the same run as the baseline. Each sample follows 200 new values per label set (the reviewer's probe), on a clock
// that moves 5 s per sample (the default interval), so that windows rotate (60 s) within the measured samples.
//
//   npx tsx bench/custom-sample.ts [--rounds 2] [--warm 12] [--samples 12] [--before <dist/index.cjs>] [--no-write]
//
// --before: a build of another commit (its dist/index.cjs); each histogram variant then runs with it too, in the same
// rounds, rows marked "before".

import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createMonitor } from '../src/monitor.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    warm: { type: 'string', default: '12' },
    samples: { type: 'string', default: '12' },
    before: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
type Create = typeof createMonitor;
const before = values.before
  ? (createRequire(import.meta.url)(values.before) as { createMonitor: Create }).createMonitor
  : undefined;
const ROUNDS = Number(values.rounds);
const WARM = Number(values.warm);
const SAMPLES = Number(values.samples);
const PER_SET = 200;

interface Variant {
  name: string;
  histograms: number;
  sets: number;
  value: (rnd: () => number) => number;
  cpu: number[];
  stall: number[];
  observe: number[];
  create: Create;
}

const spread = (rnd: () => number) => Math.exp(rnd() * 20); // 1 … 4.9e8, log-uniform
const narrow = (rnd: () => number) => 1 + rnd() * 5000;
const variants: Variant[] = [
  { name: 'baseline: no custom histogram', histograms: 0, sets: 0, value: narrow },
  { name: '1 histogram × 10 label sets, 1…5000', histograms: 1, sets: 10, value: narrow },
  { name: '1 histogram × 100 label sets, 1…5000', histograms: 1, sets: 100, value: narrow },
  { name: '1 histogram × 100 label sets, log-spread 1…4.9e8', histograms: 1, sets: 100, value: spread },
  { name: '5 histograms × 100 label sets, 1…5000', histograms: 5, sets: 100, value: narrow },
  { name: '5 histograms × 100 label sets, log-spread 1…4.9e8', histograms: 5, sets: 100, value: spread },
].flatMap((v) => [
  { ...v, cpu: [], stall: [], observe: [], create: createMonitor },
  ...(before && v.histograms > 0
    ? [{ ...v, name: `${v.name} (before)`, cpu: [], stall: [], observe: [], create: before }]
    : []),
]);

const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

async function run(v: Variant): Promise<void> {
  const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 0), now: () => clock.t };
  const m = v.create({ sampleIntervalMs: 0, clock, logger: { warn() {}, error() {} } });
  let seed = 5;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const hs = Array.from({ length: v.histograms }, (_, k) =>
    m.histogram(`h${k}`, { help: 'h', labels: ['tenant'] }),
  );
  const tenants = Array.from({ length: v.sets }, (_, t) => ({ tenant: `t${t}` }));
  const fill = () => {
    for (const h of hs) for (const t of tenants) for (let i = 0; i < PER_SET; i++) h.observe(t, v.value(rnd));
  };
  for (let i = 0; i < WARM + SAMPLES; i++) {
    clock.t += 5000;
    const o0 = process.cpuUsage();
    fill();
    const o = ms(process.cpuUsage(o0));
    let last = performance.now();
    let worst = 0;
    const iv = setInterval(() => {
      const n = performance.now();
      worst = Math.max(worst, n - last);
      last = n;
    }, 1);
    await new Promise((r) => setTimeout(r, 3));
    last = performance.now();
    worst = 0;
    const c0 = process.cpuUsage();
    await m.sample();
    const c = ms(process.cpuUsage(c0));
    await new Promise((r) => setTimeout(r, 5));
    clearInterval(iv);
    if (i < WARM) continue;
    v.cpu.push(c);
    v.stall.push(worst);
    v.observe.push(o);
  }
  await m.close();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[(s.length - 1) >> 1] as number);
};
const max = (xs: number[]) => Math.max(...xs);
const f = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

async function main(): Promise<void> {
  const load = loadLine();
  for (let r = 0; r < ROUNDS; r++) for (const v of variants) await run(v);
  const base = variants[0] as Variant;
  const rows = variants.map(
    (v) =>
      `| ${v.name} | ${v.histograms * v.sets * PER_SET} | ${f(median(v.cpu))} | ${f(max(v.cpu))} | ${f(median(v.cpu) - median(base.cpu))} | ${f(median(v.stall))} | ${f(max(v.stall))} | ${f(median(v.observe))} |`,
  );
  const md = `${machineLine()}
Method: \`npx tsx bench/custom-sample.ts\`; ${ROUNDS} rounds, each variant a fresh monitor (sampling timer off, a clock moved 5 s per sample), ${WARM} warm samples then ${SAMPLES} measured, ${PER_SET} new values per label set before each sample (label \`tenant\`); CPU = process.cpuUsage() around \`monitor.sample()\` (host collection included: the baseline is a monitor without custom histograms, same run); stall = longest gap of a 1 ms setInterval during the sample. Windows rotate (60 s) within the measured samples.${before ? ` Rows marked "before": the same run with \`--before ${values.before}\` (the code before this change, built).` : ''}

| variant | values per sample | CPU per sample, median (ms) | CPU max (ms) | median above baseline (ms) | stall median (ms) | stall max (ms) | observe() CPU of those values, median (ms) |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${load}`;
  console.log(md);
  if (!values['no-write']) writeSection('custom-sample', md);
}

await main();
