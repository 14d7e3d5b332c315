// The ioredis client RedisStore creates from a URL (ioredis loaded on first use), and the timeout on its commands.

import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { SysvitalsError } from '../errors.js';
import { lowerCaseRedisScheme } from './redis-url.js';

/** What the store works with inside. */
export type IoRedisClient = Redis | Cluster;

/** Rejects when `promise` has not settled after `ms` (the timer is unref'd and cleared either way). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A lazyConnect client for `url` that fails fast while Redis is down (the store buffers). Rejects with
 * ERR_SYSVITALS_STORE when the ioredis package is not installed.
 */
export async function createRedisClient(url: string, commandTimeoutMs: number): Promise<Redis> {
  let RedisCtor: typeof Redis;
  try {
    const mod = await import('ioredis');
    RedisCtor = (mod.Redis ?? mod.default) as typeof Redis;
  } catch {
    throw new SysvitalsError(
      'ERR_SYSVITALS_STORE',
      'RedisStore needs the ioredis package: npm install ioredis',
    );
  }
  const client = new RedisCtor(lowerCaseRedisScheme(url), {
    lazyConnect: true,
    // Fail fast while Redis is down: the store buffers, so ioredis must not queue or retry.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
    // close() disconnects; ioredis then waits this long for the socket's 'close' before destroying
    // it, on a timer that holds the process open: 2 s by default whenever Redis is down (the socket
    // is already gone, 'close' never comes again) or frozen (no FIN back). Nothing is awaited after
    // close(), so destroy at once.
    disconnectTimeout: 0,
  });
  return client;
}

/** True while the client is making a connection (not yet ready, not between retries after a failure). */
export function isConnecting(client: IoRedisClient | undefined): boolean {
  const status = client?.status;
  return status === 'wait' || status === 'connecting' || status === 'connect';
}

/** Disconnects now (not QUIT, which would wait on a frozen server), a connect attempt in progress included. */
export function disconnectNow(client: IoRedisClient): void {
  client.disconnect();
  // disconnect() only end()s a socket still connecting (a reconnect attempt while Redis is down), and its
  // connect request then holds the process until it completes or ioredis' connectTimeout fires: destroy it.
  const connecting = (client as unknown as { connector?: { stream?: Socket } }).connector?.stream;
  if (connecting?.connecting) connecting.destroy();
}

/** Resolves once `client` is ready (a lazy client is connected; its failure goes to onError); never rejects. */
export function whenReady(
  client: IoRedisClient,
  timeoutMs: number,
  onError: (err: unknown) => void,
): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'wait') client.connect().catch(onError);
  return new Promise((resolve) => {
    const onReady = () => resolve();
    client.once('ready', onReady);
    // Do not keep a listener per failed init around.
    setTimeout(() => client.off('ready', onReady), timeoutMs).unref();
  });
}
