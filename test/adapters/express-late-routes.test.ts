// Regression (outside review 2, G5): on Express, sysvitals appends an error handler to the app's router on the first
// request (express-errors.ts) to see the errors the application leaves to Express's final handler, which cuts off a
// response already started. Routes the application added after that request came after the handler, so their
// errors passed to next() never reached it and their cut-off responses read as the client's close (499) instead of
// failed requests (500). Real Express server on port 0, Express 5 and Express 4 (whose first request used to fail
// before the handler was appended: it never was); the oracle is what the clients saw.

import { request as httpRequest } from 'node:http';
import type { Express, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { closedAfterEach, expressApp } from './framework-apps.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const N = 3;
const running = closedAfterEach();

/** GET on a new connection: its status and whether the body arrived whole (false: the connection was cut). */
function fetchWhole(port: number, path: string): Promise<{ status: number; body: string; whole: boolean }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      const done = (whole: boolean) => resolve({ status: res.statusCode ?? 0, body, whole });
      res.on('end', () => done(true));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', () => resolve({ status: 0, body: '', whole: false }));
    req.end();
  });
}

const majors = [CURRENT_MAJORS, olderMajors()].map((modules) => ({ major: modules.majors.express, modules }));

describe.each(majors)('express $major: routes added after the first request', ({ modules }) => {
  it(`${N} responses cut off by an error passed to next() are failed requests (500), not aborted`, async () => {
    let app!: Express;
    const made = await expressApp(
      { sampleIntervalMs: 0 },
      (a) => {
        app = a;
        app.get('/ok', (_req, res) => void res.send('ok'));
      },
      modules,
    );
    const { monitor, server } = made;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    running.push({ server, monitor });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await fetchWhole(port, '/ok')).toEqual({ status: 200, body: 'ok', whole: true });

    // After the first request: a route that fails after its response started, and one whose error the
    // application's own (later) error handler answers.
    app.get('/late-fail', (_req, res, next) => {
      res.write('partial');
      next(new Error('after the headers'));
    });
    app.get('/late-handled', (_req, _res, next) => next(new Error('handled by the app')));
    app.use((_err: unknown, _req: unknown, res: Response, _next: unknown) => {
      res.status(503).send('handled');
    });
    const cut = await Promise.all(Array.from({ length: N }, () => fetchWhole(port, '/late-fail')));
    expect(cut).toEqual(Array(N).fill({ status: 200, body: 'partial', whole: false }));
    expect(await fetchWhole(port, '/late-handled')).toEqual({ status: 503, body: 'handled', whole: true });
    // Every request ended (a cut-off read as the client's close would be an early close, outside the total).
    const aborted = () => monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0);
    await eventually(async () => monitor.requests.total + aborted() >= 1 + N + 1);
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.total, m.errors.count_5xx, m.errors.count_aborted]).toEqual([1 + N + 1, N + 1, 0]);
    expect(m.routes.find((r) => r.route === '/late-fail')).toMatchObject({ count: N, count_5xx: N });
    // The handler is last again: the application's error handler runs first, as before.
    // Express 4's router is `_router` (its `router` a getter that throws), Express 5's `router`.
    const router = (app as unknown as { _router?: typeof app.router })._router ?? app.router;
    expect(router.stack.map((l: { handle: { name: string } }) => l.handle.name).at(-1)).toBe(
      'sysvitalsLateError',
    );
  }, 30_000);
});

// Regression (outside review 6, F6): on Express 5 the handler was appended after the middleware's layer was lifted
// out of the router (express-hoist.ts), onto the new stack, so the very first request of the app, which goes through
// the old one, never passed it: its failure after a partial write read as an early client close (not counted) while
// every later one was a 500. Express 4 (nothing lifted) was right. Each case is a new app whose first request fails.
describe.each(majors)(
  'express $major: the first request of the app fails after a partial write',
  ({ modules }) => {
    it.each(['throw', 'next(err)'] as const)(
      '%s: a failed request (500), not an early close',
      async (how) => {
        const made = await expressApp(
          { sampleIntervalMs: 0 },
          (app) => {
            app.get('/org/:org/w/:id', (_req, res, next) => {
              res.write('partial');
              if (how === 'throw') throw new Error('mid-response');
              next(new Error('mid-response'));
            });
          },
          modules,
        );
        const { monitor, server } = made;
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        running.push({ server, monitor });
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        expect(await fetchWhole(port, '/org/acme/w/1')).toEqual({
          status: 200,
          body: 'partial',
          whole: false,
        });
        const aborted = () => monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0);
        await eventually(async () => monitor.requests.total + aborted() >= 1);
        const m = await monitor.getMetrics({ maxAgeMs: 0 });
        expect([
          m.requests.total,
          m.errors.count_5xx,
          m.errors.count_aborted,
          m.errors.count_aborted_early,
        ]).toEqual([1, 1, 0, 0]);
        expect(m.routes.find((r) => r.route === '/org/:org/w/:id')).toMatchObject({ count: 1, count_5xx: 1 });
      },
    );
  },
);
