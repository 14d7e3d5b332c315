// During shutdown's delay every response carries `Connection: close` (README "Graceful shutdown"), the probes' and
// the admin API's too (outside review 31, RT31-3: /readyz 503 and /livez 200 kept `keep-alive`, so a load balancer's
// health checker kept its connection until the servers closed). Express, Fastify and Koa over a real server on port
// 0; oracle: the header a keep-alive agent receives, and the server ending a keep-alive connection after the response
// (a second request on it gets no answer). The shutdown's delay runs on fake setTimeout (nothing here is timed).

import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { type FrameworkServer, fastifyServer, koaServer, listening } from '../helpers/framework-servers.js';

const BASE = '/api/core/admin/system';
const DELAY_MS = 60_000;
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0, logger: silentLogger };
// Probes, and admin API answers: a read, the scrape, a 404 under the base path.
const PATHS = [
  '/readyz',
  '/livez',
  '/startupz',
  `${BASE}/health/`,
  `${BASE}/metrics/prometheus`,
  `${BASE}/nope`,
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function expressServer(options: MonitorOptions): Promise<FrameworkServer> {
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(options);
  const app = express();
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  const { createServer } = await import('node:http');
  return listening({ monitor: monitor as unknown as SystemMonitor, server: createServer(app) });
}

const SERVERS = {
  express: () => expressServer(OPTIONS),
  fastify: () =>
    fastifyServer('http1', OPTIONS, (app) => {
      app.get('/ok', async () => 'ok');
    }),
  koa: () =>
    koaServer('http1', OPTIONS, (router) => {
      router.get('/ok', (ctx) => {
        ctx.body = 'ok';
      });
    }),
};

/** One GET through a keep-alive agent: status and `Connection` header. */
function viaAgent(
  port: number,
  path: string,
  agent: Agent,
): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A keep-alive client on a raw socket: sends GET `path`, and once its whole response is in, a second GET on the same
 * connection. `keptOpen` is true when the second got an answer, false when the server ended the connection instead.
 */
function keepAliveExchange(port: number, path: string): Promise<{ status: number; keptOpen: boolean }> {
  const ask = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let status = 0;
    let secondSent = false;
    const finish = (keptOpen: boolean) => {
      socket.destroy();
      resolve({ status, keptOpen });
    };
    socket.setEncoding('latin1');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (secondSent) {
        if (data.includes('HTTP/1.1 ')) finish(true);
        return;
      }
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = data.slice(0, headEnd);
      status = Number(head.split(' ')[1]);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      const body = data.slice(headEnd + 4);
      const complete = length ? body.length >= Number(length[1]) : body.endsWith('0\r\n\r\n');
      if (!complete) return;
      data = '';
      secondSent = true;
      socket.write(ask);
    });
    socket.on('end', () => finish(false));
    socket.write(ask);
  });
}

describe.each(Object.keys(SERVERS) as (keyof typeof SERVERS)[])(
  'during shutdown delay on %s',
  (framework) => {
    it('every probe and admin response carries Connection: close and the server closes the connection', async () => {
      const served = await SERVERS[framework]();
      cleanups.push(() => served.close());
      await served.monitor.sample(); // a snapshot to read (health/ and the scrape then collect nothing)
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      cleanups.push(() => agent.destroy());
      // Before the shutdown: kept alive (the oracle's reading is not always "close").
      expect(await viaAgent(served.port, '/livez', agent)).toEqual({ status: 200, connection: 'keep-alive' });
      expect((await keepAliveExchange(served.port, '/livez')).keptOpen).toBe(true);

      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const done = served.monitor.shutdown({ delayMs: DELAY_MS, drainMs: 1000 });
      const seen: Record<string, unknown> = {};
      for (const path of PATHS) {
        const a = await viaAgent(served.port, path, agent);
        const b = await keepAliveExchange(served.port, path);
        seen[path] = {
          status: a.status,
          connection: a.connection,
          keptOpen: b.keptOpen,
          same: b.status === a.status,
        };
      }
      const want = (status: number) => ({ status, connection: 'close', keptOpen: false, same: true });
      expect(seen).toEqual({
        '/readyz': want(503),
        '/livez': want(200),
        '/startupz': want(200),
        [`${BASE}/health/`]: want((seen[`${BASE}/health/`] as { status: number }).status),
        [`${BASE}/metrics/prometheus`]: want(200),
        [`${BASE}/nope`]: want(404),
      });
      // An application response too (as before).
      expect(await viaAgent(served.port, '/ok', agent)).toEqual({ status: 200, connection: 'close' });

      await vi.advanceTimersByTimeAsync(DELAY_MS + 2000);
      vi.useRealTimers();
      expect((await done).dropped).toBe(0);
    });
  },
);
