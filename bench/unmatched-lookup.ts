// What the lookup of the route an unmatched request would have matched (outside review 29, RT29-2:
// src/adapters/express-would-match.ts, koa-would-match.ts) costs per unmatched request on Express and Koa, before
// and after, in-process with light-my-request: an app of 31 routes (20 on the app or its router, 10 on a router
// mounted at /v1, a sub-app or a prefixed router), a middleware before the router that answers 401 at once, and two
// kinds of unmatched traffic: a scanner's (made-up URLs no route has: the lookup walks every layer and finds none)
// and a refused client's (a route's URL answered 401 by the middleware: the lookup finds its route), plus a matched
// request (the per-request path, which the lookup never runs on). CPU per request from process.cpuUsage(), the
// builds interleaved in rotated order each round; reported: after − before with a 95% t-interval over the rounds.
//   npx tsx bench/unmatched-lookup.ts --before DIR [--dist DIR] [--requests 60000] [--rounds 20] [--no-write]
// --before DIR: an earlier build (DIR/adapters/<framework>.cjs); --dist DIR: the new build (default src/).

import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Router from '@koa/router';
import express from 'express';
import Koa from 'koa';
import { inject } from 'light-my-request';
import { createMonitor as expressMonitor } from '../src/adapters/express.js';
import { expressWouldMatch } from '../src/adapters/express-would-match.js';
import { createMonitor as koaMonitor } from '../src/adapters/koa.js';
import { koaWouldMatch } from '../src/adapters/koa-would-match.js';
import { pinToOneCore } from './lib/pin.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval } from './lib/stats.js';

pinToOneCore();

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '60000' },
    rounds: { type: 'string', default: '20' },
    'no-write': { type: 'boolean', default: false },
    dist: { type: 'string' },
    before: { type: 'string' },
    // Routes on the app (or its Koa router), beside the 10 at /v1 and 1 more: 20 gives the 31-route app; a list
    // runs each (outside review 30, RT30-9: 1,000).
    routes: { type: 'string', default: '20,1000' },
  },
});
if (values.before === undefined) throw new Error('--before DIR (an earlier build) is required');
const requireBuild = createRequire(import.meta.url);
type Factories = { express: typeof expressMonitor; koa: typeof koaMonitor };
function factories(dir: string | undefined): Factories {
  if (dir === undefined) return { express: expressMonitor, koa: koaMonitor };
  const load = (name: string) => requireBuild(resolve(dir, 'adapters', `${name}.cjs`)).createMonitor;
  return { express: load('express'), koa: load('koa') };
}
const AFTER = factories(values.dist);
const BEFORE = factories(values.before);
const ROUNDS = Number(values.rounds);
const PER_ROUND = Math.max(100, Math.round(Number(values.requests) / ROUNDS / 2));
const quiet = { warn() {}, error() {} };
const opts = { sampleIntervalMs: 0, logger: quiet, probePaths: false as const };

const KINDS = {
  scanner: ['/wp-login.php', '/.env', '/admin/config.php', '/x1/made-up', '/api/r3/1/extra'],
  refused: ['/api/r3/1', '/api/r17/abc', '/v1/s4/9', '/v1/s9/x', '/api/r0/2'],
  matched: ['/api/r3/1', '/api/r17/abc', '/v1/s4/9', '/v1/s9/x', '/api/r0/2'],
} as const;
type Kind = keyof typeof KINDS;
type Dispatch = (url: string, kind: Kind) => Promise<unknown>;
const headers = (kind: Kind) => (kind === 'matched' ? { 'x-auth': 'ok' } : {});

let lastExpressApp: express.Express | undefined;
let lastKoaApp: Koa | undefined;

function expressApp(use: express.RequestHandler, routes: number): Dispatch {
  const app = express();
  lastExpressApp = app;
  app.set('env', 'production');
  app.set('etag', false);
  app.use(use);
  app.use((req, res, next) => (req.headers['x-auth'] === 'ok' ? next() : void res.status(401).end()));
  for (let i = 0; i < routes; i++)
    app.get(`/api/r${i}/:id`, (req, res) => void res.json({ id: req.params.id }));
  const v1 = express.Router();
  for (let i = 0; i < 10; i++) v1.get(`/s${i}/:id`, (req, res) => void res.json({ id: req.params.id }));
  app.use('/v1', v1);
  app.get('/health-of-app', (_req, res) => void res.send('ok'));
  return (url, kind) => inject(app, { url, headers: headers(kind) });
}

function koaApp(use: Koa.Middleware, routes: number): Dispatch {
  const app = new Koa();
  lastKoaApp = app;
  app.silent = true;
  app.use(use);
  app.use((ctx, next) => {
    if (ctx.get('x-auth') === 'ok') return next();
    ctx.status = 401;
    return undefined;
  });
  const router = new Router();
  for (let i = 0; i < routes; i++)
    router.get(`/api/r${i}/:id`, (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
  router.get('/health-of-app', (ctx) => {
    ctx.body = 'ok';
  });
  const v1 = new Router({ prefix: '/v1' });
  for (let i = 0; i < 10; i++)
    v1.get(`/s${i}/:id`, (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
  app.use(router.routes());
  app.use(v1.routes());
  const cb = app.callback();
  return (url, kind) => inject(cb, { url, headers: headers(kind) });
}

async function cpuPerRequest(d: Dispatch, kind: Kind, n: number): Promise<number> {
  const urls = KINDS[kind];
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await d(urls[i % urls.length] as string, kind);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const rows = [
  '| framework | traffic | before µs/req | after µs/req | after − before µs/req (95% CI) |',
  '|---|---|---|---|---|',
];
const closers: Array<() => Promise<void>> = [];
const variants: Array<[string, Dispatch, Dispatch]> = [];
const COUNTS = (values.routes as string).split(',').map(Number);
for (const count of COUNTS) {
  const total = `${count + 11} routes`;
  {
    const a = AFTER.express(opts);
    const b = BEFORE.express(opts);
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    variants.push([
      `express, ${total}`,
      expressApp(b.middleware(), count),
      expressApp(a.middleware(), count),
    ]);
  }
  {
    const a = AFTER.koa(opts);
    const b = BEFORE.koa(opts);
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    variants.push([`koa, ${total}`, koaApp(b.middleware(), count), koaApp(a.middleware(), count)]);
  }
}
for (const [name, before, after] of variants) {
  for (const kind of Object.keys(KINDS) as Kind[]) {
    await cpuPerRequest(before, kind, 2000);
    await cpuPerRequest(after, kind, 2000);
    const bs: number[] = [];
    const as: number[] = [];
    const diff: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const first = round % 2 === 0;
      const x = first ? await cpuPerRequest(before, kind, PER_ROUND) : 0;
      const y = await cpuPerRequest(after, kind, PER_ROUND);
      const z = first ? x : await cpuPerRequest(before, kind, PER_ROUND);
      bs.push(z);
      as.push(y);
      diff.push(y - z);
    }
    rows.push(
      `| ${name} | ${kind} | ${meanInterval(bs).mean.toFixed(2)} | ${meanInterval(as).mean.toFixed(2)} | ${formatInterval(meanInterval(diff), 2)} |`,
    );
    console.log(rows.at(-1));
  }
}
for (const close of closers) await close();

// The lookup alone, on the same apps (src/): ns per call, from process.cpuUsage() over many calls, per round.
const lookups = ['| framework | traffic | lookup alone, ns/call (95% CI) | result |', '|---|---|---|---|'];
const CALLS = 20_000;
const direct: Array<[string, (url: string) => string]> = [
  ['express', (url) => expressWouldMatch({ app: lastExpressApp, originalUrl: url }, 'GET')],
  [
    'koa',
    (url) =>
      koaWouldMatch({
        app: lastKoaApp,
        path: url,
        req: { method: 'GET' },
        host: 'localhost',
      } as unknown as Koa.Context),
  ],
];
for (const [name, lookup] of direct) {
  for (const kind of ['scanner', 'refused'] as const) {
    const urls = KINDS[kind];
    let sink = 0;
    const ns: number[] = [];
    for (let round = 0; round < ROUNDS + 1; round++) {
      const start = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) sink += lookup(urls[i % urls.length] as string).length;
      const used = process.cpuUsage(start);
      if (round > 0) ns.push(((used.user + used.system) * 1000) / CALLS); // round 0: warm-up
    }
    const results = [...new Set(urls.map((u) => lookup(u)))].join(', ');
    lookups.push(`| ${name} | ${kind} | ${formatInterval(meanInterval(ns), 0)} | ${results} |`);
    console.log(lookups.at(-1), sink > 0 ? '' : '!');
  }
}

const text = `${machineLine()} light-my-request, in-process, ${ROUNDS} interleaved rounds of ${PER_ROUND} requests per build per traffic kind; sysvitals from \`${values.dist ?? 'src/'}\` (after) and \`${values.before}\` (before). ${COUNTS.map((c) => c + 11).join(' or ')} routes (${COUNTS.join(' or ')} on the app, 10 on a router at /v1 / a prefixed router, 1 more), a middleware before the router answering 401 without \`x-auth\`. scanner: made-up URLs (no route: the lookup walks all layers, finds none; stays \`unmatched\`); refused: route URLs answered 401 (the lookup finds the route); matched: the same URLs authenticated (the per-request path: no lookup).

${rows.join('\n')}

The lookup alone (the last apps built, ${(COUNTS.at(-1) as number) + 11} routes, ${CALLS} calls per round, ${ROUNDS} rounds; the scanner's walk is the whole stack):

${lookups.join('\n')}
${loadLine()}`;
console.log(text);
if (!values['no-write']) writeSection('unmatched-lookup', text);
