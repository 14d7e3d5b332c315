// Raw-socket clients for the cut-off tests (slow-reader, streamed-reader): a GET read in full, and a client that
// writes its requests and never reads what it is sent; and the status tallies the mount and two-monitor tests send.

import { connect, type Socket } from 'node:net';

/** A GET request line for a raw socket (keep-alive: pipelined requests follow it). */
export const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** GET on a new connection, read in full; its status. */
export function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let head = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (head.length < 16) head += d;
    });
    socket.on('end', () => resolve(Number(head.slice(9, 12))));
    socket.on('error', reject);
  });
}

/**
 * A client that writes `requests` and never reads (its socket paused); close() destroys the connection, reset()
 * resets it (TCP RST: `socket.resetAndDestroy()`, what a killed client or a proxy's abort sends).
 */
export function neverReads(
  port: number,
  requests: string,
): { close(): Promise<void>; reset(): Promise<void> } {
  const socket: Socket = connect(port, '127.0.0.1', () => socket.write(requests));
  socket.pause();
  socket.on('error', () => {});
  const end = (how: 'destroy' | 'resetAndDestroy') =>
    new Promise<void>((r) => {
      if (socket.destroyed) return r();
      socket.on('close', () => r());
      socket[how]();
    });
  return { close: () => end('destroy'), reset: () => end('resetAndDestroy') };
}

/** The aborted requests (early closes included) a monitor's request stats hold. */
export const abortedCount = (m: { requests: { abortedTotals(): { count: number }[] } }) =>
  m.requests.abortedTotals().reduce((n, t) => n + t.count, 0);

/** `n` requests for `path` one after another: how many got each status. */
export async function statuses(port: number, path: string, n: number): Promise<Record<number, number>> {
  const seen: Record<number, number> = {};
  for (let i = 0; i < n; i++) {
    const status = await getStatus(port, path);
    seen[status] = (seen[status] ?? 0) + 1;
  }
  return seen;
}

/** Sends each [path, times] of `plan` in turn, one GET a connection; the statuses received, per path. */
export async function sendPlan(
  port: number,
  plan: readonly (readonly [string, number])[],
): Promise<Record<string, Record<number, number>>> {
  const tally: Record<string, Record<number, number>> = {};
  for (const [path, n] of plan) {
    for (let i = 0; i < n; i++) {
      const status = await getStatus(port, path);
      tally[path] ??= {};
      const t = tally[path];
      t[status] = (t[status] ?? 0) + 1;
    }
  }
  return tally;
}
