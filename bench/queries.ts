// What instrumentPg adds per query: an instrumented pg Client against a bare one on the machine's
// PostgreSQL (interleaved rounds, per-round difference with a 95 % interval), the same wrapper on a
// driver-free stub (the added CPU alone, without the network's noise), and what a request scope
// (AsyncLocalStorage.run around the handler, on once a client is instrumented) costs per request.
//
//   npx tsx bench/queries.ts [--rounds 15] [--queries 2000] [--no-write]
//
// Budget (issue 15): at most 2 µs added per query.

import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createMonitor } from '../src/monitor.js';
import { instrumentPg } from '../src/profiling/instrument-pg.js';
import { FixedScope, runInScope } from '../src/profiling/request-context.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median, verdictBelow } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    queries: { type: 'string', default: '2000' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const QUERIES = Number(args.queries);
const SQL = 'SELECT $1::int AS id, $2::text AS name';

const monitor = createMonitor({ sampleIntervalMs: 0 });
const config = { host: '127.0.0.1', port: 5432, user: process.env.PGUSER ?? 'postgres', database: 'test' };
const bare = new pg.Client(config);
const timedClient = instrumentPg(new pg.Client(config), monitor);
await bare.connect();
await timedClient.connect();

async function run(client: pg.Client): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < QUERIES; i++) await client.query(SQL, [i, 'x']);
  return ((performance.now() - t0) * 1000) / QUERIES; // µs per query
}

// Warm-up, then interleaved rounds (the order alternates so neither side always goes first).
await run(bare);
await run(timedClient);
const bareUs: number[] = [];
const timedUs: number[] = [];
const diffs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const first = r % 2 === 0;
  const a = first ? await run(bare) : await run(timedClient);
  const b = first ? await run(timedClient) : await run(bare);
  const [rb, rt] = first ? [a, b] : [b, a];
  bareUs.push(rb);
  timedUs.push(rt);
  diffs.push(rt - rb);
}
await bare.end();
await timedClient.end();

// The wrapper alone: a stub whose query() resolves at once, bare and instrumented, in-process.
const stub = () => ({ query: (_text: string, _values?: unknown[]) => Promise.resolve({ rows: [] }) });
const bareStub = stub();
const timedStub = instrumentPg(stub(), monitor);
async function runStub(
  client: { query: (t: string, v?: unknown[]) => Promise<unknown> },
  n: number,
): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.query(SQL, [i]);
  return ((performance.now() - t0) * 1000) / n;
}
const stubDiffs: number[] = [];
await runStub(bareStub, 50_000);
await runStub(timedStub as never, 50_000);
for (let r = 0; r < ROUNDS; r++) {
  const b = await runStub(bareStub, 100_000);
  const t = await runStub(timedStub as never, 100_000);
  stubDiffs.push(t - b);
}

// A request scope: AsyncLocalStorage.run(scope, handler) against handler() for an async handler.
const als = new AsyncLocalStorage<unknown>();
const scope = new FixedScope('GET /x');
async function handler(): Promise<void> {
  await Promise.resolve();
}
async function runScope(withScope: boolean, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await (withScope ? runInScope(scope, handler) : handler());
  return ((performance.now() - t0) * 1000) / n;
}
void als;
const scopeDiffs: number[] = [];
await runScope(false, 50_000);
await runScope(true, 50_000);
for (let r = 0; r < ROUNDS; r++) {
  const b = await runScope(false, 100_000);
  const s = await runScope(true, 100_000);
  scopeDiffs.push(s - b);
}
await monitor.close();

const d = meanInterval(diffs);
const s = meanInterval(stubDiffs);
const sc = meanInterval(scopeDiffs);
const table = `${machineLine()}
${loadLine()}

${ROUNDS} interleaved rounds of ${QUERIES} sequential \`${SQL}\` queries on one connection each (pg ${(pg as unknown as { version?: string }).version ?? '8'}, PostgreSQL on 127.0.0.1), bare Client against one passed through \`instrumentPg\`; µs per query.

| measure | bare | instrumented | added per query (mean, 95 % interval) | budget 2 µs |
|---|---|---|---|---|
| real PostgreSQL round trip | ${median(bareUs).toFixed(1)} (median) | ${median(timedUs).toFixed(1)} (median) | ${formatInterval(d, 2)} | ${verdictBelow(d, 2)} |
| wrapper on a driver-free stub (CPU alone) | | | ${formatInterval(s, 3)} | ${verdictBelow(s, 2)} |
| request scope (AsyncLocalStorage.run around an async handler), per request | | | ${formatInterval(sc, 3)} | (no budget; paid only once a client is instrumented) |

The round trip itself is ~${median(bareUs).toFixed(0)} µs with a round-to-round spread larger than the cost measured, so the stub row is the figure that isolates the instrumentation: a cached fingerprint lookup, two \`performance.now()\` reads, one \`then()\` on the driver's promise and the record (a Map lookup and one counts increment, plus the server-wide window).`;
console.log(table);
if (!args['no-write']) writeSection('queries', table);
