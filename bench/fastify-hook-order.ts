// What the plugin costs per request when it is registered after an application onRequest hook (outside review 6,
// F11: it then puts a second hook of its own at the head of Fastify's hook lists), against the plugin registered
// first (one hook), on the stand-ins of bench/lib/adapter-path.ts: each variant against its own baseline (empty
// hooks, the application's hook in both), interleaved, 20 rounds, CPU time; and the difference per round.
//
//   npx tsx bench/fastify-hook-order.ts [--requests 100000] [--no-write]

import { parseArgs } from 'node:util';
import { fastifyPath } from './lib/adapter-path.js';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval } from './lib/stats.js';

pinToOneCore();
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.requests);
const ROUNDS = 20;

const paths = [fastifyPath(), fastifyPath(true)];
for (const p of paths) {
  await p.loop(N);
  await p.baseline(N);
}
const cpu = async (fn: () => void | Promise<void>): Promise<number> => {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / N;
};
const added: number[][] = paths.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [k, path] of paths.entries()) {
    const a = await cpu(() => path.baseline(N));
    const b = await cpu(() => path.loop(N));
    added[k]?.push(b - a);
  }
}
for (const p of paths) await p.close();

const [first, after] = added as [number[], number[]];
const rows = [
  '| variant | added ns/request, mean (95% CI) |',
  '|---|---|',
  ...paths.map((p, k) => `| ${p.name} | ${formatInterval(meanInterval(added[k] as number[]), 0)} |`),
  `| registered after an app hook minus registered first (per round) | ${formatInterval(
    meanInterval(after.map((x, i) => x - (first[i] as number))),
    0,
  )} |`,
];
const section = `${machineLine()} ${N.toLocaleString('en')} requests per variant per round, ${ROUNDS} interleaved rounds, CPU time, pinned to one core.

${rows.join('\n')}

Stand-ins (bench/lib/adapter-path.ts): the hooks called in Fastify's order, then the response's end. ${loadLine()}`;
console.log(`\n${section}\n`);
if (!values['no-write']) writeSection('fastify-hook-order', section);
process.exit(0);
