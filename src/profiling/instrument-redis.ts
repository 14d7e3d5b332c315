// instrumentRedis(client, monitor): times every command of an ioredis client by its name (never its
// keys or arguments). Duck-typed: ioredis is not imported here.

import { performance } from 'node:perf_hooks';
import { fingerprintRedis } from './fingerprint.js';
import { begin, checkSink, finish, INSTRUMENTED, type QuerySink } from './query-sink.js';
import { holds, untimed, watchReady } from './redis-untimed.js';
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
 * A connection's blocking commands not yet answered: a command written behind one waits for its answer before the
 * server reads it, so its clock starts then (outside review rtA, t25: a GET behind a 3 s BLPOP read 3 s).
 */
interface Lane {
  pending: number;
  /** The last blocking command written: the connection is free once it answered (replies come in order). */
  last: Promise<unknown> | null;
}

const lanes = new WeakMap<object, Lane>();

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
  if ((client as { isCluster?: unknown }).isCluster === true) watchNodes(client);
  else watchReady(client);
  const original = client.sendCommand as (...args: unknown[]) => unknown;
  client.sendCommand = function sendCommand(this: unknown, command: CommandLike) {
    const promise = command?.promise;
    const state =
      command !== null && typeof command === 'object' ? (command as Record<symbol, unknown>) : null;
    let timer: Timer | undefined;
    if (
      state !== null &&
      promise &&
      typeof promise.then === 'function' &&
      typeof command.name === 'string' &&
      state[INSTRUMENTED] === undefined
    ) {
      if (untimed(this, command as CommandLike & { name: string })) {
        state[INSTRUMENTED] = true;
        if (this !== null && typeof this === 'object' && holds(command.name, command.args))
          hold(this, promise);
      } else {
        timer = timeCommand(sink, fingerprintRedis(command.name), promise, command);
        state[INSTRUMENTED] = timer;
      }
    } else if (state !== null && typeof state[INSTRUMENTED] === 'object') {
      // Sent again: from the offline queue on connect (the clock starts at its first write), or resent after its
      // connection was lost (a new attempt, timed from this write: watchStream).
      timer = state[INSTRUMENTED] as Timer;
      // A Cluster pipeline writes a redirected command again with a new promise (ioredis's initPromise).
      if (promise && typeof promise.then === 'function') timer.rebind(promise);
    }
    const behind = timer !== undefined ? heldBy(this) : null;
    if (timer !== undefined) timer.routed = false;
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    const result = original.apply(this, arguments as unknown as unknown[]);
    // Written now: the first time, or again after its connection was lost (ioredis's autoResendUnfulfilledCommands).
    // A Cluster's command handed to a node connection is timed there (watchNodes).
    if (timer !== undefined && !timer.routed && timer.due() && wasWritten(this, command) && !afterQuit(this))
      timer.write(behind, watchStream(this));
    if (isQuit(command) && this !== null && typeof this === 'object' && wasWritten(this, command))
      quits.set(this, (this as { stream?: unknown }).stream);
    return result;
  } as RedisLike['sendCommand'];
  return client;
}

/**
 * The connection (socket) each client wrote a QUIT on: the server answers the QUIT, then closes without reading what
 * follows, so a command written after it on the same socket never reaches it (outside review rtC: a GET right after
 * `await quit()` was written, then failed with a closed connection).
 */
const quits = new WeakMap<object, unknown>();

function isQuit(command: CommandLike | null | undefined): boolean {
  return typeof command?.name === 'string' && command.name.toLowerCase() === 'quit';
}

function afterQuit(client: unknown): boolean {
  if (client === null || typeof client !== 'object') return false;
  const stream = quits.get(client);
  return stream !== undefined && stream === (client as { stream?: unknown }).stream;
}

interface QueueLike {
  peekBack?: () => unknown;
}

/**
 * Whether ioredis wrote `command` in the sendCommand call that just returned: a Redis client pushes a written command
 * on its `commandQueue`, one it cannot write yet on its `offlineQueue` (sent again on connect), and refuses the rest
 * (enableOfflineQueue false, a closed client): those never reached the server. A Cluster (its nodes' queues are not
 * seen here) or a stand-in without the queues: written unless held in its offline queue.
 */
function wasWritten(client: unknown, command: unknown): boolean {
  if (client === null || typeof client !== 'object') return true;
  const c = client as { commandQueue?: QueueLike; offlineQueue?: QueueLike };
  if (lastOf(c.offlineQueue) === command) return false;
  if (typeof c.commandQueue?.peekBack !== 'function') return true;
  return lastOf(c.commandQueue) === command;
}

function lastOf(queue: QueueLike | undefined): unknown {
  if (typeof queue?.peekBack !== 'function') return undefined;
  try {
    return (queue.peekBack() as { command?: unknown } | undefined)?.command;
  } catch {
    return undefined;
  }
}

/** One timed command: `write()` as ioredis writes it to the server; `lose()` as that connection is lost first. */
interface Timer {
  written: boolean;
  /** Its connection was lost before the reply: the next write (ioredis resends it on reconnect) is a new attempt. */
  lost: boolean;
  /** A Cluster handed it to one of its node connections (watchNodes): timed there. */
  routed: boolean;
  /** Whether a write now is one to time: its first, or a new attempt after its connection was lost. */
  due(): boolean;
  write(behind: Promise<unknown> | null, stream: object | undefined): void;
  lose(stream: object, at: number): void;
  /** Written again with a new promise (a Cluster pipeline's retry): the same attempt after a redirect, else a new one. */
  rebind(promise: Promise<unknown>): void;
}

/**
 * An ioredis Cluster's node connections (each an ioredis client of its own, made as the Cluster needs it): a command the
 * Cluster hands to one is timed from that node's write, not from the call, so one waiting in a node's offline queue
 * (the node connecting, or reconnecting after a loss) is not timed for the wait (outside review gapsQ: a GET issued
 * while a node reconnected 500 ms later read 457 ms, answered in 1.5 ms).
 */
function watchNodes(cluster: object): void {
  const c = cluster as { on?: unknown; nodes?: unknown };
  if (typeof c.on !== 'function') return;
  (c.on as (event: string, listener: (node: unknown) => void) => unknown).call(cluster, '+node', patchNode);
  try {
    const nodes =
      typeof c.nodes === 'function' ? (c.nodes as (role: string) => unknown).call(cluster, 'all') : [];
    if (Array.isArray(nodes)) for (const node of nodes) patchNode(node);
  } catch {
    // Not an ioredis Cluster after all: its commands are timed from the Cluster's write.
  }
}

const NODE: unique symbol = Symbol('sysvitals.redisNode');

function patchNode(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const n = node as { sendCommand?: unknown } & Record<symbol, unknown>;
  if (typeof n.sendCommand !== 'function' || n[NODE] || n[INSTRUMENTED]) return;
  n[NODE] = true;
  const original = n.sendCommand as (...args: unknown[]) => unknown;
  n.sendCommand = function nodeSendCommand(this: unknown, command: unknown) {
    const timer =
      command !== null && typeof command === 'object'
        ? ((command as Record<symbol, unknown>)[INSTRUMENTED] as Timer | true | undefined)
        : undefined;
    // biome-ignore lint/complexity/noArguments: pass the driver's arguments through unchanged
    const result = original.apply(this, arguments as unknown as unknown[]);
    if (timer !== null && typeof timer === 'object') {
      timer.routed = true;
      if (timer.due() && wasWritten(this, command)) timer.write(null, watchStream(this));
    }
    return result;
  };
}

/** When each socket a timed command was written on closed (performance.now()). */
const losses = new WeakMap<object, number>();
const WATCHED: unique symbol = Symbol('sysvitals.redisStream');

/**
 * The socket `client` writes on, watched (once) for its close: the commands written on it and not answered then are
 * lost (the server closed it: CLIENT KILL, a restart, a timeout; or the network): each is a failure timed until the
 * close is seen (outside review gapsQ: one resent on reconnect read the loss, the reconnect and its second answer as
 * one success; one failed when retries ran out read every retry). ioredis's own close handler runs first (its
 * listener came first): its still-queued commands are the ones lost; the ones it rejected at once settle as lost.
 */
function watchStream(client: unknown): object | undefined {
  const stream = (client as { stream?: unknown } | null)?.stream as
    | { once?: unknown; [WATCHED]?: true }
    | null
    | undefined;
  if (stream === null || typeof stream !== 'object' || typeof stream.once !== 'function') return undefined;
  if (stream[WATCHED]) return stream;
  stream[WATCHED] = true;
  (stream.once as (event: string, listener: () => void) => unknown).call(stream, 'close', () => {
    const at = performance.now();
    losses.set(stream, at);
    const queue = (client as { commandQueue?: { toArray?: () => unknown[] } }).commandQueue;
    const items = typeof queue?.toArray === 'function' ? queue.toArray() : [];
    for (const item of items) {
      const command = (item as { command?: unknown } | null)?.command;
      const timer =
        command !== null && typeof command === 'object'
          ? (command as Record<symbol, unknown>)[INSTRUMENTED]
          : undefined;
      if (timer !== null && typeof timer === 'object' && typeof (timer as Timer).lose === 'function')
        (timer as Timer).lose(stream, at);
    }
  });
  return stream;
}

/**
 * Times one command from its write until its reply; written behind a blocking command (`behind`), from that one's
 * answer, when the server reads it. A command never written (refused, or failed in the offline queue) and a failure
 * before the server read it (a commandTimeout or a closed connection behind a blocking command) count as failures with
 * no time; one never written that succeeds (QUIT answered by the client itself) is not counted.
 */
function timeCommand(
  sink: QuerySink,
  fingerprint: string,
  promise: Promise<unknown>,
  command: object,
): Timer {
  const scope = currentScope();
  let ticket: unknown;
  let start = Number.NaN;
  let done = false;
  // The blocking command failed without the server's answer (its connection closed, a commandTimeout): a failure of
  // this one next is the same, never served (a failure with no duration).
  let unserved = false;
  // The socket of the current attempt, and the attempt's number (a blocking command ahead may answer after a loss).
  let stream: object | undefined;
  let attempt = 0;
  const sent = () => {
    if (done) return; // failed while waiting: nothing to time, no ticket to open
    start = performance.now();
    ticket = begin(sink);
  };
  const timer: Timer = {
    written: false,
    lost: false,
    routed: false,
    due: () =>
      !timer.written || timer.lost || (stream as { destroyed?: unknown } | undefined)?.destroyed === true,
    write(behind, on) {
      // Resent at once as its socket closed (a Cluster routes it again inside ioredis's close handler): lost first.
      if (timer.written && !timer.lost && stream !== undefined && stream !== on)
        timer.lose(stream, losses.get(stream) ?? performance.now());
      timer.written = true;
      timer.lost = false;
      stream = on;
      const mine = ++attempt;
      start = Number.NaN;
      unserved = false;
      if (behind === null) sent();
      else
        behind.then(
          () => {
            if (mine === attempt) sent();
          },
          (err: unknown) => {
            if (mine !== attempt) return;
            unserved = (err as { name?: unknown } | null)?.name !== 'ReplyError';
            sent();
          },
        );
    },
    rebind(next) {
      if (next === watched) return;
      if (redirect !== undefined) {
        clearImmediate(redirect);
        redirect = undefined;
      } else if (done) {
        // Retried after it ended (a pipeline's retry once a closed connection or CLUSTERDOWN passed): a new attempt.
        done = false;
        timer.written = false;
        timer.lost = false;
      }
      watch(next);
    },
    lose(on, at) {
      if (done || timer.lost || on !== stream) return;
      timer.lost = true;
      attempt++; // a blocking command ahead answering now no longer starts this one's clock
      // Behind a blocking command still waiting, it never reached the server: no duration.
      finish(sink, 'redis', fingerprint, start, at, true, scope, ticket);
      ticket = undefined;
    },
  };
  // Replies come in order: the blocking command's answer, and so sent(), comes before this one's.
  const end = (failed: boolean, err?: unknown, now = performance.now()) => {
    if (done) return;
    done = true;
    if (timer.lost) return; // counted at the loss; ioredis gave up resending it
    if (!timer.written && !failed) return;
    const at = stream === undefined ? undefined : losses.get(stream);
    // Rejected for its lost connection (not the server's error reply): the attempt ended when the loss was seen.
    const lostFirst = failed && at !== undefined && (err as { name?: unknown } | null)?.name !== 'ReplyError';
    // Written on a socket already closed, or behind a blocking command whose connection closed: never served.
    const from = failed && (unserved || (lostFirst && at < start)) ? Number.NaN : start;
    finish(sink, 'redis', fingerprint, from, lostFirst ? at : now, failed, scope, ticket);
  };
  // A pipeline's command answered MOVED/ASK: an ioredis Cluster pipeline writes it again to the node named once every
  // reply is in (rebind, before the next turn of the event loop), as a single command's redirect is followed within
  // its one promise: one attempt, until the final reply (outside review q2: the retry was not timed, the redirect an
  // error). Not followed (a standalone client, the redirections run out): the failure it was, at its reply.
  let redirect: NodeJS.Immediate | undefined;
  let watched: Promise<unknown> = promise;
  const watch = (p: Promise<unknown>) => {
    watched = p;
    p.then(
      () => {
        if (p === watched) end(false);
      },
      (err: unknown) => {
        if (p !== watched) return;
        if (!redirected(command, err)) return end(true, err);
        const now = performance.now();
        redirect = setImmediate(() => {
          redirect = undefined;
          end(true, err, now);
        });
      },
    );
  };
  watch(promise);
  return timer;
}

/** Whether `err` is a MOVED/ASK reply to a command of a pipeline (its `pipelineIndex`): one ioredis may follow. */
function redirected(command: object, err: unknown): boolean {
  if (typeof (command as { pipelineIndex?: unknown }).pipelineIndex !== 'number') return false;
  const e = err as { name?: unknown; message?: unknown } | null;
  return e?.name === 'ReplyError' && typeof e.message === 'string' && /^(MOVED|ASK) /.test(e.message);
}
