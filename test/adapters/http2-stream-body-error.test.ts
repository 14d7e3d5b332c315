// Regression: a route whose stream body fails after some of it was sent (a Readable that emits 'error' mid-way).
// Fastify then destroys the response (`res.destroy()`): on HTTP/1.1 Node destroys the connection and keeps the
// response's `errored`, recorded as failed (500); over HTTP/2 (`http2: true`) Node resets the stream with NO_ERROR
// and keeps no error, and it was recorded as the client's abort (499). What the client saw is the same on both: the
// 200 head, part of the body, and the response cut by the server (HTTP/1.1: the connection closed before the chunked
// body's end; HTTP/2: the stream reset before END_STREAM). Recorded alike now (500) on Fastify and Koa, over both.
// Real servers on port 0 (h2c), node:http and node:http2 clients; the oracle is what each client received.

import http, { type Server } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { fastifyPlugin } from '../../src/adapters/fastify.js';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { rawH2Get } from '../helpers/raw-h2.js';
import { type RecordingSource, recordingSource } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHUNK = 'x'.repeat(100);

/** Two chunks, then (a timer later, the head and chunks sent) an error; `/ok`'s ends after its two chunks. */
function body(fails: boolean): Readable {
  let n = 0;
  return new Readable({
    read() {
      if (n++ < 2) this.push(CHUNK);
      else if (!fails) this.push(null);
      else setTimeout(() => this.destroy(new Error('upstream failed')), 5);
    },
  });
}

/** What a client received: the status, the body's length, and whether the response ended whole. */
interface Seen {
  status: number;
  length: number;
  whole: boolean;
}

function h1Get(port: number, path: string): Promise<Seen> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let length = 0;
      res.on('data', (d: Buffer) => {
        length += d.length;
      });
      res.on('error', () => {});
      res.on('close', () => resolve({ status: res.statusCode ?? 0, length, whole: res.complete }));
    });
    req.on('error', () => {});
  });
}

async function recorded(source: RecordingSource, n: number): Promise<[string, number][]> {
  for (let i = 0; i < 500 && source.records.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return source.records.map((r) => [r.route, r.status]);
}

async function fastify(h2: boolean, source: RecordingSource): Promise<number> {
  const app = (h2 ? Fastify({ http2: true }) : Fastify()) as unknown as FastifyInstance;
  await app.register(fastifyPlugin(source) as never);
  app.get('/ok', (_req, reply) => void reply.send(body(false)));
  app.get('/fail', (_req, reply) => void reply.send(body(true)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  return (app.server.address() as AddressInfo).port;
}

async function koa(h2: boolean, source: RecordingSource): Promise<number> {
  const app = new Koa();
  app.silent = true;
  app.use(koaMiddleware(source));
  const router = new Router();
  router.get('/ok', (ctx) => {
    ctx.body = body(false);
  });
  router.get('/fail', (ctx) => {
    ctx.body = body(true);
  });
  app.use(router.routes());
  const server = (h2 ? http2.createServer(app.callback()) : http.createServer(app.callback())) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => r());
      }),
  );
  return (server.address() as AddressInfo).port;
}

describe.each([
  ['Fastify', fastify],
  ['Koa', koa],
] as const)('%s: a stream body that fails mid-way', (_name, start) => {
  it('HTTP/1.1 and HTTP/2 record it alike: failed (500), as the client saw a 200 cut by the server', async () => {
    const h1 = recordingSource();
    const h1Port = await start(false, h1);
    const h1Ok = await h1Get(h1Port, '/ok');
    const h1Fail = await h1Get(h1Port, '/fail');
    expect(h1Ok).toEqual({ status: 200, length: 200, whole: true });
    expect(h1Fail).toEqual({ status: 200, length: 200, whole: false });

    const h2 = recordingSource();
    const h2Port = await start(true, h2);
    const h2Ok = await rawH2Get(h2Port, '/ok');
    const h2Fail = await rawH2Get(h2Port, '/fail');
    expect(h2Ok).toEqual({ statuses: [200], dataBytes: 200, endStream: true, rst: null });
    // The head and what was sent arrived, then RST_STREAM before any END_STREAM (its code is the server's: Fastify's
    // `res.destroy()` sends NO_ERROR, which node:http2's own client reads as a normal end; Koa's INTERNAL_ERROR).
    expect({ ...h2Fail, rst: typeof h2Fail.rst }).toEqual({
      statuses: [200],
      dataBytes: 200,
      endStream: false,
      rst: 'number',
    });

    const over1 = await recorded(h1, 2);
    const over2 = await recorded(h2, 2);
    expect(over1).toEqual([
      ['/ok', 200],
      ['/fail', 500],
    ]);
    expect(over2).toEqual(over1);
  });
});
