// Regression (the keep-alive variant of outside review 46's RT46-7) on real Express 5/4 and Koa 3/2 servers on port
// 0, one raw TCP client on one kept-alive connection. A middleware before the monitor answers the request
// (`res.end`) and passes it on (`next()`), in the same tick or once its 'finish' came: the response was ended
// before the monitor saw it, as in RT46-7, but its connection stays open. Passed on after its finish, it was counted
// twice: in `unseen` and, in flight until the client closed the connection, as a recorded 200; passed on at once, as
// a 200 of about 0 ms. It counts once, as the request answered before the middleware, whenever it is passed on and
// whatever the connection does (the unseen path's, as in RT46-7; docs/requests.md "Middleware before the monitor").
// The oracle is the client's own reading: each of its N requests got a whole 200 response on the same connection.

import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { closedAfterEach } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { abortedCount } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
const N = 5;
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0 };

/**
 * `paths` requested one after another on one kept-alive connection (each sent once the previous response is read
 * whole: `done` with its Content-Length, or a chunked body's last chunk): the statuses read, and the connection, left
 * open (the server must not have closed it).
 */
function keepAliveStatuses(port: number, paths: string[]): Promise<{ statuses: number[]; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const statuses: number[] = [];
    let buffer = '';
    const socket = connect(port, '127.0.0.1', () => next());
    const next = () => {
      const path = paths[statuses.length];
      if (path === undefined) resolve({ statuses, socket });
      else socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      buffer += d;
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buffer.slice(0, headEnd);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      const body = buffer.slice(headEnd + 4);
      if (!(length ? body.length >= Number(length[1]) : body.endsWith('0\r\n\r\n'))) return;
      if (/\r\nconnection: *close/i.test(head))
        reject(new Error('the server closed the kept-alive connection'));
      statuses.push(Number(head.slice(9, 12)));
      buffer = '';
      next();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('the kept-alive connection closed')));
  });
}

/** How many connections `server` holds (its own count: a closed one has left it, its 'close' listeners run). */
function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** When the middleware before the monitor passes the answered request on: in the same tick, or once it finished. */
type PassOn = 'at once' | 'after its finish';

interface Started {
  monitor: {
    close(): Promise<void>;
    getMetrics(): Promise<{ requests: { total: number; in_flight: number } }>;
    getUnseenRequests(): { total: number };
    requests: { abortedTotals(): { count: number }[] };
  };
  server: Server;
  /** How many `/early/` requests were passed on to the monitor (the handler after it ran for them). */
  passed(): number;
}

async function express(modules: FrameworkModules, passOn: PassOn): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(OPTIONS);
  const app = modules.express();
  let passed = 0;
  app.use((req, res, next) => {
    if (!req.url.startsWith('/early/')) return next();
    res.end('done');
    // Node publishes the response's completion before the application's own 'finish' listeners run.
    if (passOn === 'at once') next();
    else res.once('finish', () => next());
  });
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/early/:id', () => void passed++);
  return {
    monitor: monitor as unknown as Started['monitor'],
    server: (await import('node:http')).createServer(app),
    passed: () => passed,
  };
}

async function koa(modules: FrameworkModules, passOn: PassOn): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(OPTIONS);
  const app = new modules.koa();
  let passed = 0;
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/early/')) return next();
    ctx.respond = false;
    ctx.res.statusCode = 200;
    ctx.res.end('done');
    if (passOn === 'after its finish') await new Promise((r) => ctx.res.once('finish', r));
    await next();
  });
  app.use(monitor.middleware());
  app.use((ctx) => {
    if (ctx.path.startsWith('/early/')) passed++;
    else ctx.body = 'ok';
  });
  return {
    monitor: monitor as unknown as Started['monitor'],
    server: (await import('node:http')).createServer(app.callback()),
    passed: () => passed,
  };
}

for (const [label, modules] of [
  ['current', () => CURRENT_MAJORS],
  ['older', olderMajors],
] as const) {
  describe(`RT46-7 on a kept-alive connection: answered before the monitor, then passed on (${label} majors)`, () => {
    for (const [name, start] of [
      ['Express', express],
      ['Koa', koa],
    ] as const) {
      for (const passOn of ['at once', 'after its finish'] as const) {
        it(`${name}, passed on ${passOn}: each counted once, as unseen; not recorded, not in flight`, async () => {
          const s = await start(modules(), passOn);
          running.push(s);
          await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
          const port = (s.server.address() as { port: number }).port;
          const paths = ['/ok', ...Array.from({ length: N }, (_, i) => `/early/${i}`)];
          const { statuses, socket } = await keepAliveStatuses(port, paths);
          // The client's reading: every response completed, a 200, on the one connection (still open).
          expect(statuses).toEqual(Array(N + 1).fill(200));
          await eventually(async () => s.passed() >= N && s.monitor.getUnseenRequests().total >= N);
          const open = await s.monitor.getMetrics();
          expect(s.monitor.getUnseenRequests().total).toBe(N);
          expect(open.requests.total).toBe(1); // the /ok request only
          expect(open.requests.in_flight).toBe(0);
          // And once the client closes its connection: nothing more (no request ended at the close).
          await new Promise<void>((r) => {
            socket.once('close', () => setImmediate(r));
            socket.destroy();
          });
          await eventually(async () => (await connectionCount(s.server)) === 0);
          const closed = await s.monitor.getMetrics();
          expect(closed.requests.total).toBe(1);
          expect(s.monitor.getUnseenRequests().total).toBe(N);
          expect(abortedCount(s.monitor)).toBe(0);
        });
      }
    }
  });
}
