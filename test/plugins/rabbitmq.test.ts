// The RabbitMQ plugin against the machine's RabbitMQ (127.0.0.1:5672, guest/guest), on queues this
// test creates and deletes. Without a server it fails in CI and skips elsewhere with a hint.

import { randomUUID } from 'node:crypto';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { type RabbitmqGroup, rabbitmqPlugin } from '../../src/plugins/rabbitmq.js';

const URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const HINT = 'start RabbitMQ on 127.0.0.1:5672 (apt-get install rabbitmq-server) or set RABBITMQ_URL';

const reachable = await new Promise<boolean>((resolve) => {
  const s = tcpConnect(5672, '127.0.0.1');
  s.once('connect', () => {
    s.destroy();
    resolve(true);
  });
  s.once('error', () => resolve(false));
});
const skip = !reachable && process.env.CI !== 'true';
if (skip) console.warn(`RabbitMQ plugin test skipped: ${HINT}`);

const silent = { warn() {}, error() {} };

describe.skipIf(skip)('rabbitmqPlugin against a real RabbitMQ', () => {
  const suffix = randomUUID().slice(0, 8);
  const jobs = `sysvitals-test-jobs-${suffix}`;
  const mail = `sysvitals-test-mail-${suffix}`;
  const missing = `sysvitals-test-missing-${suffix}`;
  let conn: amqplib.ChannelModel;
  let ch: amqplib.Channel;

  beforeAll(async () => {
    if (!reachable) throw new Error(`RabbitMQ is not reachable: ${HINT}`);
    conn = await amqplib.connect(URL);
    ch = await conn.createChannel();
    await ch.assertQueue(jobs, { durable: false });
    await ch.assertQueue(mail, { durable: false });
    for (let i = 0; i < 7; i++) ch.sendToQueue(jobs, Buffer.from(`job ${i}`));
    ch.sendToQueue(mail, Buffer.from('mail'));
    await ch.consume(mail, () => {}, { noAck: false }); // one consumer holding the message unacked
    // Publishing is asynchronous: wait until the broker counts the 7 messages.
    for (let i = 0; i < 50 && (await ch.checkQueue(jobs)).messageCount < 7; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  afterAll(async () => {
    if (!conn) return;
    const cleanup = await conn.createChannel();
    await cleanup.deleteQueue(jobs);
    await cleanup.deleteQueue(mail);
    await conn.close();
  });

  it('reads depth and consumers with its own connection from a URL, and closes it', async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      collectors: [rabbitmqPlugin({ url: URL, queues: [jobs, mail] })],
    });
    const s = await monitor.sample();
    const g = s.plugins?.rabbitmq as unknown as RabbitmqGroup & { status: string };
    // Oracle: the broker's own counts through an independent channel.
    const j = await ch.checkQueue(jobs);
    expect(g.queues[jobs]).toEqual({ messages: j.messageCount, consumers: j.consumerCount });
    expect(g.queues[jobs]).toEqual({ messages: 7, consumers: 0 });
    expect(g.queues[mail]).toEqual({ messages: 0, consumers: 1 });
    expect(g.total_messages).toBe(7);
    expect(g.status).toBe('healthy');
    await monitor.close();
  });

  it("takes the user's connection, reports a missing queue as a warning, and leaves the connection open", async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      collectors: [rabbitmqPlugin({ connection: conn, queues: [missing, jobs], name: 'broker' })],
    });
    const g = (await monitor.sample()).plugins?.broker as unknown as RabbitmqGroup & { status: string };
    expect(g.queues[missing]).toEqual({ messages: null, consumers: null, error: 'queue not found' });
    expect(g.queues[jobs]?.messages).toBe(7);
    expect(g.missing_queues).toBe(1);
    expect(g.status).toBe('warning');
    // A second sample works on a fresh channel after the 404 closed the first.
    const again = (await monitor.sample()).plugins?.broker as unknown as RabbitmqGroup;
    expect(again.queues[jobs]?.messages).toBe(7);
    await monitor.close();
    expect((await ch.checkQueue(jobs)).messageCount).toBe(7); // the user's connection still works
  });

  it('a watched queue named `__proto__` is an own key of `queues` (outside review 27, RT27-4 pattern)', async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      collectors: [rabbitmqPlugin({ connection: conn, queues: ['__proto__', jobs], name: 'broker' })],
    });
    const g = (await monitor.sample()).plugins?.broker as unknown as RabbitmqGroup;
    expect(Object.keys(g.queues)).toEqual(['__proto__', jobs]);
    expect(JSON.parse(JSON.stringify(g.queues)).__proto__).toEqual({
      messages: null,
      consumers: null,
      error: 'queue not found',
    });
    await monitor.close();
  });

  it('a broker frozen after a healthy sample: monitor.close() ends, and the plugin cuts its connection (RT47-1)', async () => {
    // A TCP proxy to the broker that stops forwarding (a frozen broker or a dropped path; the machine's RabbitMQ is
    // left alone). amqplib's close waits for a CloseOk that never comes: before the fix monitor.close() never ended.
    let frozen = false;
    const clients = new Set<Socket>();
    const proxy = createServer((c) => {
      clients.add(c);
      const up = tcpConnect(5672, '127.0.0.1');
      c.on('data', (d) => void (frozen || up.write(d)));
      up.on('data', (d) => void (frozen || c.write(d)));
      c.on('error', () => {});
      up.on('error', () => {});
      c.on('close', () => {
        clients.delete(c);
        up.destroy();
      });
      up.on('close', () => c.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const warnings: string[] = [];
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      handleSignals: false,
      logger: { warn: (_o: unknown, m: string) => warnings.push(m), error() {} },
      collectors: [
        rabbitmqPlugin({ url: `amqp://guest:guest@127.0.0.1:${port}`, queues: [jobs], timeoutMs: 5000 }),
      ],
      // The first connect through the proxy may take more than 1 s on a loaded machine.
      groupTimeoutMs: 10_000,
    });
    try {
      const g = (await monitor.sample()).plugins?.rabbitmq as unknown as RabbitmqGroup;
      expect(g.queues[jobs]?.messages).toBe(7);
      expect(clients.size).toBe(1);
      frozen = true;
      await monitor.close();
      // The plugin gave up on the CloseOk within its own bound (no warning from the monitor's) and destroyed its
      // socket: the proxy saw the client side close.
      expect(warnings.filter((w) => w.includes('plugin rabbitmq'))).toEqual([]);
      for (let i = 0; i < 100 && clients.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(clients.size).toBe(0);
    } finally {
      proxy.close();
      for (const c of clients) c.destroy();
    }
  }, 30_000);

  it('a broker that cannot be reached is `unknown` with the error, within the timeout', async () => {
    const monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      collectors: [
        rabbitmqPlugin({ url: 'amqp://guest:guest@127.0.0.1:1', queues: [jobs], timeoutMs: 2000 }),
      ],
    });
    const g = (await monitor.sample()).plugins?.rabbitmq;
    expect(g?.status).toBe('unknown');
    expect(g?.error).toMatch(/ECONNREFUSED/);
    // The broker the plugin watches is gone: health names it and is never green (outside review 29, RT29-6).
    const health = await monitor.getHealth();
    expect(health.unknown_reasons?.['plugins.rabbitmq']).toMatch(/ECONNREFUSED/);
    expect(health.status).not.toBe('green');
    await monitor.close();
  });
});
