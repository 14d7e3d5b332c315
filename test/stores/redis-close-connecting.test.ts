// RedisStore.close() while its own client is in the middle of connecting (a reconnect attempt while Redis is
// down): the socket is destroyed at once, so its pending connect request holds nothing open. The connect is
// kept pending deterministically: net.createConnection (what ioredis' connector calls) hands out a socket that
// is still connecting and never completes.

import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { RedisStore } from '../../src/stores/redis.js';

const net = createRequire(import.meta.url)('node:net') as typeof import('node:net');
const realCreateConnection = net.createConnection;
const quiet = { info() {}, warn() {}, error() {} };

afterEach(() => {
  net.createConnection = realCreateConnection;
});

it('close() destroys its own client socket that is still connecting, and returns', async () => {
  const handed: Socket[] = [];
  net.createConnection = (() => {
    const socket = new Socket();
    // As a connect() in progress: Socket#end() waits for 'connect' before it ends a connecting socket.
    (socket as { connecting: boolean }).connecting = true;
    handed.push(socket);
    return socket;
  }) as typeof net.createConnection;
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', logger: quiet, commandTimeoutMs: 200 });
  // init() gives up after commandTimeoutMs: the connect never completes.
  await store.init();
  expect(store.health().working).toBe(false);
  expect(handed).toHaveLength(1);
  expect(handed[0]!.destroyed).toBe(false);
  await store.close();
  expect(handed[0]!.destroyed).toBe(true);
});
