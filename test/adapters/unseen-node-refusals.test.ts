// Regression (outside review 36, RT36-6): Node's HTTP/1 server answers some requests itself, through a
// ServerResponse, without emitting 'request' (Node 20 lib/_http_server.js, parserOnIncoming): an HTTP/1.1 request
// without `Host` (400, `requireHostHeader`), one past `maxRequestsPerSocket` on its connection (503, after
// 'dropRequest'), an `Expect:` other than 100-continue with no 'checkExpectation' listener (417). They were counted as
// requests the app answered before the middleware (`requests.unseen_total`, getUnseenRequests()) and logged the
// "mount monitor.middleware() first" warning on an app that mounts it first. Real Express, Koa and Fastify servers,
// raw sockets. Oracles: the statuses Node sends (read from the socket), and the requests the app's handlers answered
// before the middleware (the test's own handler counts them): those, and only those, are unseen.

import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as fastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS } from './framework-modules.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const unseenWarnings = (w: string[]) => w.filter((m) => m.includes('without passing monitor.middleware()'));
function logger(warnings: string[]) {
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  return { warn: push, error: push, info() {}, debug() {} };
}

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

const NO_HOST = 'GET /users/1 HTTP/1.1\r\nConnection: close\r\n\r\n';
const BOGUS_EXPECT = 'GET /users/1 HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nConnection: close\r\n\r\n';
// Two requests on one connection of a server with maxRequestsPerSocket 1: the second is Node's 503.
const PAST_LIMIT =
  'GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /users/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** Sends Node's three refusals (five of each kind); checks what the clients got. */
async function sendRefusals(port: number, limited: Server): Promise<void> {
  for (let i = 0; i < 5; i++) expect(await rawStatuses(port, NO_HOST)).toEqual([400]);
  for (let i = 0; i < 5; i++) expect(await rawStatuses(port, BOGUS_EXPECT)).toEqual([417]);
  limited.maxRequestsPerSocket = 1;
  for (let i = 0; i < 5; i++) expect(await rawStatuses(port, PAST_LIMIT)).toEqual([200, 503]);
  limited.maxRequestsPerSocket = 0;
}

async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

describe("Node's own refusals are not requests the middleware missed", () => {
  it('Express, middleware first: 0 unseen, no warning; a handler before it still counted, 400/417 included', async () => {
    const warnings: string[] = [];
    const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    cleanups.push(() => monitor.close());
    const app = CURRENT_MAJORS.express();
    app.use(monitor.middleware());
    app.get('/users/:id', (_req, res) => void res.send('u'));
    const { server, port } = await listen(app);
    await sendRefusals(port, server);
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect(unseenWarnings(warnings)).toEqual([]);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.unseen_total).toBe(0);

    // A genuinely misordered app: its own 400 and 417 (a 'checkExpectation' listener hands Expect: bogus to it).
    const w2: string[] = [];
    const m2 = expressMonitor({ sampleIntervalMs: 0, logger: logger(w2) });
    cleanups.push(() => m2.close());
    const app2 = CURRENT_MAJORS.express();
    let answeredBefore = 0;
    app2.use((req, res) => {
      answeredBefore++;
      res.status(req.headers.expect === undefined ? 400 : 417).send('no');
    });
    app2.use(m2.middleware());
    const second = await listen(app2);
    second.server.on('checkExpectation', app2);
    expect(await rawStatuses(second.port, 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toEqual(
      [400],
    );
    expect(await rawStatuses(second.port, BOGUS_EXPECT)).toEqual([417]);
    expect(answeredBefore).toBe(2);
    expect(m2.getUnseenRequests()).toEqual({ total: 2, first: { method: 'GET', path: '/x', status: 400 } });
    expect(unseenWarnings(w2)).toHaveLength(1);
  });

  it('Koa, middleware first: 0 unseen, no warning', async () => {
    const warnings: string[] = [];
    const monitor = koaMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    cleanups.push(() => monitor.close());
    const app = new CURRENT_MAJORS.koa();
    app.use(monitor.middleware());
    app.use((ctx) => {
      ctx.body = 'u';
    });
    const { server, port } = await listen(app.callback());
    await sendRefusals(port, server);
    expect(monitor.getUnseenRequests()).toEqual({ total: 0, first: null });
    expect(unseenWarnings(warnings)).toEqual([]);
    expect((await monitor.getMetrics({ maxAgeMs: 0 })).requests.unseen_total).toBe(0);
  });

  it('Fastify: no unseen count, no warning, and the refusals are not requests', async () => {
    const warnings: string[] = [];
    const monitor = fastifyMonitor({ sampleIntervalMs: 0, logger: logger(warnings) });
    const app = CURRENT_MAJORS.fastify();
    await app.register(monitor.plugin());
    app.get('/users/:id', async () => 'u');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await app.close();
      await monitor.close();
    });
    await sendRefusals((app.server.address() as AddressInfo).port, app.server);
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.unseen_total ?? 0).toBe(0);
    expect(m.requests.total).toBe(5); // the five first requests of PAST_LIMIT, answered 200 by the route
    expect(unseenWarnings(warnings)).toEqual([]);
  });
});
