// One server for bench/instructions.ts, plain JavaScript so that valgrind runs node alone (no tsx):
// `node bench/instructions-server.mjs <express|fastify|koa> <bare|sysvitals|hook> [distDir]`, sysvitals from
// dist/ (or distDir: an older build, for a before/after count). `hook` (diagnosis, `--only hook`): bare with one
// empty middleware (Fastify: an empty callback-style onRequest hook), what the framework itself charges for the
// one place sysvitals is mounted. `gc` (`--only gc`): bare with sysvitals' GC observer alone (the same
// PerformanceObserver and callback as src/collector/runtime-gc.ts), what that observer costs per request.
// Prints `READY <port>`; exits on SIGTERM or when stdin closes. The sample timer is off (sampleIntervalMs 0):
// under valgrind a request takes ~50× longer, so a timer would fire ~50× more often per request.
// `floor` (diagnosis, `--only floor`): bare with the timing floor of bench/lib/floor-middleware.ts's `floor-dc`
// shape (a stamp on the response at the start, Node's 'http.server.response.finish' channel, a per-route count and
// sum), copied as plain JavaScript: what sysvitals is compared with in bench/floor.ts, counted here.
// `floorzlib` (diagnosis): `floor` plus one node:zlib deflateSync + inflateSync round trip after its first response,
// as sysvitals' history warm-up and minute flush make (what those zlib streams cost Node's request path after).
// `closelistener` (diagnosis): bare plus one 'close' listener on each connection, as sysvitals' response-end.ts
// adds (what that listener alone costs Node's per-request listener handling on the socket).
// `hookfloor` (diagnosis, issue 18's hook floor): what a framework charges for the hooks a timing integration would
// use, with nothing in them. Fastify: one empty onRequest and one empty onResponse hook (callback style); Koa: one
// empty `async (ctx, next) => { await next(); }` middleware; Express: one empty middleware (as `hook`).

import { subscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';

const [framework, variant, distDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const BODY = { hello: 'world' };
const OPTIONS = { adminToken: 'bench-token', sampleIntervalMs: 0, logger: { warn() {}, error() {} } };
const dist = distDir ?? new URL('../dist', import.meta.url).pathname;

// SYSVITALS_BENCH_COUNT_TIMERS=1 (node --expose-internals; bench/instructions.ts's native timer count): Node's
// processTimers, which node::Environment::RunTimers calls once per libuv timer expiry, is installed again wrapped
// in a counter (the same callbacks, from internal/timers over the same module state); `timers` on stdin prints
// `TIMERS <count>`. No stop, no other process: the count does not slow the server it counts.
let timerFirings = 0;
if (process.env.SYSVITALS_BENCH_COUNT_TIMERS === '1') {
  const { internalBinding } = require('internal/test/binding');
  const { getTimerCallbacks } = require('internal/timers');
  const { processImmediate, processTimers } = getTimerCallbacks(process._tickCallback);
  internalBinding('timers').setupTimers(processImmediate, (now) => {
    timerFirings++;
    return processTimers(now);
  });
}

// The floor (variant `floor`): bench/lib/floor-middleware.ts's channel way, in plain JavaScript.
const tallies = new Map();
function tally(route, ms) {
  let t = tallies.get(route);
  if (t === undefined) {
    t = { count: 0, sum: 0 };
    tallies.set(route, t);
  }
  t.count++;
  t.sum += ms;
}
const START = Symbol('floor.start');
const CTX = Symbol('floor.ctx');
function onFinish(fn) {
  let zlibbed = variant !== 'floorzlib';
  subscribe('http.server.response.finish', (m) => {
    fn(m.request, m.response);
    if (zlibbed) return;
    zlibbed = true;
    setImmediate(() => {
      const zlib = require('node:zlib');
      zlib.inflateSync(zlib.deflateSync(Buffer.alloc(2048, 1)));
    });
  });
}
let contextKey;
function fastifyRoute(request) {
  if (contextKey === undefined) {
    contextKey = null;
    for (const key of Object.getOwnPropertySymbols(request))
      if (key.description === 'fastify.context') contextKey = key;
  }
  const url = contextKey === null ? request.routeOptions?.url : request[contextKey]?.config?.url;
  return typeof url === 'string' ? url : 'unmatched';
}
function expressRoute(req) {
  const route = req.route;
  if (route === undefined || typeof route.path !== 'string') return 'unmatched';
  return req.baseUrl ? req.baseUrl + route.path : route.path;
}
const noop = () => {};

// `dateclock`: sysvitals with the monitor's `clock` option injected ({ now: Date.now }), so its request path reads
// Date.now() and the coarse clock's 50 ms timer never runs (bench/instructions.ts --clock-check: the timer
// attribution checked against a server without that timer).
const sysvitals = (name) =>
  require(`${dist}/adapters/${name}.cjs`).createMonitor(
    variant === 'dateclock' ? { ...OPTIONS, clock: { now: Date.now } } : OPTIONS,
  );
const withSysvitals = variant === 'sysvitals' || variant === 'dateclock';

function express() {
  const app = require('express')();
  if (withSysvitals) app.use(sysvitals('express').middleware());
  if (variant === 'hook' || variant === 'hookfloor') app.use((_req, _res, next) => next());
  if (variant === 'floor' || variant === 'floorzlib') {
    onFinish((req, res) => {
      const start = res[START];
      if (typeof start === 'number') tally(expressRoute(req), performance.now() - start);
    });
    app.use((_req, res, next) => {
      res[START] = performance.now();
      next();
    });
  }
  app.get('/users/:id', (req, res) => {
    res.json({ ...BODY, id: req.params.id });
  });
  return createServer(app);
}

async function fastify() {
  const app = require('fastify')();
  if (withSysvitals) await app.register(sysvitals('fastify').plugin());
  if (variant === 'hook' || variant === 'hookfloor')
    app.addHook('onRequest', (_request, _reply, next) => next());
  if (variant === 'hookfloor') app.addHook('onResponse', (_request, _reply, next) => next());
  if (variant === 'floor' || variant === 'floorzlib') {
    onFinish((_req, res) => {
      const request = res[CTX];
      if (request !== undefined) tally(fastifyRoute(request), performance.now() - res[START]);
    });
    app.addHook('onRequest', (request, reply, done) => {
      const res = reply.raw;
      res[START] = performance.now();
      res[CTX] = request;
      done();
    });
  }
  app.get('/users/:id', async (req) => ({ ...BODY, id: req.params.id }));
  await app.ready();
  return app.server;
}

function koa() {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  if (withSysvitals) app.use(sysvitals('koa').middleware());
  if (variant === 'hook') app.use((_ctx, next) => next());
  if (variant === 'hookfloor')
    app.use(async (_ctx, next) => {
      await next();
    });
  if (variant === 'floor' || variant === 'floorzlib') {
    onFinish((_req, res) => {
      const ctx = res[CTX];
      if (ctx !== undefined) {
        const matched = ctx._matchedRoute;
        tally(typeof matched === 'string' ? matched : 'unmatched', performance.now() - res[START]);
      }
    });
    app.use((ctx, next) => {
      const res = ctx.res;
      res[START] = performance.now();
      res[CTX] = ctx;
      return next();
    });
  }
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { ...BODY, id: ctx.params.id };
  });
  app.use(router.routes());
  return createServer(app.callback());
}

/** A copy of src/collector/runtime-gc.ts's observer (the class is not exported by the package). */
function gcObserver() {
  const GC_KINDS = Object.freeze(['minor', 'major', 'incremental', 'weakcb']);
  const KIND_OF = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const count = new Float64Array(4);
  const total = new Float64Array(4);
  const max = new Float64Array(4);
  const add = (i, ms) => {
    count[i] = count[i] + 1;
    total[i] = total[i] + ms;
    if (ms > max[i]) max[i] = ms;
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = entry.detail;
      const kind = KIND_OF[detail?.kind ?? -1];
      if (kind === undefined) continue;
      add(GC_KINDS.indexOf(kind), entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { count, total, max, observer };
}
const gcState = variant === 'gc' ? gcObserver() : undefined;

const builders = { express, fastify, koa };
if (
  !builders[framework] ||
  ![
    'bare',
    'sysvitals',
    'dateclock',
    'hook',
    'hookfloor',
    'gc',
    'floor',
    'floorzlib',
    'closelistener',
  ].includes(variant)
) {
  process.stdout.write(`UNAVAILABLE unknown ${framework} ${variant}\n`);
  process.exit(3);
}
const server = await builders[framework]();
if (variant === 'closelistener') server.on('connection', (socket) => socket.on('close', noop));
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', () => {
  // the wall time V8's --trace-gc timestamps (ms since the isolate started) count from, near enough
  process.stdout.write(`ORIGIN ${performance.timeOrigin}\n`);
  process.stdout.write(`PID ${process.pid}\n`);
  process.stdout.write(`READY ${server.address().port}\n`);
});
// `cpu` on stdin prints this process's CPU time so far in µs (for the native instructions-per-ns estimate).
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('cpu')) {
    const u = process.cpuUsage();
    process.stdout.write(`CPU ${u.user + u.system}\n`);
  }
  // `heap` prints V8's used heap size (for bytes allocated per request, with --trace-gc-nvp: bench/gc-observer.ts)
  // `fullgc` (node --expose-gc): two full collections, then `GCDONE` (bench/instructions.ts --gc-between-phases)
  if (text.includes('fullgc') && typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
    process.stdout.write('GCDONE\n');
  }
  if (text.includes('timers')) process.stdout.write(`TIMERS ${timerFirings}\n`);
  if (text.includes('heap')) process.stdout.write(`HEAP ${v8.getHeapStatistics().used_heap_size}\n`);
  // `hstart` / `hstop FILE`: V8's sampling heap profiler over a window, objects that died young included
  // (where the bytes per request are allocated; diagnosis only, inspector loaded on demand)
  if (text.includes('hstart')) void heapSampling('start');
  const stop = /hstop (\S+)/.exec(text);
  if (stop) void heapSampling('stop', stop[1]);
  // `tally`: the floor's per-route counts and sums (variant `floor`), to check that it timed what it served.
  if (text.includes('tally')) process.stdout.write(`TALLY ${JSON.stringify([...tallies])}\n`);
  if (text.includes('seen') && gcState) process.stdout.write(`SEEN ${gcState.count.join(' ')}\n`);
});
let session;
async function heapSampling(what, file) {
  const { Session } = await import('node:inspector');
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  if (what === 'start') {
    session = new Session();
    session.connect();
    await post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    process.stdout.write('HSTARTED\n');
  } else {
    const { profile } = await post('HeapProfiler.stopSampling');
    (await import('node:fs')).writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stdout.write('HSTOPPED\n');
  }
}
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
