// The 2-worker node:cluster server bench/cluster.ts measures: bare Express, or Express with sysvitals
// in cluster mode (SYSVITALS=1). The primary prints one JSON line when both workers listen.

import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import express from 'express';

// 0: bare; 1: sysvitals in cluster mode; 2: sysvitals per process, no cluster mode (isolates aggregation);
// 3: bare with one no-op middleware (what any Express middleware costs: the floor of an adapter).
const variant = process.env.SYSVITALS ?? '0';
// The built package (dist/, what ships) unless SOURCE=1 (src/ through tsx); SV_DIST=<dir> loads another build's
// dist/ (a before/after comparison in the same seconds: bench/cluster-gap.ts --alt-dist).
const entry = process.env.SV_DIST
  ? new URL(`file://${process.env.SV_DIST}/adapters/express.cjs`)
  : new URL(
      process.env.SOURCE === '1' ? '../src/adapters/express.js' : '../dist/adapters/express.cjs',
      import.meta.url,
    );
const { createMonitor } = (await import(entry.href)) as typeof import('../src/adapters/express.js');
const silentLogger = { warn() {}, error() {}, info() {} };

if (cluster.isPrimary) {
  // PROFILE_DIR: each worker writes a V8 CPU profile there when it exits (bench/cluster.ts --profile).
  // WORKER_FLAGS: more node flags for the workers only (diagnosis: `--trace-gc`, bench/cluster-gap.ts).
  const workerFlags = (process.env.WORKER_FLAGS ?? '').split(' ').filter(Boolean);
  if (process.env.PROFILE_DIR || workerFlags.length > 0) {
    cluster.setupPrimary({
      execArgv: [
        ...process.execArgv,
        ...workerFlags,
        ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []),
      ],
    });
  }
  const pids: number[] = [];
  let port = 0;
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork();
    w.on('message', (m: { port: number }) => {
      pids.push(w.process.pid as number);
      port = m.port;
      if (pids.length === 2) process.stdout.write(`${JSON.stringify({ port, pids })}\n`);
    });
  }
  process.on('SIGTERM', () => {
    // The workers first (their profiles are written as they exit), then the primary.
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  });
} else {
  const app = express();
  const monitor =
    variant === '0' || variant === '3'
      ? null
      : createMonitor({
          ...(variant === '1'
            ? {
                cluster: {
                  name: process.env.CLUSTER_NAME,
                  socketDir: process.env.SOCKET_DIR,
                  // Diagnosis of the report cadence's cost (issue 13): CLUSTER_INTERVAL_MS=5000 npx tsx bench/cluster.ts …
                  ...(process.env.CLUSTER_INTERVAL_MS
                    ? { intervalMs: Number(process.env.CLUSTER_INTERVAL_MS) }
                    : {}),
                },
              }
            : {}),
          logger: silentLogger,
          rateLimit: false,
        });
  if (monitor) app.use(monitor.middleware());
  if (variant === '3') app.use((_req, _res, next) => next());
  app.get('/hello', (_req, res) => {
    res.send('ok');
  });
  // Bytes this worker sent to the aggregator (0 for the aggregator itself: it merges in-process).
  app.get('/__ipc', (_req, res) => {
    res.json({
      pid: process.pid,
      role: monitor?.cluster?.role ?? null,
      bytes: monitor?.cluster?.bytesOut ?? 0,
    });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  // A clean exit, so that --cpu-prof writes its profile.
  process.on('SIGTERM', () => process.exit(0));
}
