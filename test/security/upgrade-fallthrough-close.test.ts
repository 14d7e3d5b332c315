// A request with `Upgrade:` that attachWebSocket hands back to the app (serveAsRequest) lives on a socket Node
// no longer watches: it must still behave as Node's own server socket, the oracle being the same request on the
// same app without attachWebSocket (Node then serves it as an ordinary request). The client's FIN ends a
// never-ending response ('close' reaches the app) and lets server.close() resolve; closeAllConnections()
// reaches it; a POST whose body comes with the FIN gets the answer Node gives it. Express, Fastify, Koa.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { foreverStreams, harnesses, type Running } from '../adapters/harness.js';
import { FakeMonitor } from '../http/stream-helpers.js';
import { TOKEN } from './fixture.js';
import { rawExchange } from './raw-client.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

/** What `curl --http2` sends on an http:// URL, with an optional body. */
const h2c = (method: string, path: string, body?: string) =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
  'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n' +
  (body === undefined ? '\r\n' : `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

/** Opens a raw connection, sends `request`, resolves once `first` has come back. */
function open(
  url: string,
  request: string,
  first: string,
): Promise<{ socket: Socket; ended: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    socket.setEncoding('latin1');
    socket.on('error', () => {});
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (c: string) => {
      got += c;
      if (got.includes(first)) resolve({ socket, ended });
    });
    socket.on('close', () => reject(new Error(`closed before ${first}: ${JSON.stringify(got)}`)));
    socket.write(request);
  });
}

const closeServer = (running: Running) =>
  new Promise<void>((resolve) => running.server.close(() => resolve()));

/** The answer without what differs by design: the date, and Connection (close after a fall-through answer). */
const stable = (answer: string) => answer.replace(/^(date|connection|keep-alive): .*\r\n/gim, '');

describe.each(harnesses)('$name adapter', (harness) => {
  async function start(attached: boolean): Promise<Running> {
    const source = Object.assign(new FakeMonitor(), { recordRequest() {} });
    const api = createAdminApi(source, { adminToken: TOKEN, rateLimit: false });
    const running = await harness.start({ source, api: api as never });
    let closed = false;
    running.server.once('close', () => (closed = true));
    cleanups.push(() => (closed ? undefined : running.close()));
    if (attached) {
      const attachment = attachWebSocket(source, running.server, { adminApi: api });
      cleanups.push(() => attachment.close());
    }
    return running;
  }

  describe.each([false, true])('attachWebSocket: %s', (attached) => {
    it("the client's FIN ends a never-ending response and server.close() resolves", async () => {
      const running = await start(attached);
      const before = foreverStreams.closed;
      const client = await open(running.url, h2c('GET', '/forever'), 'tick');
      expect(foreverStreams.closed).toBe(before);
      client.socket.end(); // FIN, still reading
      await until(() => foreverStreams.closed === before + 1, "the app's response has seen 'close'");
      await client.ended; // and the server has closed its side
      // With a stream that never ends, server.close() resolving at all shows nothing is left open.
      await closeServer(running);
    });

    it('closeAllConnections() reaches a never-ending response whose client stays', async () => {
      const running = await start(attached);
      const before = foreverStreams.closed;
      const client = await open(running.url, h2c('GET', '/forever'), 'tick');
      running.server.closeAllConnections();
      await until(() => foreverStreams.closed === before + 1, "the app's response has seen 'close'");
      await client.ended;
      await closeServer(running);
    });

    it('a POST whose body comes with the FIN gets the answer Node gives it', async () => {
      const running = await start(attached);
      const answer = await rawExchange(running.url, h2c('POST', '/echo', 'hello'));
      const truncated = await rawExchange(running.url, h2c('POST', '/echo', 'hello').replace('5', '9'));
      // The oracle: the same requests to the same app without attachWebSocket.
      const bare = await start(false);
      expect(stable(answer)).toBe(stable(await rawExchange(bare.url, h2c('POST', '/echo', 'hello'))));
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toMatch(/got hello$/);
      const bareTruncated = await rawExchange(bare.url, h2c('POST', '/echo', 'hello').replace('5', '9'));
      expect(stable(truncated)).toBe(stable(bareTruncated));
      await closeServer(running);
    });
  });
});
