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
/**
 * Of those, the ones that hold the connection (the server answers the commands written after them once they return):
 * not the subscriber and MONITOR modes, acknowledged at once.
 */
const HOLDS = new Set([
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
]);

/**
 * A connection's blocking commands not yet answered: a command written behind one waits for its answer before the
 * server reads it, so its clock starts then (outside review rtA, t25: a GET behind a 3 s BLPOP read 3 s).
 */
interface Lane {
  pending: number;
  /** The last blocking command written: the connection is free once it answered (replies come in order). */
  last: Promise<unknown> | null;
}

const lanes = new WeakMap<object, Lane>();

/** What ioredis sends on connect before `ready` (its HANDSHAKE_COMMANDS): the driver's, not the application's. */
const HANDSHAKE = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info']);

/** Whether `name` with `args` holds its connection until it answers (BLPOP…, WAIT, XREAD/XREADGROUP with BLOCK). */
function holds(name: string, args: unknown): boolean {
  const lower = name.toLowerCase();
  return HOLDS.has(lower) || (BLOCK_OPTION.has(lower) && hasBlock(args));
}

function hasBlock(args: unknown): boolean {
  if (!Array.isArray(args)) return false;
  for (const a of args) if (String(a).toUpperCase() === 'BLOCK') return true;
  return false;
}

/** A blocking command written on `client`'s connection: the lane stays held until it answers. */
function hold(client: object, promise: Promise<unknown>): void {
  // A Cluster spreads commands over its nodes' connections: which one a command waits on is not known here.
  if ((client as { isCluster?: unknown }).isCluster === true) return;
  let lane = lanes.get(client);
  if (lane === undefined) {
    lane = { pending: 0, last: null };
    lanes.set(client, lane);
  }
  const l = lane;
  l.pending++;
  l.last = promise;
  const release = () => {
    l.pending--;
    if (l.pending === 0) l.last = null;
  };
  promise.then(release, release);
}

/** The blocking command a command written now on `client` waits behind, or null when the connection is free. */
function heldBy(client: unknown): Promise<unknown> | null {
  if (client === null || typeof client !== 'object') return null;
  const lane = lanes.get(client);
  return lane !== undefined && lane.pending > 0 ? lane.last : null;
}

/**
 * Whether a command is a blocking wait, redisProbe's own PING (its PROBE_PING message: a check, not the application's
 * command), or the driver's own handshake on `client` (status `connect`).
 */
function untimed(client: unknown, name: string, args: unknown): boolean {
  const lower = name.toLowerCase();
  if (BLOCKING.has(lower)) return true;
  if (lower === 'ping' && Array.isArray(args) && args.length === 1 && String(args[0]) === PROBE_PING)
    return true;
  if (BLOCK_OPTION.has(lower) && hasBlock(args)) return true;
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
      (command as Record<symbol, unknown>)[INSTRUMENTED] === undefined
    ) {
      (command as Record<symbol, unknown>)[INSTRUMENTED] = true;
      if (untimed(this, command.name, command.args)) {
        if (this !== null && typeof this === 'object' && holds(command.name, command.args))
          hold(this, promise);
      } else timeCommand(sink, fingerprintRedis(command.name), promise, heldBy(this));
    }
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    return original.apply(this, arguments as unknown as unknown[]);
  } as RedisLike['sendCommand'];
  return client;
}

/**
 * Times one command until its reply; written behind a blocking command (`behind`), from that one's answer, when the
 * server reads it (a failure before then, a commandTimeout or a closed connection, counts with no time).
 */
function timeCommand(
  sink: QuerySink,
  fingerprint: string,
  promise: Promise<unknown>,
  behind: Promise<unknown> | null,
): void {
  const scope = currentScope();
  let ticket: unknown;
  let start = Number.NaN;
  let done = false;
  // The blocking command failed without the server's answer (its connection closed, a commandTimeout): a failure of
  // this one next is the same, never served (a failure with no duration).
  let unserved = false;
  const sent = () => {
    if (done) return; // failed while waiting: nothing to time, no ticket to open
    start = performance.now();
    ticket = begin(sink);
  };
  if (behind === null) sent();
  else
    behind.then(sent, (err: unknown) => {
      unserved = (err as { name?: unknown } | null)?.name !== 'ReplyError';
      sent();
    });
  // Replies come in order: the blocking command's answer, and so sent(), comes before this one's.
  const end = (failed: boolean) => {
    done = true;
    const from = failed && unserved ? Number.NaN : start;
    finish(sink, 'redis', fingerprint, from, performance.now(), failed, scope, ticket);
  };
  promise.then(
    () => end(false),
    () => end(true),
  );
}
