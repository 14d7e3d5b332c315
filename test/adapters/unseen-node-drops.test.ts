// Regression: Node's own 503 past `server.maxRequestsPerSocket` (lib/_http_server.js emits 'dropRequest' and answers
// without emitting 'request') was still counted as a request the app answered before the middleware when the
// server's 'dropRequest' was not listened to yet as Node parsed it: a pipelined request dropped while the first
// request of the connection was still being answered, on a server no middleware had learnt (the first request
// answered by the admin API, or by a handler mounted before the middleware). Real Express and Koa servers, raw
// sockets. Oracles: the statuses Node sent (read off the socket), and the requests the app's own handlers answered
// before the middleware (counted by the test's handler): those, and only those, are unseen.

import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS } from './framework-modules.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const quiet = { warn() {}, error() {}, info() {}, debug() {} };

/** `text` written on a connection of its own; the statuses of the responses read until the server closes it. */
function rawStatuses(port: number, text: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve([...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))));
  });
}

/** `first`, then a request Node drops (past maxRequestsPerSocket 1), pipelined in one write. */
const pipelined = (first: string) =>
  `GET ${first} HTTP/1.1\r\nHost: x\r\n\r\nGET /dropped HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  server.maxRequestsPerSocket = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

describe("Node's 503 past maxRequestsPerSocket, on a server no middleware had learnt yet", () => {
  it('Koa, middleware first, the admin API answering the first request: 0 unseen', async () => {
    const monitor = koaMonitor({ sampleIntervalMs: 0, logger: quiet });
    cleanups.push(() => monitor.close());
    const app = new CURRENT_MAJORS.koa();
    app.use(monitor.middleware());
    app.use((ctx) => {
      ctx.body = 'u';
    });
    const { port } = await listen(app.callback());
    const statuses = await rawStatuses(port, pipelined('/api/core/admin/system/health'));
    expect(statuses).toHaveLength(2);
    expect(statuses[1]).toBe(503);
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.unseen_total).toBe(0);
  });

  it('Koa, a middleware before it answering: its requests counted, not the dropped ones', async () => {
    const monitor = koaMonitor({ sampleIntervalMs: 0, logger: quiet });
    cleanups.push(() => monitor.close());
    const app = new CURRENT_MAJORS.koa();
    let answeredBefore = 0;
    app.use(async (ctx) => {
      await new Promise((r) => setImmediate(r));
      answeredBefore++;
      ctx.body = 'early';
    });
    app.use(monitor.middleware());
    const { port } = await listen(app.callback());
    for (let i = 0; i < 3; i++) expect(await rawStatuses(port, pipelined('/early'))).toEqual([200, 503]);
    expect(answeredBefore).toBe(3);
    expect(monitor.getUnseenRequests()).toEqual({
      total: 3,
      first: { method: 'GET', path: '/early', status: 200 },
    });
  });

  it('Express, a handler before it answering: its requests counted, not the dropped ones', async () => {
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: quiet });
    cleanups.push(() => monitor.close());
    const app = CURRENT_MAJORS.express();
    let answeredBefore = 0;
    app.use('/early', (_req, res) => {
      setImmediate(() => {
        answeredBefore++;
        res.send('early');
      });
    });
    app.use(monitor.middleware());
    app.get('/ok', (_req, res) => void res.send('ok'));
    const { port } = await listen(app);
    for (let i = 0; i < 3; i++) expect(await rawStatuses(port, pipelined('/early'))).toEqual([200, 503]);
    expect(answeredBefore).toBe(3);
    expect(monitor.getUnseenRequests()).toEqual({
      total: 3,
      first: { method: 'GET', path: '/early', status: 200 },
    });
  });

  it('Express, middleware first, the admin API answering the first request: 0 unseen once the app is seen', async () => {
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: quiet });
    cleanups.push(() => monitor.close());
    const app = CURRENT_MAJORS.express();
    app.use(monitor.middleware());
    app.get('/ok', (_req, res) => void res.send('ok'));
    const { port } = await listen(app);
    const statuses = await rawStatuses(port, pipelined('/api/core/admin/system/health'));
    expect(statuses).toHaveLength(2);
    expect(statuses[1]).toBe(503);
    expect(await rawStatuses(port, 'GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toEqual([
      200,
    ]);
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.unseen_total).toBe(0);
  });
});
