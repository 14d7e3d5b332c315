// What the adapters' per-request path costs when its code and data are not in the caches (issues 18, 13).
// `npx tsx bench/cold-path.ts [--trials 400] [--hot 200000] [--evict-mb 64] [--rounds 5]`
// bench/lib/adapter-path.ts's whole per-request path (stand-ins, no socket), timed two ways, against its no-op
// baseline in the same way:
// - hot: `--hot` requests back to back (what bench/record.ts and the in-process figures measure);
// - cold: one request at a time, each after walking an `--evict-mb` buffer (a cache line per 64 bytes, a page per
//   4 KiB: it evicts the caches and the TLB as another process running on the core between two requests does),
//   sysvitals' request and the baseline's alternating, each timed alone (process.hrtime.bigint around one call).
// Per round: the median cold time of each, and their difference; 95 % t-intervals over rounds.

import { parseArgs } from 'node:util';
import { type AdapterPath, expressPath, fastifyPath, koaPath } from './lib/adapter-path.js';
import { pinToOneCore } from './lib/pin.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

pinToOneCore();
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '400' },
    hot: { type: 'string', default: '200000' },
    'evict-mb': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
  },
});
const TRIALS = Number(values.trials);
const HOT = Number(values.hot);
const ROUNDS = Number(values.rounds);
const evict = new Uint8Array(Number(values['evict-mb']) * 1024 * 1024);
let sink = 0;
function evictCaches(): void {
  for (let i = 0; i < evict.length; i += 64) sink += evict[i] as number;
  evict[(sink & 0xffff) * 64] = sink & 0xff;
}

async function timeOne(run: (n: number) => void | Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(1);
  return Number(process.hrtime.bigint() - t0);
}

async function hotNs(run: (n: number) => void | Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(HOT);
  return Number(process.hrtime.bigint() - t0) / HOT;
}

async function measure(path: AdapterPath): Promise<void> {
  await path.loop(HOT);
  await path.baseline(HOT);
  const hot: number[] = [];
  const cold: number[] = [];
  const coldMine: number[] = [];
  const coldBase: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    hot.push((await hotNs(path.loop)) - (await hotNs(path.baseline)));
    const mine: number[] = [];
    const base: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const order = t % 2 === 0 ? [path.loop, path.baseline] : [path.baseline, path.loop];
      for (const run of order) {
        evictCaches();
        const ns = await timeOne(run);
        (run === path.loop ? mine : base).push(ns);
      }
    }
    coldMine.push(median(mine));
    coldBase.push(median(base));
    cold.push(median(mine) - median(base));
  }
  console.log(`${path.name}:`);
  console.log(`  hot, added per request: ${formatInterval(meanInterval(hot), 0)} ns`);
  console.log(
    `  cold (after evicting ${values['evict-mb']} MB), one request: sysvitals ${formatInterval(meanInterval(coldMine), 0)} ns, baseline ${formatInterval(meanInterval(coldBase), 0)} ns, added ${formatInterval(meanInterval(cold), 0)} ns`,
  );
  (path as { close?: () => void }).close?.();
}

for (const make of [expressPath, () => fastifyPath(), koaPath]) await measure(make());
process.exit(sink === -1 ? 1 : 0);
