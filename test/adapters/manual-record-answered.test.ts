// A close after the application ended its response, recorded by hand: `monitor.recordRequest({ status: 499, answered:
// true }, res)` is an answered early close, as the adapters record one (count_aborted, count_aborted_early,
// count_aborted_answered; not a request, not a failure, no latency, not toward `unanswered`). Before `answered`, a
// manual caller had no way to say so: such a close was an unanswered early close or a failed request. A plain
// node:http server on port 0 (the README's case: no adapter), admitted and recorded by hand; raw clients that never
// read; the oracle is what each client did and what the server's responses and connections held at the close.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { closedAfterEach } from './framework-apps.js';
import { abortedCount, GET, getStatus, neverReads } from './raw-clients.js';
import { eventually } from './workload-apps.js';

const OK = 3; // answered and read in full
const READERS = 3; // clients of /big that never read it and close
/** Far more than loopback's socket buffers take from a client that does not read. */
const BIG = Buffer.alloc(64 * 1024 * 1024, 97);
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const running = closedAfterEach();
const monitors: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});

/**
 * A server whose handler admits each request and records it by hand at its response's 'close': its own status when
 * the response reached the client (finished, and its connection not destroyed before its writes finished: the
 * adapters' rule), else 499, with `answered` when the application had ended the response by then.
 */
async function start() {
  const monitor = createMonitor({ abortedFailureMs: 1, sampleIntervalMs: 0, logger: quiet });
  const seen: { url: string; res: ServerResponse; socket: Socket }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const start = performance.now();
    const route = req.url ?? '/';
    seen.push({ url: route, res, socket: req.socket });
    if (!monitor.admitRequest(req, res)) return;
    res.on('close', () => {
      const socket = req.socket;
      const reached = res.writableFinished && !(socket.destroyed && !socket.writableFinished);
      monitor.recordRequest(
        {
          method: req.method ?? 'GET',
          route,
          status: reached ? res.statusCode : 499,
          durationMs: performance.now() - start,
          answered: res.writableEnded,
        },
        res,
      );
    });
    if (route === '/ok') res.end('ok');
    else if (route === '/big') res.end(BIG); // ended by the application, in one call
    // '/hang': never answered
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  running.push({ server, monitor });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { monitor, port, seen };
}

describe('recordRequest by hand: a close after the application ended its response (answered)', () => {
  it(`${READERS} clients that never read a 64 MB body the handler ended and close are answered early closes; a hang's close stays a failed request`, async () => {
    const app = await start();
    for (let i = 0; i < OK; i++) expect(await getStatus(app.port, '/ok')).toBe(200);
    const readers = Array.from({ length: READERS }, () => neverReads(app.port, GET('/big')));
    const bigs = () => app.seen.filter((s) => s.url === '/big');
    // The oracle: each response ended by the application, and bytes it wrote still pending for its client.
    await eventually(
      async () =>
        bigs().length === READERS && bigs().every((s) => s.res.writableEnded && s.socket.writableLength > 0),
    );
    const hung = neverReads(app.port, GET('/hang'));
    await eventually(async () => app.seen.some((s) => s.url === '/hang'));
    await sleep(20); // the hang's client waits past abortedFailureMs (1 ms) before it gives up
    await Promise.all([...readers, hung].map((c) => c.close()));
    await eventually(async () => abortedCount(app.monitor) >= READERS + 1);

    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(0);
    // The requests: the /ok ones and the hang its client gave up on (499 after abortedFailureMs: failed, a 4xx).
    expect(m.requests.total).toBe(OK + 1);
    expect([
      m.errors.count_aborted,
      m.errors.count_aborted_early,
      m.errors.count_aborted_answered,
      m.errors.count_4xx,
      m.errors.count_5xx,
      m.errors.error_rate_percent,
    ]).toEqual([READERS + 1, READERS, READERS, 1, 0, 25]);
    const byRoute = Object.fromEntries(app.monitor.requests.abortedTotals().map((t) => [t.route, t]));
    expect(byRoute['/big']).toMatchObject({ method: 'GET', count: READERS, failed: 0 });
    expect(byRoute['/hang']).toMatchObject({ method: 'GET', count: 1, failed: 1 });
    // No latency of its own: the figures hold the /ok requests and the hang only.
    expect(m.routes.find((r) => r.route === '/big')?.count ?? 0).toBe(0);
  }, 60_000);

  it('a window of answered closes only is not unanswered; the same closes unmarked are; answered is ignored on other statuses', async () => {
    const MIN = 20; // minRequests (the default)
    const answered = createMonitor({ sampleIntervalMs: 0, logger: quiet });
    const unmarked = createMonitor({ sampleIntervalMs: 0, logger: quiet });
    monitors.push(answered, unmarked);
    for (let i = 0; i < MIN; i++) {
      answered.recordRequest({ method: 'GET', route: '/big', status: 499, durationMs: 1500, answered: true });
      unmarked.recordRequest({ method: 'GET', route: '/big', status: 499, durationMs: 500 }); // past the 100 ms floor
    }
    const a = await answered.getMetrics({ maxAgeMs: 0 });
    const u = await unmarked.getMetrics({ maxAgeMs: 0 });
    expect([a.requests.total, a.errors.count_aborted, a.errors.count_aborted_early]).toEqual([0, MIN, MIN]);
    expect(a.errors.count_aborted_answered).toBe(MIN);
    expect(a.errors.unanswered).toBeUndefined();
    expect(a.errors.status).not.toBe('critical');
    // The control: unmarked early closes of a window with no request answered page (README, Aborted requests).
    expect([u.errors.count_aborted_early, u.errors.count_aborted_answered]).toEqual([MIN, 0]);
    expect([u.errors.unanswered, u.errors.status]).toEqual([true, 'critical']);

    answered.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 3, answered: true });
    const after = await answered.getMetrics({ maxAgeMs: 0 });
    expect([after.requests.total, after.errors.count_aborted]).toEqual([1, MIN]);
    expect(after.latency.max_ms).toBe(3);
  });
});
