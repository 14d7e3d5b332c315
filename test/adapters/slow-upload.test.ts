// Regression (outside review 7, F6): a client that trickles a small body (a 2-byte JSON body over seconds) to a route
// that answers in a millisecond was recorded with its upload as the route's latency: 20 such clients paged
// `api_response_time` critical. A completed request's time now starts when its body was in, when its client alone
// paced it; a body the server held back (Node stopped reading for it) stays timed from the request's start.
// Real servers on port 0 (Express, Fastify, Koa, both majors each), raw sockets. Oracles: the client's own send of
// the last byte (the server cannot have it before) to the response seen ended bounds the recorded duration; for the
// server-paced body, the handler's own time from its start to its end() call is a lower bound.

import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually, FRAMEWORKS, type Framework } from './workload-apps.js';

const CLIENTS = 3;
const WAIT_MS = 1_500; // between the body's first byte and its last
const HELD = Buffer.alloc(1024 * 1024, 97); // far over the request stream's highWaterMark (16 KiB)
const HOLD_MS = 300; // how long the /held handler waits before it reads its body

const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const options: MonitorOptions = { sampleIntervalMs: 0, logger: quiet };
const running = closedAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hdr = (ms: number) => ms * 1.001 + 0.001;

/** The handler's own time of each /held request: from its start to its end() call. */
type Handled = number[];

async function readAll(req: IncomingMessage): Promise<number> {
  let n = 0;
  for await (const chunk of req) n += (chunk as Buffer).length;
  return n;
}

async function start(framework: Framework, modules: FrameworkModules) {
  const handled: Handled = [];
  const held = async (req: IncomingMessage, answer: (n: number) => void) => {
    const t = performance.now();
    await sleep(HOLD_MS);
    answer(await readAll(req));
    handled.push(performance.now() - t);
  };
  const made =
    framework === 'express'
      ? await expressApp(
          options,
          (app, express) => {
            app.post('/echo', express.json(), (req, res) => void res.json(req.body));
            app.post('/held', (req, res) => void held(req, (n) => res.send(String(n))));
          },
          modules,
        )
      : framework === 'fastify'
        ? await fastifyApp(
            options,
            (app) => {
              app.post('/echo', async (req) => req.body);
              app.addContentTypeParser('application/octet-stream', (_req, payload, done) => {
                void held(payload as IncomingMessage, (n) => done(null, n));
              });
              app.post('/held', async (req) => String(req.body));
            },
            modules,
          )
        : await koaApp(
            options,
            (router) => {
              router.post('/echo', async (ctx) => {
                ctx.body = JSON.parse((await readAllText(ctx.req)) || 'null');
              });
              router.post(
                '/held',
                (ctx) =>
                  new Promise<void>((done) => {
                    void held(ctx.req, (n) => {
                      ctx.body = String(n);
                      done();
                    });
                  }),
              );
            },
            modules,
          );
  const server: Server = made.server;
  const seen: { url: string; res: ServerResponse; ended: number }[] = [];
  (server as EventEmitter).prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', res, ended: Number.NaN });
  });
  const poll = setInterval(() => {
    const now = performance.now();
    for (const s of seen) if (Number.isNaN(s.ended) && s.res.writableEnded) s.ended = now;
  }, 1);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = async () => {
    clearInterval(poll);
    await made.monitor.close();
  };
  running.push({ server, monitor: { close } });
  return { monitor: made.monitor, port: (server.address() as AddressInfo).port, seen, handled };
}

async function readAllText(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += String(chunk);
  return s;
}

/** POSTs `head` then, after `waitMs`, `tail`; resolves when the response has come, with when `tail` was sent. */
function post(
  port: number,
  path: string,
  type: string,
  head: Buffer | string,
  tail: Buffer | string,
  waitMs: number,
) {
  return new Promise<number>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', reject);
    let sentLast = Number.NaN;
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(sentLast);
      }
    });
    const length = Buffer.byteLength(head) + Buffer.byteLength(tail);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`,
    );
    socket.write(head);
    setTimeout(() => {
      sentLast = performance.now();
      socket.write(tail);
    }, waitMs);
  });
}

const cases = [CURRENT_MAJORS, olderMajors()].flatMap((modules) =>
  FRAMEWORKS.map((framework) => ({ framework, major: modules.majors[framework], modules })),
);

describe.each(cases)('$framework $major: a request whose body arrives slowly', ({ framework, modules }) => {
  it(`${CLIENTS} clients trickling a 2-byte JSON body over ${WAIT_MS} ms: timed from the body's arrival`, async () => {
    const app = await start(framework, modules);
    const sent = await Promise.all(
      Array.from({ length: CLIENTS }, () => post(app.port, '/echo', 'application/json', '{', '}', WAIT_MS)),
    );
    await eventually(async () => (await app.monitor.getMetrics({ maxAgeMs: 0 })).requests.total === CLIENTS);
    await eventually(async () => app.seen.every((s) => !Number.isNaN(s.ended)));
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    const row = m.routes.find((r) => r.route === '/echo');
    expect([row?.count, m.errors.count_4xx, m.errors.count_aborted]).toEqual([CLIENTS, 0, 0]);
    // The server had the last byte no sooner than the client sent it (before the fix: at least WAIT_MS).
    const bound = Math.max(...app.seen.map((s) => s.ended)) - Math.min(...sent);
    expect(row?.max_ms).toBeLessThanOrEqual(hdr(bound));
  }, 60_000);

  it(`a 1 MB body the server reads only after ${HOLD_MS} ms (Node stopped reading it): timed from the request's start`, async () => {
    const app = await start(framework, modules);
    await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        post(app.port, '/held', 'application/octet-stream', HELD.subarray(0, 1), HELD.subarray(1), 0),
      ),
    );
    await eventually(async () => (await app.monitor.getMetrics({ maxAgeMs: 0 })).requests.total === CLIENTS);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    const row = m.routes.find((r) => r.route === '/held');
    expect(row?.count).toBe(CLIENTS);
    expect(app.handled.length).toBe(CLIENTS);
    // Its handler's own time (from its start, after the request's, to its end() call) is in every recorded one.
    expect(row?.p50_ms).toBeGreaterThanOrEqual(Math.min(...app.handled) / 1.002);
  }, 60_000);
});
