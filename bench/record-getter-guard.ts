// RT36-4: what the guard against throwing getters in recordRequest costs. monitor.recordRequest() through the
// ExclusionList's record body with each field read once inside try/catch (as shipped) against the body before it
// (RT34-3's null check, fields read where used), interleaved rounds in one process.
//
//   npx tsx bench/record-getter-guard.ts [--calls 300000] [--rounds 12]

import { parseArgs } from 'node:util';
import { createMonitor } from '../src/monitor.js';
import { pinToOneCore } from './lib/pin.js';
import { formatInterval, meanInterval } from './lib/stats.js';

pinToOneCore();
const { values } = parseArgs({
  options: { calls: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '12' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

const m = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {}, info() {} } });
// biome-ignore lint/suspicious/noExplicitAny: reaching the internal part under test
const ex = (m as any).parts.exclusion;
// Both bodies as plain functions here (the shipped method is a class method: compiled apart, not comparable).
// biome-ignore lint/suspicious/noExplicitAny: the internal signature
function checked(this: any, r: any, res: any, lifecycle: any, requests: any): void {
  if (typeof r !== 'object' || r === null) {
    lifecycle.ended(res);
    return;
  }
  const left = res === undefined ? null : this.left(res, r.durationMs);
  if (left !== 'excluded') lifecycle.ended(res);
  if (left !== null) return;
  if (r.status === 499 && r.answered === true) requests.recordWaitedClose(r.method, r.route);
  else requests.record(r.method, r.route, r.status, r.durationMs);
}
// The body as shipped since RT36-4 (src/requests/exclusion.ts).
// biome-ignore lint/suspicious/noExplicitAny: the internal signature
function guarded(this: any, r: any, res: any, lifecycle: any, requests: any): void {
  if (typeof r !== 'object' || r === null) {
    lifecycle.ended(res);
    return;
  }
  let method: string;
  let route: string;
  let status: number;
  let durationMs: number;
  let waited: boolean;
  try {
    method = r.method;
    route = r.route;
    status = r.status;
    durationMs = r.durationMs;
    waited = status === 499 && r.answered === true;
  } catch {
    this.unreadable(res, lifecycle, requests);
    return;
  }
  const left = res === undefined ? null : this.left(res, durationMs);
  if (left !== 'excluded') lifecycle.ended(res);
  if (left !== null) return;
  if (waited) requests.recordWaitedClose(method, route);
  else requests.record(method, route, status, durationMs);
}
const recs = Array.from({ length: 64 }, (_, i) => ({
  method: 'GET',
  route: `/r/${i % 16}`,
  status: i % 10 === 0 ? 500 : 200,
  durationMs: 1 + (i % 7),
}));
function run(): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) m.recordRequest(recs[i & 63] as never);
  return Number(process.hrtime.bigint() - t0) / CALLS;
}
const a: number[] = [];
const b: number[] = [];
for (let round = 0; round < ROUNDS + 2; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const which of order) {
    ex.record = which === 0 ? guarded : checked;
    const ns = run();
    if (round >= 2) (which === 0 ? a : b).push(ns); // two warm-up rounds
  }
}
const ratios = a.map((v, i) => v / (b[i] as number));
console.log(`guarded (RT36-4) ${formatInterval(meanInterval(a))} ns/call`);
console.log(`before (RT34-3)  ${formatInterval(meanInterval(b))} ns/call`);
console.log(`ratio (guarded/before, paired rounds) ${formatInterval(meanInterval(ratios), 3)}`);
await m.close();
