// What the database instrumentations add per query: instrumentPg against the bare pg Client on the
// machine's PostgreSQL and instrumentMysql against the bare mysql2 connection on its MariaDB (interleaved
// rounds, per-round differences with 95 % intervals, wall time and this process's CPU), the wrappers of pg,
// mysql2 and ioredis on driver-free stubs (the added CPU alone, without the network's noise), and what a
// request scope (AsyncLocalStorage.run around the handler, on once a client is instrumented) costs.
//
//   npx tsx bench/queries.ts [--rounds 15] [--queries 2000] [--source] [--no-write]
//
// It measures the built package (dist/, as users run it: `npm run build` first); --source measures src/
// through tsx instead, whose esbuild `keepNames` adds a defineProperty call per named closure (it made a
// closure-per-query wrapper look ~0.7 µs slower than the shipped code).
// Budget (issue 15): at most 2 µs added per query.

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { FixedScope, runInScope } from '../src/profiling/request-context.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median, verdictBelow } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    queries: { type: 'string', default: '2000' },
    source: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const QUERIES = Number(args.queries);
const BUDGET_US = 2;
const SQL = 'SELECT $1::int AS id, $2::text AS name';
const MYSQL_SQL = 'SELECT ? AS id, ? AS name';

const entry = new URL(args.source ? '../src/index.js' : '../dist/index.cjs', import.meta.url);
if (!args.source && !existsSync(entry)) {
  console.error('bench/queries.ts measures the build: run `npm run build` first (or pass --source)');
  process.exit(1);
}
const lib = (await import(entry.href)) as typeof import('../src/index.js');
const monitor = lib.createMonitor({ sampleIntervalMs: 0 });

/** µs per call of `fn` over `n` sequential awaited calls: wall, and this process's CPU (user + system). */
async function timeCalls(
  n: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const wall = ((performance.now() - t0) * 1000) / n;
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / n };
}

interface Pair {
  bare: { wall: number[]; cpu: number[] };
  timed: { wall: number[]; cpu: number[] };
  wallDiff: number[];
  cpuDiff: number[];
}

/** Interleaved rounds of bare and instrumented (the order alternates so neither always goes first). */
async function compare(
  n: number,
  bare: (i: number) => Promise<unknown>,
  timed: (i: number) => Promise<unknown>,
): Promise<Pair> {
  await timeCalls(Math.min(n, 1000), bare); // warm-up, discarded
  await timeCalls(Math.min(n, 1000), timed);
  const p: Pair = { bare: { wall: [], cpu: [] }, timed: { wall: [], cpu: [] }, wallDiff: [], cpuDiff: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const a = await timeCalls(n, first ? bare : timed);
    const b = await timeCalls(n, first ? timed : bare);
    const [rb, rt] = first ? [a, b] : [b, a];
    p.bare.wall.push(rb.wall);
    p.bare.cpu.push(rb.cpu);
    p.timed.wall.push(rt.wall);
    p.timed.cpu.push(rt.cpu);
    p.wallDiff.push(rt.wall - rb.wall);
    p.cpuDiff.push(rt.cpu - rb.cpu);
  }
  return p;
}

// Real databases: one connection each, sequential queries.
const pgConfig = { host: '127.0.0.1', port: 5432, user: process.env.PGUSER ?? 'postgres', database: 'test' };
const pgBare = new pg.Client(pgConfig);
const pgTimed = lib.instrumentPg(new pg.Client(pgConfig), monitor);
await pgBare.connect();
await pgTimed.connect();
const pgPair = await compare(
  QUERIES,
  (i) => pgBare.query(SQL, [i, 'x']),
  (i) => pgTimed.query(SQL, [i, 'x']),
);
await pgBare.end();
await pgTimed.end();

const myConfig = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
let myPair: Pair | undefined;
try {
  const myBare = await mysql.createConnection(myConfig);
  const myTimed = lib.instrumentMysql(await mysql.createConnection(myConfig), monitor);
  myPair = await compare(
    QUERIES,
    (i) => myBare.query(MYSQL_SQL, [i, 'x']),
    (i) => myTimed.query(MYSQL_SQL, [i, 'x']),
  );
  await myBare.end();
  await myTimed.end();
} catch (err) {
  console.error(`MariaDB not reachable, its row is left out: ${(err as Error).message}`);
}

// The wrappers alone, on stubs that answer at once: the added CPU without a network round trip.
const STUB_CALLS = 100_000;
const pgStub = () => ({ query: (_text: string, _values?: unknown[]) => Promise.resolve({ rows: [] }) });
const pgStubBare = pgStub();
const pgStubTimed = lib.instrumentPg(pgStub(), monitor);
const pgStubPair = await compare(
  STUB_CALLS,
  (i) => pgStubBare.query(SQL, [i]),
  (i) => pgStubTimed.query(SQL, [i]),
);
// mysql2's callback core (the promise API calls it): query(sql, values, callback), answered on a microtask.
type MyCallback = (err: unknown, rows?: unknown) => void;
const myStub = () => ({
  query(_sql: string, _values: unknown, cb: MyCallback) {
    queueMicrotask(() => cb(null, []));
    return {};
  },
});
const myStubBare = myStub();
const myStubTimed = lib.instrumentMysql(myStub() as never, monitor) as unknown as ReturnType<typeof myStub>;
const viaCallback = (c: ReturnType<typeof myStub>, i: number) =>
  new Promise((resolve) => c.query(MYSQL_SQL, [i], resolve));
const myStubPair = await compare(
  STUB_CALLS,
  (i) => viaCallback(myStubBare, i),
  (i) => viaCallback(myStubTimed, i),
);
// ioredis: sendCommand(command) with the command's own promise.
const redisStub = () => ({
  sendCommand: (command: { name: string; promise: Promise<unknown> }) => command.promise,
});
const redisStubBare = redisStub();
const redisStubTimed = lib.instrumentRedis(redisStub(), monitor);
const redisStubPair = await compare(
  STUB_CALLS,
  () => redisStubBare.sendCommand({ name: 'get', promise: Promise.resolve('v') }),
  () => redisStubTimed.sendCommand({ name: 'get', promise: Promise.resolve('v') }),
);

// A request scope: AsyncLocalStorage.run(scope, handler) against handler() for an async handler.
const scope = new FixedScope('GET /x');
async function handler(): Promise<void> {
  await Promise.resolve();
}
const scopePair = await compare(
  STUB_CALLS,
  () => handler(),
  () => runInScope(scope, handler),
);
await monitor.close();

const us = (x: number) => x.toFixed(1);
const realRow = (label: string, p: Pair) => {
  const wall = meanInterval(p.wallDiff);
  const cpu = meanInterval(p.cpuDiff);
  return `| ${label} | ${us(median(p.bare.wall))} / ${us(median(p.bare.cpu))} | ${us(median(p.timed.wall))} / ${us(median(p.timed.cpu))} | ${formatInterval(wall, 2)} | ${formatInterval(cpu, 3)} | ${resolved(cpu)} |`;
};
/** A verdict only when the interval is narrower than the budget: otherwise the round trip's noise decides it. */
const resolved = (i: { low: number; high: number }) =>
  i.high - i.low <= BUDGET_US ? verdictBelow(i, BUDGET_US) : 'not resolved (interval wider than the budget)';
const stubRow = (label: string, p: Pair, budget = true) => {
  const cpu = meanInterval(p.cpuDiff);
  return `| ${label} | ${us(median(p.bare.cpu) * 1000)} ns | ${us(median(p.timed.cpu) * 1000)} ns | ${formatInterval(cpu, 3)} | ${budget ? verdictBelow(cpu, BUDGET_US) : '(no budget; paid only once a client is instrumented)'} |`;
};
const pgVersion = (pg as unknown as { version?: string }).version ?? '8';
const table = `${machineLine()}
${loadLine()}
Measured: ${args.source ? 'src/ through tsx (--source)' : 'the built package (dist/), as an application runs it'}.

${ROUNDS} interleaved rounds of ${QUERIES} sequential queries on one connection each (pg ${pgVersion} on PostgreSQL, \`${SQL}\`; mysql2 promise API on MariaDB, \`${MYSQL_SQL}\`), both on 127.0.0.1; bare client against one passed through the instrumentation. Wall µs and this process's CPU µs (user + system) per query.

| driver | bare wall / CPU µs (median) | instrumented wall / CPU µs (median) | added wall µs (mean, 95 % interval) | added CPU µs (mean, 95 % interval) | CPU budget ${BUDGET_US} µs |
|---|---|---|---|---|---|
${realRow('pg Client, PostgreSQL', pgPair)}
${myPair ? realRow('mysql2 connection, MariaDB', myPair) : '| mysql2 connection, MariaDB | (not reachable) | | | | |'}

The wrappers on driver-free stubs (${STUB_CALLS.toLocaleString('en')} calls a round, ${ROUNDS} interleaved rounds; CPU per call):

| wrapper | bare | instrumented | added CPU µs (mean, 95 % interval) | budget ${BUDGET_US} µs |
|---|---|---|---|---|
${stubRow('instrumentPg, promise query', pgStubPair)}
${stubRow('instrumentMysql, callback query (what the promise API calls)', myStubPair)}
${stubRow('instrumentRedis, sendCommand', redisStubPair)}
${stubRow('request scope (AsyncLocalStorage.run around an async handler), per request', scopePair, false)}

A round trip costs ~${median(pgPair.bare.wall).toFixed(0)} µs of wall time with a round-to-round spread larger than the cost measured, so the CPU columns are the figures judged: the wrapper's own work is a cached fingerprint lookup, two \`performance.now()\` reads, one \`then()\` on the driver's promise (a callback wrapper for mysql2) and the record (two Map lookups, one counts increment, plus the server-wide window).`;
console.log(table);
const pgStubCpu = meanInterval(pgStubPair.cpuDiff);
console.log(
  `\nqueries: instrumentPg adds ${formatInterval(pgStubCpu, 3)} µs CPU per query (stub; real PostgreSQL ${formatInterval(meanInterval(pgPair.cpuDiff), 2)}), budget ≤ ${BUDGET_US} µs: ${verdictBelow(pgStubCpu, BUDGET_US)}; ${loadLine()}`,
);
if (!args['no-write']) writeSection('queries', table);
