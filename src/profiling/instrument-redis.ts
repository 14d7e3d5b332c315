// instrumentRedis(client, monitor): times every command of an ioredis client by its name (never its
// keys or arguments). Duck-typed: ioredis is not imported here.

import { performance } from 'node:perf_hooks';
import { fingerprintRedis } from './fingerprint.js';
import { PROBE_PING } from './probe-sql.js';
import { begin, checkSink, finish, INSTRUMENTED, type QuerySink } from './query-sink.js';
import { currentScope } from './request-context.js';

/** An ioredis client (Redis or Cluster), as far as the instrumentation looks. */
export interface RedisLike {
  /** ioredis's `sendCommand()`; wrapped to time each command. */
  sendCommand: (...args: never[]) => unknown;
}

interface CommandLike {
  name?: unknown;
  args?: unknown;
  promise?: Promise<unknown>;
}

/**
 * Commands that wait for data, not for the server: a queue worker's BLPOP answers when a job arrives or its timeout
 * passes, so its time is idleness, not query latency. Not timed (nor logged slow, nor counted). XREAD and
 * XREADGROUP only with BLOCK (ioredis's BLOCKING_COMMANDS list, with WAIT/WAITAOF and the connection modes).
 */
const BLOCKING = new Set([
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'wait',
  'waitaof',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
]);
const BLOCK_OPTION = new Set(['xread', 'xreadgroup']);
/** What ioredis sends on connect before `ready` (its HANDSHAKE_COMMANDS): the driver's, not the application's. */
const HANDSHAKE = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info']);

/**
 * Whether a command is a blocking wait, redisProbe's own PING (its PROBE_PING message: a check, not the application's
 * command), or the driver's own handshake on `client` (status `connect`).
 */
function untimed(client: unknown, name: string, args: unknown): boolean {
  const lower = name.toLowerCase();
  if (BLOCKING.has(lower)) return true;
  if (lower === 'ping' && Array.isArray(args) && args.length === 1 && String(args[0]) === PROBE_PING)
    return true;
  if (BLOCK_OPTION.has(lower) && Array.isArray(args)) {
    for (const a of args) if (String(a).toUpperCase() === 'BLOCK') return true;
  }
  return HANDSHAKE.has(lower) && (client as { status?: unknown } | null)?.status === 'connect';
}

/**
 * Times every command an ioredis client sends (pipelines and transactions included: each command
 * until its reply) under its name, `GET`, `HSET`…; keys and values are never kept. Blocking waits (BLPOP,
 * XREAD BLOCK, WAIT, SUBSCRIBE…), the driver's connection handshake (AUTH, SELECT, INFO, CLIENT while
 * connecting) and redisProbe's own PING are not counted. Returns the client.
 */
export function instrumentRedis<T extends RedisLike>(client: T, monitor: QuerySink): T {
  const sink = checkSink(monitor, 'instrumentRedis');
  if (client === null || typeof client !== 'object' || typeof client.sendCommand !== 'function') {
    throw Object.assign(
      new TypeError('sysvitals: instrumentRedis(client, monitor): `client` must be an ioredis client.'),
      { code: 'ERR_SYSVITALS_INVALID_OPTION' },
    );
  }
  const marked = client as unknown as Record<symbol, unknown>;
  if (marked[INSTRUMENTED]) return client;
  marked[INSTRUMENTED] = true;
  const original = client.sendCommand as (...args: unknown[]) => unknown;
  client.sendCommand = function sendCommand(this: unknown, command: CommandLike) {
    const promise = command?.promise;
    // A command queued while offline is sent again on connect: time it once, from the first send.
    if (
      promise &&
      typeof promise.then === 'function' &&
      typeof command.name === 'string' &&
      (command as Record<symbol, unknown>)[INSTRUMENTED] === undefined &&
      !untimed(this, command.name, command.args)
    ) {
      (command as Record<symbol, unknown>)[INSTRUMENTED] = true;
      const fingerprint = fingerprintRedis(command.name);
      const scope = currentScope();
      const ticket = begin(sink);
      const start = performance.now();
      promise.then(
        () => finish(sink, 'redis', fingerprint, start, performance.now(), false, scope, ticket),
        () => finish(sink, 'redis', fingerprint, start, performance.now(), true, scope, ticket),
      );
    }
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    return original.apply(this, arguments as unknown as unknown[]);
  } as RedisLike['sendCommand'];
  return client;
}
