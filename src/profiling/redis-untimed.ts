// Which ioredis commands instrumentRedis leaves untimed (not timed, counted or logged slow): the waits for data
// (BLPOP, XREAD BLOCK, the SUBSCRIBE family…), redisProbe's own PING, and the commands ioredis sends on its own (its
// connect handshake and ready checks, what it sends as it turns ready, a Cluster pipeline's ASKING): not the
// application's queries.

import { PROBE_PING } from './probe-sql.js';

/**
 * The blocking commands (BLOCKING below) that hold the connection (the server answers the commands written after
 * them once they return): not the subscriber and MONITOR modes, acknowledged at once.
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
 * Commands that wait for data, not for the server: a queue worker's BLPOP answers when a job arrives or its timeout
 * passes, so its time is idleness, not query latency. Not timed (nor logged slow, nor counted). XREAD and
 * XREADGROUP only with BLOCK (ioredis's BLOCKING_COMMANDS list, with WAIT/WAITAOF and the connection modes).
 */
const BLOCKING = new Set([
  ...HOLDS,
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
 * What ioredis sends on connect before `ready` (its HANDSHAKE_COMMANDS: AUTH, HELLO, SELECT, CLIENT SETNAME/SETINFO,
 * READONLY, the ready check's INFO), and a Cluster's ready check (CLUSTER INFO, also in status `connect`): the
 * driver's, not the application's.
 */
const HANDSHAKE = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info', 'cluster']);
/**
 * What ioredis sends as its status turns `ready` (its readyHandler, before it writes the resent and offline-queued
 * commands): READONLY with the `readOnly` option, and SELECT to go back to the database in use before a reconnect or
 * to the one a queued command was issued on (outside review q2: `READONLY` and `SELECT` rows no application sent).
 */
const ON_READY = new Set(['select', 'readonly']);

/** Whether `name` with `args` holds its connection until it answers (BLPOP…, WAIT, XREAD/XREADGROUP with BLOCK). */
export function holds(name: string, args: unknown): boolean {
  const lower = name.toLowerCase();
  return HOLDS.has(lower) || (BLOCK_OPTION.has(lower) && hasBlock(args));
}

function hasBlock(args: unknown): boolean {
  if (!Array.isArray(args)) return false;
  for (const a of args) if (String(a).toUpperCase() === 'BLOCK') return true;
  return false;
}

/**
 * The clients whose status just turned `ready`: ioredis's readyHandler sends its own commands (ON_READY) in the same
 * synchronous run, before any `ready` listener or awaiting caller runs; the mark is gone at the next microtask.
 */
const readying = new WeakSet<object>();

/** Watches a standalone ioredis client's status for `ready` (its `setStatus`), to tell the readyHandler's commands. */
export function watchReady(client: object): void {
  const c = client as { setStatus?: unknown };
  if (typeof c.setStatus !== 'function') return;
  const original = c.setStatus as (...args: unknown[]) => unknown;
  c.setStatus = function setStatus(this: unknown, status: unknown) {
    // biome-ignore lint/complexity/noArguments: pass the driver's arguments through unchanged
    const result = original.apply(this, arguments as unknown as unknown[]);
    if (status === 'ready' && this !== null && typeof this === 'object') {
      readying.add(this);
      queueMicrotask(() => readying.delete(this));
    }
    return result;
  };
}

/** A command as far as untimed() looks. */
interface Untimed {
  name: string;
  args?: unknown;
  /** ioredis's own ASKING in a Cluster pipeline after an ASK redirection (its `ignore` flag: no reply kept). */
  ignore?: unknown;
}

/**
 * Whether a command is a blocking wait, redisProbe's own PING (its PROBE_PING message: a check, not the application's
 * command), or one ioredis sends on its own on `client`: its handshake and ready check (status `connect`), what its
 * readyHandler sends (READONLY, SELECT), the ASKING of a Cluster pipeline's ASK redirection. A Cluster's slot refresh
 * (CLUSTER SLOTS) and Sentinel's queries go on connections of their own, not instrumented.
 */
export function untimed(client: unknown, command: Untimed): boolean {
  const lower = command.name.toLowerCase();
  const args = command.args;
  if (BLOCKING.has(lower)) return true;
  if (lower === 'ping' && Array.isArray(args) && args.length === 1 && String(args[0]) === PROBE_PING)
    return true;
  if (BLOCK_OPTION.has(lower) && hasBlock(args)) return true;
  if (lower === 'asking' && command.ignore === true) return true;
  if (client === null || typeof client !== 'object') return false;
  if (HANDSHAKE.has(lower) && (client as { status?: unknown }).status === 'connect') return true;
  return ON_READY.has(lower) && readying.has(client);
}
