// What the Express route label costs per request: expressRouteLabel (mount patterns, cached on the route)
// against the label it replaced (req.baseUrl + route.path, which leaked values) and a constant-string
// floor, on real Express request objects captured from a real app. Interleaved rounds, one core.
//
//   npx tsx bench/express-route.ts [--calls 2000000] [--rounds 9] [--no-write]
//
// Aim (issue 12, door 4): the label is computed once per route; per request it costs a few property reads.

import { parseArgs } from 'node:util';
import express, { type Request } from 'express';
import { inject } from 'light-my-request';
import { expressRouteLabel } from '../src/adapters/express-route.js';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';

pinToOneCore();

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '9' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

// A real app: a parameterised mount, a nested mount, a plain route. Requests captured in the handlers
// (routing done, as when the response finishes).
const captured: Request[] = [];
const app = express();
const org = express.Router();
org.get('/items/:id', (req, res) => {
  captured.push(req);
  res.end();
});
app.use('/org/:org', org);
const v1 = express.Router();
const team = express.Router();
team.get('/members/:member', (req, res) => {
  captured.push(req);
  res.end();
});
v1.use('/teams/:team', team);
app.use('/v1', v1);
app.get('/users/:id', (req, res) => {
  captured.push(req);
  res.end();
});
for (let i = 0; i < 30; i++) {
  await inject(app, { url: `/org/o${i}/items/${i}` });
  await inject(app, { url: `/v1/teams/t${i}/members/${i}` });
  await inject(app, { url: `/users/${i}` });
}
// The captured requests' baseUrl was reset when routing unwound; the old label read it at 'finish',
// inside the handler, so it is restored here as it was then.
const baseUrls = captured.map((req) => {
  const path = req.originalUrl;
  if (path.startsWith('/org/')) return path.split('/').slice(0, 3).join('/');
  if (path.startsWith('/v1/')) return path.split('/').slice(0, 4).join('/');
  return '';
});
captured.forEach((req, i) => {
  Object.defineProperty(req, 'baseUrl', { value: baseUrls[i], configurable: true });
});

const variants: Record<string, (req: Request) => string> = {
  floor: () => 'unmatched',
  'baseUrl + route.path (before)': (req) => req.baseUrl + (req.route as { path: string }).path,
  expressRouteLabel: (req) => expressRouteLabel(req),
};

let sink = 0;
function timeOne(fn: (req: Request) => string): number {
  const n = captured.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink += fn(captured[i % n] as Request).length;
  return Number(process.hrtime.bigint() - start) / CALLS;
}

for (const fn of Object.values(variants)) timeOne(fn); // warm-up
const perRound: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(variants)) perRound[name]?.push(timeOne(fn));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
/** Bootstrap 95 % interval of the median of per-round differences to the floor. */
function interval(xs: number[]): [number, number] {
  const meds: number[] = [];
  let seed = 12;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let b = 0; b < 2000; b++)
    meds.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)] as number)));
  meds.sort((a, b) => a - b);
  return [meds[50] as number, meds[1949] as number];
}

const floor = perRound.floor as number[];
const rows = Object.entries(perRound).map(([name, xs]) => {
  const diffs = xs.map((x, i) => x - (floor[i] as number));
  const [lo, hi] = interval(diffs);
  return `| ${name} | ${median(xs).toFixed(1)} | ${median(diffs).toFixed(1)} (${lo.toFixed(1)} – ${hi.toFixed(1)}) |`;
});
const labels = [...new Set(captured.map((r) => expressRouteLabel(r)))].join(', ');
const section = [
  `${machineLine()}; ${loadLine()}; ${ROUNDS} interleaved rounds of ${CALLS.toLocaleString('en')} calls on ${captured.length} captured Express 5 requests (labels: ${labels}).`,
  '',
  '| variant | ns per call (median) | above the floor, ns (95 % CI) |',
  '|---|---|---|',
  ...rows,
].join('\n');
console.log(section);
if (sink === 42) console.log('');
if (!values['no-write']) writeSection('express-route', section);
