// Issue 13: the adapters learn the servers to drain from the requests they see, admin API requests included. An
// Express server (HTTP/1.1) that served only admin requests was not known, so monitor.shutdown() left it listening
// with its keep-alive connection open. Real server on port 0, a real keep-alive client; the oracle is the server's
// `listening` and the client's connection closing.

import { Agent, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';

const TOKEN = 'a'.repeat(40);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('express: a server that served only admin requests is stopped by shutdown(), its keep-alive connection closed', async () => {
  const monitor = createMonitor({ adminToken: TOKEN, sampleIntervalMs: 0, logger: silentLogger });
  cleanups.push(() => monitor.close());
  const app = express();
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanups.push(() => {
    server.closeAllConnections();
    if (server.listening) server.close();
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  cleanups.push(() => agent.destroy());
  const port = (server.address() as AddressInfo).port;

  let socket: Socket | undefined;
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/core/admin/system/metrics', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('socket', (s) => {
      socket = s;
    });
    req.on('error', reject);
    req.setHeader('authorization', `Bearer ${TOKEN}`);
    req.end();
  });
  expect(status).toBe(200);
  const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));

  const report = await monitor.shutdown({ delayMs: 0, drainMs: 5_000 });
  expect(report.dropped).toBe(0);
  expect(server.listening).toBe(false);
  await closed;
  expect(socket?.destroyed).toBe(true);
});
