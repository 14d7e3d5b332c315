// A connection's flights (src/adapters/response-end.ts) are kept in a small holder its slot points to, replaced every
// 16 tracks on that connection (no write barrier's slow path per request: issue 18, RESULTS `barrier`). Many
// pipelined requests on two keep-alive connections at once, so that holders are replaced while several flights of
// the connection are in flight: every request is recorded once, with the status and route its client received
// (the oracle: the raw responses read off the sockets, in order, against the paths sent), on all three frameworks.

import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { harnesses, type Running, recordingSource } from './harness.js';

let running: Running[] = [];
afterEach(async () => {
  for (const r of running) await r.close();
  running = [];
});

/** Paths and the route each is recorded under (every app in harness.ts has these routes). */
const PATHS: [string, string][] = [
  ['/users/1', '/users/:id'],
  ['/teapot', '/teapot'],
  ['/api/items/7', '/api/items/:id'],
  ['/', '/'],
];

/** Park–Miller: the same request order on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s;
  };
}

/** Sends `paths` pipelined in one write per batch on one connection; resolves with the statuses read, in order. */
async function pipelined(socket: Socket, batches: string[][]): Promise<number[]> {
  const statuses: number[] = [];
  let text = '';
  let wanted = 0;
  let done: (() => void) | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
    // A status line at the start of the text or after a body: the bodies here hold no "HTTP/1.1 ".
    for (let m = /HTTP\/1\.1 (\d{3}) /.exec(text); m !== null; m = /HTTP\/1\.1 (\d{3}) /.exec(text)) {
      statuses.push(Number(m[1]));
      text = text.slice(m.index + m[0].length);
    }
    if (statuses.length >= wanted) done?.();
  });
  for (const batch of batches) {
    wanted += batch.length;
    const arrived = new Promise<void>((resolve) => {
      done = resolve;
    });
    socket.write(batch.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await arrived;
  }
  return statuses;
}

describe.each(harnesses)('$name: flights of one connection across its holders', (harness) => {
  it('records every pipelined request once with the status its client received', async () => {
    const source = recordingSource();
    const r = await harness.start({ source, api: { rateLimit: false } });
    running.push(r);
    const { port } = r.server.address() as AddressInfo;
    const next = lcg(harness.name.length * 7919 + 18);
    // Two connections, each 3 batches of 23 pipelined requests (69 tracks: 4 holders, replaced mid-batch).
    const plans = [0, 1].map(() =>
      [0, 1, 2].map(() => Array.from({ length: 23 }, () => PATHS[next() % PATHS.length] as [string, string])),
    );
    const sockets = plans.map(() => connect(port, '127.0.0.1'));
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    const statuses = await Promise.all(
      plans.map((plan, i) =>
        pipelined(
          sockets[i] as Socket,
          plan.map((b) => b.map(([p]) => p)),
        ),
      ),
    );
    const expected: string[] = [];
    plans.forEach((plan, i) => {
      plan.flat().forEach(([, route], j) => {
        expected.push(`GET ${route} ${(statuses[i] as number[])[j]}`);
      });
    });
    // The statuses the clients received: 200 and 418 as the paths say (the oracle's own check).
    expect(new Set(statuses.flat())).toEqual(new Set([200, 418]));
    for (let i = 0; i < 200 && source.records.length < expected.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the connections' close: nothing more is recorded
    const got = source.records.map((x) => `${x.method} ${x.route} ${x.status}`);
    expect(got.sort()).toEqual(expected.sort());
    for (const x of source.records) expect(x.durationMs).toBeGreaterThanOrEqual(0);
  });
});
