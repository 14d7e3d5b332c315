// Regression (outside review 46, RT46-7) on real Express 5/4 and Koa 3/2 servers on port 0, raw TCP clients. A
// middleware before the monitor answers the request (`res.end`) and passes it on (`next()`) only after its
// `Connection: close` connection has closed: the response completed, so the request is the unseen path's (answered
// before the middleware, counted in `unseen`). It was also tracked on the closed connection and ended as a client's
// abort (499, `count_aborted_answered`). The oracle is the clients' own reading: each got its whole 200 response.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { closedAfterEach } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { abortedCount, getStatus } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
const N = 5;
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0 };

/** Resolves once `socket` has closed and every 'close' listener (sysvitals' included) has run. */
function afterClose(socket: Socket): Promise<void> {
  return new Promise((done) => {
    const after = () => setImmediate(done);
    if (socket.destroyed) after();
    else socket.once('close', after);
  });
}

interface Started {
  monitor: {
    close(): Promise<void>;
    getMetrics(): Promise<{ requests: { total: number; in_flight: number } }>;
    getUnseenRequests(): { total: number };
    requests: { abortedTotals(): { count: number }[] };
  };
  server: Server;
  /** How many `/early/` requests were passed on to the monitor (its middleware ran for them). */
  passed(): number;
}

async function express(modules: FrameworkModules): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/express.js');
  const monitor = createMonitor(OPTIONS);
  const app = modules.express();
  let passed = 0;
  app.use((req, res, next) => {
    if (!req.url.startsWith('/early/')) return next();
    res.end('done');
    void afterClose(req.socket).then(() => next());
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

async function koa(modules: FrameworkModules): Promise<Started> {
  const { createMonitor } = await import('../../src/adapters/koa.js');
  const monitor = createMonitor(OPTIONS);
  const app = new modules.koa();
  let passed = 0;
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/early/')) return next();
    ctx.respond = false;
    ctx.res.statusCode = 200;
    ctx.res.end('done');
    await afterClose(ctx.req.socket);
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
  describe(`RT46-7: a request answered before the monitor, passed on after its connection closed (${label} majors)`, () => {
    for (const [name, start] of [
      ['Express', express],
      ['Koa', koa],
    ] as const) {
      it(`${name}: counted once, as unseen; not a client's abort; in_flight returns to 0`, async () => {
        const s = await start(modules());
        running.push(s);
        await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
        const port = (s.server.address() as { port: number }).port;
        expect(await getStatus(port, '/ok')).toBe(200);
        const statuses: number[] = [];
        for (let i = 0; i < N; i++) statuses.push(await getStatus(port, `/early/${i}`));
        // The clients' reading: every response completed, a 200.
        expect(statuses).toEqual(Array(N).fill(200));
        await eventually(async () => s.passed() >= N && s.monitor.getUnseenRequests().total >= N);
        const m = await s.monitor.getMetrics();
        expect(s.monitor.getUnseenRequests().total).toBe(N);
        expect(abortedCount(s.monitor)).toBe(0);
        expect(m.requests.total).toBe(1); // the /ok request only
        expect(m.requests.in_flight).toBe(0);
      });
    }
  });
}
