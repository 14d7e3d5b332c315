// The status of an HTTP/1 response's head, told by Node's writeHead() as it writes it (issue 18): not read back off
// the head string at the response's end. Node builds `res._header` by concatenation, and reading a character of it
// made V8 flatten a ~200-byte copy per request (bench/RESULTS.md `koa-cut`).

import type { ServerResponse } from 'node:http';
import { sentStatus } from '../requests/sent-status.js';

/**
 * The last HTTP/1 head written (stampHead) and its status, until that response's end() returns (takeHeadStatus): its
 * head is written inside end() (`_implicitHeader`) or just before it (Fastify's writeHead, then end()). A head whose
 * end() comes after another response's head is not kept (its status is then read off the head, sentStatus).
 */
let headRes: ServerResponse | null = null;
let headStatus = 0;

/** Node's writeHead() wrote the head of `res` with `status` (prototype-timing.ts timeHeads). */
export function stampHead(res: ServerResponse, status: number): void {
  headRes = res;
  headStatus = status;
}

/** At the end() of `res`: the status its head was told with, or 0 (not told, or another head came since). */
export function takeHeadStatus(res: ServerResponse): number {
  if (headRes !== res) return 0;
  headRes = null;
  return headStatus;
}

/** sentStatus of a flight's response: the status its writeHead() told (stampHead), else read off its head. */
export function headStatusOf(f: { readonly res: ServerResponse; readonly headStatus: number }): number {
  const status = f.headStatus;
  return status !== 0 ? status : sentStatus(f.res);
}
