// Regression (outside review 46, RT46-5) on real Express 5/4, Koa 3/2 and Fastify 5/4 servers on port 0, real
// clients that give up. 40 clients giving up at 600 ms on a hung route (past `unansweredMinWaitMs`, before
// `abortedFailureMs`) beside ONE answered `GET /ok` read errors `unknown`, latency and requests healthy: any judged
// request in the window disarmed the `unanswered` rule. Now the unanswered early closes count against the judged
// requests: at least `minRequests` of them and more than the judged requests is critical, `unanswered: true`. The
// negative cases of a healthy app: a few impatient clients among more answered requests, long-poll clients that
// leave mid-poll after answered polls, event streams (SSE) their clients close, and one slow client alone. The oracle
// is what the clients did and what the server recorded (each record() and waited close, request-ticket.ts): the
// unanswered closes are the 499s neither waited (answered, body) nor quick (under the floor).

import { request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { QUICK_CLOSE_COLUMN } from '../../src/requests/route-counters.js';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import { closedAfterEach, expressApp, fastifyApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { GET } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const running = closedAfterEach();
const N = 20; // minRequests, the default
const FLOOR = 100; // unansweredMinWaitMs, the default
const GIVE_UP = 600; // ms, the review's client timeout: past the floor, under abortedFailureMs
const POLL = 300; // ms a long poll holds before it answers
/** Every close here is early whatever the machine's load (the rule under test is the `unanswered` one). */
const OPTIONS: MonitorOptions = { sampleIntervalMs: 0, abortedFailureMs: 3_600_000 };
const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SSE = 'text/event-stream';

interface Started {
  monitor: SystemMonitor;
  server: Server;
}

/** Routes: /ok answers 200; /hang never answers; /poll answers 204 after POLL ms; /events an event stream, never ended. */
function cases(modules: FrameworkModules): { name: string; start(): Promise<Started> }[] {
  const v = modules.versions;
  return [
    {
      name: `Express ${v.express}`,
      start: () =>
        expressApp(
          OPTIONS,
          (app) => {
            app.get('/ok', (_req, res) => void res.send('ok'));
            app.get('/hang', () => {});
            app.get('/poll', (_req, res) => void setTimeout(() => res.status(204).end(), POLL));
            app.get('/events', (_req, res) => {
              res.writeHead(200, { 'Content-Type': SSE });
              res.write('data: hi\n\n');
            });
          },
          modules,
        ),
    },
    {
      name: `Koa ${v.koa}`,
      start: async () => {
        const { default: KoaRouter } = await import('@koa/router');
        const { createMonitor } = await import('../../src/adapters/koa.js');
        const { createServer } = await import('node:http');
        const monitor = createMonitor(OPTIONS);
        const app = new modules.koa();
        app.silent = true;
        const router = new KoaRouter();
        router.get('/ok', (ctx) => {
          ctx.body = 'ok';
        });
        router.get('/hang', () => never());
        router.get('/poll', async (ctx) => {
          await sleep(POLL);
          ctx.status = 204;
        });
        router.get('/events', (ctx) => {
          const body = new PassThrough();
          ctx.type = SSE;
          ctx.body = body;
          body.write('data: hi\n\n');
        });
        app.use(monitor.middleware());
        app.use(router.routes());
        return { monitor, server: createServer(app.callback()) };
      },
    },
    {
      name: `Fastify ${v.fastify}`,
      start: () =>
        fastifyApp(
          OPTIONS,
          (app) => {
            app.get('/ok', async () => 'ok');
            app.get('/hang', () => never());
            app.get('/poll', async (_request, reply) => {
              await sleep(POLL);
              return reply.code(204).send();
            });
            app.get('/events', (_request, reply) => {
              const body = new PassThrough();
              body.write('data: hi\n\n');
              return reply.header('content-type', SSE).send(body);
            });
          },
          modules,
        ),
    },
  ];
}

interface Recorded {
  status: number;
  durationMs: number;
  /** A close the server waited on its client for (answered or body arriving: request-ticket.ts); not a quick one. */
  waited: boolean;
}

async function listening(start: () => Promise<Started>) {
  const started = await start();
  running.push(started);
  const recorded: Recorded[] = [];
  const requests = started.monitor.requests;
  const record = requests.record.bind(requests);
  requests.record = (method: string, route: string, status: number, durationMs: number) => {
    recorded.push({ status, durationMs, waited: false });
    record(method, route, status, durationMs);
  };
  const waited = requests.recordWaitedClose.bind(requests);
  requests.recordWaitedClose = (method: string, route: string, column?: number) => {
    recorded.push({ status: 499, durationMs: 0, waited: column !== QUICK_CLOSE_COLUMN });
    waited(method, route, column);
  };
  await new Promise<void>((done) => started.server.listen(0, '127.0.0.1', done));
  const port = (started.server.address() as { port: number }).port;
  return { ...started, port, recorded };
}

/** A GET read in full (a fresh connection): its status. */
function answered(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end();
  });
}

/** A client that sends GET `path` and gives up `ms` after sending it (RST, as a client timeout does). */
function givesUp(port: number, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1', () => {
      s.write(GET(path));
      setTimeout(() => s.resetAndDestroy(), ms);
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
}

/** The figures the oracle expects from what the server recorded. */
function oracle(recorded: Recorded[]) {
  const judged = recorded.filter((r) => r.status !== 499).length;
  const early = recorded.filter((r) => r.status === 499);
  const closedUnanswered = early.filter((r) => !r.waited && r.durationMs >= FLOOR).length;
  const outage = closedUnanswered >= N && closedUnanswered > judged;
  return { judged, early: early.length, closedUnanswered, outage };
}

describe.each([CURRENT_MAJORS, olderMajors()].flatMap(cases).map((c) => [c.name, c] as const))(
  '%s: unanswered closes count against the answered requests (outside review 46, RT46-5)',
  (_name, c) => {
    it(`one answered GET /ok, then 40 clients giving up at ${GIVE_UP} ms on a hung route: critical, unanswered`, async () => {
      const app = await listening(c.start);
      expect(await answered(app.port, '/ok')).toBe(200);
      await Promise.all(Array.from({ length: 40 }, () => givesUp(app.port, '/hang', GIVE_UP)));
      await eventually(async () => app.recorded.length === 41);
      const o = oracle(app.recorded);
      expect(o).toMatchObject({ judged: 1, early: 40, closedUnanswered: 40, outage: true });
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors).toMatchObject({
        status: 'critical',
        unanswered: true,
        count_judged: 1,
        count_aborted_early: 40,
        count_aborted_quick: 0,
        error_rate_percent: Math.round((40 / 41) * 10_000) / 100, // 97.56
      });
      expect(m.errors.reason).toMatch(
        /^40 requests were closed unanswered in the window .* more than the 1 judged/,
      );
      // Health reads the same status (red: errors critical, the error rate judged in the window).
      // Health, the error_rate alert and Prometheus read the same status and value (the window's 97.56 %).
      await app.monitor.sample();
      const health = await app.monitor.getHealth();
      expect(health.components.errors).toBe('critical');
      expect(health.status).toBe('red');
      expect(health.health_score).toBeLessThanOrEqual(100 - 30 - 15); // critical component, critical alert
      expect(app.monitor.alertSystem.getActiveAlerts().find((a) => a.rule === 'error_rate')).toMatchObject({
        severity: 'critical',
        value: Math.round((40 / 41) * 10_000) / 100,
      });
      const base = `http://127.0.0.1:${app.port}/api/core/admin/system`;
      const families = parseExposition(await fetch(`${base}/metrics/prometheus`).then((r) => r.text()));
      expect(
        sampleValue(families, 'sysvitals_component_status', { component: 'errors', status: 'critical' }),
      ).toBe(1);
      const json = (await fetch(`${base}/metrics/`).then((r) => r.json())) as { data: { errors: object } };
      expect(json.data.errors).toMatchObject({ status: 'critical', unanswered: true, count_judged: 1 });
    });

    it(`${N + 10} answered, then ${N} impatient clients giving up at 250 ms on a slow route: not unanswered`, async () => {
      const app = await listening(c.start);
      for (let i = 0; i < N + 10; i++) expect(await answered(app.port, '/ok')).toBe(200);
      await Promise.all(Array.from({ length: N }, () => givesUp(app.port, '/hang', 250)));
      await eventually(async () => app.recorded.length === 2 * N + 10);
      const o = oracle(app.recorded);
      expect(o).toMatchObject({ judged: N + 10, early: N, outage: false });
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.unanswered).toBeUndefined();
      expect(m.errors).toMatchObject({ status: 'healthy', count_judged: N + 10, error_rate_percent: 0 });
    });

    it(`${N + 5} long-poll clients, two answered polls each, then leaving mid-poll: not unanswered`, async () => {
      const app = await listening(c.start);
      const CLIENTS = N + 5;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          expect(await answered(app.port, '/poll')).toBe(204);
          expect(await answered(app.port, '/poll')).toBe(204);
          await givesUp(app.port, '/poll', POLL / 2); // navigates away mid-poll
        }),
      );
      await eventually(async () => app.recorded.length === 3 * CLIENTS);
      const o = oracle(app.recorded);
      // Each client: two answered polls and at most one unanswered close (the close may lose the race on a loaded
      // machine and find its poll answered: then a completed 204 or an answered close).
      expect(o.judged).toBeGreaterThanOrEqual(2 * CLIENTS);
      expect(o.closedUnanswered).toBeLessThanOrEqual(CLIENTS);
      expect(o.outage).toBe(false);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.unanswered).toBeUndefined();
      expect(m.errors.count_judged).toBe(o.judged);
      expect(m.errors.status).not.toBe('critical');
    });

    it(`one answered GET /ok, then ${N + 5} event streams their clients close after 250 ms: not unanswered`, async () => {
      const app = await listening(c.start);
      expect(await answered(app.port, '/ok')).toBe(200);
      await Promise.all(Array.from({ length: N + 5 }, () => givesUp(app.port, '/events', 250)));
      await eventually(async () => app.recorded.length === N + 6);
      const o = oracle(app.recorded);
      expect(o.closedUnanswered).toBe(0); // the stream's head was written: the app had answered
      expect(app.recorded.filter((r) => r.waited).length).toBe(N + 5);
      expect(o.outage).toBe(false);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.unanswered).toBeUndefined();
      expect(m.errors).toMatchObject({
        count_judged: 1,
        count_aborted_early: N + 5,
        count_aborted_answered: N + 5,
      });
      expect(m.errors.status).not.toBe('critical');
    });

    it('one slow client alone, giving up after 250 ms: not unanswered (fewer than minRequests)', async () => {
      const app = await listening(c.start);
      await givesUp(app.port, '/hang', 250);
      await eventually(async () => app.recorded.length === 1);
      expect(oracle(app.recorded)).toMatchObject({ judged: 0, early: 1, closedUnanswered: 1, outage: false });
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.errors.unanswered).toBeUndefined();
      expect(m.errors.count_aborted_early).toBe(1);
      expect(m.errors.status).not.toBe('critical');
    });
  },
);
