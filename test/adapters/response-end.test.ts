// Issue 18: the Express adapter learns a response's end from Node's 'http.server.response.finish' channel and
// its connection's 'close' (src/adapters/response-end.ts), not from a listener on the response (on Express's
// per-request hidden classes adding one costs three inline-cache misses). Real servers on port 0; the oracle
// is what the client sent and received on the raw socket.

import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMiddleware } from '../../src/adapters/express.js';
import { recordingSource } from './harness.js';

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
});

async function start(listeners: number[]) {
  const source = recordingSource();
  const app = express();
  app.use(expressMiddleware(source, { rateLimit: false }));
  app.get('/users/:id', (_req, res) => {
    listeners.push(res.listenerCount('close'));
    res.json({ ok: true });
  });
  app.get('/hang', () => {});
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { source, port: (server.address() as AddressInfo).port };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Writes `requests` in one write on one connection; resolves with what the server sent once `responses` arrived. */
function rawExchange(port: number, requests: string, responses: number, end = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requests));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if ((text.match(/HTTP\/1\.1 /g) ?? []).length >= responses) {
        if (end) socket.destroy();
        else socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
    if (responses === 0)
      setTimeout(() => {
        socket.destroy();
        resolve(text);
      }, 200);
  });
}

describe('express: a response end without a listener on the response', () => {
  it('adds no close listener to the response once the channel has reported one', async () => {
    const listeners: number[] = [];
    const { source, port } = await start(listeners);
    for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${port}/users/${i}`)).arrayBuffer();
    await until(() => source.records.length >= 3);
    // The first response may have had one (until the channel is known to be published); the later ones none.
    expect(listeners.slice(1)).toEqual([0, 0]);
    expect(source.records.map((r) => [r.method, r.route, r.status])).toEqual([
      ['GET', '/users/:id', 200],
      ['GET', '/users/:id', 200],
      ['GET', '/users/:id', 200],
    ]);
  });

  it('records pipelined requests on one connection, each with its own status', async () => {
    const { source, port } = await start([]);
    const req = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const text = await rawExchange(port, req('/users/1') + req('/nope') + req('/users/2'), 3);
    expect(text.match(/HTTP\/1\.1 (\d+)/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 404', 'HTTP/1.1 200']);
    await until(() => source.records.length >= 3);
    expect(source.records.map((r) => [r.route, r.status])).toEqual([
      ['/users/:id', 200],
      ['unmatched', 404],
      ['/users/:id', 200],
    ]);
  });

  it('records a request cut off by its client as aborted (499), once', async () => {
    const { source, port } = await start([]);
    await rawExchange(port, 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n', 0);
    await until(() => source.records.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(source.records.map((r) => [r.route, r.status])).toEqual([['/hang', 499]]);
  });
});
