// The status a response sent on its status line, read once at its end: not `res.statusCode`, which the application
// may still set after the head went out (outside review 24, RT24-3); and the class a status counts in.

import type { ServerResponse } from 'node:http';
import { UNMATCHED_ROUTE } from './route-counters.js';

// Keyed reads (see adapters/express.ts, METHOD): on Express's per-request hidden classes a named read misses V8's
// inline caches on every request, the generic keyed load does not.
const HEADER = '_header';
const STATUS_CODE = 'statusCode';
const STREAM = 'stream';

/**
 * The status `res` sent: once its head is written, the three digits after the first space of the head Node wrote
 * (`res._header`, "HTTP/1.1 500 Internal Server Error\r\n…", kept as a string by every http.ServerResponse, Express's
 * and light-my-request's included); an HTTP/2 compat response's (its `_header` a boolean), its stream's `sentHeaders[':status']`; else (head
 * not written, another response object) `res.statusCode`. A `writeHead(500)` followed by `res.statusCode = 200`
 * sent a 500; a `flushHeaders()` followed by `res.statusCode = 500` sent a 200. No allocation: three character
 * codes read off a string Node already holds.
 */
export function sentStatus(res: ServerResponse): number {
  const head = (res as unknown as Record<string, unknown>)[HEADER];
  if (typeof head === 'string') {
    // Node writes "HTTP/1.1 " first: the digits at 9, else after the first space (another writer's head).
    const at = head.charCodeAt(8) === 32 ? 9 : head.indexOf(' ') + 1;
    const a = head.charCodeAt(at) - 48;
    const b = head.charCodeAt(at + 1) - 48;
    const c = head.charCodeAt(at + 2) - 48;
    // Three digits (NaN past the end fails the checks): else the head is not Node's and statusCode tells.
    if (a >= 1 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) return a * 100 + b * 10 + c;
  } else if (head !== null) {
    // An Http2ServerResponse's `_header` is a boolean (headersSent): its stream keeps the head it sent.
    const stream = (res as unknown as Record<string, { sentHeaders?: Record<string, unknown> } | undefined>)[
      STREAM
    ];
    const sent = stream?.sentHeaders?.[':status'];
    if (typeof sent === 'number') return sent;
  }
  return (res as unknown as Record<string, number>)[STATUS_CODE] as number;
}

/**
 * The column (1 … 5: 1xx … 5xx) a status of 100–999 counts in. 501 (method not implemented) and 505 (HTTP version)
 * from a request no route matched (a router's answer to a method nobody routes: koa-router's `allowedMethods()`)
 * answer what the client asked for: counted with the 4xx, so that anonymous unusual-method traffic cannot raise the
 * error rate; a matched route's own 501 is its server's gap, a 5xx (outside review 24, RT24-7). A status of 600–999
 * (Node sends up to 999: LinkedIn's 999) is a complete answer outside the standard classes: counted as a request,
 * not an error, with the 1xx (no final response has a 1xx status), which keeps the five `status_class` values.
 */
export function statusClass(status: number, route: string): number {
  if (status >= 600) return 1;
  if (status === 505 || (status === 501 && route === UNMATCHED_ROUTE)) return 4;
  return (status / 100) | 0;
}
