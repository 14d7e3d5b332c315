// Review finding 3: an unauthenticated request's body was read to its end after the 401 was sent (node drains
// an unread body to keep the connection alive), so anyone could make the server read megabytes without a token.
// A refused request with a body is answered before the body and the connection is closed (Connection: close);
// authenticated requests keep their keep-alive connection.

import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';

const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

const DECLARED = 50 * 1024 * 1024;
const CHUNK = 16 * 1024;
/** What the client tries to send after the answer: 4 MB, in 16 KB writes. */
const TRIED = 4 * 1024 * 1024;

/** The server side of each connection, to read how many bytes it took off the wire. */
function serverSockets(t: Target): Socket[] {
  const sockets: Socket[] = [];
  t.running.server.on('connection', (s: Socket) => sockets.push(s));
  return sockets;
}

/**
 * Sends a request head declaring a 50 MB body and its first 1 KB, waits for the answer's head (so the server
 * decided with 1 KB of the body at most), then trickles 16 KB writes until 4 MB are written or the connection
 * is closed. Resolves with the answer's head.
 */
async function trickle(t: Target, path: string, extra: string, method = 'POST'): Promise<string> {
  const { port } = new URL(t.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {}); // EPIPE / ECONNRESET once the server has closed: expected
  let head = '';
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) resolve();
    });
    socket.on('close', () => resolve());
  });
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${extra}Content-Length: ${DECLARED}\r\n\r\n${'{'.padEnd(1024, ' ')}`,
  );
  await answered;
  const chunk = Buffer.alloc(CHUNK, 0x20);
  for (let sent = 0; sent < TRIED && !closed && !socket.destroyed; sent += CHUNK) {
    await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
    await new Promise((r) => setImmediate(r));
  }
  socket.destroy();
  return head;
}

/** The bytes the server read on a connection, once it is closed on both sides. */
async function bytesReadWhenClosed(s: Socket): Promise<number> {
  if (!s.destroyed) await new Promise((resolve) => s.once('close', resolve));
  return s.bytesRead;
}

for (const harness of harnesses) {
  describe(`a refused request's body is not read (${harness.name})`, () => {
    it('answers 401 before a trickled 50 MB body, closes, and reads only a few KB of it', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const sockets = serverSockets(t);
      const head = await trickle(t, `${BASE}/silences/`, '');
      expect(head).toMatch(/^HTTP\/1\.1 401 /);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(sockets).toHaveLength(1);
      // The head and the first KB, plus whatever was in flight when the server closed: far below the 4 MB tried.
      expect(await bytesReadWhenClosed(sockets[0]!)).toBeLessThan(256 * 1024);
    });

    it('also for a wrong token, a 404, a 405, a body over the limit and a public asset', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const sockets = serverSockets(t);
      const auth = `Authorization: Bearer ${TOKEN}\r\n`;
      const cases: Array<[string, string, string, RegExp]> = [
        ['POST', `${BASE}/silences/`, 'Authorization: Bearer wrong-token-0123456789abcdef\r\n', / 403 /],
        ['POST', `${BASE}/nothing-here`, '', / 401 /],
        ['POST', `${BASE}/metrics/`, auth, / 405 /],
        ['POST', `${BASE}/silences/`, auth, / 413 /],
        // A public asset, no credentials needed: served, but its body is not read either.
        ['GET', `${BASE}/dashboard/app.css`, '', / 200 /],
      ];
      for (const [i, [method, path, extra, status]] of cases.entries()) {
        const head = await trickle(t, path, extra, method);
        expect(head.split('\r\n')[0], path).toMatch(status);
        expect(head.toLowerCase(), path).toContain('connection: close');
        expect(await bytesReadWhenClosed(sockets[i]!), path).toBeLessThan(256 * 1024);
      }
    });

    it('stops reading a chunked body once it passes 16 KB: 413, closed, the rest unread', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const sockets = serverSockets(t);
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      let head = '';
      let closed = false;
      socket.on('close', () => {
        closed = true;
      });
      socket.on('data', (c: Buffer) => {
        head += c.toString('latin1');
      });
      socket.write(
        `POST ${BASE}/silences/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      // No length to judge up front: the server must read, pass the limit, answer and stop.
      const chunk = Buffer.concat([
        Buffer.from(`${CHUNK.toString(16)}\r\n`),
        Buffer.alloc(CHUNK, 0x20),
        Buffer.from('\r\n'),
      ]);
      for (let sent = 0; sent < TRIED && !closed && !socket.destroyed; sent += CHUNK) {
        await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
        await new Promise((r) => setImmediate(r));
      }
      socket.destroy();
      expect(head).toMatch(/^HTTP\/1\.1 413 /);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(await bytesReadWhenClosed(sockets[0]!)).toBeLessThan(256 * 1024);
    });

    it('keeps one keep-alive connection for authenticated requests, bodies included', async () => {
      const t = await startTarget(harness, { api: { adminToken: TOKEN, rateLimit: false } });
      targets.push(t);
      const sockets = serverSockets(t);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const call = (method: string, path: string, body?: string) =>
        new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
          const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
          if (body !== undefined) headers['content-type'] = 'application/json';
          const r = request(`${t.base}/${path}`, { method, agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          });
          r.on('error', reject);
          r.end(body);
        });
      try {
        expect((await call('GET', 'metrics/')).status).toBe(200);
        const created = await call('POST', 'silences/', JSON.stringify({ rule: 'cpu', duration_ms: 60_000 }));
        expect(created).toEqual({ status: 201, connection: 'keep-alive' });
        const invalid = await call('POST', 'silences/', JSON.stringify({ rule: 'cpu' }));
        expect(invalid).toEqual({ status: 400, connection: 'keep-alive' });
        expect((await call('GET', 'silences/')).status).toBe(200);
        expect(sockets).toHaveLength(1);
      } finally {
        agent.destroy();
      }
    });
  });
}
