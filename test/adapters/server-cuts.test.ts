// Regression (outside review 16, F4): a request whose connection the SERVER closed, before its response was handed
// over, is a failed request (500, as `res.destroy()`), whatever its duration: Node's own socket timeout
// (`server.setTimeout()`; Fastify's `connectionTimeout`), a handler that gives up on an upstream with
// `req.destroy()` or `req.socket.destroy()`. Such cuts under `abortedFailureMs` were early closes, so 30 of 100
// requests cut by a 300 ms server timeout read requests 70, error rate 0 %, Apdex 1. A client's own close (its
// request destroyed, or its FIN) keeps its treatment: an early close, or a failed 4xx past `abortedFailureMs`.
// Real Express, Fastify and Koa servers on port 0, on the majors in devDependencies and the older ones of the peer
// ranges. The oracle is what the clients did and saw: the responses and resets they counted.

import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { MAJOR_CASES } from './cut-off-apps.js';
import { closedAfterEach, expressApp, fastifyApp, koaApp } from './framework-apps.js';
import type { FrameworkModules } from './framework-modules.js';
import { eventually, type Framework } from './workload-apps.js';

/** How long a handler waits on its (never answering) upstream before it gives up and cuts the connection. */
const GIVE_UP_MS = 200;
/**
 * The server's socket timeout in the timeout case (server.setTimeout, Fastify's connectionTimeout), under that
 * case's abortedFailureMs (5 s): as 300 ms under the default 1 s, with room for a loaded machine.
 */
const SERVER_TIMEOUT_MS = 1_000;
const N = 5;

type Cut = 'req' | 'socket';
const cut = (req: { destroy(): unknown; socket: { destroy(): unknown } }, how: Cut) =>
  how === 'req' ? req.destroy() : req.socket.destroy();
const later = (ms: number, f: () => void) => void setTimeout(f, ms).unref();

const running = closedAfterEach();

/**
 * sysvitals on `framework` with GET /ok ('ok'), GET /hang (answers after 10 s: cut by a timeout or its client first)
 * and GET /give-up/req|socket (destroys the request, or its connection, after GIVE_UP_MS). `serverTimeoutMs`: the
 * server's socket timeout (Fastify: its `connectionTimeout` option; else `server.setTimeout()`).
 */
async function start(
  framework: Framework,
  modules: FrameworkModules,
  options: MonitorOptions,
  serverTimeoutMs?: number,
): Promise<{ monitor: SystemMonitor; port: number; hanging(): number }> {
  let hung = 0;
  let made: { monitor: SystemMonitor; server: Server };
  if (framework === 'express')
    made = await expressApp(
      options,
      (app) => {
        app.get('/ok', (_req, res) => void res.send('ok'));
        app.get('/hang', (_req, res) => {
          hung++;
          later(10_000, () => res.send('late'));
        });
        app.get('/give-up/:how', (req, _res) => later(GIVE_UP_MS, () => cut(req, req.params.how as Cut)));
      },
      modules,
    );
  else if (framework === 'fastify') {
    const fastify = ((opts?: object) =>
      modules.fastify({ ...opts, connectionTimeout: serverTimeoutMs ?? 0 })) as typeof modules.fastify;
    made = await fastifyApp(
      options,
      (app) => {
        app.get('/ok', async () => 'ok');
        app.get('/hang', (_req, reply) => {
          hung++;
          later(10_000, () => void reply.send('late'));
        });
        app.get<{ Params: { how: Cut } }>('/give-up/:how', (req, _reply) =>
          later(GIVE_UP_MS, () => cut(req.raw, req.params.how)),
        );
      },
      { ...modules, fastify },
    );
  } else
    made = await koaApp(
      options,
      (router) => {
        router.get('/ok', (ctx) => {
          ctx.body = 'ok';
        });
        router.get('/hang', async (ctx) => {
          hung++;
          await new Promise((r) => later(10_000, () => r(undefined)));
          ctx.body = 'late';
        });
        router.get('/give-up/:how', async (ctx) => {
          await new Promise((r) => later(GIVE_UP_MS, () => r(undefined)));
          cut(ctx.req, ctx.params.how as Cut);
          await new Promise(() => {}); // the handler never answers (its connection is gone)
        });
      },
      modules,
    );
  const { monitor, server } = made;
  if (serverTimeoutMs !== undefined && framework !== 'fastify') server.setTimeout(serverTimeoutMs);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  running.push({ server, monitor });
  const address = server.address();
  return { monitor, port: typeof address === 'object' && address ? address.port : 0, hanging: () => hung };
}

/** A client's request: `done` its outcome; `giveUp()` closes it from the client's side. */
interface Client<T> {
  done: Promise<T>;
  giveUp(): void;
}

/**
 * GET `path` on a connection of its own: the status the client received in full, or 'reset' when its connection
 * was closed under it with no response; giveUp() destroys the request, as a client's timeout does ('gave-up').
 */
function startGet(port: number, path: string): Client<number | 'reset' | 'gave-up'> {
  let resolve!: (outcome: number | 'reset' | 'gave-up') => void;
  const done = new Promise<number | 'reset' | 'gave-up'>((r) => {
    resolve = r;
  });
  const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  });
  req.on('error', () => resolve('reset'));
  req.end();
  return {
    done,
    giveUp: () => {
      resolve('gave-up');
      req.destroy();
    },
  };
}

const fetchOnce = (port: number, path: string) => startGet(port, path).done;

/** A raw client that sends GET `path`; giveUp() sends its FIN (`socket.end()`); `done` once the connection closed. */
function startFin(port: number, path: string): Client<void> {
  const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  socket.resume();
  socket.on('error', () => {});
  return { done: new Promise((r) => socket.on('close', () => r())), giveUp: () => socket.end() };
}

/**
 * Starts `n` requests to /hang of each client kind and gives them up `afterMs` after the server has them all (a
 * request whose connection closed before the server read it never reached the application); resolves with what
 * the destroying clients saw.
 */
async function giveUpOnHang(
  app: { port: number; hanging(): number },
  n: number,
  afterMs: number,
): Promise<(number | 'reset' | 'gave-up')[]> {
  const gets = Array.from({ length: n }, () => startGet(app.port, '/hang'));
  const fins = Array.from({ length: n }, () => startFin(app.port, '/hang'));
  await eventually(async () => app.hanging() >= 2 * n);
  await new Promise((r) => setTimeout(r, afterMs));
  for (const c of [...gets, ...fins]) c.giveUp();
  await Promise.all(fins.map((c) => c.done));
  return Promise.all(gets.map((c) => c.done));
}

/** The requests the monitor has ended: its requests, and its early closes (which are not requests). */
function ended(monitor: SystemMonitor): number {
  const r = monitor.requests;
  return r.total + r.abortedTotals().reduce((n, t) => n + t.count - t.failed, 0);
}

/** Counts of each distinct outcome the clients saw. */
function tally<T extends string | number>(outcomes: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[String(o)] = (out[String(o)] ?? 0) + 1;
  return out;
}

describe.each(MAJOR_CASES)('$framework $major: requests the server cut itself', ({ framework, modules }) => {
  it('70 answered and 30 cut by the server socket timeout: 30 failed of 100, error rate 30 %, Apdex 0.7', async () => {
    // Apdex T 60 s: every request is under it, so only a failure makes one frustrated.
    const options = { apdex: { thresholdMs: 60_000 }, abortedFailureMs: 5_000 };
    const app = await start(framework, modules, options, SERVER_TIMEOUT_MS);
    const seen = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetchOnce(app.port, i % 10 < 3 ? '/hang' : '/ok')),
    );
    // The oracle: what the clients saw.
    expect(tally(seen)).toEqual({ 200: 70, reset: 30 });
    expect(app.hanging()).toBe(30); // the server had every one of them
    const failed = seen.filter((s) => s === 'reset').length;
    await eventually(async () => ended(app.monitor) >= 100);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(100);
    expect([m.errors.count_5xx, m.errors.count_4xx, m.errors.count_aborted]).toEqual([failed, 0, 0]);
    expect(m.errors.count_aborted_early).toBe(0);
    expect(m.errors.error_rate_percent).toBe((100 * failed) / 100);
    expect(m.errors.status).toBe('critical');
    // Apdex = (satisfied + tolerating / 2) / total: the 70 answered satisfied, the 30 failed frustrated.
    expect(m.apdex).toMatchObject({ satisfied: 70, tolerating: 0, frustrated: 30, score: 0.7 });
    expect(m.routes.find((r) => r.route === '/hang')).toMatchObject({ count: 30, count_5xx: 30 });
  }, 60_000);

  it.each(['req', 'socket'] as const)(
    `${N} handlers that give up after ${GIVE_UP_MS} ms with %s.destroy(): failed requests (500), not early closes`,
    async (how) => {
      const app = await start(framework, modules, {});
      const seen = await Promise.all([
        ...Array.from({ length: N }, () => fetchOnce(app.port, '/ok')),
        ...Array.from({ length: N }, () => fetchOnce(app.port, `/give-up/${how}`)),
      ]);
      expect(tally(seen)).toEqual({ 200: N, reset: N });
      await eventually(async () => ended(app.monitor) >= 2 * N);
      const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(2 * N);
      expect([m.errors.count_5xx, m.errors.count_aborted, m.errors.count_aborted_early]).toEqual([N, 0, 0]);
      expect(m.errors.error_rate_percent).toBe(50);
      expect(m.apdex).toMatchObject({ satisfied: N, frustrated: N, score: 0.5 });
    },
    60_000,
  );

  it(`${N} clients that destroy their request after 100 ms and ${N} that send their FIN: early closes, as before`, async () => {
    // A server timeout far above the clients' waits: it never fires (a client's close is not the server's).
    const app = await start(framework, modules, {}, 30_000);
    const ok = await Promise.all(Array.from({ length: N }, () => fetchOnce(app.port, '/ok')));
    const seen = [...ok, ...(await giveUpOnHang(app, N, 100))];
    expect(tally(seen)).toEqual({ 200: N, 'gave-up': N });
    await eventually(async () => ended(app.monitor) >= 3 * N);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    // Aborted by their clients: counted apart (early closes: not requests), never the server's 5xx; one that a
    // loaded machine saw close after abortedFailureMs (1 s) is a request, a failed 4xx (the oracle reads how many).
    expect(m.errors.count_aborted).toBe(2 * N);
    const late = app.monitor.requests.abortedTotals().reduce((n, t) => n + t.failed, 0);
    expect([m.requests.total, m.errors.count_5xx, m.errors.count_4xx]).toEqual([N + late, 0, late]);
    expect(m.errors.count_aborted_early).toBe(2 * N - late);
  }, 60_000);

  it(`${N} clients that give up after abortedFailureMs: failed 4xx (aborted), not the server's 5xx`, async () => {
    const app = await start(framework, modules, { abortedFailureMs: 50 }, 30_000);
    const seen = await giveUpOnHang(app, N, 300);
    expect(tally(seen)).toEqual({ 'gave-up': N });
    await eventually(async () => ended(app.monitor) >= 2 * N);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.total, m.errors.count_4xx, m.errors.count_5xx]).toEqual([2 * N, 2 * N, 0]);
    expect([m.errors.count_aborted, m.errors.count_aborted_early]).toEqual([2 * N, 0]);
    expect(m.errors.error_rate_percent).toBe(100);
  }, 60_000);
});
