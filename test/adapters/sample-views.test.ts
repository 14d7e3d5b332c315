// Regression (outside review 1, F1 and F10(a)): what the sample-time views show on a real Express server.
// F1: a route whose requests were all closed early keeps its row in routes/, so the rows sum to the totals.
// F10(a): a request whose body is still arriving (a slow upload) is not aged into latency while it arrives.
// The monitor's clock is injected (ages exact); the oracle is what the clients did.

import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { eventually, get, startGet } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const BODY = '{"a":"xxxxxxxx"}'; // 16 bytes, as the reviewer's slow uploader

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start() {
  const clock = { t: T0, now: () => clock.t };
  const monitor = createMonitor({ sampleIntervalMs: 0, clock });
  const app = express();
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => res.send('ok'));
  let waiting = 0;
  app.get('/abandoned', () => void waiting++); // never answers: its clients give up
  app.get('/never', () => {});
  app.post('/echo', express.json(), (req, res) => res.json(req.body));
  app.post('/hold', express.json(), () => {}); // reads the whole body, then never answers
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets: Socket[] = [];
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await monitor.close();
  });
  /** A raw connection POSTing BODY to `path`: its head and the first `bytes` bytes of the body, the rest by send(). */
  const upload = (path: string, bytes: number) => {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    let answer = '';
    s.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    s.on('error', () => {});
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY.slice(0, bytes)}`,
    );
    return { rest: () => s.write(BODY.slice(bytes)), answer: () => answer };
  };
  return { clock, monitor, url: `http://127.0.0.1:${port}`, upload, waiting: () => waiting };
}

describe('express: routes/ rows', () => {
  it('keep a route whose requests were all closed early: the rows sum to the totals (red team 1 F1)', async () => {
    const app = await start();
    const OK = 5;
    const DESTROYED = 3;
    expect(await Promise.all(Array.from({ length: OK }, () => get(`${app.url}/ok`)))).toEqual(
      Array(OK).fill(200),
    );
    // The clients give up as soon as the handler has their requests (no answer: 0), early aborts. (A handler that
    // destroys the socket itself is the server's failure, a 500: outside review 16, F4, server-cuts.test.ts.)
    const abandoned = Array.from({ length: DESTROYED }, () => startGet(`${app.url}/abandoned`));
    await eventually(async () => app.waiting() >= DESTROYED);
    for (const c of abandoned) c.abandon();
    expect(await Promise.all(abandoned.map((c) => c.done))).toEqual(Array(DESTROYED).fill(0));
    const abortedTotal = () => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0);
    await eventually(async () => abortedTotal() >= DESTROYED);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.total).toBe(OK);
    expect(m.errors.count_aborted).toBe(DESTROYED);
    expect(m.errors.count_aborted_early).toBe(DESTROYED);
    const table = app.monitor.endpoints();
    for (const rows of [table.routes, m.routes]) {
      expect(rows.find((r) => r.route === '/abandoned')).toMatchObject({
        method: 'GET',
        count: 0,
        count_4xx: 0,
        count_aborted: DESTROYED,
        // No request of it in the window: no latency reading, never 0 ms.
        p50_ms: null,
        p95_ms: null,
        p99_ms: null,
        avg_ms: null,
        max_ms: null,
      });
      expect(rows.find((r) => r.route === '/ok')).toMatchObject({ count: OK, count_aborted: 0 });
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(m.requests.total);
      expect(rows.reduce((n, r) => n + r.count_aborted, 0)).toBe(m.errors.count_aborted);
    }
    expect(table.routes.find((r) => r.route === '/abandoned')).toMatchObject({
      error_percent: 0,
      apdex: null,
    });
    expect(table.apdex).toMatchObject({ satisfied: OK, frustrated: 0 });
  });
});

describe('express: a slow upload', () => {
  it('is not aged into latency while its body arrives; a complete request is (red team 1 F10(a))', async () => {
    const app = await start();
    const OK = 4;
    const UPLOADS = 3;
    expect(await Promise.all(Array.from({ length: OK }, () => get(`${app.url}/ok`)))).toEqual(
      Array(OK).fill(200),
    );
    // Three uploads with 1 byte of their body sent, the rest held back by the client.
    const uploads = Array.from({ length: UPLOADS }, () => app.upload('/echo', 1));
    await eventually(async () => app.monitor.lifecycle.inFlight >= UPLOADS);
    app.clock.t += 12_000; // past the critical level (5 s): the uploads are 12 s old
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(UPLOADS);
    expect(m.latency.in_flight_counted).toBe(0);
    expect(m.latency.status).toBe('healthy');
    expect((await app.monitor.getHealth()).components.latency).toBe('healthy');

    // Controls: a GET that hangs, and a POST whose body arrived in full but is never answered, are aged.
    const hung = startGet(`${app.url}/never`);
    const held = app.upload('/hold', BODY.length);
    await eventually(async () => app.monitor.lifecycle.inFlight >= UPLOADS + 2);
    // Their bodies are complete once Node's parser has read them (the GET has none): wait for that, not a time.
    await eventually(async () => completeInFlight(app.monitor) >= 2);
    app.clock.t += 6_000;
    const during = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(during.latency).toMatchObject({ in_flight_counted: 2, max_ms: 6_000, status: 'critical' });

    // The uploads complete: each is answered and recorded once, its time counted from its start.
    for (const u of uploads) u.rest();
    await eventually(async () => uploads.every((u) => u.answer().startsWith('HTTP/1.1 200')));
    await eventually(async () => app.monitor.requests.total >= OK + UPLOADS);
    app.clock.t += 1_000;
    const after = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(after.requests.total).toBe(OK + UPLOADS);
    expect(after.routes.find((r) => r.route === '/echo')).toMatchObject({ method: 'POST', count: UPLOADS });
    expect(after.latency.in_flight_counted).toBe(2);
    hung.abandon();
    expect(held.answer()).toBe('');
  });
});

/** Requests in flight whose request Node has read in full (IncomingMessage.complete): those the view would age. */
function completeInFlight(monitor: SystemMonitor): number {
  let n = 0;
  monitor.lifecycle.inFlightAges.eachAtLeast(0, Number.POSITIVE_INFINITY, () => n++);
  return n;
}
