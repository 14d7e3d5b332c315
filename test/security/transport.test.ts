// What node's HTTP parser refuses before any JavaScript runs (oversized or malformed heads, raw bytes in the
// request line), and hostile WebSocket upgrades at the attached live endpoint: no data, no crash, server serving on.

import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { attachWebSocket } from '../../src/http/websocket.js';
import { harnesses } from '../adapters/harness.js';
import { assertProperty } from '../helpers/property.js';
import {
  BASE,
  expectSafeAnswer,
  settledStateOf,
  startTarget,
  stateOf,
  type Target,
  TOKEN,
} from './fixture.js';
import { authorizationArb, carriesToken, PROTO_KEYS, TRAVERSALS } from './hostile.js';
import { rawExchange, rawRequest } from './raw-client.js';

const RUNS = Math.ceil(Number(process.env.SYSVITALS_FUZZ_RUNS ?? 200) / 3);

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

const WS_HEADERS = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** The server's open connections, each removed on its 'close' (after node's own handlers for it have run). */
function openConnections(target: Target): Set<Socket> {
  const open = new Set<Socket>();
  target.running.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return open;
}

/**
 * The monitor's state once the server has closed every connection (a live stream unsubscribes, and a request is
 * recorded, as its connection closes: the server learns of a client's hang-up later than the client, much later on
 * a loaded machine, where two equal reads 10 ms apart had read a stream still subscribed) and the state stops
 * changing.
 */
async function quietState(target: Target, open: Set<Socket>): Promise<unknown> {
  for (let i = 0; open.size > 0; i++) {
    if (i >= 3000) throw new Error(`${open.size} connection(s) still open on the server after ~30 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  let state = await stateOf(target.monitor);
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const next = await stateOf(target.monitor);
    if (JSON.stringify(next) === JSON.stringify(state)) break;
    state = next;
  }
  return state;
}

describe.each(harnesses)('$name adapter', (harness) => {
  async function start(options: Parameters<typeof startTarget>[1] = {}): Promise<Target> {
    const target = await startTarget(harness, { ...options, api: { rateLimit: false, ...options.api } });
    cleanups.push(() => target.close());
    return target;
  }

  async function stillServing(target: Target): Promise<void> {
    const res = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/health/`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect([200, 503]).toContain(res.status);
  }

  it('heads over 16 KB (a huge Authorization) are refused by node with 431; the server serves on', async () => {
    const target = await start({ api: { adminToken: TOKEN } });
    const before = await stateOf(target.monitor);
    for (const size of [16 * 1024, 64 * 1024]) {
      const res = await rawRequest(target.url, {
        method: 'GET',
        path: `${BASE}/metrics/`,
        headers: { authorization: `Bearer ${'A'.repeat(size)}` },
      });
      expect(res.status).toBe(431);
      // Empty from node; Fastify's clientError handler writes a JSON body of its own.
      expect(res.body).not.toMatch(/"success"|security-test/);
    }
    // Just under the limit it reaches sysvitals, which refuses an over-long credential without hashing it.
    const big = await rawRequest(target.url, {
      method: 'GET',
      path: `${BASE}/metrics/`,
      headers: { authorization: `Bearer ${'A'.repeat(12 * 1024)}` },
    });
    expect(big.status).toBe(403);
    expectSafeAnswer(big, 'GET metrics/ with a 12 KB bearer');
    await stillServing(target);
    expect(await settledStateOf(target.monitor, before)).toEqual(before);
  });

  it('malformed requests get node’s 400 and nothing else; the server serves on', async () => {
    const target = await start({ api: { adminToken: TOKEN } });
    const before = await stateOf(target.monitor);
    const base = `${BASE}/metrics/`;
    const heads = [
      // raw UTF-8 in the request line (clients percent-encode it)
      Buffer.concat([
        Buffer.from(`GET ${BASE}/`),
        Buffer.from('dashbøard/', 'utf8'),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
      `GET ${base} HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`,
      `GET ${base} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\x00\r\n\r\n`,
      `POST ${base} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
      `POST ${base} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET ${base} HTTP/9.9\r\nHost: x\r\n\r\n`,
      `BREW ${base} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const head of heads) {
      const answer = await rawExchange(target.url, head);
      const label = JSON.stringify(String(head).slice(0, 80));
      // Refused before any JavaScript runs (Fastify's clientError handler adds a JSON body of its own).
      expect(answer, label).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer, label).not.toMatch(/"success":true|security-test/);
    }
    await stillServing(target);
    expect(await settledStateOf(target.monitor, before)).toEqual(before);
  });

  it('hostile WebSocket upgrades: only the right credentials on the exact path get 101; refusals in the envelope', async () => {
    const target = await start({ api: { adminToken: TOKEN } });
    const attached = attachWebSocket(target.monitor, target.running.server, {
      adminToken: TOKEN,
      logger: target.logger,
    });
    cleanups.push(() => attached.close());
    const open = openConnections(target);
    let before = await stateOf(target.monitor);
    const pathArb = fc.oneof(
      fc.constant(attached.path),
      fc.constant(`${attached.path}/`),
      fc.constantFrom(...TRAVERSALS, ...PROTO_KEYS).map((s) => `${attached.path}/${s}`),
      fc.constantFrom(...TRAVERSALS).map((s) => `${BASE}/${s}ws`),
      fc.constantFrom(`${BASE}/stream/`, `${BASE}/metrics/`, '/socket.io/', '/', attached.path.toUpperCase()),
    );
    const queryArb = fc.constantFrom(
      '',
      '?access_token=',
      '?access_token=sv1.zz.AAAA',
      '?__proto__=1',
      '?a=1&a=2',
    );
    await assertProperty(
      fc.asyncProperty(pathArb, queryArb, authorizationArb, async (path, query, authorization) => {
        const headers: Record<string, string> = { ...WS_HEADERS };
        if (authorization !== undefined) headers.authorization = authorization;
        const res = await rawRequest(target.url, { method: 'GET', path: `${path}${query}`, headers });
        const what = `upgrade ${path}${query} [${String(authorization).slice(0, 60)}]`;
        if (res.status === 101) {
          expect(carriesToken(authorization), what).toBe(true);
          expect([attached.path, `${attached.path}/`], what).toContain(path);
          expect(query.includes('access_token'), what).toBe(false);
          return;
        }
        if (path !== attached.path && path !== `${attached.path}/`) {
          // Not the WebSocket's path: answered as the same request without Upgrade is, by the app, its
          // framework or the admin API, as if attachWebSocket were not there (red-team F2).
          const plain = await rawRequest(target.url, {
            method: 'GET',
            path: `${path}${query}`,
            headers: authorization === undefined ? {} : { authorization },
          });
          // Except the live stream, which refuses any Upgrade request (400) instead of streaming on it.
          const streams = path === `${BASE}/stream/` && plain.status === 200;
          expect(res.status, what).toBe(streams ? 400 : plain.status);
          expect(res.body, what).not.toContain('no WebSocket endpoint here');
          // The app's requests are recorded like any other: the next case compares with the state after them.
          before = await quietState(target, open);
          return;
        }
        expectSafeAnswer(res, what);
        expect(await settledStateOf(target.monitor, before), what).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
