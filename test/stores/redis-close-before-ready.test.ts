// Outside review 24, RT24-1: a monitor with a RedisStore closed while the store's first connection is still being
// made (a script, a cron job, a crash-restart loop: closed within a second of its start) lost its last bucket to a
// healthy Redis and logged "redis store is failing: redis connection is connecting" and "closed with 1 history
// points not written". README: close() tries one last write for at most `commandTimeoutMs`. A real redis-server;
// the connect is held until close() has begun (net.createConnection hands ioredis a socket that connects only
// then), so the close always meets a connection in progress, whatever the machine's load. Oracle: the requests
// recorded, read back from Redis by another client, and the warnings logged.

import { createRequire } from 'node:module';
import { Socket, type TcpNetConnectOpts } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { Logger } from '../../src/types.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const net = createRequire(import.meta.url)('node:net') as typeof import('node:net');
const realCreateConnection = net.createConnection;
const haveRedis = requireRedis();

describe.skipIf(!haveRedis)('RedisStore: close() while the first connection is being made', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    net.createConnection = realCreateConnection;
  });

  it('waits for the connection and writes the last bucket; a connect in progress is not a failing Redis', async () => {
    let closing = false;
    const held: Array<() => void> = [];
    // ioredis' connector calls net.createConnection: its socket connects only once close() has begun.
    net.createConnection = ((options: TcpNetConnectOpts) => {
      const socket = new Socket();
      (socket as { connecting: boolean }).connecting = true;
      const go = () => socket.connect(options);
      if (closing) setImmediate(go);
      else held.push(go);
      return socket;
    }) as typeof net.createConnection;
    const warnings: string[] = [];
    const logger: Logger = {
      warn: (_o, msg) => warnings.push(String(msg)),
      error: (_o, msg) => warnings.push(String(msg)),
      info() {},
      debug() {},
    };
    const prefix = `rt24-1-${process.pid}`;
    // Within the store's retention of the real time (its writes trim older points), on a minute boundary.
    const T0 = Math.floor(Date.now() / 60_000) * 60_000;
    let now = T0;
    const clock = { now: () => now };
    const store = new RedisStore({
      url: server.url,
      instanceId: 'api-1',
      prefix,
      logger,
      clock,
      commandTimeoutMs: 5_000,
    });
    const monitor = createMonitor({ store, sampleIntervalMs: 0, logger, clock });
    for (let i = 0; i < 10; i++)
      monitor.recordRequest({ method: 'GET', route: '/x', status: 200, durationMs: 5 });
    now = T0 + 20_000;
    const closed = monitor.close();
    closing = true;
    for (const go of held.splice(0)) setImmediate(go);
    await closed;

    const admin = new Redis(server.url);
    try {
      const raw = await admin.zrange(`{${prefix}}:points:api-1`, 0, -1);
      expect(raw).toHaveLength(1);
      // The positional point: requests at index 15 (point-codec.ts).
      expect((JSON.parse(raw[0] as string) as unknown[])[15]).toBe(10);
    } finally {
      admin.disconnect();
    }
    expect(warnings.filter((w) => /redis store/.test(w))).toEqual([]);
  });
});
