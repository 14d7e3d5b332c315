// An Upgrade request (any protocol) to the live stream's path is refused with 400 on every adapter, with or
// without attachWebSocket: no stream on a socket Node no longer tracks, the one slot is free for the next
// client, and the server's close never waits for it (finding: Fastify's close() waited ~30 s for a heartbeat).
// Real servers on every adapter, with and without attachWebSocket (then sysvitals is the 'upgrade' listener).

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/http/api.js';
import { createStreamRoute, UPGRADE_REFUSED } from '../../src/http/stream.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { FakeMonitor, routesWith } from '../http/stream-helpers.js';
import { BASE, TOKEN } from './fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

/** Opens a raw connection, sends `request`, resolves with the socket and the response head once it has come. */
function send(url: string, request: string): Promise<{ socket: Socket; head: string; got: () => string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    socket.setEncoding('latin1');
    socket.on('error', () => {});
    socket.on('data', (c: string) => {
      got += c;
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) resolve({ socket, head: got.slice(0, end), got: () => got });
    });
    socket.on('close', () => reject(new Error(`closed before a response head: ${JSON.stringify(got)}`)));
    socket.write(request);
  });
}

const streamRequest = (upgrade?: string) =>
  `GET ${BASE}/stream/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n` +
  (upgrade === undefined
    ? ''
    : `Connection: Upgrade\r\nUpgrade: ${upgrade}\r\n` +
      (upgrade === 'websocket'
        ? 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
        : '')) +
  '\r\n';

const statusOf = (head: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);

describe.each(harnesses)('$name adapter', (harness) => {
  describe.each([false, true])('attachWebSocket: %s', (attached) => {
    async function start() {
      const source = Object.assign(new FakeMonitor(), { recordRequest() {} });
      // One slot, and a heartbeat that never comes during the test: only the client leaving can free the slot.
      const routes = routesWith(createStreamRoute({ maxClients: 1, heartbeatMs: 3_600_000 }));
      const api = createAdminApi(source, { adminToken: TOKEN, rateLimit: false }, { routes });
      const running = await harness.start({ source, api: api as never });
      let closed = false;
      cleanups.push(() => (closed ? undefined : running.close()));
      if (attached) {
        const attachment = attachWebSocket(source, running.server, { adminApi: api });
        cleanups.push(() => attachment.close());
      }
      return {
        source,
        running,
        close: async () => {
          closed = true;
          await running.close();
        },
      };
    }

    for (const upgrade of ['websocket', 'h2c', 'foo']) {
      it(`Upgrade: ${upgrade} on stream/: a client that leaves frees its slot; close() does not wait`, async () => {
        const t = await start();
        const first = await send(t.running.url, streamRequest(upgrade));
        // Refused with a complete answer: no stream is opened, on a tracked socket or a detached one.
        expect(statusOf(first.head), first.head).toBe(400);
        await until(() => /\}\s*$/.test(first.got()), 'the whole refusal has come');
        const body = first
          .got()
          .slice(first.head.length + 4)
          .replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '');
        expect(JSON.parse(body)).toEqual({
          success: false,
          error: { code: 'bad_request', message: UPGRADE_REFUSED },
        });
        expect(t.source.listenerCount('metrics')).toBe(0);
        // The client leaves (FIN after reading all it was sent).
        first.socket.end();
        await until(() => t.source.listenerCount('metrics') === 0, 'the stream has unsubscribed');
        // Its slot is free: a second stream (no Upgrade) is admitted.
        const second = await send(t.running.url, streamRequest());
        expect(statusOf(second.head), second.head).toBe(200);
        second.socket.destroy();
        await until(() => t.source.listenerCount('metrics') === 0, 'the second stream has unsubscribed');
        // Nothing open is left: with an hour-long heartbeat, close() resolving at all shows it waits for nothing.
        await t.close();
        expect(first.socket.destroyed || first.socket.readableEnded).toBe(true);
      });
    }
  });
});
