// The 2-worker node:cluster server bench/cluster.ts measures: bare Express, or Express with sysvitals
// in cluster mode (SYSVITALS=1). The primary prints one JSON line when both workers listen.

import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMonitor } from '../src/adapters/express.js';
import { silentLogger } from '../src/logger.js';

// 0: bare; 1: sysvitals in cluster mode; 2: sysvitals per process, no cluster mode (isolates aggregation).
const variant = process.env.SYSVITALS ?? '0';

if (cluster.isPrimary) {
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
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const app = express();
  const monitor =
    variant === '0'
      ? null
      : createMonitor({
          ...(variant === '1'
            ? { cluster: { name: process.env.CLUSTER_NAME, socketDir: process.env.SOCKET_DIR } }
            : {}),
          logger: silentLogger,
          rateLimit: false,
        });
  if (monitor) app.use(monitor.middleware());
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
}
