// Regression (outside review 6, F1, F1b, F1c): a response the application has ended is the server's completed work;
// a client that does not take it is the client's wait, not a failure. F1: a client that asks for a large body (sent
// by the app in one call), never reads it and closes after `abortedFailureMs` was a failed request (499, error rate,
// health red). F1b: pipelined requests queued behind it on the same connection, whose handlers had answered, were
// failed too, at the client's duration. F1c: held open, all of them were aged in flight (latency critical, an
// `api_response_time` alert, routes/ naming the route). The genuine cases stay as they were: a handler that has not
// answered when its client gives up is a failed request, and a hang of such handlers is aged.
// Real servers on port 0 (Express, Fastify, Koa, both majors each), raw sockets that never read; the monitor's
// clock is injected (the ages are exact); the oracle is what the clients did and what the server's own response
// objects say (ended by the app, not finished: Node still held part of the body when the client closed).

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import {
  cutOffApps,
  expectHeldNotAged,
  type FrameworkRoutes,
  inFlightRoutes,
  MAJOR_CASES,
  responseTimeAlerts,
} from './cut-off-apps.js';
import type { FrameworkModules } from './framework-modules.js';
import { abortedCount, GET, getStatus, neverReads } from './raw-clients.js';
import { eventually, type Framework } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
/** Far more than loopback's socket buffers take from a client that does not read (4 MB send, up to 32 MB receive). */
const BIG = Buffer.alloc(64 * 1024 * 1024, 97);
const OK = 4; // real requests, read in full
const READERS = 3; // slow readers of /big
const PIPELINED = 200; // GET /ok queued behind GET /big on one connection (enough for Node to stop reading it)

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const listen = cutOffApps();

/** `/big` sends BIG in one call, `/hung` never answers. */
const ROUTES: FrameworkRoutes = {
  express: (app) => {
    app.get('/big', (_req, res) => void res.send(BIG));
    app.get('/hung', () => {});
  },
  fastify: (app) => {
    app.get('/big', async (_req, reply) => reply.type('application/octet-stream').send(BIG));
    app.get('/hung', () => {});
  },
  koa: (router) => {
    router.get('/big', (ctx) => {
      ctx.body = BIG;
    });
    router.get('/hung', () => new Promise(() => {}));
  },
};

const start = (framework: Framework, options: MonitorOptions, modules: FrameworkModules) =>
  listen(framework, options, modules, ROUTES);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(MAJOR_CASES)(
  '$framework $major: a response the application ended, not taken by its client',
  ({ framework, modules }) => {
    it(`F1: ${READERS} slow readers of a 64 MB body closed after abortedFailureMs are early closes; a handler that never answered stays failed`, async () => {
      // abortedFailureMs 1: every close below comes after it, so only the response's state tells them apart.
      const app = await start(framework, { abortedFailureMs: 1, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const readers = Array.from({ length: READERS }, () => neverReads(app.port, GET('/big')));
      const hung = neverReads(app.port, GET('/hung'));
      await eventually(
        async () =>
          app.seen.length === OK + READERS + 1 &&
          app.seen.filter((s) => s.url === '/big').every((s) => s.res.writableEnded),
      );
      await sleep(20);
      // The oracle: the app ended each /big response, and Node still held part of it (the client took not all).
      const big = app.seen.filter((s) => s.url === '/big');
      expect(big.map((s) => [s.res.writableEnded, s.res.writableFinished])).toEqual(
        Array(READERS).fill([true, false]),
      );
      expect(app.seen.find((s) => s.url === '/hung')?.res.writableEnded).toBe(false);
      await Promise.all([...readers, hung].map((c) => c.close()));
      await eventually(async () => abortedCount(app.monitor) >= READERS + 1);
      const m = await app.monitor.sample();
      // Requests: the OK real ones and the one that waited on a handler that never answered (a failed 4xx).
      expect(m.requests.total).toBe(OK + 1);
      expect([
        m.errors.count_aborted,
        m.errors.count_aborted_early,
        m.errors.count_4xx,
        m.errors.count_5xx,
        m.errors.error_rate_percent,
      ]).toEqual([READERS + 1, READERS, 1, 0, 20]);
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute['/big']).toMatchObject({ count: READERS, failed: 0 });
      expect(byRoute['/hung']).toMatchObject({ count: 1, failed: 1 });
      expect(m.routes.find((r) => r.route === '/big')?.count ?? 0).toBe(0);
    }, 60_000);

    it(`F1 × F10: an idle service, minRequests (${READERS}) slow readers of /big closed: not unanswered, no alert; with ${READERS} clients closing on a hung handler, unanswered`, async () => {
      // minRequests READERS: the closes below are a window of early closes only; abortedFailureMs 60 s: every one early.
      const options = {
        abortedFailureMs: 60_000,
        unansweredMinWaitMs: 0, // the hung handler's closes count however soon (the floor: quick-closes.test.ts)
        alerts: { error_rate: { minRequests: READERS } },
        logger: quiet,
      };
      const app = await start(framework, options, modules);
      const events: AlertEvent[] = [];
      app.monitor.on('alert', (e: AlertEvent) => events.push(e));
      const errorRateEvents = () => events.filter((e) => e.alert.rule === 'error_rate').map((e) => e.type);
      const readers = Array.from({ length: READERS }, () => neverReads(app.port, GET('/big')));
      await eventually(async () => app.seen.length === READERS && app.seen.every((s) => s.res.writableEnded));
      // The oracle: the app answered each (ended), and its client had not taken it all (not finished).
      expect(app.seen.map((s) => [s.res.writableEnded, s.res.writableFinished])).toEqual(
        Array(READERS).fill([true, false]),
      );
      await Promise.all(readers.map((c) => c.close()));
      await eventually(async () => abortedCount(app.monitor) >= READERS);
      const idle = await app.monitor.sample();
      expect(idle.requests.total).toBe(0);
      expect(idle.errors.unanswered).toBeUndefined();
      // As before F10 for a window of early closes only: no judged request, not judged (unknown).
      expect(idle.errors).toMatchObject({
        status: 'unknown',
        count_aborted: READERS,
        count_aborted_early: READERS,
        count_aborted_answered: READERS,
        count_judged: 0,
        error_rate_percent: null,
      });
      expect(errorRateEvents()).toEqual([]);

      // The F10 outage beside them: READERS clients close on a handler that never answers.
      const hung = Array.from({ length: READERS }, () => neverReads(app.port, GET('/hung')));
      await eventually(async () => app.seen.length === 2 * READERS);
      expect(app.seen.slice(READERS).every((s) => !s.res.writableEnded)).toBe(true);
      await Promise.all(hung.map((c) => c.close()));
      await eventually(async () => abortedCount(app.monitor) >= 2 * READERS);
      const outage = await app.monitor.sample();
      expect(outage.errors).toMatchObject({
        status: 'critical',
        unanswered: true,
        error_rate_percent: 100,
        count_aborted_early: 2 * READERS,
        count_aborted_answered: READERS,
      });
      expect(outage.errors.reason).toMatch(
        new RegExp(`^no request completed in the window and ${READERS} were closed`),
      );
      expect(errorRateEvents()).toEqual(['raised']);
    }, 60_000);

    it(`F1b: ${PIPELINED} pipelined GET /ok behind an unread GET /big, closed after abortedFailureMs, are not failed nor timed`, async () => {
      const app = await start(framework, { abortedFailureMs: 1, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      const client = neverReads(app.port, GET('/big') + GET('/ok').repeat(PIPELINED));
      await eventually(
        async () => app.seen.length === OK + 1 + PIPELINED && app.seen.every((s) => s.res.writableEnded),
      );
      await sleep(20);
      // The oracle: every handler answered; none of the responses on that connection reached its client in full.
      expect(app.seen.slice(OK).filter((s) => s.res.writableFinished)).toEqual([]);
      await client.close();
      // Every request of that connection ended, however it was recorded (a request, or an aborted one).
      await eventually(
        async () => app.monitor.requests.total + abortedCount(app.monitor) >= OK + 1 + PIPELINED,
      );
      const m = await app.monitor.sample();
      expect(m.requests.total).toBe(OK);
      expect([
        m.errors.count_aborted,
        m.errors.count_aborted_early,
        m.errors.count_4xx,
        m.errors.error_rate_percent,
      ]).toEqual([1 + PIPELINED, 1 + PIPELINED, 0, 0]);
      // /ok's row: the OK real requests only (its latency theirs: the queued ones are not timed at the client's close).
      expect(m.routes.find((r) => r.route === '/ok')).toMatchObject({ count: OK, count_aborted: PIPELINED });
      const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
      expect(byRoute['/ok']).toMatchObject({ count: PIPELINED, failed: 0 });
      expect(byRoute['/big']).toMatchObject({ count: 1, failed: 0 });
    }, 60_000);

    it('F1c: held open, they are in flight but not aged (no critical latency, no api_response_time alert, not in routes/ in flight); a hung handler still is', async () => {
      const clock = { t: T0, now: () => clock.t };
      const app = await start(framework, { clock, logger: quiet }, modules);
      for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
      neverReads(app.port, GET('/big') + GET('/ok').repeat(PIPELINED));
      await eventually(
        async () => app.seen.length === OK + 1 + PIPELINED && app.seen.every((s) => s.res.writableEnded),
      );
      clock.t += 75_000;
      await expectHeldNotAged(app.monitor, 1 + PIPELINED);

      // The control: a handler that never answers, on another connection, is aged from its start.
      neverReads(app.port, GET('/hung'));
      await eventually(async () => app.seen.length === OK + 2 + PIPELINED);
      clock.t += 75_000;
      const hang = await app.monitor.sample();
      expect(hang.requests.in_flight).toBe(2 + PIPELINED);
      expect(hang.latency).toMatchObject({ status: 'critical', in_flight_counted: 1, max_ms: 75_000 });
      expect(inFlightRoutes(app.monitor)).toEqual([['/hung', 1]]);
      expect(await responseTimeAlerts(app.monitor)).toEqual(['critical']);
    }, 60_000);
  },
);
