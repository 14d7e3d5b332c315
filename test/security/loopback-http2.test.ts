// Outside review 6, F5: HTTP/2 names the host a request is for in `:authority`, not in `Host`, so the Host
// rule of loopback mode (and of requests an authorize hook lets in) refused every HTTP/2 request 400
// `invalid_host`. An HTTP/2 request is now judged by its `:authority` exactly as HTTP/1 is by Host; a `Host`
// beside it must say the same. Real h2c servers (Fastify `http2: true`, Koa on `http2.createServer`), a real
// node:http2 client; the oracle for each authority is what the same monitor answers over HTTP/1.1 with that Host.

import http, { type Server } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';

const BASE = '/api/core/admin/system';
const quiet = { warn() {}, error() {}, info() {}, debug() {} };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Pair {
  /** h2c port. */
  h2: number;
  /** HTTP/1.1 port of the same app and monitor setup: the oracle. */
  h1: number;
}

/** Monitor options: loopback mode (none), or an authorize hook reading a session cookie. */
type Mode = 'loopback' | 'authorize';
const options = (mode: Mode) => ({
  sampleIntervalMs: 0,
  logger: quiet,
  ...(mode === 'authorize'
    ? { authorize: (req: { headers: Record<string, unknown> }) => req.headers.cookie === 'sess=admin' }
    : {}),
});

function closeServer(server: Server | http2.Http2Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    setTimeout(resolve, 500).unref();
  });
}

async function fastifyPair(mode: Mode): Promise<Pair> {
  const ports: number[] = [];
  for (const h2 of [true, false]) {
    const monitor = createFastifyMonitor(options(mode) as never);
    // Typed as HTTP/1.1's instance: the plugin and listen() used here are the same on h2c.
    const app = Fastify((h2 ? { http2: true } : {}) as Record<string, never>);
    await app.register(monitor.plugin());
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await app.close();
      await monitor.close();
    });
    ports.push((app.server.address() as AddressInfo).port);
  }
  return { h2: ports[0] as number, h1: ports[1] as number };
}

async function koaPair(mode: Mode): Promise<Pair> {
  const monitor = createKoaMonitor(options(mode) as never);
  const app = new Koa();
  app.silent = true;
  app.use(monitor.middleware());
  app.use(new Router().routes());
  const h2 = http2.createServer(app.callback());
  const h1 = http.createServer(app.callback());
  const ports: number[] = [];
  for (const server of [h2, h1]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as AddressInfo).port);
  }
  cleanups.push(async () => {
    await closeServer(h2);
    await closeServer(h1);
    await monitor.close();
  });
  return { h2: ports[0] as number, h1: ports[1] as number };
}

interface Answer {
  status: number;
  code?: string;
}

function parse(status: number, body: string): Answer {
  try {
    const code = JSON.parse(body)?.error?.code;
    return code === undefined ? { status } : { status, code };
  } catch {
    return { status };
  }
}

/** One HTTP/2 request on a fresh h2c session; `headers` may set `:authority`, `host`, `origin`, ... */
function h2Request(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': path, ...headers });
    let status = 0;
    let text = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
    });
    stream.on('end', () => {
      session.close();
      resolve(parse(status, text));
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

/** One HTTP/1.1 request with `Host` set to `host`. */
function h1Request(
  port: number,
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve(parse(res.statusCode ?? 0, text)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Authorities, by the port the request is sent to: served ones first, then names a rebound page would use. */
const authorities = (port: number) => [
  `127.0.0.1:${port}`,
  `localhost:${port}`,
  `127.0.0.2:${port}`,
  '127.0.0.1',
  `[::ffff:127.0.0.1]:${port}`,
  `evil.example:${port}`,
  'evil.example',
  `localhost.evil.example:${port}`,
  `127.0.0.1.nip.io:${port}`,
  `2130706433:${port}`,
];

const PAIRS = { fastify: fastifyPair, koa: koaPair } as const;

describe.each(Object.keys(PAIRS) as (keyof typeof PAIRS)[])('%s over h2c', (framework) => {
  it('loopback mode judges :authority as HTTP/1.1 judges Host: addresses and localhost served, names 421', async () => {
    const pair = await PAIRS[framework]('loopback');
    const path = `${BASE}/silences/`;
    const plain = await h2Request(pair.h2, path); // the client's own :authority, 127.0.0.1:<port>, no Host
    expect(plain).toEqual({ status: 200 });
    const h1 = authorities(pair.h1);
    const h2 = authorities(pair.h2);
    const oracle: Answer[] = [];
    const got: Answer[] = [];
    for (let i = 0; i < h1.length; i++) {
      oracle.push(await h1Request(pair.h1, path, h1[i] as string));
      got.push(await h2Request(pair.h2, path, { ':authority': h2[i] as string }));
    }
    expect(got).toEqual(oracle);
    // The oracle itself, so that the comparison cannot pass on two wrong answers.
    expect(oracle.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 421, 421, 421, 421, 421]);
    expect(oracle[5]).toEqual({ status: 421, code: 'host_not_allowed' });
  });

  it('a Host beside :authority must repeat it: the same served, a different one (either way round) 400', async () => {
    const pair = await PAIRS[framework]('loopback');
    const path = `${BASE}/silences/`;
    const own = `127.0.0.1:${pair.h2}`;
    expect(await h2Request(pair.h2, path, { host: own })).toEqual({ status: 200 });
    expect(await h2Request(pair.h2, path, { ':authority': 'LOCALHOST:1', host: 'localhost:1' })).toEqual({
      status: 200,
    });
    for (const headers of [
      { ':authority': 'evil.example', host: own }, // was served: only Host was judged
      { ':authority': own, host: 'evil.example' },
      { ':authority': own, host: `localhost:${pair.h2}` },
    ]) {
      expect(await h2Request(pair.h2, path, headers), JSON.stringify(headers)).toEqual({
        status: 400,
        code: 'invalid_host',
      });
    }
  });

  it('an authorize hook: an h2 read and a same-origin write are served; a rebound :authority 421, a foreign Origin 403', async () => {
    const pair = await PAIRS[framework]('authorize');
    const cookie = { cookie: 'sess=admin' };
    const own = `http://127.0.0.1:${pair.h2}`;
    expect(await h2Request(pair.h2, `${BASE}/silences/`, cookie)).toEqual({ status: 200 });
    expect(
      await h2Request(pair.h2, `${BASE}/silences/`, { ...cookie, ':authority': 'evil.example' }),
    ).toEqual({
      status: 421,
      code: 'host_not_allowed',
    });
    const silence = JSON.stringify({ rule: 'error_rate', duration_ms: 60_000, comment: 'h2' });
    const write = (origin: string) =>
      h2Request(
        pair.h2,
        `${BASE}/silences/`,
        { ...cookie, origin, 'content-type': 'application/json' },
        'POST',
        silence,
      );
    expect(await write(own)).toEqual({ status: 201 });
    expect(await write('http://evil.example')).toEqual({ status: 403, code: 'origin_not_allowed' });
  });
});
