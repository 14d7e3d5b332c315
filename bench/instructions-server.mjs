// One server for bench/instructions.ts, plain JavaScript so that valgrind runs node alone (no tsx):
// `node bench/instructions-server.mjs <express|fastify|koa> <bare|sysvitals|hook> [distDir]`, sysvitals from
// dist/ (or distDir: an older build, for a before/after count). `hook` (diagnosis, `--only hook`): bare with one
// empty middleware (Fastify: an empty callback-style onRequest hook), what the framework itself charges for the
// one place sysvitals is mounted.
// Prints `READY <port>`; exits on SIGTERM or when stdin closes. The sample timer is off (sampleIntervalMs 0):
// under valgrind a request takes ~50× longer, so a timer would fire ~50× more often per request.

import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const [framework, variant, distDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const BODY = { hello: 'world' };
const OPTIONS = { adminToken: 'bench-token', sampleIntervalMs: 0, logger: { warn() {}, error() {} } };
const dist = distDir ?? new URL('../dist', import.meta.url).pathname;
const sysvitals = (name) => require(`${dist}/adapters/${name}.cjs`).createMonitor(OPTIONS);

function express() {
  const app = require('express')();
  if (variant === 'sysvitals') app.use(sysvitals('express').middleware());
  if (variant === 'hook') app.use((_req, _res, next) => next());
  app.get('/users/:id', (req, res) => {
    res.json({ ...BODY, id: req.params.id });
  });
  return createServer(app);
}

async function fastify() {
  const app = require('fastify')();
  if (variant === 'sysvitals') await app.register(sysvitals('fastify').plugin());
  if (variant === 'hook') app.addHook('onRequest', (_request, _reply, next) => next());
  app.get('/users/:id', async (req) => ({ ...BODY, id: req.params.id }));
  await app.ready();
  return app.server;
}

function koa() {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  if (variant === 'sysvitals') app.use(sysvitals('koa').middleware());
  if (variant === 'hook') app.use((_ctx, next) => next());
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { ...BODY, id: ctx.params.id };
  });
  app.use(router.routes());
  return createServer(app.callback());
}

const builders = { express, fastify, koa };
if (!builders[framework] || !['bare', 'sysvitals', 'hook'].includes(variant)) {
  process.stdout.write(`UNAVAILABLE unknown ${framework} ${variant}\n`);
  process.exit(3);
}
const server = await builders[framework]();
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
// `cpu` on stdin prints this process's CPU time so far in µs (for the native instructions-per-ns estimate).
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('cpu')) {
    const u = process.cpuUsage();
    process.stdout.write(`CPU ${u.user + u.system}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
