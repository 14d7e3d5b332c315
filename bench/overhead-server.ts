// One server for bench/overhead.ts: `node --import tsx bench/overhead-server.ts <framework> <variant> [dist|source]`.
// Prints `READY <port>` once listening, or `UNAVAILABLE <reason>` and exits 3 when a peer is not installed.
// sysvitals comes from the build (dist/, what ships; `npm run build` first) unless the third argument is `source`
// (src/ through tsx) or the directory of another build (a copy of dist/ built from other code).

import { executionAsyncResource } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { RequestHandler } from 'express';

const [framework, variant, from = 'dist'] = process.argv.slice(2) as [string, string, string?];
// Every variant, bare included, keeps one nextTick queue entry alive from its start, as createMonitor does
// (src/monitor/tick-shape.ts): Node 20's nextTick is otherwise left about ten times dearer, by chance, in some
// start-ups (bench/RESULTS.md nexttick), and a bare server that drew it read sysvitals cheaper than it is
// (window profiles, 2026-12-04: nextTick 13.5 samples per 1,000 requests in one bare server of four).
const keptTick: object[] = [];
process.nextTick(() => keptTick.push(executionAsyncResource()));
/** The adapter entry as the package ships it (dist/adapters/<name>.cjs), or its source with `source`. */
// A third argument other than `dist` or `source` is the directory of another build (overhead.ts --against).
function adapterUrl(name: 'express' | 'fastify' | 'koa'): string {
  if (from !== 'dist' && from !== 'source') return pathToFileURL(`${from}/adapters/${name}.cjs`).href;
  return new URL(
    from === 'source' ? `../src/adapters/${name}.js` : `../dist/adapters/${name}.cjs`,
    import.meta.url,
  ).href;
}
// express-status-monitor and swagger-stats live in bench/peers (swagger-stats needs prom-client <= 14).
const peers = createRequire(new URL('./peers/package.json', import.meta.url));
const local = createRequire(import.meta.url);

function unavailable(reason: string): never {
  process.stdout.write(`UNAVAILABLE ${reason}\n`);
  process.exit(3);
}

function loadPeer<T>(name: string): T {
  try {
    return peers(name) as T;
  } catch (err) {
    unavailable(
      `${name} is not installed in bench/peers (run \`npm install\` there): ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

const BODY = { hello: 'world' };
// Diagnosis only (bench/under-load.ts, issues 18 and 13): SV_ABLATE=a+b switches pieces of sysvitals off in the
// sysvitals variant: `idle` creates the monitor without installing its middleware (its timers, sampler and
// observers run, no request is recorded); `nosample` runs it without the sample cycle (sampleIntervalMs 0).
const ablate = new Set((process.env.SV_ABLATE ?? '').split('+').filter(Boolean));
// `nogc` keeps any 'gc' PerformanceObserver from observing and `noeld` hands out a monitorEventLoopDelay that never
// runs (both patched into node:perf_hooks before sysvitals loads); `addgc` gives any variant (bare too) one 'gc'
// observer of its own, as sysvitals' collector has.
if (ablate.has('nogc') || ablate.has('noeld') || ablate.has('addgc')) {
  const perf = local('node:perf_hooks') as typeof import('node:perf_hooks');
  if (ablate.has('nogc')) {
    const observe = perf.PerformanceObserver.prototype.observe;
    perf.PerformanceObserver.prototype.observe = function (this: PerformanceObserverT, o: object) {
      const types = (o as { entryTypes?: string[]; type?: string }).entryTypes ?? [
        (o as { type: string }).type,
      ];
      if (!types.includes('gc')) observe.call(this, o as never);
    };
  }
  if (ablate.has('noeld')) {
    (perf as { monitorEventLoopDelay: unknown }).monitorEventLoopDelay = () => ({
      enable: () => true,
      disable: () => true,
      reset: () => {},
      percentile: () => 0,
      percentiles: new Map(),
      count: 0,
      max: 0,
      min: 0,
      mean: 0,
      stddev: 0,
      exceeds: 0,
    });
  }
  if (ablate.has('addgc')) new perf.PerformanceObserver(() => {}).observe({ entryTypes: ['gc'] });
}
type PerformanceObserverT = import('node:perf_hooks').PerformanceObserver;
// `ballast` keeps ~2 MB of small live objects (what a default monitor holds beside a bare app, v8 heap statistics
// after gc(): 8.0 against 5.9 MB used) for the life of the process: the heap size alone, without sysvitals.
const ballast: unknown[] = [];
if (ablate.has('ballast'))
  for (let i = 0; i < 20_000; i++) ballast.push({ i, s: `k${i}`, a: [i, i + 1, i + 2], o: { x: i } });
process.on('exit', () => ballast.length);
function ablatedOptions(): { sampleIntervalMs?: number } {
  return ablate.has('nosample') ? { sampleIntervalMs: 0 } : {};
}
// A token of 32+ characters, as the README asks: a shorter one makes createMonitor warn on stderr, and a
// console.warn at start-up made Node 20's process.nextTick about ten times dearer for the life of the process
// likelier (--cpu-prof: nextTick 3-10 % of samples against 0.2-0.9 %, in 4 of 12 bare Fastify start-ups with
// only the warning; bench/RESULTS.md, nexttick 2026-12-03). Until then this bench partly measured that.
const TOKEN = 'bench-token-0123456789abcdef0123456789';

async function express(): Promise<Server> {
  const { default: express } = await import('express');
  const app = express();
  if (variant === 'sysvitals') {
    const { createMonitor } = (await import(
      adapterUrl('express')
    )) as typeof import('../src/adapters/express.js');
    const monitor = createMonitor({ adminToken: TOKEN, ...ablatedOptions() });
    if (!ablate.has('idle')) app.use(monitor.middleware());
  } else if (variant === 'floor' || variant === 'floor-dc') {
    // The floor of a timing middleware (bench/floor.ts, bench/lib/floor-middleware.ts).
    app.use(
      (await import('./lib/floor-middleware.js')).expressFloor(variant === 'floor' ? 'listener' : 'channel'),
    );
  } else if (variant === 'express-prom-bundle') {
    const promBundle = local('express-prom-bundle');
    app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true }));
  } else if (variant === 'express-status-monitor') {
    app.use(loadPeer<() => RequestHandler>('express-status-monitor')());
  } else if (variant === 'swagger-stats') {
    app.use(loadPeer<{ getMiddleware(o: object): RequestHandler }>('swagger-stats').getMiddleware({}));
  } else if (variant !== 'bare') unavailable(`unknown express variant ${variant}`);
  app.get('/users/:id', (req, res) => {
    res.json({ ...BODY, id: req.params.id });
  });
  return createServer(app);
}

async function fastify(): Promise<Server> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (variant === 'sysvitals' || variant === 'sysvitals-nosample') {
    const { createMonitor } = (await import(
      adapterUrl('fastify')
    )) as typeof import('../src/adapters/fastify.js');
    // sysvitals-nosample (diagnosis, bench/native-gap.ts): without the sample timer, as bench/instructions.ts runs it.
    const sampling = variant === 'sysvitals-nosample' ? { sampleIntervalMs: 0 } : {};
    await app.register(createMonitor({ adminToken: TOKEN, ...sampling }).plugin());
  } else if (variant === 'monitor-idle') {
    // Diagnosis: the monitor created (its timers, sampler and process watches running) but not registered:
    // what the monitor costs a loaded server beside its request path.
    const { createMonitor } = (await import(
      adapterUrl('fastify')
    )) as typeof import('../src/adapters/fastify.js');
    createMonitor({ adminToken: TOKEN });
  } else if (variant === 'floor' || variant === 'floor-dc') {
    (await import('./lib/floor-middleware.js')).fastifyFloor(
      app,
      variant === 'floor' ? 'listener' : 'channel',
    );
  } else if (variant === 'hook-clock') {
    // Diagnosis: an empty onRequest hook that reads the clock, and the end told by Node's finish channel (the
    // shape of sysvitals' path without its bookkeeping).
    const { subscribe } = await import('node:diagnostics_channel');
    const { performance } = await import('node:perf_hooks');
    const START = Symbol('start');
    let sum = 0;
    subscribe('http.server.response.finish', (m) => {
      const res = (m as { response: Record<symbol, number> }).response;
      sum += performance.now() - (res[START] ?? 0);
    });
    app.addHook('onRequest', (_request, reply, next) => {
      (reply.raw as unknown as Record<symbol, number>)[START] = performance.now();
      next();
    });
    process.on('exit', () => sum);
  } else if (variant === 'hook') {
    // Diagnosis (bench/native-gap.ts): one empty callback-style onRequest hook, Fastify's own cost of a hook.
    app.addHook('onRequest', (_request, _reply, next) => next());
  } else if (variant === 'fastify-metrics') {
    const { default: metrics } = await import('fastify-metrics');
    await app.register(metrics as never, { endpoint: '/metrics' });
  } else if (variant !== 'bare') unavailable(`unknown fastify variant ${variant}`);
  app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ ...BODY, id: req.params.id }));
  await app.ready();
  return app.server;
}

async function koa(): Promise<Server> {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const app = new Koa();
  if (variant === 'sysvitals' || variant === 'monitor-idle') {
    const { createMonitor } = (await import(adapterUrl('koa'))) as typeof import('../src/adapters/koa.js');
    const monitor = createMonitor({ adminToken: TOKEN, ...ablatedOptions() });
    // monitor-idle (diagnosis): the monitor running, its middleware not installed (as SV_ABLATE=idle).
    if (variant === 'sysvitals' && !ablate.has('idle')) app.use(monitor.middleware());
  } else if (variant === 'floor' || variant === 'floor-dc') {
    app.use(
      (await import('./lib/floor-middleware.js')).koaFloor(variant === 'floor' ? 'listener' : 'channel'),
    );
  } else if (variant === 'hook') {
    // Diagnosis (issue 18): one empty middleware returning next()'s promise, what any Koa middleware costs.
    app.use((_ctx, next) => next());
  } else if (variant === 'hook-clock') {
    // Diagnosis: an empty middleware that reads the clock, and the end told by Node's finish channel (the shape of
    // sysvitals' path without its bookkeeping), as Fastify's hook-clock.
    const { subscribe } = await import('node:diagnostics_channel');
    const { performance } = await import('node:perf_hooks');
    const START = Symbol('start');
    let sum = 0;
    subscribe('http.server.response.finish', (m) => {
      const res = (m as { response: Record<symbol, number> }).response;
      sum += performance.now() - (res[START] ?? 0);
    });
    app.use((ctx, next) => {
      (ctx.res as unknown as Record<symbol, number>)[START] = performance.now();
      return next();
    });
    process.on('exit', () => sum);
  } else if (variant === 'spin') {
    // Diagnosis (issue 18): bare slowed by user-mode work alone, SV_SPIN_US µs of it per request (default 4, a busy
    // wait on the clock: no allocation, no syscall, no listener). What being slower costs a server in this bench by
    // itself (its kernel time per request, its load generator's wake-ups), to set beside sysvitals' figures.
    const { performance } = await import('node:perf_hooks');
    const spinMs = Number(process.env.SV_SPIN_US ?? '4') / 1000;
    app.use((_ctx, next) => {
      const until = performance.now() + spinMs;
      while (performance.now() < until);
      return next();
    });
  } else if (variant === 'prom-client') {
    // What a Koa user writes with prom-client: one labelled histogram observed per request.
    const client = await import('prom-client');
    const histogram = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    app.use(async (ctx, next) => {
      const end = histogram.startTimer();
      try {
        await next();
      } finally {
        const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        end({ method: ctx.method, route, status_code: ctx.status });
      }
    });
  } else if (variant !== 'bare') unavailable(`unknown koa variant ${variant}`);
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { ...BODY, id: ctx.params.id };
  });
  app.use(router.routes());
  return createServer(app.callback());
}

const builders: Record<string, () => Promise<Server>> = { express, fastify, koa };
const build = builders[framework];
if (!build) unavailable(`unknown framework ${framework}`);
const server = await build();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
// Diagnosis (issue 18): with PROFILE_DIR set, SIGUSR2 starts a CPU profile of the main thread and SIGHUP writes it
// there, so a profile covers the loaded window only (no start-up, no warm-up).
if (process.env.PROFILE_DIR) {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  process.on('SIGUSR2', () => {
    void post('Profiler.enable')
      .then(() => post('Profiler.setSamplingInterval', { interval: 250 }))
      .then(() => post('Profiler.start'));
  });
  process.on('SIGHUP', () => {
    void post('Profiler.stop').then((r) => {
      writeFileSync(
        `${process.env.PROFILE_DIR}/${variant}-${process.pid}.cpuprofile`,
        JSON.stringify((r as { profile: unknown }).profile),
      );
      process.stdout.write('PROFILED\n');
    });
  });
}
