// A plain GET (or any method) with headers over node:http (no agent, no keep-alive) and a really blocked event
// loop, for tests on real servers in this process.

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
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

/**
 * One GET with `target` as its raw request-target (any spelling: `%`-escapes, `//`, `;`, letter case, exactly as
 * written) on a new connection: the status line's code (0: none).
 */
export function rawGetStatus(port: number, target: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
    });
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

/** A served app whose handlers note their name in `ran`, and its monitor's count of recorded requests. */
export interface TargetsServed {
  port: number;
  ran: string[];
  monitor: { requests: { cumulativeCounts(): { n: number } } };
}

/** Each target in turn: the handler that answered it (none: ''), its status, and how many requests it recorded. */
export async function sendTargets(s: TargetsServed, targets: readonly string[]) {
  const out: { target: string; status: number; handler: string; recorded: number }[] = [];
  for (const target of targets) {
    const [ran, n] = [s.ran.length, s.monitor.requests.cumulativeCounts().n];
    const status = await rawGetStatus(s.port, target);
    out.push({
      target,
      status,
      handler: s.ran.slice(ran).join(','),
      recorded: s.monitor.requests.cumulativeCounts().n - n,
    });
  }
  return out;
}
