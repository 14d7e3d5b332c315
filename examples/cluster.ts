// node:cluster with sysvitals: `npx tsx examples/cluster.ts` (PORT, WORKERS, SYSVITALS_ADMIN_TOKEN from the
// environment). The primary only forks; every worker calls createMonitor({ cluster: true }), and the admin API
// of any worker (http://localhost:3000/api/core/admin/system/metrics) answers for the whole cluster.
// Under PM2 the same worker code runs unchanged (it handles SIGINT, which PM2 sends): `pm2 start examples/cluster.ts -i 4`.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import express from 'express';
import { createMonitor } from '../src/adapters/express.js';
import { timed } from '../src/functions/timing.js';
import { envAdminToken, listenPort, sleep } from './shared.js';

const render = timed(async (ms: number) => {
  await sleep(ms);
  return { rendered: true };
}, 'render');

function startWorker(): void {
  // The only cluster-specific line: workers elect an aggregator among themselves over a private socket.
  const monitor = createMonitor({ cluster: true, adminToken: envAdminToken() });
  const app = express();
  app.use(monitor.middleware());
  app.get('/', async (_req, res) => {
    res.json({ worker: process.pid, ...(await render(Math.random() * 20)) });
  });
  const server = app.listen(listenPort(), () => {
    console.log(`worker ${process.pid} (${monitor.cluster?.role ?? 'electing'}) on :${listenPort()}`);
  });
  // SIGTERM (node:cluster, systemd, Kubernetes) and SIGINT (what `pm2 reload`/`pm2 stop` send, and Ctrl-C):
  // a handler for SIGTERM alone lets PM2 kill the worker without its last report. The order matters: stop
  // accepting, let the requests in flight finish, and only then close the monitor, which sends this worker's
  // last interval (or, on the aggregator, writes the ledger and hands over). shutdown() does the three in that
  // order: delayMs 0, since the node:cluster or PM2 primary stops handing this worker connections once its server
  // closes (behind a load balancer that must first take the process out, Kubernetes, keep the 5 s default);
  // drainMs, how long the requests in flight may take. Closing the monitor first sent the last interval while
  // requests were still running, and the exit that followed cut off those that outlived close()'s wait for them.
  // Under PM2 give kill_timeout more than drainMs + cluster.closeTimeoutMs + routing.closeTimeoutMs (README).
  const stop = () => {
    void monitor.shutdown({ server, delayMs: 0, drainMs: 5000 }).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (cluster.isPrimary && process.env.pm_id === undefined) {
  const workers = Number(process.env.WORKERS ?? Math.min(4, availableParallelism()));
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies is replaced; the cluster's counters keep its totals and never go back.
  cluster.on('exit', (w, code, signal) => {
    console.log(`worker ${w.process.pid} exited (${signal ?? code}); forking another`);
    cluster.fork();
  });
} else {
  startWorker();
}
