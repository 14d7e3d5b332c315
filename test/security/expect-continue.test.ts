// `Expect: 100-continue` on an admin path: Node answered `100 Continue` as soon as the request head arrived,
// before the admin API authenticated it, so a client with no or a wrong token was invited to upload its body.
// On the servers sysvitals sees (the standalone server, Fastify's, one handed to attachWebSocket), the 100 now goes out only once the request
// is let in and its body read: a refused request gets its final answer without one and the body is never
// sent. Application paths keep Node's behaviour (100 at once). A raw socket client, as curl behaves: it sends
// the body only after a 100.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Standalone, startStandalone } from '../../src/cli/serve.js';
import { attachWebSocket } from '../../src/http/websocket.js';
import { silentLogger } from '../../src/logger.js';
import { harnesses } from '../adapters/harness.js';
import { BASE, startTarget, type Target, TOKEN } from './fixture.js';

const SILENCE = JSON.stringify({ rule: 'error_rate', duration_ms: 3_600_000, comment: 'expect test' });

interface Exchange {
  /** Status lines and `body` markers in the order they happened on the wire. */
  events: string[];
  /** The final answer's status and body. */
  status: number;
  body: string;
}

/**
 * POSTs `body` to `path` with `Expect: 100-continue` and `Connection: close`, sending the body only after a
 * `100 Continue` (never after a final answer). Resolves when the server closes the connection.
 */
function expectContinue(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const events: string[] = [];
    let buffer = Buffer.alloc(0);
    let final: { status: number; start: number } | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 30 s; seen: ${events.join(' | ')}`));
    }, 30_000);
    socket.on('error', reject);
    socket.on('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Expect: 100-continue',
        'Connection: close',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Interim answers first: each `HTTP/1.1 1xx` head ends with an empty line.
      while (final === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const statusLine = buffer.subarray(0, buffer.indexOf('\r\n')).toString('latin1');
        const status = Number(statusLine.split(' ')[1]);
        events.push(statusLine);
        if (status === 100) {
          buffer = buffer.subarray(end + 4);
          events.push('body');
          socket.write(body);
        } else {
          final = { status, start: end + 4 };
        }
      }
    });
    socket.on('end', () => {
      clearTimeout(timer);
      if (final === undefined) {
        reject(new Error(`closed without a final answer; seen: ${events.join(' | ')}`));
        return;
      }
      const rest = buffer.subarray(final.start).toString('utf8');
      resolve({ events, status: final.status, body: rest });
    });
  });
}

const silencesPath = `${BASE}/silences/`;

/** The cases every server that holds the 100 back must pass. */
async function adminCases(port: number) {
  const wrong = await expectContinue(port, silencesPath, { authorization: 'Bearer not-the-token' }, SILENCE);
  // A wrong token is 403, none 401 (auth.ts); either way no 100 and no body sent.
  expect(wrong.status).toBe(403);
  expect(wrong.events).toEqual([expect.stringMatching(/^HTTP\/1\.1 403 /)]);
  const none = await expectContinue(port, silencesPath, {}, SILENCE);
  expect(none.status).toBe(401);
  expect(none.events).toHaveLength(1);
  // A path that is no route, with the token: a final 404, no 100 (nothing will read the body).
  const lost = await expectContinue(port, `${BASE}/nowhere/`, { authorization: `Bearer ${TOKEN}` }, SILENCE);
  expect(lost.events).toEqual([expect.stringMatching(/^HTTP\/1\.1 404 /)]);

  const right = await expectContinue(port, silencesPath, { authorization: `Bearer ${TOKEN}` }, SILENCE);
  expect(right.events).toEqual(['HTTP/1.1 100 Continue', 'body', expect.stringMatching(/^HTTP\/1\.1 201 /)]);
  expect(right.body).toContain('"comment":"expect test"');
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('standalone server (sysvitals serve)', () => {
  it('wrong or no token: 403/401 without 100 Continue; the token: 100, then the answer (before: 100 first each time)', async () => {
    const app: Standalone = await startStandalone({
      port: 0,
      token: TOKEN,
      intervalMs: 60_000,
      logger: silentLogger,
    });
    cleanups.push(() => app.close());
    await adminCases(Number(new URL(app.url).port));
  });
});

describe('Fastify adapter', () => {
  it('admin paths as the standalone server; application paths get 100 Continue at once, as before', async () => {
    const fastify = harnesses.find((h) => h.name === 'fastify')!;
    const t: Target = await startTarget(fastify, { api: { adminToken: TOKEN } });
    cleanups.push(() => t.close());
    const port = Number(new URL(t.url).port);
    await adminCases(port);
    // An application path (no POST route: Fastify's 404, after the body it invited).
    const app = await expectContinue(port, '/users/1', {}, '{"a":1}');
    expect(app.events).toEqual(['HTTP/1.1 100 Continue', 'body', expect.stringMatching(/^HTTP\/1\.1 404 /)]);
    expect(app.body).not.toContain('success'); // Fastify's answer, not the admin API's
  });
});

describe.each(harnesses.filter((h) => h.name !== 'fastify'))('$name adapter', (harness) => {
  it('with monitor.attachWebSocket(server): admin paths hold the 100; application paths as before', async () => {
    const t: Target = await startTarget(harness, { api: { adminToken: TOKEN } });
    cleanups.push(() => t.close());
    const attachment = attachWebSocket(t.monitor, t.running.server, { adminApi: t.adminApi });
    cleanups.push(() => attachment.close());
    const port = Number(new URL(t.url).port);
    await adminCases(port);
    const app = await expectContinue(port, '/users/1', {}, '{"a":1}');
    expect(app.events).toEqual(['HTTP/1.1 100 Continue', 'body', expect.stringMatching(/^HTTP\/1\.1 404 /)]);
    // Detached: Node's own behaviour again.
    await attachment.close();
    const after = await expectContinue(
      port,
      silencesPath,
      { authorization: 'Bearer not-the-token' },
      SILENCE,
    );
    expect(after.events[0]).toBe('HTTP/1.1 100 Continue');
  });

  it('without it the middleware never sees the server: Node answers 100 Continue itself (documented in README)', async () => {
    const t: Target = await startTarget(harness, { api: { adminToken: TOKEN } });
    cleanups.push(() => t.close());
    const port = Number(new URL(t.url).port);
    const wrong = await expectContinue(
      port,
      silencesPath,
      { authorization: 'Bearer not-the-token' },
      SILENCE,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.events[0]).toBe('HTTP/1.1 100 Continue');
  });
});
