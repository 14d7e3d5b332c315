// The status of a response's head is told by Node's writeHead() as it writes it (response-end.ts stampHead), not read
// back off the head string at the response's end: Node builds `_header` by concatenation, and reading a character of
// it made V8 flatten a ~200-byte copy per request (issue 18, RESULTS koa-cut). The oracle of the statuses is what each
// client received; the head is shown unread by watching String.prototype.charCodeAt on it, a head whose end() comes
// after another response's head too (its status is stamped on its own flight at writeHead(): issue 18, `ticket`). A
// head Node's writeHead() did not write with its argument is read off the head as before.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { timeHeads } from '../../src/adapters/prototype-timing.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { httpSend } from '../helpers/http-get.js';
import { expressApp, fastifyApp, koaApp } from './framework-apps.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
// No host group read (NO_HOST_FILES): the oracle is the statuses the clients got; the first read waited a real
// 250 ms CPU window for host figures nothing here checks.
const opts: MonitorOptions = { sampleIntervalMs: 0, logger: { warn() {}, error() {} }, ...NO_HOST_FILES };

/** /slow writes its head (503), and ends it 60 ms later: /fast (201) writes and ends its own in between. */
const slow = (res: ServerResponse) => {
  res.writeHead(503);
  setTimeout(() => res.end('late'), 60);
};
const fast = (res: ServerResponse) => {
  res.writeHead(201);
  res.end('fast');
};

const koa = () =>
  koaApp(opts, (router) => {
    router.get('/ok', (ctx) => {
      ctx.body = 'ok';
    });
    router.get('/missing', (ctx) => {
      ctx.status = 404;
      ctx.body = 'no';
    });
    for (const [path, answer] of [
      ['/slow', slow],
      ['/fast', fast],
    ] as const)
      router.get(path, (ctx) => {
        ctx.respond = false;
        answer(ctx.res);
      });
  });
const express = () =>
  expressApp(opts, (app) => {
    app.get('/ok', (_req, res) => void res.send('ok'));
    app.get('/missing', (_req, res) => void res.status(404).send('no'));
    app.get('/slow', (_req, res) => slow(res));
    app.get('/fast', (_req, res) => fast(res));
  });
const fastify = () =>
  fastifyApp(opts, (app) => {
    app.get('/ok', async () => 'ok');
    app.get('/missing', (_request, reply) => void reply.code(404).send('no'));
    for (const [path, answer] of [
      ['/slow', slow],
      ['/fast', fast],
    ] as const)
      app.get(path, (_request, reply) => {
        reply.hijack();
        answer(reply.raw);
      });
  });

const original = String.prototype.charCodeAt;
afterEach(() => {
  String.prototype.charCodeAt = original;
});

describe.each([
  ['koa', koa],
  ['express', express],
  ['fastify', fastify],
])('%s', (_name, make) => {
  it("records each head's status without reading a character of the head", async () => {
    const { monitor, server } = await make();
    const port = await listen(server, monitor);
    await httpSend('GET', `http://127.0.0.1:${port}/ok`); // the first request of the process sets up the channel
    const heads: string[] = [];
    const onFinish = (m: unknown) => heads.push((m as { response: { _header: string } }).response._header);
    const read: string[] = [];
    String.prototype.charCodeAt = function charCodeAt(this: string, at: number) {
      if (this.length > 40 && this.startsWith('HTTP/1.1 ')) read.push(String(this));
      return original.call(this, at);
    };
    subscribe('http.server.response.finish', onFinish);
    const got: number[] = [];
    try {
      for (const path of ['/ok', '/missing', '/ok'])
        got.push((await httpSend('GET', `http://127.0.0.1:${port}${path}`)).status);
    } finally {
      String.prototype.charCodeAt = original;
      unsubscribe('http.server.response.finish', onFinish);
    }
    expect(got).toEqual([200, 404, 200]);
    expect(heads).toHaveLength(3);
    expect(read.filter((s) => heads.includes(s))).toEqual([]);
    const m = await monitor.getMetrics();
    const rows = Object.fromEntries(m.routes.map((r) => [r.route, [r.count, r.count_4xx]]));
    expect(rows).toEqual({ '/ok': [3, 0], '/missing': [1, 1] });
  });

  it("a head whose end() comes after another response's head keeps its own status, the head unread", async () => {
    const { monitor, server } = await make();
    const port = await listen(server, monitor);
    await httpSend('GET', `http://127.0.0.1:${port}/ok`); // the first request of the process sets up the channel
    const read: string[] = [];
    String.prototype.charCodeAt = function charCodeAt(this: string, at: number) {
      if (this.length > 40 && this.startsWith('HTTP/1.1 ')) read.push(String(this));
      return original.call(this, at);
    };
    let got: number[];
    try {
      const slowReply = httpSend('GET', `http://127.0.0.1:${port}/slow`);
      await new Promise((r) => setTimeout(r, 20));
      const fastReply = await httpSend('GET', `http://127.0.0.1:${port}/fast`);
      got = [(await slowReply).status, fastReply.status];
    } finally {
      String.prototype.charCodeAt = original;
    }
    // The slow head was told by its writeHead() and stamped on its own flight (stampHead): not read back off it,
    // although another response's head (/fast's) was written between its writeHead() and its end().
    expect(read).toEqual([]);
    expect(got).toEqual([503, 201]);
    const m = await monitor.getMetrics();
    const rows = Object.fromEntries(m.routes.map((r) => [r.route, [r.count, r.count_5xx]]));
    expect(rows).toEqual({ '/ok': [1, 0], '/slow': [1, 1], '/fast': [1, 0] });
    expect(m.errors.count_5xx).toBe(1);
  });
});

describe('timeHeads', () => {
  it('tells the status a writeHead() set on the response, not one a wrapper before it changed, and passes its result through', () => {
    const told: number[] = [];
    class Response {
      statusCode = 200;
      writeHead(code: number) {
        this.statusCode = code;
        return this;
      }
    }
    timeHeads(Response.prototype, (_res, status) => told.push(status));
    const res = new Response() as unknown as ServerResponse;
    expect(res.writeHead(418)).toBe(res);
    expect(told).toEqual([418]);

    class Rewritten {
      statusCode = 200;
      writeHead(code: number) {
        this.statusCode = code === 404 ? 410 : code; // another wrapper before sysvitals' changed the status
        return this;
      }
    }
    timeHeads(Rewritten.prototype, (_res, status) => told.push(status));
    (new Rewritten() as unknown as ServerResponse).writeHead(404);
    expect(told).toEqual([418]);

    class Throwing {
      statusCode = 200;
      writeHead(code: number) {
        this.statusCode = code;
        return 7;
      }
    }
    timeHeads(Throwing.prototype, () => {
      throw new Error('a response this copy cannot read');
    });
    expect((new Throwing() as unknown as ServerResponse).writeHead(200)).toBe(7);
  });
});
