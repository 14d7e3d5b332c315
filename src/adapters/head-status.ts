// The status of an HTTP/1 response's head, told by Node's writeHead() as it writes it (issue 18): not read back off
// the head string at the response's end. Node builds `res._header` by concatenation, and reading a character of it
// made V8 flatten a ~200-byte copy per request (bench/RESULTS.md `koa-cut`). The status is stamped on the response's
// flights themselves (response-end.ts stampHead), not kept in a module variable until the response's end(): storing
// the young response into that long-lived slot went through V8's write barrier's slow path on every request (~55
// instructions under callgrind; issue 18, bench/RESULTS.md `ticket`).

import type { ServerResponse } from 'node:http';
import { sentStatus } from '../requests/sent-status.js';

/** sentStatus of a flight's response: the status its writeHead() told (stampHead), else read off its head. */
export function headStatusOf(f: { readonly res: ServerResponse; readonly headStatus: number }): number {
  const status = f.headStatus;
  return status !== 0 ? status : sentStatus(f.res);
}
