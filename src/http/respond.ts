// The admin API's response envelope: `{ success: true, data }` or `{ success: false, error: { code, message } }`.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Stable, machine-readable error codes of the admin API (the `error.code` field). */
export type AdminErrorCode =
  | 'invalid_parameter'
  | 'bad_request'
  | 'unauthorized'
  | 'token_expired'
  | 'forbidden'
  | 'invalid_host'
  | 'host_not_allowed'
  | 'origin_not_allowed'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'too_many_silences'
  | 'unavailable'
  | 'internal_error';

export type Headers = Record<string, string | number | readonly string[]>;

/** Set on every admin response: monitoring data is live, and must not be cached by browsers or proxies. */
const COMMON_HEADERS: Readonly<Headers> = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/**
 * Writes a complete JSON response. For HEAD requests node:http drops the body itself and
 * keeps Content-Length, so HEAD answers exactly as GET without a body.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Headers,
  contentType = 'application/json; charset=utf-8',
): void {
  if (res.headersSent || res.writableEnded) {
    // Too late for a clean answer (a streaming route failed half way): end what was started.
    if (!res.writableEnded) res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.statusCode = status;
  setCommonHeaders(res);
  if (headers) for (const name of Object.keys(headers)) res.setHeader(name, headers[name] as string);
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

export function sendData(res: ServerResponse, data: unknown, status = 200, headers?: Headers): void {
  sendJson(res, status, { success: true, data }, headers);
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: AdminErrorCode,
  message: string,
  headers?: Headers,
): void {
  sendJson(res, status, { success: false, error: { code, message } }, headers);
}

/** Sets the headers every admin response carries; for routes that write their own body (stream, assets). */
export function setCommonHeaders(res: ServerResponse): void {
  for (const name in COMMON_HEADERS) res.setHeader(name, COMMON_HEADERS[name] as string);
  closeIfBodyUnread(res);
}

/**
 * A request whose body has not all arrived when it is answered (refused before it: no token, a wrong path, a
 * body over the limit) gets `Connection: close`: node drains an unread body to keep the connection alive, so a
 * refused client could otherwise make the server read all it sends (50 MB without a token). With the header,
 * node closes the connection once the answer is out, and the bytes still coming are never read. A body read
 * to its end (a silence) or already received whole keeps the connection alive.
 */
export function closeIfBodyUnread(res: ServerResponse): void {
  const req = res.req as IncomingMessage | undefined;
  if (req === undefined || req.complete) return;
  const length = req.headers['content-length'];
  const announced =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && !/^0*$/.test(length));
  if (announced) res.setHeader('connection', 'close');
}
