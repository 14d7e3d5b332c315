// A plain GET (or any method) with headers over node:http (no agent, no keep-alive) and a really blocked event
// loop, for tests on real servers in this process.

import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface GetReply {
  status: number;
  body: string;
}

/** GET `url` with `headers`; resolves with the status and the whole body as text. */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<GetReply> {
  return httpSend('GET', url, headers);
}

/** `method` on `url` with `headers` and no body; resolves with the status and the whole body as text. */
export function httpSend(
  method: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<GetReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Busy-waits: the event loop (the servers' in this process too) is really blocked for `ms`. */
export function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // blocked on purpose
  }
}
