// The optional `ws` peer: just enough of its types, loading it with an install hint, the close codes, and the
// frames and refusals written on the upgrade's socket.

import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { nodeHttp } from '../builtins.js';
import { SysvitalsError } from '../errors.js';

/** Close codes (RFC 6455 §7.4.1, IANA registry). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** Sent when the access token the client connected with expires (RFC 6455: policy violation). */
export const CLOSE_POLICY_VIOLATION = 1008;

// Just enough of `ws` for this file, so that its types are not part of sysvitals's public .d.ts.
export interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
export interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(cb?: () => void): void;
}
export interface WsModule {
  WebSocketServer: new (options: Record<string, unknown>) => WsServer;
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;

/** `ws` is an optional peer: loaded only when a WebSocket is attached, with an install hint when absent. */
export function loadWs(): WsModule {
  try {
    // CJS build: __filename; ESM (and vitest/tsx): import.meta.url. A bare `require` would be esbuild's
    // shim in the ESM build, which throws; resolving from this file finds ws where sysvitals's peers live.
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    return load('ws') as WsModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new SysvitalsError(
        'ERR_SYSVITALS_MISSING_PEER',
        'attachWebSocket() needs the `ws` package, an optional peer dependency: run `npm install ws`. ' +
          'The Server-Sent Events stream (GET stream/) needs nothing extra.',
      );
    }
    throw err;
  }
}

/** A live event as one WebSocket text frame. */
export function wsFrame(event: string, json: string): string {
  return `{"event":${JSON.stringify(event)},"data":${json}}`;
}

/** Answers an upgrade with an HTTP error on the raw socket, then ends it (the upgrade never happens). */
export function refuse(
  socket: Duplex,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ success: false, error: { code, message } });
  const lines = [
    `HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    'Cache-Control: no-store',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
