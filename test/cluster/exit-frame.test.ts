// The exit frame's synchronous write (src/cluster/exit-frame.ts) on a real Unix socket: written whole before
// writeNow() returns (the reader receives the message intact); refused, nothing written, while earlier bytes are
// still queued (a frame written then would cut into them) or before the socket is connected. One process 'exit'
// listener for every hook. The exits themselves: lost-requests.test.ts (real node:cluster processes).

import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onProcessExit, writeNow } from '../../src/cluster/exit-frame.js';
import { encodeFrame, FrameReader } from '../../src/cluster/frames.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

/** A Unix socket server collecting the framed messages and raw bytes it receives, and a connected client. */
async function pair(): Promise<{
  client: Socket;
  messages: unknown[];
  bytes: () => number;
  ended: Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-exit-frame-'));
  const messages: unknown[] = [];
  let bytes = 0;
  let endedResolve: () => void = () => {};
  const ended = new Promise<void>((r) => {
    endedResolve = r;
  });
  const server: Server = createServer((s) => {
    const reader = new FrameReader((m) => messages.push(m));
    s.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      reader.push(chunk);
    });
    s.on('end', () => endedResolve());
  });
  const path = join(dir, 's.sock');
  await new Promise<void>((r) => server.listen(path, r));
  const client = createConnection(path);
  await new Promise<void>((r) => client.once('connect', () => r()));
  cleanups.push(() => {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { client, messages, bytes: () => bytes, ended };
}

describe.skipIf(process.platform === 'win32')('writeNow: the exit frame on a Unix socket', () => {
  it('writes the whole frame before it returns; the reader gets the message intact', async () => {
    const { client, messages, ended } = await pair();
    const message = { t: 'report', x: 1, report: { r: [], f: [], i: { n: 3 } }, pad: 'y'.repeat(5000) };
    const frame = encodeFrame(message);
    expect(writeNow(client, frame)).toBe(true);
    // Nothing left to the event loop: the stream holds no byte of it.
    expect(client.writableLength).toBe(0);
    client.end();
    await ended;
    expect(messages).toEqual([message]);
  });

  it('writes nothing while earlier bytes are queued, or before the socket is connected', async () => {
    const { client, messages, bytes, ended } = await pair();
    client.cork();
    client.write(encodeFrame({ t: 'report', n: 1 }));
    expect(client.writableLength).toBeGreaterThan(0);
    expect(writeNow(client, encodeFrame({ t: 'report', n: 2 }))).toBe(false);
    client.uncork();
    client.end();
    await ended;
    expect(messages).toEqual([{ t: 'report', n: 1 }]);
    expect(bytes()).toBe(encodeFrame({ t: 'report', n: 1 }).length);

    const connecting = createConnection(join(tmpdir(), `sysvitals-none-${process.pid}.sock`));
    connecting.on('error', () => {});
    cleanups.push(() => connecting.destroy());
    expect(writeNow(connecting, encodeFrame({ t: 'report' }))).toBe(false);
  });
});

describe('onProcessExit', () => {
  it("adds one 'exit' listener for all hooks, removed with the last", () => {
    const before = process.listenerCount('exit');
    const off1 = onProcessExit(() => {});
    const off2 = onProcessExit(() => {});
    expect(process.listenerCount('exit')).toBe(before + 1);
    off1();
    expect(process.listenerCount('exit')).toBe(before + 1);
    off2();
    off2(); // twice: nothing more removed
    expect(process.listenerCount('exit')).toBe(before);
  });
});
