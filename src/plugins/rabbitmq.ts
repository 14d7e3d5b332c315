// A collector plugin for RabbitMQ: the depth (ready messages) and consumer count of named queues,
// read with amqplib's checkQueue (a passive declare: it never creates a queue). amqplib is an optional
// peer dependency, imported only when the plugin first collects with a URL.

import { withDeadline } from '../collector/deadline.js';
import type { CollectorPlugin, PluginContext } from '../collector/plugins.js';
import { SysvitalsError } from '../errors.js';
import { errorMessage } from '../logger.js';
import type { ComponentStatus } from '../types.js';

/** What the plugin needs of an amqplib connection (`amqplib.connect()`'s result). */
export interface AmqpConnectionLike {
  /** Opens a channel (amqplib's `createChannel()`). */
  createChannel(): Promise<AmqpChannelLike>;
  /** Closes the connection (never called by the plugin). */
  close?(): Promise<void>;
  /** Listens to `error` and `close`. */
  on?(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/** What the plugin needs of an amqplib channel (`connection.createChannel()`'s result). */
export interface AmqpChannelLike {
  /** Reads a queue's message and consumer counts (amqplib's `checkQueue()`); rejects if it does not exist. */
  checkQueue(queue: string): Promise<{ queue: string; messageCount: number; consumerCount: number }>;
  /** Closes the channel. */
  close(): Promise<void>;
  /** Listens to `error` and `close`. */
  on(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/** Options of the RabbitMQ plugin: the connection, the queues to watch and their levels. */
export interface RabbitmqPluginOptions {
  /** Your amqplib connection (the plugin opens its own channel on it and never closes the connection). */
  connection?: AmqpConnectionLike;
  /** Or a URL such as `amqp://guest:guest@127.0.0.1:5672`: the plugin connects (lazily) and closes on monitor.close(). */
  url?: string;
  /** The queues to watch. */
  queues: readonly string[];
  /** The group's name under `plugins`. @defaultValue 'rabbitmq' */
  name?: string;
  /** @defaultValue every sample */
  intervalMs?: number;
  /** @defaultValue the monitor's groupTimeoutMs */
  timeoutMs?: number;
}

/** One queue's figures; nulls (and `error`) when the queue does not exist. */
export interface RabbitmqQueueFigures {
  messages: number | null;
  consumers: number | null;
  error?: string;
}

/** The `plugins.rabbitmq` group. */
export interface RabbitmqGroup extends Record<string, unknown> {
  queues: Record<string, RabbitmqQueueFigures>;
  /** Ready messages over every watched queue. */
  total_messages: number;
  missing_queues: number;
}

type Connect = (url: string) => Promise<AmqpConnectionLike>;

async function loadConnect(): Promise<Connect> {
  try {
    const mod = (await import('amqplib')) as unknown as { connect?: Connect; default?: { connect: Connect } };
    const connect = mod.connect ?? mod.default?.connect;
    if (typeof connect !== 'function') throw new Error('amqplib has no connect()');
    return connect;
  } catch (err) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_MISSING_PEER',
      `sysvitals: the RabbitMQ plugin needs amqplib (npm install amqplib): ${errorMessage(err)}`,
    );
  }
}

/** The plugin's own bound on closing its channel and connection, within the monitor's 1 s for a plugin's close(). */
const CLOSE_TIMEOUT_MS = 800;

/**
 * `createMonitor({ collectors: [rabbitmqPlugin({ url, queues: ['jobs'] })] })`: queue depth and
 * consumers under `plugins.rabbitmq.queues["jobs"]`. Status: `warning` while a watched queue is missing.
 */
export function rabbitmqPlugin(options: RabbitmqPluginOptions): CollectorPlugin {
  if (options === null || typeof options !== 'object') {
    throw new SysvitalsError(
      'ERR_SYSVITALS_INVALID_OPTION',
      'sysvitals: rabbitmqPlugin(options) needs an object.',
    );
  }
  const { connection, url, queues } = options;
  if ((connection === undefined) === (url === undefined)) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_INVALID_OPTION',
      'sysvitals: rabbitmqPlugin needs exactly one of `connection` (an amqplib connection) or `url`.',
    );
  }
  if (connection !== undefined && typeof connection?.createChannel !== 'function') {
    throw new SysvitalsError(
      'ERR_SYSVITALS_INVALID_OPTION',
      'sysvitals: rabbitmqPlugin `connection` must be an amqplib connection.',
    );
  }
  if (
    !Array.isArray(queues) ||
    queues.length === 0 ||
    queues.some((q) => typeof q !== 'string' || q === '')
  ) {
    throw new SysvitalsError(
      'ERR_SYSVITALS_INVALID_OPTION',
      'sysvitals: rabbitmqPlugin `queues` must be a non-empty array of queue names.',
    );
  }
  let own: AmqpConnectionLike | undefined;
  let opening: Promise<AmqpConnectionLike> | undefined;
  let channel: AmqpChannelLike | undefined;
  let closed = false;

  const conn = async (): Promise<AmqpConnectionLike> => {
    if (connection) return connection;
    if (own) return own;
    opening ??= loadConnect()
      .then((connect) => connect(url as string))
      .then((c) => {
        // A broken connection is replaced at the next collection, never thrown at the host.
        c.on?.('error', () => {});
        c.on?.('close', () => {
          if (own === c) own = undefined;
          channel = undefined;
        });
        if (closed) void c.close?.().catch(() => {});
        else own = c;
        return c;
      })
      .finally(() => {
        opening = undefined;
      });
    return opening;
  };

  const openChannel = async (): Promise<AmqpChannelLike> => {
    if (channel) return channel;
    const ch = await (await conn()).createChannel();
    // A missing queue closes the channel with a 404 and an 'error' event: without a listener that would crash the host.
    ch.on('error', () => {});
    ch.on('close', () => {
      if (channel === ch) channel = undefined;
    });
    channel = ch;
    return ch;
  };

  return {
    name: options.name ?? 'rabbitmq',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    async collect(ctx: PluginContext): Promise<RabbitmqGroup> {
      const out: Record<string, RabbitmqQueueFigures> = Object.create(null); // a queue may be `__proto__`
      let total = 0;
      let missing = 0;
      for (const q of queues) {
        if (ctx.signal.aborted) break;
        const ch = await openChannel();
        try {
          const r = await ch.checkQueue(q);
          out[q] = { messages: r.messageCount, consumers: r.consumerCount };
          total += r.messageCount;
        } catch (err) {
          // The server closed this channel: the next queue gets a new one.
          if (channel === ch) channel = undefined;
          const e = err as { code?: number };
          if (e.code !== 404) throw err;
          out[q] = { messages: null, consumers: null, error: 'queue not found' };
          missing++;
        }
      }
      return { queues: out, total_messages: total, missing_queues: missing };
    },
    status(group): ComponentStatus {
      return (group.missing_queues as number) > 0 ? 'warning' : 'healthy';
    },
    async close(): Promise<void> {
      closed = true;
      const ch = channel;
      channel = undefined;
      const c = own;
      own = undefined;
      const closing = (async () => {
        if (ch && connection) await ch.close().catch(() => {});
        if (c) await c.close?.().catch(() => {});
      })();
      // amqplib's close waits for the broker's CloseOk: a frozen broker or a dropped path never sends it (outside
      // review 47, RT47-1). Bounded within the monitor's limit for a plugin's close(); then the connection it opened
      // is cut (its socket destroyed, so it holds no process open). Yours is never touched.
      await withDeadline(closing, CLOSE_TIMEOUT_MS, 'close').catch(() => {
        (
          c as { connection?: { stream?: { destroy?(): void } } } | undefined
        )?.connection?.stream?.destroy?.();
      });
    },
  };
}
