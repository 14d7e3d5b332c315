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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { MetricsSnapshot } from '../../src/types.js';
import {
  cutOffApps,
  expectHeldNotAged,
  inFlightRoutes,
  MAJOR_CASES,
  responseTimeAlerts,
  type Seen,
} from './cut-off-apps.js';
import type { FrameworkModules } from './framework-modules.js';
import { abortedCount, GET, getStatus, neverReads } from './raw-clients.js';
import { eventually, type Framework } from './workload-apps.js';

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
const listen = cutOffApps();

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

/**
 * `/file` streams a 64 MB file, `/drip` is a slow producer, `/fail-stream` sends 64 MB, then fails when the test
 * destroys its body (in `failingBodies`).
 */
async function start(framework: Framework, options: MonitorOptions, modules: FrameworkModules) {
  const sent = { bytes: 0 };
  const failingBodies: Readable[] = [];
  const served = await listen(framework, options, modules, {
    express: (app) => {
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
    fastify: (app) => {
      app.get('/file', (_req, reply) => reply.type('application/octet-stream').send(createReadStream(FILE)));
      app.get('/drip', (_req, reply) => reply.type('text/plain').send(drip(sent)));
      app.get('/fail-stream', (_req, reply) =>
        reply.type('application/octet-stream').send(failing(failingBodies)),
      );
    },
    koa: (router) => {
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
  });
  return { ...served, sent, failingBodies };
}

/** The app has written (its head sent), not ended, and bytes it wrote are pending in the connection. */
const blocked = (s: Seen) => s.res.headersSent && !s.res.writableEnded && s.socket.writableLength > 0;
/** The app has written, not ended, and nothing is pending: every byte written was taken. */
const drained = (s: Seen) => s.res.headersSent && !s.res.writableEnded && s.socket.writableLength === 0;
/** The six error figures of a cut-off: aborted, early, answered, 4xx, 5xx, error rate. */
const cutOffErrors = ({ errors: e }: { errors: MetricsSnapshot['errors'] }) => [
  e.count_aborted,
  e.count_aborted_early,
  e.count_aborted_answered,
  e.count_4xx,
  e.count_5xx,
  e.error_rate_percent,
];

/**
 * An app that has answered OK real requests, then a client of `path` that never reads: the app, that client, and
 * what the server holds of its request (once it came).
 */
async function unreadOn(
  framework: Framework,
  options: MonitorOptions,
  modules: FrameworkModules,
  path: string,
) {
  const app = await start(framework, options, modules);
  for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
  const client = neverReads(app.port, GET(path));
  return { app, client, seen: () => app.seen.find((s) => s.url === path) };
}

describe.each(MAJOR_CASES)(
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
      const m = await app.monitor.sample();
      expect(m.requests.total).toBe(OK);
      expect(cutOffErrors(m)).toEqual([READERS, READERS, READERS, 0, 0, 0]);
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute['/file']).toMatchObject({ count: READERS, failed: 0 });
      expect(m.routes.find((r) => r.route === '/file')?.count ?? 0).toBe(0);
    }, 60_000);

    it('held open, a streamed file its client does not read is in flight but not aged; a slow producer is', async () => {
      const clock = { t: T0, now: () => clock.t };
      const { app, seen: file } = await unreadOn(framework, { clock, logger: quiet }, modules, '/file');
      await eventually(async () => file() !== undefined && blocked(file() as Seen));
      clock.t += 75_000;
      await expectHeldNotAged(app.monitor, 1);

      // The control: a slow producer (1 byte a second), its client not reading either: nothing is pending, the
      // wait is the server's, and it is aged from its start.
      neverReads(app.port, GET('/drip'));
      const dripping = () => app.seen.find((s) => s.url === '/drip');
      await eventually(async () => dripping() !== undefined && drained(dripping() as Seen));
      expect(blocked(file() as Seen)).toBe(true);
      clock.t += 75_000;
      const hang = await app.monitor.sample();
      expect(hang.requests.in_flight).toBe(2);
      expect(drained(dripping() as Seen)).toBe(true);
      expect(hang.latency).toMatchObject({ status: 'critical', in_flight_counted: 1, max_ms: 75_000 });
      expect(inFlightRoutes(app.monitor)).toEqual([['/drip', 1]]);
      expect(await responseTimeAlerts(app.monitor)).toEqual(['critical']);
    }, 60_000);

    // Koa 3 (fixed): on the client's reset on-finished destroys the body stream at the connection's 'error', so Koa's
    // pipeline destroyed the response with ERR_STREAM_PREMATURE_CLOSE before the connection's 'close', and it was
    // recorded as the application's failure (500: count_5xx 1, count_aborted 0 on Koa 3 before the fix).
    it.each(['close', 'reset'] as const)(
      "a slow producer (1 byte a second) whose client does not read and %ss the connection after abortedFailureMs is the client's abort, a failed request (not a 500)",
      async (how) => {
        const options = { abortedFailureMs: 1, logger: quiet };
        const { app, client, seen: dripping } = await unreadOn(framework, options, modules, '/drip');
        // Two bytes produced (a second apart), every one taken by the connection: nothing pending.
        await eventually(
          async () => app.sent.bytes >= 2 && dripping() !== undefined && drained(dripping() as Seen),
        );
        await client[how]();
        await eventually(async () => app.monitor.requests.total >= OK + 1);
        const m = await app.monitor.sample();
        expect(m.requests.total).toBe(OK + 1);
        expect(cutOffErrors(m)).toEqual([1, 0, 0, 1, 0, 20]);
        const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
        expect(byRoute['/drip']).toMatchObject({ count: 1, failed: 1 });
      },
      60_000,
    );

    it('a stream that fails mid-way while its client is not reading is the application failure, 500', async () => {
      const options = { abortedFailureMs: 1, logger: quiet };
      const { app, client, seen: streaming } = await unreadOn(framework, options, modules, '/fail-stream');
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
      const m = await app.monitor.sample();
      expect(m.requests.total).toBe(OK + 1);
      expect([m.errors.count_5xx, m.errors.count_4xx, m.errors.count_aborted]).toEqual([1, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(20);
      expect(m.routes.find((r) => r.route === '/fail-stream')).toMatchObject({ count: 1, count_aborted: 0 });
    }, 60_000);
  },
);
