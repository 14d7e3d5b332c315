// Regression (outside review 6, F1 family: streamed downloads): a response the application is still writing (a file
// streamed by `res.sendFile`, Fastify's `reply.send(stream)`, Koa's `ctx.body = stream`) whose client stopped reading
// is blocked on its client, not on the server. A client that asked for a 64 MB file, never read it and closed after
// `abortedFailureMs` was a failed request (499: error rate, health red); held open, it was aged in flight (latency
// critical, an `api_response_time` alert, routes/ naming the route). The genuine cases stay as they were: a slow
// producer (1 byte a second: nothing pending, the server's wait) whose client gives up is a failed request, and is
// aged while held; a stream that fails mid-way is the application's failure, 500.
// Real servers on port 0 (Express, Fastify, Koa, both majors each), raw sockets that never read; the monitor's clock
// is injected (the ages are exact); the oracle is what the clients did and what the server's own response objects and
// connections say (not ended by the app; bytes written and pending in the connection, or none pending).

import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { abortedCount, GET, getStatus, neverReads } from './raw-clients.js';
import { eventually, FRAMEWORKS, type Framework } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
/** Far more than loopback's socket buffers take from a client that does not read (4 MB send, up to 32 MB receive). */
const BIG = Buffer.alloc(64 * 1024 * 1024, 97);
const OK = 4; // real requests, read in full
const READERS = 3; // clients of /file that stop reading

let dir = '';
let FILE = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysvitals-streamed-'));
  FILE = join(dir, 'big.bin');
  writeFileSync(FILE, BIG);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const running = closedAfterEach();

/** A slow producer: one byte now, then one a second, until destroyed; counts what it produced in `sent`. */
function drip(sent: { bytes: number }): Readable {
  let timer: NodeJS.Timeout | undefined;
  const body = new Readable({
    read() {},
    destroy(err, cb) {
      clearInterval(timer);
      cb(err);
    },
  });
  const put = () => {
    sent.bytes++;
    body.push('x');
  };
  put();
  timer = setInterval(put, 1_000);
  timer.unref();
  return body;
}

/** A stream body that sends 64 MB, then fails when the test destroys it (an upstream that breaks mid-download). */
function failing(bodies: Readable[]): Readable {
  const body = new Readable({ read() {} });
  body.push(BIG);
  bodies.push(body);
  return body;
}

async function start(framework: Framework, options: MonitorOptions, modules: FrameworkModules) {
  const sent = { bytes: 0 };
  const failingBodies: Readable[] = [];
  const made =
    framework === 'express'
      ? await expressApp(
          options,
          (app) => {
            app.get('/ok', (_req, res) => void res.send('ok'));
            app.get('/file', (_req, res) => res.sendFile(FILE));
            app.get('/drip', (_req, res) => {
              const body = drip(sent);
              res.on('close', () => body.destroy());
              body.pipe(res);
            });
            app.get('/fail-stream', (_req, res, next) => {
              const body = failing(failingBodies);
              body.on('error', next);
              body.pipe(res);
            });
          },
          modules,
        )
      : framework === 'fastify'
        ? await fastifyApp(
            options,
            (app) => {
              app.get('/ok', async () => 'ok');
              app.get('/file', (_req, reply) =>
                reply.type('application/octet-stream').send(createReadStream(FILE)),
              );
              app.get('/drip', (_req, reply) => reply.type('text/plain').send(drip(sent)));
              app.get('/fail-stream', (_req, reply) =>
                reply.type('application/octet-stream').send(failing(failingBodies)),
              );
            },
            modules,
          )
        : await koaApp(
            options,
            (router) => {
              router.get('/ok', (ctx) => {
                ctx.body = 'ok';
              });
              router.get('/file', (ctx) => {
                ctx.type = 'application/octet-stream';
                ctx.body = createReadStream(FILE);
              });
              router.get('/drip', (ctx) => {
                ctx.type = 'text/plain';
                ctx.body = drip(sent);
              });
              router.get('/fail-stream', (ctx) => {
                ctx.type = 'application/octet-stream';
                ctx.body = failing(failingBodies);
              });
            },
            modules,
          );
  const server: Server = made.server;
  // What the server holds of each request: its response object (the oracle reads its state and its connection's).
  const seen: { url: string; res: ServerResponse; socket: Socket }[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    seen.push({ url: req.url ?? '', res, socket: req.socket }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  running.push({ server, monitor: made.monitor });
  return { monitor: made.monitor, port, seen, sent, failingBodies };
}

type Seen = { res: ServerResponse; socket: Socket };
/** The app has written (its head sent), not ended, and bytes it wrote are pending in the connection. */
const blocked = (s: Seen) => s.res.headersSent && !s.res.writableEnded && s.socket.writableLength > 0;
/** The app has written, not ended, and nothing is pending: every byte written was taken. */
const drained = (s: Seen) => s.res.headersSent && !s.res.writableEnded && s.socket.writableLength === 0;
const inFlight = (rows: { route: string; in_flight?: number }[]) =>
  rows.filter((r) => r.in_flight !== undefined).map((r) => [r.route, r.in_flight]);

const cases = [CURRENT_MAJORS, olderMajors()].flatMap((modules) =>
  FRAMEWORKS.map((framework) => ({ framework, major: modules.majors[framework], modules })),
);

describe.each(cases)(
  '$framework $major: a response the application streams, not taken by its client',
  ({ framework, modules }) => {
    it(`${READERS} clients of a streamed 64 MB file that stop reading and close after abortedFailureMs are answered early closes, not failures`, async () => {
      // abortedFailureMs 1: every close below comes after it, so only the response's state tells them apart.
      const app = await start(framework, { abortedFailureMs: 1, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const readers = Array.from({ length: READERS }, () => neverReads(app.port, GET('/file')));
      const files = () => app.seen.filter((s) => s.url === '/file');
      await eventually(async () => files().length === READERS && files().every(blocked));
      // The oracle: the app is still streaming each (not ended), and Node holds what it wrote for the client.
      expect(files().map((s) => [s.res.writableEnded, s.socket.writableLength > 0])).toEqual(
        Array(READERS).fill([false, true]),
      );
      await Promise.all(readers.map((c) => c.close()));
      await eventually(async () => abortedCount(app.monitor) >= READERS);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(OK);
      expect([
        m.errors.count_aborted,
        m.errors.count_aborted_early,
        m.errors.count_aborted_answered,
        m.errors.count_4xx,
        m.errors.count_5xx,
        m.errors.error_rate_percent,
      ]).toEqual([READERS, READERS, READERS, 0, 0, 0]);
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute['/file']).toMatchObject({ count: READERS, failed: 0 });
      expect(m.routes.find((r) => r.route === '/file')?.count ?? 0).toBe(0);
    }, 60_000);

    it('held open, a streamed file its client does not read is in flight but not aged; a slow producer is', async () => {
      const clock = { t: T0, now: () => clock.t };
      const app = await start(framework, { clock, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      neverReads(app.port, GET('/file'));
      const file = () => app.seen.find((s) => s.url === '/file');
      await eventually(async () => file() !== undefined && blocked(file() as Seen));
      clock.t += 75_000;
      const held = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(held.requests.in_flight).toBe(1);
      expect(held.latency.in_flight_counted).toBe(0);
      expect(held.latency.status).not.toBe('critical');
      expect(inFlight(app.monitor.endpoints('in_flight', 100).routes)).toEqual([]);
      const alerts = async () =>
        ((await app.monitor.getAlerts()) as { rule: string; severity: string }[])
          .filter((a) => a.rule === 'api_response_time')
          .map((a) => a.severity);
      expect(await alerts()).toEqual([]);

      // The control: a slow producer (1 byte a second), its client not reading either: nothing is pending, the
      // wait is the server's, and it is aged from its start.
      neverReads(app.port, GET('/drip'));
      const dripping = () => app.seen.find((s) => s.url === '/drip');
      await eventually(async () => dripping() !== undefined && drained(dripping() as Seen));
      expect(blocked(file() as Seen)).toBe(true);
      clock.t += 75_000;
      const hang = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(hang.requests.in_flight).toBe(2);
      expect(drained(dripping() as Seen)).toBe(true);
      expect(hang.latency).toMatchObject({ status: 'critical', in_flight_counted: 1, max_ms: 75_000 });
      expect(inFlight(app.monitor.endpoints('in_flight', 100).routes)).toEqual([['/drip', 1]]);
      expect(await alerts()).toEqual(['critical']);
    }, 60_000);

    it('a slow producer (1 byte a second) whose client does not read and closes after abortedFailureMs is still a failed request', async () => {
      const app = await start(framework, { abortedFailureMs: 1, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const client = neverReads(app.port, GET('/drip'));
      const dripping = () => app.seen.find((s) => s.url === '/drip');
      // Two bytes produced (a second apart), every one taken by the connection: nothing pending.
      await eventually(
        async () => app.sent.bytes >= 2 && dripping() !== undefined && drained(dripping() as Seen),
      );
      await client.close();
      await eventually(async () => app.monitor.requests.total >= OK + 1);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(OK + 1);
      // Koa 3 (pre-existing, not this change): on the client's reset on-finished destroys the body first, so Koa's
      // pipeline destroys the response with ERR_STREAM_PREMATURE_CLOSE before its close, and cutOffStatus reads that
      // as the application's failure (500). A failure either way; the misclassification is reported, not fixed here.
      const koa3 = framework === 'koa' && modules.majors.koa >= 3;
      expect([
        m.errors.count_aborted,
        m.errors.count_aborted_early,
        m.errors.count_aborted_answered,
        m.errors.count_4xx,
        m.errors.count_5xx,
        m.errors.error_rate_percent,
      ]).toEqual(koa3 ? [0, 0, 0, 0, 1, 20] : [1, 0, 0, 1, 0, 20]);
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute['/drip']).toEqual(koa3 ? undefined : expect.objectContaining({ count: 1, failed: 1 }));
    }, 60_000);

    it('a stream that fails mid-way while its client is not reading is the application failure, 500', async () => {
      const app = await start(framework, { abortedFailureMs: 1, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const client = neverReads(app.port, GET('/fail-stream'));
      const streaming = () => app.seen.find((s) => s.url === '/fail-stream');
      // Blocked on its client first (what it wrote is pending), then its body fails.
      await eventually(
        async () =>
          app.failingBodies.length === 1 && streaming() !== undefined && blocked(streaming() as Seen),
      );
      app.failingBodies[0]?.destroy(new Error('mid-stream'));
      // Koa 2 leaves the response open when its body fails (README): the request ends at its client's close.
      if (framework === 'koa' && modules.majors.koa < 3) {
        await eventually(async () => app.failingBodies[0]?.destroyed === true);
        await client.close();
      }
      await eventually(async () => app.monitor.requests.total >= OK + 1);
      await client.close();
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(OK + 1);
      expect([m.errors.count_5xx, m.errors.count_4xx, m.errors.count_aborted]).toEqual([1, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(20);
      expect(m.routes.find((r) => r.route === '/fail-stream')).toMatchObject({ count: 1, count_aborted: 0 });
    }, 60_000);
  },
);
