// A raw HTTP client for hostile-input tests: any method, any path bytes, any header, no URL normalisation.
// (fetch resolves `..` and `%2e%2e` before sending and refuses TRACE, so it cannot send what an attacker sends.)

import { request } from 'node:http';
import { connect, Socket } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent as is; characters above U+00FF are sent as their UTF-8 bytes. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bind the client socket to this local address (a non-loopback client on this machine). */
  localAddress?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body was not read to the end because it is a never-ending stream (SSE). */
  streaming: boolean;
}

/** Strings with characters above U+00FF become their UTF-8 bytes read as latin1: node writes heads as latin1. */
export function wireString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8').toString('latin1');
  }
  return s;
}

const BODY_LIMIT = 1 << 20;

/** One request on a fresh connection; resolves with what came back, rejects only on a socket error or timeout. */
export function rawRequest(base: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = { connection: 'close' }; // a request may override it (Upgrade)
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name] = wireString(value);
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const r = request({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: wireString(req.path),
      headers,
      localAddress: req.localAddress,
      agent: false,
      insecureHTTPParser: true,
    });
    const timer = setTimeout(() => {
      r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path.slice(0, 200)}`));
    }, timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.on('upgrade', (res, socket) => {
      // A WebSocket handshake that succeeded: nothing more to read here.
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: '', streaming: false });
    });
    r.on('response', (res) => {
      const streaming =
        req.method !== 'HEAD' && String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          streaming,
        });
      };
      if (streaming) {
        // Read the first frame, then hang up: the stream never ends by itself.
        res.once('data', (chunk: Buffer) => {
          chunks.push(chunk);
          res.destroy();
          r.destroy();
          done();
        });
        return;
      }
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= BODY_LIMIT) chunks.push(chunk);
      });
      res.on('end', done);
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    if (req.body !== undefined) r.end(wireString(req.body));
    else r.end();
  });
}

/**
 * Writes raw bytes (a whole request, malformed if wanted) and returns what the server sent until it closed.
 * For what node:http itself refuses to send (bad header names, bare LF, unknown methods).
 */
export function rawExchange(base: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET')
        resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.connect(Number(url.port), url.hostname, () => socket.end(bytes));
  });
}

/** Writes `request` on a raw connection; resolves with all the server sent once it closes (rejects after `guardMs`). */
export function untilClosed(url: string, request: string, guardMs = 30_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      got += c;
    });
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after the answer: ${JSON.stringify(got.slice(0, 400))}`));
    }, guardMs);
    socket.on('close', () => clearTimeout(guard));
    socket.write(request);
  });
}
