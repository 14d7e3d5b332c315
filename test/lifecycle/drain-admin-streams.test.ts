// Shutdown's drain ends the admin API's live streams (`stream/`, SSE) and waits for its requests, cutting them at the
// drain deadline as it cuts application requests (outside review 32, RT32-2: on HTTP/1.1 a stream opened during the
// delay said `Connection: keep-alive`, the streams and an authenticated POST whose body trickled in stayed open after
// shutdown() resolved with `dropped: 0`, and the server's 'close' never fired). Express, Fastify and Koa over a real
// server on port 0 and raw sockets; oracle: the response heads, HTTP/1.1's chunked terminator (RFC 9112 §7.1: the
// stream was ended, not cut), the sockets closing, the server's 'close' event and the report. The delay and the drain
// run on fake setTimeout and Date; the waits for real I/O are bounded on the real setTimeout (hang guards only).

import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { SystemMonitor } from '../../src/monitor.js';

const TOKEN = 'a'.repeat(40);
const BASE = '/api/core/admin/system';
const DELAY_MS = 60_000;
const DRAIN_MS = 10_000;
const OPTIONS = { adminToken: TOKEN, sampleIntervalMs: 0, logger: silentLogger };
const realSetTimeout = globalThis.setTimeout;

interface Served {
  monitor: SystemMonitor;
  server: Server;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<void> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
}

const SERVERS = {
  async express() {
    const { createMonitor } = await import('../../src/adapters/express.js');
    const monitor = createMonitor(OPTIONS);
    const app = express();
    app.use(monitor.middleware());
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    const server = createServer(app);
    await listen(server);
    return { monitor: monitor as unknown as SystemMonitor, server };
  },
  async fastify() {
    const { createMonitor } = await import('../../src/adapters/fastify.js');
    const monitor = createMonitor(OPTIONS);
    const app = Fastify();
    await app.register(monitor.plugin());
    app.get('/ok', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { monitor: monitor as unknown as SystemMonitor, server: app.server };
  },
  async koa() {
    const { createMonitor } = await import('../../src/adapters/koa.js');
    const monitor = createMonitor(OPTIONS);
    const app = new Koa();
    app.silent = true;
    app.use(monitor.middleware());
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const server = createServer(app.callback());
    await listen(server);
    return { monitor: monitor as unknown as SystemMonitor, server };
  },
} satisfies Record<string, () => Promise<Served>>;

/** A raw client connection: everything it received, and whether the server closed it. */
interface Raw {
  socket: Socket;
  data: string;
  closed: boolean;
}

function open(port: number, head: string): Raw {
  const socket = connect(port, '127.0.0.1');
  const raw: Raw = { socket, data: '', closed: false };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    raw.data += chunk;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    raw.closed = true;
  });
  socket.write(head);
  cleanups.push(() => {
    socket.destroy();
  });
  return raw;
}

/** Waits (real time, bounded: a hang guard, not a measurement) until `cond` holds; returns whether it did. */
async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited >= ms) return false;
    await new Promise((r) => realSetTimeout(r, 10));
  }
  return true;
}

const STREAM = `GET ${BASE}/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
const connectionOf = (raw: Raw): string | undefined =>
  /\r\nconnection: *([^\r]*)/i.exec(raw.data.slice(0, raw.data.indexOf('\r\n\r\n')))?.[1]?.toLowerCase();

describe.each(Object.keys(SERVERS) as (keyof typeof SERVERS)[])('shutdown on %s (HTTP/1.1)', (framework) => {
  it('ends the admin API streams when the servers stop accepting, cuts an unfinished admin request at drainMs, and the server closes', async () => {
    const { monitor, server } = await SERVERS[framework]();
    cleanups.push(async () => {
      server.closeAllConnections();
      if (server.listening) await new Promise((done) => server.close(done));
      await monitor.close();
    });
    await monitor.sample(); // a snapshot to stream
    const port = (server.address() as AddressInfo).port;
    let serverClosed = false;
    server.on('close', () => {
      serverClosed = true;
    });
    const requestsSeen: string[] = [];
    server.on('request', (req) => requestsSeen.push(req.url ?? ''));

    const before = open(port, STREAM);
    expect(await until(() => before.data.includes('event: '))).toBe(true); // streaming

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let report: { dropped: number } | undefined;
    const done = monitor.shutdown({ server, delayMs: DELAY_MS, drainMs: DRAIN_MS }).then((r) => {
      report = r;
    });
    const during = open(port, STREAM);
    const streaming = await until(() => during.data.includes('event: '));
    // An authenticated admin POST whose body does not all come (a client sending it a byte at a time).
    const body = JSON.stringify({ rule: 'cpu', durationMs: 60_000, comment: 'x'.repeat(200) });
    const upload = open(
      port,
      `POST ${BASE}/silences/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await until(() => requestsSeen.some((u) => u.includes('/silences/')));
    await until(() => false, 50); // the admin API is now waiting for the rest of the body

    await vi.advanceTimersByTimeAsync(DELAY_MS); // the servers stop accepting: the drain begins
    const streamsClosed = await until(() => before.closed && during.closed);
    const waitedForUpload = report === undefined && !upload.closed;

    await vi.advanceTimersByTimeAsync(DRAIN_MS); // the drain deadline
    await until(() => upload.closed && serverClosed);
    await vi.advanceTimersByTimeAsync(2000);
    vi.useRealTimers();
    await done;

    expect({
      streaming,
      before: connectionOf(before),
      during: connectionOf(during),
      // Each stream was ended (chunked terminator), then its connection closed, when the drain began.
      beforeEnded: before.data.endsWith('\r\n0\r\n\r\n'),
      duringEnded: during.data.endsWith('\r\n0\r\n\r\n'),
      streamsClosed,
      // The unfinished admin request got drainMs, as application requests do, then was cut (no response).
      waitedForUpload,
      uploadCut: upload.closed && upload.data === '',
      serverClosed,
      dropped: report?.dropped,
    }).toEqual({
      streaming: true,
      before: 'keep-alive',
      during: 'close',
      beforeEnded: true,
      duringEnded: true,
      streamsClosed: true,
      waitedForUpload: true,
      uploadCut: true,
      serverClosed: true,
      dropped: 1,
    });
  });
});
