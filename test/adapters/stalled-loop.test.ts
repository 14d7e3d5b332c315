// What the figures say of a stalled event loop whose clients leave before it answers (outside review 10, F4), on real
// Express 5, Fastify 5 and Koa 3 servers, raw TCP clients. A route runs 0.6 s of synchronous work, then answers 200;
// its clients give up after 300 ms, before any byte comes. The server cannot see them leave while its loop is held:
// a client's FIN waits unread in the kernel, so the response is written after it and the kernel takes it (the
// client's kernel answers it with a reset): recorded as the 200 the server sent, its duration the stall (in latency
// and `api_response_time`), nothing subtracted (no write blocked on the client). A client that resets instead makes
// the late write fail: a 499, failed (it came after `abortedFailureMs`, 400 ms here), the stall as its duration. Regression: that
// one was an answered early close (the response ended, so "the client's to take"): no request, no latency. A request sent
// during the stall to a route that answers at once is read after it and timed from its hand-over: its handler's time,
// not its wait in the kernel (the limit README names). The oracles: the handler's own timing of its work (a lower
// bound of each recorded duration), and the clients' own bytes (none: they left first).

import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
// ms of synchronous work: past the clients' give-up and abortedFailureMs. 1.2 s against the default 1 s before 7
// December: 7.2 s of CPU spun for the file's six stalls, now 3.6 s (the case is the order, not the lengths).
const STALL = 600;
const GIVE_UP = 300; // ms a client waits
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0, abortedFailureMs: 400 };

/** The handler's own timing of its work: start and end, performance.now(). */
const worked: Array<[number, number]> = [];
/**
 * Whether a stall is under way (1) or over (2), shared with the clients' thread (the server's is held): a client
 * sent `during` a stall waits for it to start. Sent at a fixed offset instead, /ok was read and answered before
 * /fin's stall began at load 25 (the clients' thread late: both sent at once), one run in many.
 */
const stalling = new Int32Array(new SharedArrayBuffer(4));

function stall(): string {
  const start = performance.now();
  Atomics.store(stalling, 0, 1);
  while (performance.now() - start < STALL) {
    // spin: the loop is held
  }
  Atomics.store(stalling, 0, 2);
  worked.push([start, performance.now()]);
  return 'ok';
}

interface Case {
  name: string;
  /** GET /fin and GET /rst: STALL ms of synchronous work, then 200 `ok`; GET /ok: 200 `ok` at once. */
  start(): Promise<{ monitor: SystemMonitor; server: Server }>;
}

const v = CURRENT_MAJORS.versions;
const CASES: Case[] = [
  {
    name: `Express ${v.express}`,
    start: () =>
      expressApp(OPTIONS, (app) => {
        for (const p of ['/fin', '/rst']) app.get(p, (_req, res) => void res.send(stall()));
        app.get('/ok', (_req, res) => void res.send('ok'));
      }),
  },
  {
    name: `Fastify ${v.fastify}`,
    start: () =>
      fastifyApp(OPTIONS, (app) => {
        for (const p of ['/fin', '/rst']) app.get(p, async () => stall());
        app.get('/ok', async () => 'ok');
      }),
  },
  {
    name: `Koa ${v.koa}`,
    start: () =>
      koaApp(OPTIONS, (router) => {
        for (const p of ['/fin', '/rst'])
          router.get(p, (ctx) => {
            ctx.body = stall();
          });
        router.get('/ok', (ctx) => {
          ctx.body = 'ok';
        });
      }),
  },
];

/**
 * Clients in a worker thread, whose event loop the server's stall does not hold (a client in the server's own thread
 * could not give up during it): each sends GET `path` `at` ms after the first (and, if `during`, once the stall has
 * started), and gives up GIVE_UP ms after its write (FIN: destroy(); or a reset). Resolves with the bytes each got,
 * once all closed.
 */
const CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const { connect } = require('node:net');
const { port, clients, giveUpMs, stalling } = workerData;
const bytes = clients.map(() => 0);
let open = clients.length;
const send = (c, i) => {
  if (c.during && Atomics.load(stalling, 0) === 0) return void setTimeout(() => send(c, i), 2);
  const s = connect(port, '127.0.0.1', () => {
    s.write('GET ' + c.path + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
    setTimeout(() => (c.reset ? s.resetAndDestroy() : s.destroy()), giveUpMs);
  });
  s.on('data', (d) => { bytes[i] += d.length; });
  s.on('error', () => {});
  s.on('close', () => { if (--open === 0) parentPort.postMessage(bytes); });
};
clients.forEach((c, i) => setTimeout(() => send(c, i), c.at));
`;

function clients(
  port: number,
  list: Array<{ path: string; at: number; reset: boolean; during?: boolean }>,
): Promise<number[]> {
  Atomics.store(stalling, 0, 0);
  return new Promise((resolve, reject) => {
    const w = new Worker(CLIENTS, {
      eval: true,
      workerData: { port, clients: list, giveUpMs: GIVE_UP, stalling },
    });
    w.once('message', (bytes: number[]) => {
      resolve(bytes);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe.each(CASES.map((c) => [c.name, c] as const))(
  '%s: a stall its clients left during (outside review 10, F4)',
  (_name, c) => {
    it(`clients that leave after ${GIVE_UP} ms of a ${STALL} ms stall: the stall is the recorded duration`, async () => {
      worked.length = 0;
      const started = await c.start();
      running.push(started);
      const { monitor, server } = started;
      const recorded: Array<{ route: string; status: number; durationMs: number }> = [];
      const record = monitor.requests.record.bind(monitor.requests);
      monitor.requests.record = (method: string, route: string, status: number, durationMs: number) => {
        recorded.push({ route, status, durationMs });
        record(method, route, status, durationMs);
      };
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const port = (server.address() as { port: number }).port;
      // /ok is sent during /fin's stall (50 ms after /fin, once the stall started) and given up 300 ms later too;
      // /rst after both, on an idle loop. No client got a byte: each left first.
      const fin = { path: '/fin', at: 0, reset: false };
      const ok = { path: '/ok', at: 50, reset: false, during: true };
      expect(await clients(port, [fin, ok])).toEqual([0, 0]);
      expect(await clients(port, [{ path: '/rst', at: 0, reset: true }])).toEqual([0]);
      // Everything recorded: the requests, and any early close (the /rst one was an answered close before the fix).
      const early = async () => (await monitor.getMetrics({ maxAgeMs: 0 })).errors.count_aborted_early ?? 0;
      await eventually(async () => recorded.length + (await early()) === 3);
      expect(worked).toHaveLength(2);
      const of = (route: string) => recorded.find((r) => r.route === route);
      const work = (i: number) => (worked[i] as [number, number])[1] - (worked[i] as [number, number])[0];
      // FIN: the 200 the server sent, timed over the stall (not shortened: nothing was blocked on the client).
      expect(of('/fin')).toMatchObject({ status: 200 });
      expect(of('/fin')?.durationMs).toBeGreaterThanOrEqual(work(0));
      // Not past the stall by more than the loop's own lateness: a clean-clone CI run (ci3) read work + 87 ms over
      // the old 100 ms margin; timed to a later event (the /rst exchange, which stalls another 0.6 s) it would be far more.
      expect(of('/fin')?.durationMs).toBeLessThan(work(0) + 500);
      // Queued behind the stall, read after it: timed from its hand-over, its handler's time (the limit README names).
      expect(of('/ok')).toMatchObject({ status: 200 });
      expect(of('/ok')?.durationMs).toBeLessThan(100);
      // Reset: the late write failed, a 499 after abortedFailureMs: a failed request, timed over the stall (was an
      // answered early close: not a request, no latency, though nothing of the response reached the client).
      expect(of('/rst')).toMatchObject({ status: 499 });
      expect(of('/rst')?.durationMs).toBeGreaterThanOrEqual(work(1));
      const m = await monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(3);
      expect(m.errors.count_aborted).toBe(1);
      expect(m.errors.count_aborted_early).toBe(0);
      expect(m.errors.count_4xx).toBe(1);
      // Latency sees the stall: two of the three requests at 0.6 s or more.
      expect(m.latency.p95_ms).toBeGreaterThanOrEqual(STALL * 0.99);
    });
  },
);
