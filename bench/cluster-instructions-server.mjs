// The 2-worker node:cluster Express app of bench/cluster-server.ts for bench/cluster-instructions.ts, plain
// JavaScript so that valgrind runs node alone (no tsx): `node bench/cluster-instructions-server.mjs <variant>
// [distDir]`, variant 0 bare, 1 sysvitals in cluster mode, 2 sysvitals per process (no cluster mode); sysvitals
// from dist/ (or distDir). Options as bench/cluster-server.ts (defaults but the logger and the rate limit), and,
// as bench/instructions-server.mjs, the sample timer off (sampleIntervalMs 0: under callgrind a sample costs
// ~17M instructions a worker, and the idle correction of per-second work grew larger than a request's count),
// and aggregatorTimeoutMs at its maximum (an hour): under callgrind on a loaded machine the aggregator missed
// its pings for 15 s and a worker took its role over mid-phase (a try run, 08:28 UTC, 2026-12-03).
// The primary prints `{"port":…,"pids":[…]}` when both workers listen; it stops the workers and exits when
// its stdin closes. The workers get the primary's node flags (cluster's default execArgv: --single-threaded).

import cluster from 'node:cluster';
import { createRequire } from 'node:module';

const [variant = '0', distDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const dist = distDir ?? new URL('../dist', import.meta.url).pathname;
const silentLogger = { warn() {}, error() {}, info() {} };

if (cluster.isPrimary) {
  cluster.setupPrimary({ execArgv: process.execArgv, args: [variant, dist] });
  const pids = [];
  let port = 0;
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork();
    w.on('message', (m) => {
      pids.push(w.process.pid);
      port = m.port;
      if (pids.length === 2) process.stdout.write(`${JSON.stringify({ port, pids })}\n`);
    });
  }
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
    setTimeout(() => process.exit(0), 20_000).unref();
  };
  process.stdin.resume();
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
} else {
  const { createMonitor } = require(`${dist}/adapters/express.cjs`);
  const app = require('express')();
  const monitor =
    variant === '0'
      ? null
      : createMonitor({
          ...(variant === '1'
            ? {
                cluster: {
                  name: process.env.CLUSTER_NAME,
                  socketDir: process.env.SOCKET_DIR,
                  aggregatorTimeoutMs: 3_600_000,
                },
              }
            : {}),
          sampleIntervalMs: 0,
          logger: silentLogger,
          rateLimit: false,
        });
  if (monitor) app.use(monitor.middleware());
  app.get('/hello', (_req, res) => {
    res.send('ok');
  });
  // This worker's cluster role (the aggregator or a worker), to show that the role did not move during the run.
  app.get('/__role', (_req, res) => {
    res.json({ pid: process.pid, role: monitor?.cluster?.role ?? null });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: server.address().port });
  });
  server.keepAliveTimeout = 600_000;
  process.on('SIGTERM', () => process.exit(0));
}
