// Outside review D, RTD-6: two monitors on one Express app (`app.use(a.middleware()); app.use(b.middleware())`)
// behind a middleware that answers some requests itself (a 503, a 200): only the monitor whose middleware learnt
// the server first counted them (`unseen_total`, the 5xx as failed requests of `unseen`); the other read none.
// Each monitor counts the app's requests the same way now. Real Express 5 and 4 servers; the oracle is the
// requests the client sent and the statuses it received.

import { createServer } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { sendPlan as send } from './raw-clients.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

type Next = (err?: unknown) => void;
type Req = { path: string };
type Res = { status(n: number): { end(b: string): void }; end(b: string): void };

async function counts(monitor: ReturnType<typeof createMonitor>) {
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return {
    total: m.requests.total,
    unseen: m.requests.unseen_total,
    count5xx: m.errors.count_5xx,
    missed: monitor.getUnseenRequests().total,
    routes: m.routes.map((r) => [r.method, r.route, r.count, r.count_5xx]).sort(),
  };
}

/** Two monitors, and the one close() that closes both (for `listen`). */
function twoMonitors() {
  const a = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
  const b = createMonitor({ sampleIntervalMs: 0, logger: quiet, rateLimit: false });
  const both = {
    close: async () => {
      await a.close();
      await b.close();
    },
  };
  return { a, b, both };
}

describe.each(majors.map((m) => [m.versions.express, m] as const))(
  'express %s: two monitors on one app',
  (_e, modules) => {
    for (const first of ['a request both see', 'a request answered before both']) {
      it(`each counts the requests answered before both (${first} first)`, async () => {
        const { a, b, both } = twoMonitors();
        const app = modules.express();
        app.use((q: Req, s: Res, next: Next) => {
          if (q.path === '/early') s.status(503).end('early');
          else if (q.path === '/cached') s.end('cached');
          else next();
        });
        app.use(a.middleware());
        app.use(b.middleware());
        app.get('/ok', (_q, s) => void s.end('ok'));
        const port = await listen(createServer(app), both);
        const plan: [string, number][] = [
          ['/ok', 3],
          ['/early', 2],
          ['/cached', 1],
        ];
        if (first !== 'a request both see') plan.reverse();
        const tally = await send(port, plan);
        expect(tally).toEqual({ '/ok': { 200: 3 }, '/early': { 503: 2 }, '/cached': { 200: 1 } });
        // Seen: 3 × 200; answered before both: 2 × 503 (failed requests of `unseen`) and 1 × 200 (unseen_total only).
        const expected = {
          total: 3 + 2,
          unseen: 2 + 1,
          count5xx: 2,
          missed: 2 + 1,
          routes: [
            ['GET', '/ok', 3, 0],
            ['GET', 'unseen', 2, 2],
          ],
        };
        expect({ a: await counts(a), b: await counts(b) }).toEqual({ a: expected, b: expected });
      });
    }

    it("each counts the parent's answers under the app's mount, the middlewares first in the app", async () => {
      const { a, b, both } = twoMonitors();
      const app = modules.express();
      app.use(a.middleware());
      app.use(b.middleware());
      app.get('/ok', (_q, s) => void s.end('ok'));
      const parent = modules.express();
      parent.use((q: Req, s: Res, next: Next) => {
        if (q.path.endsWith('/early')) s.status(503).end('early');
        else if (q.path.endsWith('/cached')) s.end('cached');
        else next();
      });
      parent.use('/v1', app);
      const port = await listen(createServer(parent), both);
      const tally = await send(port, [
        ['/v1/ok', 3],
        ['/v1/early', 2],
        ['/early', 1],
        ['/v1/cached', 1],
      ]);
      expect(tally).toEqual({
        '/v1/ok': { 200: 3 },
        '/v1/early': { 503: 2 },
        '/early': { 503: 1 },
        '/v1/cached': { 200: 1 },
      });
      // Seen: 3; failed under /v1: 2 (`unseen`); answered before both: 2 + 1 + 1 (unseen_total; /early is not the
      // app's failure: outside its mount).
      const expected = {
        total: 3 + 2,
        unseen: 2 + 1 + 1,
        count5xx: 2,
        missed: 2 + 1 + 1,
        routes: [
          ['GET', '/v1/ok', 3, 0],
          ['GET', 'unseen', 2, 2],
        ],
      };
      expect({ a: await counts(a), b: await counts(b) }).toEqual({ a: expected, b: expected });
    });

    it('the second counts the requests answered between the two (an auth check after a, before b)', async () => {
      const { a, b, both } = twoMonitors();
      const app = modules.express();
      app.use((q: Req, s: Res, next: Next) => {
        if (q.path === '/early') s.status(503).end('early');
        else next();
      });
      app.use(a.middleware());
      app.use((q: Req, s: Res, next: Next) => {
        if (q.path === '/denied') s.status(401).end('denied');
        else if (q.path === '/between') s.status(503).end('between');
        else next();
      });
      app.use(b.middleware());
      app.get('/ok', (_q, s) => void s.end('ok'));
      const port = await listen(createServer(app), both);
      const tally = await send(port, [
        ['/denied', 2],
        ['/ok', 3],
        ['/between', 4],
        ['/early', 1],
      ]);
      expect(tally).toEqual({
        '/ok': { 200: 3 },
        '/denied': { 401: 2 },
        '/between': { 503: 4 },
        '/early': { 503: 1 },
      });
      // Changed: `b` read none of the requests answered between the two (total 3 + 1, unseen 1).
      expect({ a: await counts(a), b: await counts(b) }).toEqual({
        a: {
          total: 3 + 2 + 4 + 1,
          unseen: 1,
          count5xx: 4 + 1,
          missed: 1,
          routes: [
            ['GET', '/ok', 3, 0],
            ['GET', 'unmatched', 2 + 4, 4],
            ['GET', 'unseen', 1, 1],
          ],
        },
        b: {
          total: 3 + 4 + 1,
          unseen: 2 + 4 + 1,
          count5xx: 4 + 1,
          missed: 2 + 4 + 1,
          routes: [
            ['GET', '/ok', 3, 0],
            ['GET', 'unseen', 4 + 1, 4 + 1],
          ],
        },
      });
    });

    it('each sees the requests waiting before both (unseen_waiting)', async () => {
      const { a, b, both } = twoMonitors();
      const app = modules.express();
      let held = 0;
      app.use((q: Req, _s: Res, next: Next) => {
        if (q.path === '/hang') held++;
        else next();
      });
      app.use(a.middleware());
      app.use(b.middleware());
      app.get('/ok', (_q, s) => void s.end('ok'));
      const server = createServer(app);
      const port = await listen(server, both);
      expect(await send(port, [['/ok', 1]])).toEqual({ '/ok': { 200: 1 } });
      const hung = [0, 1, 2].map(() => connect(port, '127.0.0.1'));
      try {
        for (const c of hung) c.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
        for (let i = 0; i < 300 && held < 3; i++) await new Promise((r) => setTimeout(r, 10));
        expect(held).toBe(3);
        const waiting = async (m: typeof a) => (await m.sample()).requests.unseen_waiting;
        expect({ a: await waiting(a), b: await waiting(b) }).toEqual({ a: 3, b: 3 });
      } finally {
        for (const c of hung) c.destroy();
      }
    });
  },
);
