// Issue 18: an application request's ticket (its admission, its place among the requests in flight) is also its
// flight (what tells its end, adapters/response-end.ts): one object per request, through which two lists run, the
// monitor's requests in flight (oldest first, every connection) and each connection's responses in flight (newest
// first). Pipelined requests on one connection, held by the handler and released in an order that crosses both
// lists, must each end once with their own status and leave the in-flight count exact at every step; cut off, each
// is aborted once. Real servers on port 0 with the adapters' own createMonitor; the oracle is what the test sent
// on raw sockets and when it let each handler answer.

import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { FRAMEWORKS, type Framework } from './workload-apps.js';

const ROUTE = '/hold/:id';

/** Handlers waiting for the test: `release(id)` lets the one for `/hold/<id>` answer 200 (or `/hold/<id>?status=`). */
class Gates {
  readonly started: string[] = [];
  private readonly waiting = new Map<string, () => void>();
  private readonly opened = new Set<string>();

  wait(id: string): Promise<void> {
    this.started.push(id);
    if (this.opened.has(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  release(id: string): void {
    this.opened.add(id);
    this.waiting.get(id)?.();
    this.waiting.delete(id);
  }
}

async function start(
  framework: Framework,
  gates: Gates,
): Promise<{ monitor: SystemMonitor; server: Server }> {
  const options = { sampleIntervalMs: 0 };
  if (framework === 'express')
    return expressApp(options, (app) =>
      app.get(ROUTE, async (req, res) => {
        await gates.wait(req.params.id as string);
        if (!res.destroyed) res.status(Number(req.query.status ?? 200)).send(`done ${req.params.id}`);
      }),
    );
  if (framework === 'fastify')
    return fastifyApp(options, (app) =>
      app.get<{ Params: { id: string }; Querystring: { status?: string } }>(ROUTE, async (req, reply) => {
        await gates.wait(req.params.id);
        reply.code(Number(req.query.status ?? 200));
        return `done ${req.params.id}`;
      }),
    );
  return koaApp(options, (router) =>
    router.get(ROUTE, async (ctx) => {
      await gates.wait(ctx.params.id as string);
      ctx.status = Number(ctx.query.status ?? 200);
      ctx.body = `done ${ctx.params.id}`;
    }),
  );
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A raw connection that sends `paths` pipelined in one write; `statuses()` are the status lines received so far. */
function pipelined(port: number, paths: string[]): { socket: Socket; statuses: () => number[] } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.on('error', () => {});
  socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  return { socket, statuses: () => [...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => Number(m[1])) };
}

async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 10));
}

const inFlight = async (monitor: SystemMonitor) =>
  (await monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight;
const aborted = (monitor: SystemMonitor) => monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0);

describe.each(FRAMEWORKS)('%s: one ticket per request, in two lists', (framework) => {
  it('pipelined requests held and released across connections each end once, in flight exactly', async () => {
    const gates = new Gates();
    const { monitor, server } = await start(framework, gates);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await monitor.close();
    });
    const port = (server.address() as AddressInfo).port;

    // Connection A: a1 then a2 pipelined (a2's response waits behind a1's); connection B: b, admitted last.
    const a = pipelined(port, ['/hold/a1', '/hold/a2?status=404']);
    await until(() => gates.started.length === 2);
    const b = pipelined(port, ['/hold/b?status=503']);
    await until(() => gates.started.length === 3);
    expect(gates.started).toEqual(['a1', 'a2', 'b']);
    expect(await inFlight(monitor)).toBe(3);

    // a2 answers, but its response cannot finish before a1's: all three stay in flight.
    gates.release('a2');
    await new Promise((r) => setTimeout(r, 50));
    expect(a.statuses()).toEqual([]);
    expect(monitor.requests.total).toBe(0);
    expect(await inFlight(monitor)).toBe(3);

    // a1 answers: a1 (the oldest in flight, not its connection's newest flight) ends, then a2 (its connection's
    // newest flight, followed in the monitor's list by b, on another connection).
    gates.release('a1');
    await until(() => monitor.requests.total === 2 && a.statuses().length === 2);
    expect(a.statuses()).toEqual([200, 404]);
    expect(await inFlight(monitor)).toBe(1);

    // A's client leaves: nothing is in flight on A any more, so nothing is cut off (b is B's).
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted(monitor)).toBe(0);
    expect(monitor.requests.total).toBe(2);
    expect(await inFlight(monitor)).toBe(1);

    gates.release('b');
    await until(() => monitor.requests.total === 3 && b.statuses().length === 1);
    expect(b.statuses()).toEqual([503]);
    expect(await inFlight(monitor)).toBe(0);

    // Cut off: c1 and c2 pipelined on C, d on D; C is destroyed by its client with both held.
    const c = pipelined(port, ['/hold/c1', '/hold/c2']);
    await until(() => gates.started.length === 5);
    const d = pipelined(port, ['/hold/d']);
    await until(() => gates.started.length === 6);
    expect(await inFlight(monitor)).toBe(3);
    c.socket.destroy();
    await until(() => aborted(monitor) === 2);
    expect(await inFlight(monitor)).toBe(1);
    gates.release('d');
    await until(() => monitor.requests.total === 4 && d.statuses().length === 1);
    expect(d.statuses()).toEqual([200]);
    expect(await inFlight(monitor)).toBe(0);
    // The cut-off handlers answer late, into closed responses: nothing more is recorded.
    gates.release('c1');
    gates.release('c2');
    await new Promise((r) => setTimeout(r, 50));

    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(0);
    expect(m.requests.total).toBe(4);
    expect(aborted(monitor)).toBe(2);
    // Every end counted once where a cluster worker's farewell reads it (cluster/farewell.ts): 4 answered, 2 cut off.
    expect(monitor.lifecycle.endedTotal).toBe(6);
    expect(m.errors).toMatchObject({ count_4xx: 1, count_5xx: 1, count_aborted: 2 });
    expect(m.routes.find((r) => r.route === ROUTE)).toMatchObject({
      method: 'GET',
      count: 4,
      count_aborted: 2,
    });
    for (const s of [b, d]) s.socket.destroy();
  });
});
