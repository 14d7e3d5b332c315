// Faults that must stay contained: a hanging probe, failing metric groups, a dead or silent webhook
// receiver, a live-stream client that stops reading. Each runs beside request load on the Express
// example; samples must keep coming (none waits on the fault) and every application request must succeed.
// Nothing here is timed: each fault lasts far longer than the hang guards (or forever), so a sample that
// waited on it would never arrive and the wait for it fails; the guards are far above a loaded machine's pace.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpressExample, start } from '../../examples/express.js';
import type { ExpressMonitorOptions } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { freePort } from '../helpers/redis-server.js';
import { orHung, recordSamples, startLoad, waitUntil } from './harness.js';

const SAMPLE_MS = 100;
/** Samples each run waits for (a second's worth at the interval on an idle machine). */
const SAMPLES = 10;
const TOKEN = 'reliability-token';
const APP_PATHS = ['/', '/users/7'];
/** Far beyond any hang guard here: a POST or probe that lasts this long is one nobody may wait on. */
const FOREVER_MS = 3_600_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startApp(monitor: ExpressMonitorOptions, sampleMs = SAMPLE_MS): Promise<ExpressExample> {
  const app = await start({
    port: 0,
    host: '127.0.0.1',
    monitor: { sampleIntervalMs: sampleMs, logger: silentLogger, adminToken: TOKEN, ...monitor },
  });
  cleanups.push(() => app.close());
  return app;
}

interface Run {
  snapshots: MetricsSnapshot[];
  last: MetricsSnapshot;
  ok: number;
}

/** Load on the app until it has taken SAMPLES samples and answered 20 requests; every request must succeed. */
async function underLoad(app: ExpressExample): Promise<Run> {
  const samples = recordSamples(app.monitor);
  const load = startLoad(app.url, APP_PATHS, 2);
  try {
    await waitUntil(
      () => samples.snapshots.length >= SAMPLES && load.ok >= 20,
      `${SAMPLES} samples and 20 answered requests beside the fault`,
    );
  } finally {
    samples.stop();
  }
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  return { snapshots: samples.snapshots, last: samples.snapshots.at(-1)!, ok: result.ok };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    });
  });
}

describe('contained faults: samples go on, requests succeed', () => {
  it('a probe that never resolves costs a sample its timeout, then samples go on without waiting', async () => {
    let checks = 0;
    const app = await startApp({
      // Levels below the probe's timeout, or the setup is refused (a level the probe can never report).
      alerts: { db_latency: { warning: 300, critical: 400 } },
      probes: {
        database: {
          check: () => {
            checks++;
            return new Promise(() => {});
          },
          timeoutMs: 500,
        },
      },
      // The collector's own group deadline far away: the probe runner's handling is all that bounds a sample.
      groupTimeoutMs: FOREVER_MS,
    });
    const run = await underLoad(app);
    // A sample that starts a check waits its timeout; the others see it still pending and do not wait. A
    // check is abandoned (and a new one started) only after a backoff (test/collector/probe-abandon.test.ts).
    const errors = run.snapshots.map((s) => s.database.error ?? '');
    const timeouts = errors.filter((e) => /timed out/.test(e)).length;
    expect(timeouts).toBeGreaterThan(0);
    expect(errors.filter((e) => /still pending/.test(e)).length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/^$|timed out|still pending/);
    expect(run.last.database).toMatchObject({ status: 'critical', response_time_ms: null });
    expect(checks).toBeLessThanOrEqual(timeouts); // each check was waited on by a sample; none stacked on one pending
    expect(run.last.cpu.status).not.toBe('unknown');
  });

  it.each([
    ['missing', {}],
    [
      'garbage',
      {
        stat: 'cpu  these are not numbers\n',
        meminfo: 'MemTotal: lots\n',
        'net/dev': '\u0000\u0001 not a table\n',
        'self/mounts': 'nonsense\n',
        cpuinfo: '\u0000',
        loadavg: 'x',
        uptime: 'x',
      },
    ],
  ] as const)(
    'host metric groups whose /proc files are %s are unknown, the rest of the snapshot fine',
    async (_name, files: Record<string, string>) => {
      const procRoot = mkdtempSync(join(tmpdir(), 'sysvitals-proc-'));
      cleanups.push(() => rmSync(procRoot, { recursive: true, force: true }));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(procRoot, file, '..'), { recursive: true });
        writeFileSync(join(procRoot, file), text);
      }
      const app = await startApp({ procRoot });
      const run = await underLoad(app);
      for (const group of ['cpu', 'memory', 'network'] as const) {
        expect(run.last[group].status, group).toBe('unknown');
        expect(run.last[group].error, group).toBeTruthy();
      }
      expect(run.last.requests.total).toBeGreaterThan(0);
      expect(run.last.process.status).not.toBe('unknown');
      // The admin API still answers with the partial snapshot.
      const res = await fetch(`${app.adminUrl}/metrics/`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
    },
  );

  it('a webhook receiver that is down (connection refused): alerts still raised, samples go on', async () => {
    const port = await freePort(); // nothing listens there
    const app = await startApp({
      alerts: { memory: { warning: 1, critical: 100 } }, // fires at the first sample
      webhook: { url: `http://127.0.0.1:${port}/hook`, timeoutMs: 500, retries: 3, retryDelayMs: 50 },
    });
    const raised: string[] = [];
    app.monitor.on('alert', (e) => raised.push(e.type));
    await underLoad(app);
    expect(raised).toContain('raised');
    expect(app.monitor.alertSystem.getActiveAlerts().length).toBeGreaterThan(0);
  });

  it('a webhook receiver that never answers: samples go on, close() aborts the pending POST', async () => {
    const received: IncomingMessage[] = [];
    const receiver = createServer((req) => {
      received.push(req); // and never answer
    });
    const url = await listen(receiver);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          receiver.closeAllConnections();
          receiver.close(() => resolve());
        }),
    );
    const app = await startApp({
      alerts: { memory: { warning: 1, critical: 100 } },
      webhook: { url: `${url}/hook`, timeoutMs: FOREVER_MS, retries: 0 },
    });
    await underLoad(app);
    expect(received.length).toBe(1); // the first event's POST is still waiting; later ones queue behind it
    const closed = await orHung(app.close(), 60_000); // a hang guard: the POST alone would take an hour
    expect(closed).not.toBe('hung');
    // The POST was aborted, not left to run out its timeout: the receiver sees the connection go.
    await waitUntil(() => received[0]!.socket.destroyed, 'the pending POST aborted');
  });

  it('an SSE client that stops reading: dropped once its buffer is full; samples and a reading client go on', async () => {
    const sampleMs = 50;
    const app = await startApp({}, sampleMs);
    // A hundred long route templates make each `metrics` event ~100 KB, so that the stalled client's
    // buffers (a few MB of kernel socket buffers on loopback, then 256 KiB of Node's) fill in seconds.
    for (let i = 0; i < 100; i++) {
      const route = `/r/${i}/${'segment/'.repeat(120)}`;
      app.monitor.recordRequest({ method: 'GET', route, status: 200, durationMs: i });
    }

    const serverSockets = new Map<number, Socket>();
    app.server.on('connection', (s: Socket) => serverSockets.set(s.remotePort!, s));
    const { port } = new URL(app.url);
    const stalled = connect(Number(port), '127.0.0.1');
    cleanups.push(() => {
      stalled.destroy();
    });
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(
      `GET /api/core/admin/system/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    stalled.pause(); // never reads: the kernel buffers fill, then Node's, then the server must let go
    stalled.on('error', () => {});

    const reader = new AbortController();
    cleanups.push(() => reader.abort());
    let events = 0;
    const readerDone = (async () => {
      const res = await fetch(`${app.adminUrl}/stream/`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: reader.signal,
      });
      const decoder = new TextDecoder();
      const body = res.body!.getReader();
      for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
        events += decoder.decode(chunk.value, { stream: true }).split('event: metrics\n').length - 1;
      }
    })().catch(() => undefined);

    const samples = recordSamples(app.monitor);
    const load = startLoad(app.url, APP_PATHS, 2);
    await waitUntil(
      () => serverSockets.get(stalled.localPort!)?.destroyed === true,
      'the stalled client dropped',
    );
    const eventsAtDrop = events;
    const samplesAtDrop = samples.snapshots.length;
    // After the drop: the reading client keeps receiving, samples keep coming.
    await waitUntil(
      () => events > eventsAtDrop && samples.snapshots.length >= samplesAtDrop + SAMPLES,
      'events for the reader and samples after the drop',
    );
    const result = await load.stop();
    samples.stop();
    reader.abort();
    await readerDone;

    expect(result.failures).toEqual([]);
    expect(eventsAtDrop).toBeGreaterThan(0); // the reader was served while the stalled client filled up
  });
});
