// One server for bench/alloc.ts, plain JavaScript (node alone, no tsx in the measured process):
// `node --expose-gc bench/alloc-server.mjs <express|fastify|koa> <bare|hook|sysvitals> [distDir]`, sysvitals from dist/
// (or distDir: an older build, for before/after). Each variant runs in a process of its own: in one process, a
// bare server's responses would pass sysvitals' 'http.server.response.finish' subscriber (and Node would build the
// channel's message for them), so it would not be bare. Prints `READY <port>`; then, over IPC, `begin` (a full GC
// twice, the heap's used bytes read, V8's GC profiler started, CPU read) and `end` (the same read again, the
// profiler stopped) answer `{ bytes, scavenges, markCompacts, promoted, gcUs, cpuUs }` for the requests between.
// The sample timer is off (sampleIntervalMs 0): a collection every 5 s would land in some phases and not others.

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import v8 from 'node:v8';

const [framework, variant, distDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const dist = distDir ?? new URL('../dist', import.meta.url).pathname;
const OPTIONS = { adminToken: 'bench-token', sampleIntervalMs: 0, logger: { warn() {}, error() {} } };
const KEEP_ALIVE_MS = 120_000;
const monitored = variant === 'sysvitals';
// `hook` (diagnosis): bare with one empty middleware (Fastify: an onRequest hook), what any middleware costs.
const hook = variant === 'hook';
const monitor = monitored ? require(`${dist}/adapters/${framework}.cjs`).createMonitor(OPTIONS) : null;

async function listen() {
  if (framework === 'express') {
    const express = require('express');
    const app = express();
    app.set('env', 'production');
    app.set('etag', false);
    if (monitor) app.use(monitor.middleware());
    if (hook) app.use((_req, _res, next) => next());
    app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
    app.get('/items/:id/detail', (req, res) => res.json({ id: req.params.id }));
    app.get('/health-of-app', (_req, res) => res.send('ok'));
    return serve(createServer(app));
  }
  if (framework === 'fastify') {
    const app = require('fastify')({ logger: false, keepAliveTimeout: KEEP_ALIVE_MS });
    if (monitor) await app.register(monitor.plugin());
    if (hook) app.addHook('onRequest', (_req, _reply, done) => done());
    app.get('/users/:id', async (req) => ({ id: req.params.id }));
    app.get('/items/:id/detail', async (req) => ({ id: req.params.id }));
    app.get('/health-of-app', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app.server.address().port;
  }
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  app.silent = true;
  if (monitor) app.use(monitor.middleware());
  if (hook) app.use((_ctx, next) => next());
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
  return serve(createServer(app.callback()));
}

function serve(server) {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server.address().port)));
}

// Code spaces left out: code the JIT compiles in a phase is not a request's allocation (and varies by phase).
const CODE = new Set(['code_space', 'code_large_object_space']);
const used = () => {
  let n = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (!CODE.has(s.space_name)) n += s.space_used_size;
  return n;
};
const usedIn = (stats) => {
  let n = 0;
  for (const s of stats.heapSpaceStatistics) if (!CODE.has(s.spaceName)) n += s.spaceUsedSize;
  return n;
};
const spaceUsed = (stats, name) =>
  stats.heapSpaceStatistics.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;
let state = null;

process.on('message', (m) => {
  if (m === 'begin') {
    globalThis.gc();
    globalThis.gc();
    const profiler = new v8.GCProfiler();
    profiler.start();
    state = { profiler, used: used(), cpu: process.cpuUsage() };
    process.send({ begun: true });
    return;
  }
  if (m === 'end') {
    const cpu = process.cpuUsage(state.cpu);
    const usedEnd = used();
    const { statistics } = state.profiler.stop();
    // Bytes allocated = what the heap grew by + what every GC in between freed.
    let freed = 0;
    let scavenges = 0;
    let markCompacts = 0;
    let promoted = 0;
    let gcUs = 0;
    for (const s of statistics) {
      freed += usedIn(s.beforeGC) - usedIn(s.afterGC);
      gcUs += s.cost;
      if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkCompact' || s.gcType === 'MinorMarkSweep') {
        scavenges++;
        promoted += spaceUsed(s.afterGC, 'old_space') - spaceUsed(s.beforeGC, 'old_space');
      } else markCompacts++;
    }
    const newSpace = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    process.send({
      newSpace: newSpace?.space_size ?? 0,
      bytes: usedEnd - state.used + freed,
      scavenges,
      markCompacts,
      promoted,
      gcUs,
      cpuUs: cpu.user + cpu.system,
    });
    state = null;
    return;
  }
  if (m === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

const port = await listen();
process.stdout.write(`READY ${port}\n`);
