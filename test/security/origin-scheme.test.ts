// Outside review: the Origin check of the WebSocket and of stream/ compared only host and port, so a page
// from http://host (which anyone on the network path can write into) could open the https://host server's
// WebSocket, and an https page the plain one. The web's same-origin rule compares scheme, host and port:
// real servers on each adapter (plain HTTP) and a node:https server with a self-signed certificate, ws clients.

import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createMonitor } from '../../src/adapters/express.js';
import { createAdminApi } from '../../src/http/api.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { silentLogger } from '../../src/logger.js';
import { harnesses } from '../adapters/harness.js';
import { upgrade } from './doors.js';
import { BASE, startTarget, TOKEN } from './fixture.js';

const tls = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)));

beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** The status and content type of a GET of stream/, then the connection is dropped (a stream never ends). */
function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; code?: string; type: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    const req = send(url, { headers, rejectUnauthorized: false }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode === 200) {
        resolve({ status: 200, type });
        req.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(body).error?.code, type }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function plainTarget(
  harness: (typeof harnesses)[number],
  api: NonNullable<Parameters<typeof startTarget>[1]>['api'],
) {
  const target = await startTarget(harness, { api });
  cleanups.push(() => target.close());
  const attachment = attachWebSocket(target.monitor, target.running.server, { adminApi: target.adminApi });
  cleanups.push(() => attachment.close());
  const port = Number(new URL(target.url).port);
  return {
    ...target,
    port,
    ws: `ws://127.0.0.1:${port}${attachment.path}`,
    stream: `${target.base}/stream/`,
  };
}

describe.each(harnesses)('$name adapter, plain HTTP', (harness) => {
  it('refuses a page from https://<its own host>: another origin (before: 101 and 200)', async () => {
    const t = await plainTarget(harness, { adminToken: TOKEN });
    const headers = { authorization: `Bearer ${TOKEN}` };
    const https = `https://127.0.0.1:${t.port}`;
    expect(await upgrade(t.ws, { headers, origin: https })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    });
    expect(await openStream(t.stream, { ...headers, origin: https })).toMatchObject({
      status: 403,
      code: 'origin_not_allowed',
    });
    // Its own page (http) still opens both; so does a client without Origin.
    const own = `http://127.0.0.1:${t.port}`;
    expect((await upgrade(t.ws, { headers, origin: own })).status).toBe(101);
    expect((await upgrade(t.ws, { headers })).status).toBe(101);
    expect((await openStream(t.stream, { ...headers, origin: own })).status).toBe(200);
  });

  it('X-Forwarded-Proto names the scheme only with trustProxy', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'x-forwarded-proto': 'https' };
    const untrusting = await plainTarget(harness, { adminToken: TOKEN });
    const at = (port: number, scheme: string) => `${scheme}://127.0.0.1:${port}`;
    // A client can write the header itself: without trustProxy it proves nothing.
    expect(await upgrade(untrusting.ws, { headers, origin: at(untrusting.port, 'https') })).toMatchObject({
      status: 403,
    });
    expect((await upgrade(untrusting.ws, { headers, origin: at(untrusting.port, 'http') })).status).toBe(101);

    // Behind one proxy that terminates TLS: the https page is the server's own, the http one is not.
    const proxied = await plainTarget(harness, { adminToken: TOKEN, trustProxy: 1 });
    expect((await upgrade(proxied.ws, { headers, origin: at(proxied.port, 'https') })).status).toBe(101);
    expect((await openStream(proxied.stream, { ...headers, origin: at(proxied.port, 'https') })).status).toBe(
      200,
    );
    expect(await upgrade(proxied.ws, { headers, origin: at(proxied.port, 'http') })).toMatchObject({
      status: 403,
      code: 'origin_not_allowed',
    });
    // A proxy that appends: the entry of the nearest trusted proxy counts, not the client's own.
    const appended = { ...headers, 'x-forwarded-proto': 'http, https' };
    expect((await upgrade(proxied.ws, { headers: appended, origin: at(proxied.port, 'https') })).status).toBe(
      101,
    );
    expect(await upgrade(proxied.ws, { headers: appended, origin: at(proxied.port, 'http') })).toMatchObject({
      status: 403,
    });
  });
});

describe('node:https server', () => {
  it('refuses a page from http://<its own host> (before: 101 and 200); its https page and the default port match', async () => {
    const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, adminToken: TOKEN });
    await monitor.sample();
    const api = createAdminApi(monitor, { adminToken: TOKEN });
    const server = createHttpsServer(
      { key: tls('localhost.key'), cert: tls('localhost.crt') },
      (req, res) => {
        void api.handle(req, res).then((handled) => {
          if (!handled) res.writeHead(404).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const attachment = attachWebSocket(monitor, server, { adminApi: api });
    cleanups.push(async () => {
      await attachment.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await monitor.close();
    });
    const port = (server.address() as AddressInfo).port;
    const ws = `wss://localhost:${port}${attachment.path}`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const wsOpen = (origin: string, host?: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(ws, {
          origin,
          rejectUnauthorized: false,
          headers: { ...headers, ...(host ? { host } : {}) },
        });
        socket.on('open', () => {
          resolve(101);
          socket.terminate();
        });
        socket.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          socket.terminate();
        });
        socket.on('error', reject);
      });
    expect(await wsOpen(`http://localhost:${port}`)).toBe(403);
    expect(await wsOpen(`https://localhost:${port}`)).toBe(101);
    // A Host that spells out https' default port names the same origin as a bare Origin.
    expect(await wsOpen('https://localhost', 'localhost:443')).toBe(101);
    expect(await wsOpen('http://localhost', 'localhost:443')).toBe(403);
    const stream = `https://localhost:${port}${BASE}/stream/`;
    expect(await openStream(stream, { ...headers, origin: `http://localhost:${port}` })).toMatchObject({
      status: 403,
      code: 'origin_not_allowed',
    });
    expect((await openStream(stream, { ...headers, origin: `https://localhost:${port}` })).status).toBe(200);
  });
});
