// Express with sysvitals: `npx tsx examples/express.ts` (PORT, SYSVITALS_ADMIN_TOKEN, REDIS_URL from the environment).

import { createServer, type Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createMonitor, type ExpressMonitor, type ExpressMonitorOptions } from '../src/adapters/express.js';
import {
  closeServer,
  envAdminToken,
  exampleStore,
  listen,
  runIfMain,
  type Started,
  sleep,
  slowMs,
} from './shared.js';

export interface StartOptions {
  /** @defaultValue PORT or 3000; 0 picks a free port */
  port?: number;
  /** @defaultValue all interfaces */
  host?: string;
  /** Extra monitor options (tests: a silent logger, no sample timer). */
  monitor?: ExpressMonitorOptions;
}

export interface ExpressExample extends Started {
  app: Express;
  server: Server;
  monitor: ExpressMonitor;
}

export async function start(options: StartOptions = {}): Promise<ExpressExample> {
  const store = await exampleStore('express');
  const adminToken = envAdminToken();
  const monitor = createMonitor({ adminToken, ...(store ? { store } : {}), ...options.monitor });

  const app = express();
  app.use(monitor.middleware()); // first, so it sees every request
  app.get('/', (_req, res) => {
    res.json({ hello: 'world' });
  });
  app.get('/slow', async (_req, res) => {
    const ms = slowMs();
    await sleep(ms);
    res.json({ slept_ms: ms });
  });
  app.get('/fail', () => {
    throw new Error('this route always fails');
  });
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id, name: `User ${req.params.id}` });
  });
  // An error handler as most apps have: the thrown error still counts as a 500 for sysvitals.
  app.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: 'internal error' });
  });

  // A background job: every run is timed and counted in jobs/ (runs, failures, last success and failure),
  // and `job_stale` fires if it stops succeeding for twice its period. Unref'd: it never keeps the process up.
  const sessions = new Map<string, number>();
  const pruneSessions = monitor.job(
    'prune-sessions',
    () => {
      const cutoff = Date.now() - 30 * 60_000;
      for (const [id, seenAt] of sessions) if (seenAt < cutoff) sessions.delete(id);
    },
    { expectEvery: '1m' },
  );
  const jobTimer = setInterval(pruneSessions, 60_000);
  jobTimer.unref();

  const server = createServer(app);
  server.once('close', () => clearInterval(jobTimer));
  const { url, adminUrl } = await listen(server, options.port, options.host);
  return {
    app,
    server,
    monitor,
    url,
    adminUrl,
    adminToken,
    close: () => closeServer(server, monitor),
  };
}

await runIfMain(import.meta.url, 'Express', () => start());
