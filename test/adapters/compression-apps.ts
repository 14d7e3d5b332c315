// The compression middlewares of outside review 9, F2, as their packages work (they are not installed here, no npm
// install): minimal re-implementations of their mechanism, as the reviewer's probe made them.
//  - Express `compression`: res.write/res.end replaced on the instance, feeding zlib; zlib's output written with the
//    write() captured at the middleware, zlib paused when it returns false and resumed at the response's 'drain';
//    the captured end() called at zlib's 'end'.
//  - `koa-compress`: after the app, ctx.body replaced by a gzip stream, `stream.end(body)` (Koa pipes it to res).
//  - `@fastify/compress`: an onSend hook returning the payload piped through gzip (Fastify pipes the stream to res).
// And the oracle: per request, server-side stamps around what sysvitals times (instrument()).

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyInstance } from 'fastify';
import type Koa from 'koa';

const now = () => performance.now();
/** The event loop's idle total (ms): the time libuv waited in its poll (outside review 10, F1). */
const idleNow = () => performance.eventLoopUtilization().idle;

/** One write that returned false, and the 'drain' that followed it (NaN until then). */
export interface Span {
  /** Before the first write that found the response blocked, and after the last one (before its drain). */
  pre: number;
  post: number;
  /** In a 'drain' listener prepended before sysvitals' own (early) and in one appended after it (late). */
  early: number;
  late: number;
  /** The event loop's idle total at each of those four stamps. */
  idle: { pre: number; post: number; early: number; late: number };
}

/** What the server did for one request, stamped by the test. */
export interface Stamps {
  url: string;
  res: ServerResponse;
  /** The server's 'request' event (a listener prepended before the framework's): before sysvitals' start. */
  t0: number;
  /** The route handler's start: after sysvitals' start. */
  handler: number;
  /** Just before and just after the real end() of the response (the instance's, as the middlewares call it). */
  endPre: number;
  endPost: number;
  /** The spans closed by a 'drain' before the real end(); `open`: one not drained yet. */
  spans: Span[];
  open: Span | null;
}

/**
 * The oracle's bounds of the request's server-side duration, the time its producer waited on its client taken out
 * (of each span, only the event loop's idle time in it: min(span, idle)): `hi` from the earliest start and the
 * latest end, less the spans' shortest reading (after the write, to the early drain listener); `lo` from the latest
 * start and the earliest end, less their longest reading (before the write, to the late drain listener). sysvitals'
 * own stamps lie within each pair, so its duration lies in [lo, hi]. `waited`: the spans' shortest time, idle or not.
 */
export function bounds(s: Stamps): { lo: number; hi: number; waited: number } {
  const waited = s.spans.reduce((n, x) => n + (x.early - x.post), 0);
  const shortest = s.spans.reduce((n, x) => n + Math.min(x.early - x.post, x.idle.early - x.idle.post), 0);
  const longest = s.spans.reduce((n, x) => n + Math.min(x.late - x.pre, x.idle.late - x.idle.pre), 0);
  return { hi: s.endPost - s.t0 - shortest, lo: s.endPre - s.handler - longest, waited };
}

/** Stamps every request `server` receives (before the framework sees it) into `seen`, in arrival order. */
export function watchRequests(server: Server, seen: Stamps[]): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    seen.push({
      url: req.url ?? '',
      res,
      t0: now(),
      handler: Number.NaN,
      endPre: Number.NaN,
      endPost: Number.NaN,
      spans: [],
      open: null,
    });
  });
}

type Call = (...args: unknown[]) => unknown;

/**
 * Wraps `res`'s write() and end() on the instance (installed before the compression middleware, which captures them),
 * around the prototype's, which sysvitals wraps: stamps each write that returns false and the drains that follow.
 */
export function instrument(s: Stamps): void {
  const res = s.res as unknown as { write: Call; end: Call; on: Call; prependOnceListener: Call };
  const write = res.write;
  const end = res.end;
  res.write = function (this: unknown, ...args: unknown[]) {
    const pre = now();
    const preIdle = idleNow();
    const ok = write.apply(this, args);
    const post = now();
    if (ok === false && Number.isNaN(s.endPre)) {
      if (s.open) {
        s.open.post = post;
        s.open.idle.post = idleNow();
      } else {
        const idle = { pre: preIdle, post: idleNow(), early: Number.NaN, late: Number.NaN };
        const span: Span = { pre, post, early: Number.NaN, late: Number.NaN, idle };
        s.open = span;
        res.prependOnceListener('drain', () => {
          span.early = now();
          idle.early = idleNow();
        });
      }
    }
    return ok;
  };
  res.on('drain', () => {
    const span = s.open;
    if (!span || !Number.isNaN(s.endPre)) return;
    span.late = now();
    span.idle.late = idleNow();
    s.spans.push(span);
    s.open = null;
  });
  res.end = function (this: unknown, ...args: unknown[]) {
    if (Number.isNaN(s.endPre)) s.endPre = now();
    const result = end.apply(this, args);
    if (Number.isNaN(s.endPost)) s.endPost = now();
    return result;
  };
}

/** The stamps of the request `res` answers. */
const stampsOf = (seen: Stamps[], res: ServerResponse) => seen.find((s) => s.res === res) as Stamps;

/** zlib as the middlewares use it (level 1: the test's CPU). */
const gzip = () => zlib.createGzip({ level: 1 });

/** Express `compression`'s mechanism (see above), mounted after `instrument`. */
export function expressCompression(): (req: Request, res: Response, next: NextFunction) => void {
  return (_req, res, next) => {
    const r = res as unknown as { write: Call; end: Call; on: Call };
    const _write = r.write;
    const _end = r.end;
    let stream: zlib.Gzip | null = null;
    let ended = false;
    const begin = (): zlib.Gzip => {
      if (stream) return stream;
      const z = gzip();
      stream = z;
      res.setHeader('Content-Encoding', 'gzip');
      res.removeHeader('Content-Length');
      z.on('data', (chunk: Buffer) => {
        if (_write.call(res, chunk) === false) z.pause();
      });
      z.on('end', () => _end.call(res));
      r.on.call(res, 'drain', () => z.resume());
      return z;
    };
    r.write = (chunk: unknown, enc?: unknown) =>
      ended ? false : begin().write(Buffer.from(chunk as string, enc as BufferEncoding));
    r.end = (chunk?: unknown, enc?: unknown) => {
      if (ended) return res;
      const z = begin();
      ended = true;
      if (chunk) z.end(Buffer.from(chunk as string, enc as BufferEncoding));
      else z.end();
      return res;
    };
    next();
  };
}

/** An Express app's middleware: instrument each request (seen by `watchRequests`) and stamp its handler's start. */
export function expressInstrument(seen: Stamps[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    instrument(stampsOf(seen, res));
    next();
  };
}

/** Marks the handler's start of the request answered by `res`. */
export function handlerStarts(seen: Stamps[], res: ServerResponse): void {
  stampsOf(seen, res).handler = now();
}

/** Koa: instrument, then koa-compress's mechanism, on `path` only. */
export function koaCompression(app: Koa, seen: Stamps[], path: string): void {
  app.use(async (ctx, next) => {
    if (ctx.path === path) instrument(stampsOf(seen, ctx.res));
    await next();
  });
  app.use(async (ctx, next) => {
    await next();
    if (ctx.path !== path || !ctx.body || !ctx.acceptsEncodings('gzip')) return;
    const body = ctx.body as string;
    ctx.set('Content-Encoding', 'gzip');
    ctx.remove('Content-Length');
    const stream = gzip();
    ctx.body = stream;
    stream.end(body);
  });
}

/** Fastify: instrument (onRequest, on `path` only), then @fastify/compress's mechanism (onSend). */
export function fastifyCompression(app: FastifyInstance, seen: Stamps[], path: string): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === path) instrument(stampsOf(seen, reply.raw));
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (!/gzip/.test(req.headers['accept-encoding'] ?? '') || typeof payload !== 'string') return payload;
    reply.header('content-encoding', 'gzip');
    reply.removeHeader('content-length');
    return Readable.from([Buffer.from(payload)]).pipe(gzip());
  });
}
