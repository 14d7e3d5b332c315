// What 7 days of history cost: reading and downsampling the 7d view (one instance and the fleet of 8)
// from MemoryStore and from a private redis-server, and Redis memory per stored point. The baseline,
// measured in the same run, is the same view computed from the 10 080 raw points (what a store
// without rollups would have to do).
//
//   npx tsx bench/history.ts [--runs 15] [--points 10080] [--instances 8] [--no-write]
//
// Budgets (issue 4, issue 8): 7d view ≤ 5 ms from memory, ≤ 50 ms from Redis; ≤ 1 KB of Redis memory
// per stored point; fleet 7d view for 8 instances < 100 ms.

import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { historyWindow } from '../src/history/periods.js';
import type { HistoryPoint } from '../src/history/point.js';
import { serializePoint } from '../src/history/point-codec.js';
import { downsample, type HistoryReader, mergeInstances, queryHistory } from '../src/history/query.js';
import { MemoryStore } from '../src/stores/memory.js';
import { RedisStore } from '../src/stores/redis.js';
import { redisAvailable, startRedis } from '../test/helpers/redis-server.js';
import { realisticPoint, rng } from '../test/stores/points.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    points: { type: 'string', default: '10080' },
    instances: { type: 'string', default: '8' },
    rate: { type: 'string', default: '600' },
    'no-write': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const INSTANCES = Number(values.instances);
const RATE = Number(values.rate);
const POOL = 240;
const MIN = 60_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

// A week of realistic minutes: POOL distinct buckets (~RATE requests each, log-normal latencies,
// drifting host metrics), cycled and re-stamped; building 10 080 distinct ones would take minutes.
const rand = rng(42);
const pool = Array.from({ length: POOL }, (_, i) => realisticPoint(rand, i * MIN, RATE));
const end = Math.floor(Date.UTC(2025, 0, 13) / MIN) * MIN;
const first = end - POINTS * MIN;
const points: HistoryPoint[] = Array.from({ length: POINTS }, (_, i) => {
  const t = first + i * MIN;
  return { ...pool[i % POOL]!, t, timestamp: new Date(t).toISOString() };
});
const now = end + 30_000;
let simulated = first;
const clock = { now: () => simulated };

async function fill(store: { appendPoint(i: string, p: HistoryPoint): Promise<void> }, instance: string) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of points) {
    simulated = p.t + MIN;
    await store.appendPoint(instance, p);
  }
  const cpu = process.cpuUsage(cpu0);
  simulated = now;
  return { wallMs: performance.now() - t0, cpuUsPerPoint: (cpu.user + cpu.system) / points.length };
}

const w7 = historyWindow('7d', now);
const opts = { period: '7d' as const, now };

interface Row {
  name: string;
  times: number[];
  note: string;
}
const rows: Row[] = [];
const row = (name: string, note: string) => {
  const r = { name, times: [] as number[], note };
  rows.push(r);
  return r;
};

async function time(r: Row, fn: () => Promise<unknown>) {
  const t0 = performance.now();
  await fn();
  r.times.push(performance.now() - t0);
}

console.log(`building ${POINTS} points (${POOL} distinct minutes at ~${RATE} req/min)…`);
const memory = new MemoryStore({ clock });
const memFill = await fill(memory, 'web-1');
console.log(`MemoryStore filled in ${fmt(memFill.wallMs)} ms`);

const memRaw = row(
  'memory: 7d from the raw points (baseline)',
  'read 10 080 points, merge 30 histograms a step',
);
const mem7d = row('memory: 7d view (rollups)', 'read 336 half-hour rollups, no histogram decoded');
const mem24h = row('memory: 24h view (rollups)', '288 five-minute rollups');
const mem1h = row('memory: 1h view (raw)', '60 one-minute points');

let breakdown = '';
let redisInfo:
  | { perPoint: number; rawPerPoint: number; usedPerPoint: number; serialized: number }
  | undefined;
let redisFill: { wallMs: number; cpuUsPerPoint: number } | undefined;
const redisRows: Row[] = [];
let stopRedis: (() => Promise<void>) | undefined;

if (redisAvailable) {
  const server = await startRedis();
  stopRedis = () => server.stop();
  const admin = new Redis(server.url);
  const before = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  const store = new RedisStore({ url: server.url, prefix: 'bench', instanceId: 'web-1', clock });
  await store.init();
  redisFill = await fill(store, 'web-1');
  console.log(`RedisStore filled in ${fmt(redisFill.wallMs)} ms`);
  const keys = await admin.keys('{bench}:*');
  let total = 0;
  const perKey: string[] = [];
  for (const k of keys.sort()) {
    const bytes = Number(await admin.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
    total += bytes;
    perKey.push(`\`${k}\` ${(bytes / 1024).toFixed(0)} KiB (${await admin.zcard(k)} members)`);
  }
  breakdown = perKey.join(', ');
  const raw = Number(await admin.call('MEMORY', 'USAGE', '{bench}:points:web-1', 'SAMPLES', '0'));
  const after = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  redisInfo = {
    perPoint: total / POINTS,
    rawPerPoint: raw / POINTS,
    usedPerPoint: (after - before) / POINTS,
    serialized: points.reduce((n, p) => n + Buffer.byteLength(serializePoint(p)), 0) / POINTS,
  };

  // The fleet: copies of web-1's week under 7 more instance ids (server-side COPY), so the query
  // merges 8 series of realistic histograms without spending minutes writing them point by point.
  for (let i = 2; i <= INSTANCES; i++) {
    for (const k of keys.filter((k) => k.endsWith(':web-1'))) {
      await admin.call('COPY', k, k.replace(/:web-1$/, `:web-${i}`), 'REPLACE');
    }
    await admin.zadd('{bench}:instances', now, `web-${i}`);
  }

  const rRaw = row('redis: 7d from the raw points (baseline)', 'ZRANGEBYSCORE 10 080 members, merge all');
  const r7d = row('redis: 7d view (rollups)', 'ZRANGEBYSCORE 336 members');
  const r24h = row('redis: 24h view (rollups)', '288 members');
  const r1h = row('redis: 1h view (raw)', '60 members');
  const fleetCold = row(
    `redis: fleet 7d, ${INSTANCES} instances, cold`,
    `${INSTANCES} × 336 rollups, every step merged`,
  );
  const fleetWarm = row(
    `redis: fleet 7d, ${INSTANCES} instances, warm`,
    'queryHistory again: finished steps from its cache',
  );
  redisRows.push(rRaw, r7d, r24h, r1h, fleetCold, fleetWarm);
  const reader: HistoryReader = store;

  for (let run = 0; run < RUNS; run++) {
    await time(rRaw, async () =>
      downsample(await store.readPoints('web-1', w7.startMs, w7.endMs), { ...opts, instance: 'web-1' }),
    );
    await time(r7d, async () =>
      downsample(await store.readPoints('web-1', w7.startMs, w7.endMs, w7.stepMs), {
        ...opts,
        instance: 'web-1',
      }),
    );
    await time(r24h, () => queryHistory(reader, { period: '24h', instance: 'web-1', now }));
    await time(r1h, () => queryHistory(reader, { period: '1h', instance: 'web-1', now }));
    await time(fleetCold, async () =>
      mergeInstances(await store.readAllInstances(w7.startMs, w7.endMs, w7.stepMs), opts),
    );
    if (run === 0) await queryHistory(reader, { period: '7d', instance: 'all', now }); // warms the cache
    await time(fleetWarm, () => queryHistory(reader, { period: '7d', instance: 'all', now }));
    await time(memRaw, async () => downsample(await memory.readPoints('web-1', w7.startMs, w7.endMs), opts));
    await time(mem7d, async () =>
      downsample(await memory.readPoints('web-1', w7.startMs, w7.endMs, w7.stepMs), opts),
    );
    await time(mem24h, () => queryHistory(memory, { period: '24h', instance: 'web-1', now }));
    await time(mem1h, () => queryHistory(memory, { period: '1h', instance: 'web-1', now }));
  }
  const check = await queryHistory(reader, { period: '7d', instance: 'all', now });
  const expected = Math.min(336, Math.floor(POINTS / 30)) - 1;
  if (check.instances?.length !== INSTANCES || check.points.length < expected)
    throw new Error('fleet view incomplete');
  await store.close();
  admin.disconnect();
} else {
  console.warn(
    'redis-server not found: Redis rows skipped (install redis-server (apt-get install redis-server))',
  );
  for (let run = 0; run < RUNS; run++) {
    await time(memRaw, async () => downsample(await memory.readPoints('web-1', w7.startMs, w7.endMs), opts));
    await time(mem7d, async () =>
      downsample(await memory.readPoints('web-1', w7.startMs, w7.endMs, w7.stepMs), opts),
    );
    await time(mem24h, () => queryHistory(memory, { period: '24h', instance: 'web-1', now }));
    await time(mem1h, () => queryHistory(memory, { period: '1h', instance: 'web-1', now }));
  }
}
await stopRedis?.();

const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
const ratio = (r: Row) => {
  const base = r.name.startsWith('redis')
    ? byName('redis: 7d from the raw')
    : byName('memory: 7d from the raw');
  return base ? `${(median(base.times) / median(r.times)).toFixed(1)}×` : '';
};
const table = [
  '| query | median (ms) | min (ms) | max (ms) | speed-up vs raw baseline | what it does |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(median(r.times))} | ${fmt(Math.min(...r.times))} | ${fmt(Math.max(...r.times))} | ${ratio(r)} | ${r.note} |`,
  ),
].join('\n');

const verdicts: string[] = [];
const verdict = (label: string, value: number, budget: number, unit: string) =>
  verdicts.push(
    `- ${label} ≤ ${budget} ${unit}: **${value <= budget ? 'met' : 'NOT met'}** (${unit === 'B' ? Math.round(value) : fmt(value)} ${unit})`,
  );
verdict('7d view from memory', median(mem7d.times), 5, 'ms');
if (redisInfo) {
  verdict('7d view from Redis', median(byName('redis: 7d view')!.times), 50, 'ms');
  verdict('Redis memory per point (all keys of the instance / points)', redisInfo.perPoint, 1024, 'B');
  verdict(
    `fleet 7d view, ${INSTANCES} instances, cold`,
    median(byName(`redis: fleet 7d, ${INSTANCES} instances, cold`)!.times),
    100,
    'ms',
  );
  verdict(
    `fleet 7d view, ${INSTANCES} instances, warm`,
    median(byName(`redis: fleet 7d, ${INSTANCES} instances, warm`)!.times),
    100,
    'ms',
  );
}

const sizes = redisInfo
  ? `Redis memory after ${POINTS} points of one instance: ${Math.round(redisInfo.perPoint)} B per point over all its keys (MEMORY USAGE of the raw series, both rollups, the instance index; alerts empty), of which the raw series ${Math.round(redisInfo.rawPerPoint)} B; INFO used_memory grew by ${Math.round(redisInfo.usedPerPoint)} B per point. By key: ${breakdown}. A serialised point averages ${Math.round(redisInfo.serialized)} B (its histogram ${Math.round(points.reduce((n, p) => n + p.histogram.length, 0) / POINTS)} B).`
  : 'Redis: not measured (no redis-server).';
const writes = `Write cost per point (CPU, including the two rollups): MemoryStore ${fmt(memFill.cpuUsPerPoint / 1000)} ms${redisFill ? `, RedisStore ${fmt(redisFill.cpuUsPerPoint / 1000)} ms (one pipeline per point)` : ''}; once a minute in a running monitor.`;

const section = [
  `${machineLine()} ${loadLine()} Other work on the machine shows in the medians; the minimums are closer to an idle machine.`,
  `Method: \`npx tsx bench/history.ts\`; ${POINTS} one-minute points (${POOL} distinct realistic minutes, ~${RATE} requests each with log-normal latencies, cycled) written through each store's appendPoint with a simulated clock; then ${RUNS} interleaved runs of each query, wall time from the store read to the finished view (JSON-ready points). The fleet is web-1's week copied server-side to ${INSTANCES - 1} more instance ids. Redis: a private redis-server ${redisAvailable ? '' : '(absent) '}on loopback.`,
  '',
  table,
  '',
  sizes,
  '',
  writes,
  '',
  ...verdicts,
].join('\n');

console.log(`\n## history\n\n${section}\n`);

if (!values['no-write']) writeSection('history', section);
