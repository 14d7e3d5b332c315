// What sysvitals adds to a request on Express, Fastify and Koa, in-process and without sockets:
// light-my-request drives each app bare and with sysvitals, interleaved in many short rounds, and
// process.cpuUsage() gives CPU per request. Reported: added µs per request and the ratio to bare,
// each with a 95% t-interval over the rounds.
//   npx tsx bench/adapter.ts [--requests 200000] [--rounds 40] [--no-write] [--dist DIR --before DIR]
//     [--frameworks express,fastify,koa]
// --dist DIR takes sysvitals from a build (DIR/adapters/<framework>.cjs) instead of src/; --before DIR adds that
// earlier build as a third variant in the same rounds (order rotated each round): the table then gives each
// build's added µs against bare and the new build's CPU per request against the earlier one's.

import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Router from '@koa/router';
import express from 'express';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import Koa from 'koa';
import { inject } from 'light-my-request';
import { createMonitor as expressMonitor } from '../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../src/adapters/koa.js';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, verdictBelow } from './lib/stats.js';

pinToOneCore();

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '40' },
    'no-write': { type: 'boolean', default: false },
    dist: { type: 'string' },
    before: { type: 'string' },
    frameworks: { type: 'string', default: 'express,fastify,koa' },
  },
});
const requireBuild = createRequire(import.meta.url);
type MonitorFactories = {
  express: typeof expressMonitor;
  fastify: typeof fastifyMonitor;
  koa: typeof koaMonitor;
};
/** sysvitals' createMonitor per framework: from src/, or from a build's dist/ directory. */
function factories(dir: string | undefined): MonitorFactories {
  if (dir === undefined) return { express: expressMonitor, fastify: fastifyMonitor, koa: koaMonitor };
  const load = (name: string) => requireBuild(resolve(dir, 'adapters', `${name}.cjs`)).createMonitor;
  return { express: load('express'), fastify: load('fastify'), koa: load('koa') };
}
const AFTER = factories(values.dist);
const BEFORE = values.before === undefined ? undefined : factories(values.before);
const ROUNDS = Number(values.rounds);
// Half bare, half with sysvitals, per framework.
const PER_ROUND = Math.max(100, Math.round(Number(values.requests) / ROUNDS / 2));
const TARGET_ADDED_US = 1;
const quiet = { warn() {}, error() {} };

type Dispatch = (url: string) => Promise<unknown>;
interface Variant {
  name: string;
  bare: Dispatch;
  monitored: Dispatch;
  /** The earlier build's (--before), when given. */
  before?: Dispatch;
  close(): Promise<void>;
}

const URLS = ['/users/1', '/users/2', '/items/abc/detail', '/users/3', '/health-of-app'];

async function expressVariant(): Promise<Variant> {
  const build = (use?: express.RequestHandler) => {
    const app = express();
    app.set('env', 'production');
    app.set('etag', false);
    if (use) app.use(use);
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    app.get('/items/:id/detail', (req, res) => {
      res.json({ id: req.params.id });
    });
    app.get('/health-of-app', (_req, res) => {
      res.send('ok');
    });
    return app;
  };
  const monitor = AFTER.express({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const old = BEFORE?.express({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const bare = build();
  const monitored = build(monitor.middleware());
  const before = old === undefined ? undefined : build(old.middleware());
  return {
    name: 'express',
    bare: (url) => inject(bare, { url }),
    monitored: (url) => inject(monitored, { url }),
    before: before === undefined ? undefined : (url) => inject(before, { url }),
    close: async () => {
      await monitor.close();
      await old?.close();
    },
  };
}

async function fastifyVariant(): Promise<Variant> {
  const build = async (plugin?: FastifyPluginCallback) => {
    const app = Fastify({ logger: false });
    if (plugin) await app.register(plugin);
    app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
    app.get<{ Params: { id: string } }>('/items/:id/detail', async (req) => ({ id: req.params.id }));
    app.get('/health-of-app', async () => 'ok');
    await app.ready();
    return app;
  };
  const monitor = AFTER.fastify({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const old = BEFORE?.fastify({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const bare = await build();
  const monitored = await build(monitor.plugin());
  const before = old === undefined ? undefined : await build(old.plugin());
  return {
    name: 'fastify',
    bare: (url) => bare.inject({ url }),
    monitored: (url) => monitored.inject({ url }),
    before: before === undefined ? undefined : (url) => before.inject({ url }),
    close: async () => {
      await bare.close();
      await monitored.close();
      await before?.close();
      await monitor.close();
      await old?.close();
    },
  };
}

async function koaVariant(): Promise<Variant> {
  const build = (use?: Koa.Middleware) => {
    const app = new Koa();
    app.silent = true;
    if (use) app.use(use);
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    router.get('/items/:id/detail', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    router.get('/health-of-app', (ctx) => {
      ctx.body = 'ok';
    });
    app.use(router.routes());
    return app.callback();
  };
  const monitor = AFTER.koa({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const old = BEFORE?.koa({ sampleIntervalMs: 0, logger: quiet, probePaths: false });
  const bare = build();
  const monitored = build(monitor.middleware());
  const before = old === undefined ? undefined : build(old.middleware());
  return {
    name: 'koa',
    bare: (url) => inject(bare, { url }),
    monitored: (url) => inject(monitored, { url }),
    before: before === undefined ? undefined : (url) => inject(before, { url }),
    close: async () => {
      await monitor.close();
      await old?.close();
    },
  };
}

/** CPU microseconds per request for `n` sequential requests. */
async function cpuPerRequest(dispatch: Dispatch, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await dispatch(URLS[i % URLS.length] as string);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const rows =
  BEFORE === undefined
    ? [
        '| framework | bare µs/req | sysvitals µs/req | added µs/req (95% CI) | ratio to bare (95% CI) | ≤ 1 µs added |',
        '|---|---|---|---|---|---|',
      ]
    : [
        '| framework | bare µs/req | before µs/req | after µs/req | before: added µs/req (95% CI) | after: added µs/req (95% CI) | after − before µs/req (95% CI) | after: ≤ 1 µs added |',
        '|---|---|---|---|---|---|---|---|',
      ];
const VARIANTS = { express: expressVariant, fastify: fastifyVariant, koa: koaVariant };
const chosen = values.frameworks.split(',').filter((f): f is keyof typeof VARIANTS => f in VARIANTS);
for (const make of chosen.map((f) => VARIANTS[f])) {
  const v = await make();
  // Warm-up: JIT, route caches, the monitor's first route slots.
  await cpuPerRequest(v.bare, 2000);
  await cpuPerRequest(v.monitored, 2000);
  if (v.before !== undefined) await cpuPerRequest(v.before, 2000);
  const bare: number[] = [];
  const monitored: number[] = [];
  const added: number[] = [];
  const ratio: number[] = [];
  const before: number[] = [];
  const beforeAdded: number[] = [];
  const change: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (v.before === undefined) {
      // Alternate which goes first, so a drift within the round does not favour one.
      const first = round % 2 === 0;
      const a = first ? await cpuPerRequest(v.bare, PER_ROUND) : 0;
      const b = await cpuPerRequest(v.monitored, PER_ROUND);
      const c = first ? a : await cpuPerRequest(v.bare, PER_ROUND);
      bare.push(c);
      monitored.push(b);
      added.push(b - c);
      ratio.push(b / c);
      continue;
    }
    // Three variants: the order rotates each round (bare, after, before; after, before, bare; …).
    const order = [v.bare, v.monitored, v.before];
    const got = new Map<Dispatch, number>();
    for (let k = 0; k < 3; k++) {
      const d = order[(k + round) % 3] as Dispatch;
      got.set(d, await cpuPerRequest(d, PER_ROUND));
    }
    const c = got.get(v.bare) as number;
    const b = got.get(v.monitored) as number;
    const o = got.get(v.before) as number;
    bare.push(c);
    monitored.push(b);
    before.push(o);
    added.push(b - c);
    ratio.push(b / c);
    beforeAdded.push(o - c);
    change.push(b - o);
  }
  await v.close();
  const addedI = meanInterval(added);
  const ratioI = meanInterval(ratio);
  rows.push(
    v.before === undefined
      ? `| ${v.name} | ${meanInterval(bare).mean.toFixed(1)} | ${meanInterval(monitored).mean.toFixed(1)} | ${formatInterval(addedI, 2)} | ${formatInterval(ratioI, 3)} | ${verdictBelow(addedI, TARGET_ADDED_US)} |`
      : `| ${v.name} | ${meanInterval(bare).mean.toFixed(1)} | ${meanInterval(before).mean.toFixed(1)} | ${meanInterval(monitored).mean.toFixed(1)} | ${formatInterval(meanInterval(beforeAdded), 2)} | ${formatInterval(addedI, 2)} | ${formatInterval(meanInterval(change), 2)} | ${verdictBelow(addedI, TARGET_ADDED_US)} |`,
  );
  console.log(rows.at(-1));
}

const builds =
  BEFORE === undefined
    ? `sysvitals from ${values.dist === undefined ? 'src/' : `\`${values.dist}\``}`
    : `sysvitals from \`${values.dist ?? 'src/'}\` (after) and \`${values.before}\` (before), three variants per round in rotated order`;
const text = `${machineLine()} light-my-request, in-process (no sockets), ${ROUNDS} interleaved rounds of ${PER_ROUND} requests per variant per framework, 5 routes (JSON and text); CPU per request from process.cpuUsage(); ${builds}.

${rows.join('\n')}

A request through light-my-request costs far more than one through a socket server, and its round-to-round
spread is several µs; this table shows the framework-level ratio and bounds the added cost, while
\`bench/record.ts\` times the adapter's own path directly.
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('adapter', text);
