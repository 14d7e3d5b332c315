// What RequestStats.record() (the recorder alone, no adapter) costs when its code and data are not in the caches
// (issue 18): one call after evicting `--evict-mb`, against a no-op call timed the same way, interleaved; and hot.
// `npx tsx bench/cold-record.ts [--trials 300] [--rounds 4] [--evict-mb 64]`

import { parseArgs } from 'node:util';
import { RequestStats } from '../src/requests/requests.js';
import { pinToOneCore } from './lib/pin.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

pinToOneCore();
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '4' },
    hot: { type: 'string', default: '200000' },
    'evict-mb': { type: 'string', default: '64' },
  },
});
const TRIALS = Number(values.trials);
const ROUNDS = Number(values.rounds);
const HOT = Number(values.hot);
const evict = new Uint8Array(Number(values['evict-mb']) * 1024 * 1024);
let sink = 0;
function evictCaches(): void {
  for (let i = 0; i < evict.length; i += 64) sink += evict[i] as number;
  evict[(sink & 0xffff) * 64] = sink & 0xff;
}

const stats = new RequestStats({});
const ROUTES = Array.from({ length: 20 }, (_, i) => `/resource${i}/:id`);
let k = 0;
const record = (n: number) => {
  for (let i = 0; i < n; i++) {
    k = (k + 1) % 20;
    stats.record('GET', ROUTES[k] as string, 200, 1 + (k % 7) * 0.37);
  }
};
const noop = (n: number) => {
  for (let i = 0; i < n; i++) {
    k = (k + 1) % 20;
    sink += (ROUTES[k] as string).length;
  }
};
function time(run: (n: number) => void, n: number): number {
  const t0 = process.hrtime.bigint();
  run(n);
  return Number(process.hrtime.bigint() - t0) / n;
}
record(HOT);
noop(HOT);
const hot: number[] = [];
const mine: number[] = [];
const base: number[] = [];
const added: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  hot.push(time(record, HOT) - time(noop, HOT));
  const m: number[] = [];
  const b: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    for (const run of t % 2 === 0 ? [record, noop] : [noop, record]) {
      evictCaches();
      (run === record ? m : b).push(time(run, 1));
    }
  }
  mine.push(median(m));
  base.push(median(b));
  added.push(median(m) - median(b));
}
// Reads fold whatever is pending: a read after the loop sees every request (a check, not a timing).
const total = stats.total;
console.log(`RequestStats.record (${total} recorded):`);
console.log(`  hot, per call: ${formatInterval(meanInterval(hot), 0)} ns`);
console.log(
  `  cold (after evicting ${values['evict-mb']} MB), one call: record ${formatInterval(meanInterval(mine), 0)} ns, no-op ${formatInterval(meanInterval(base), 0)} ns, added ${formatInterval(meanInterval(added), 0)} ns`,
);
stats.close();
process.exit(sink === -1 ? 1 : 0);
