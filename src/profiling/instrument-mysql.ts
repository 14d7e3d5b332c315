// instrumentMysql(pool | connection, monitor): times every query and execute of a mysql2 pool or
// connection, callback or promise API, by fingerprint. Duck-typed: mysql2 is never imported.

import { performance } from 'node:perf_hooks';
import { FingerprintCache } from './fingerprint.js';
import { PROBE_SQL } from './probe-sql.js';
import { begin, checkSink, finish, INSTRUMENTED, type QuerySink } from './query-sink.js';
import { bindToScope, currentScope } from './request-context.js';

type Fn = (...args: unknown[]) => unknown;

/** A mysql2 pool or connection (callback or promise API), as far as the instrumentation looks. */
export interface MysqlLike {
  /** mysql2's `query()`; wrapped, with `execute()`, to time each query. */
  query: (...args: never[]) => unknown;
}

const cache = new FingerprintCache('mysql');

interface CoreConnection {
  query: Fn;
  execute?: Fn;
  /** mysql2's command queue: the command the connection is running (null when idle) and how it adds one. */
  _command?: unknown;
  addCommand?: Fn;
  _addCommandClosedState?: Fn;
}

/**
 * The first command mysql2 adds to a connection during a wrapped query()/execute() (for execute, its prepare
 * step): while `capturing`, the patched addCommand keeps it here. Calls are synchronous, so one slot serves all.
 */
let capturing = false;
let firstAdded: unknown;

interface CorePool {
  getConnection: Fn;
  on(event: 'connection', listener: (c: CoreConnection) => void): unknown;
  _allConnections?: { toArray?: () => unknown[] } | unknown[];
}

/**
 * Times every `query` and `execute` of a mysql2 pool (`createPool`, from `mysql2` or `mysql2/promise`;
 * each connection it opens is instrumented, so `pool.query`, `pool.execute`, `getConnection()` and
 * transactions are all covered, each statement once) or connection. Statements are reduced to
 * fingerprints: the values mysql2 formats into the SQL are never kept. The time is the statement's on
 * its connection (a wait for a free pool connection is not included). Lock waits (a whole `SELECT GET_LOCK(…)`)
 * and statements marked with the comment `sysvitals:untimed` are passed through untimed. Returns the same object.
 */
export function instrumentMysql<T extends MysqlLike>(target: T, monitor: QuerySink): T {
  const sink = checkSink(monitor, 'instrumentMysql');
  if (target === null || typeof target !== 'object' || typeof (target as MysqlLike).query !== 'function') {
    throw Object.assign(
      new TypeError('sysvitals: instrumentMysql(pool, monitor): `pool` must be a mysql2 pool or connection.'),
      { code: 'ERR_SYSVITALS_INVALID_OPTION' },
    );
  }
  const t = target as unknown as { pool?: unknown; connection?: unknown };
  // The promise API wraps a callback pool (`.pool`) or connection (`.connection`).
  const core = (isCorePool(t.pool) ? t.pool : isConnection(t.connection) ? t.connection : target) as unknown;
  if (isCorePool(core)) {
    const marked = core as unknown as Record<symbol, unknown>;
    if (marked[INSTRUMENTED]) return target;
    marked[INSTRUMENTED] = true;
    core.on('connection', (c) => patchConnection(c, sink));
    // pool.query/execute wait for a connection through getConnection's callback, which the pool calls from
    // the context of the request that released one: bind it to the caller's (see bindToScope).
    const getConnection = core.getConnection;
    core.getConnection = function boundGetConnection(this: unknown, cb?: unknown) {
      // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
      if (typeof cb !== 'function') return getConnection.apply(this, arguments as unknown as unknown[]);
      return getConnection.call(this, bindToScope(cb as Fn));
    };
    const all = core._allConnections;
    const existing = Array.isArray(all) ? all : typeof all?.toArray === 'function' ? all.toArray() : [];
    for (const c of existing) patchConnection(c as CoreConnection, sink);
    return target;
  }
  patchConnection(core as CoreConnection, sink);
  return target;
}

function isCorePool(x: unknown): x is CorePool {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as CorePool).getConnection === 'function' &&
    typeof (x as CorePool).on === 'function' &&
    '_allConnections' in x
  );
}

function isConnection(x: unknown): x is CoreConnection {
  return x !== null && typeof x === 'object' && typeof (x as CoreConnection).query === 'function';
}

function patchConnection(conn: CoreConnection, sink: QuerySink): void {
  const marked = conn as unknown as Record<symbol, unknown>;
  if (conn === null || typeof conn !== 'object' || marked[INSTRUMENTED]) return;
  marked[INSTRUMENTED] = true;
  conn.query = wrap(conn.query, sink);
  if (typeof conn.execute === 'function') conn.execute = wrap(conn.execute, sink);
  const addCommand = conn.addCommand;
  if (typeof addCommand === 'function' && '_command' in conn) {
    conn.addCommand = function capture(this: unknown, cmd: unknown) {
      if (capturing && firstAdded === undefined) firstAdded = cmd;
      // biome-ignore lint/complexity/noArguments: the driver's own arguments
      return addCommand.apply(this, arguments as unknown as unknown[]);
    };
  }
}

/**
 * After a wrapped call on a connection that was busy (running another command, or still connecting): the call's
 * first command waits in mysql2's queue, so `sent` runs when the connection starts it (mysql2 runs a command's
 * `start` as it dequeues it). True when so; false when the command cannot be found (the clock then stays at the
 * call).
 */
function onStart(command: unknown, sent: () => void): boolean {
  if (command === null || typeof command !== 'object') return false;
  const cmd = command as { start?: unknown };
  const start = cmd.start;
  if (typeof start !== 'function') return false;
  cmd.start = function timedStart(this: unknown) {
    sent();
    // biome-ignore lint/complexity/noArguments: the driver's own arguments
    return start.apply(this, arguments as unknown as unknown[]);
  };
  return true;
}

/**
 * Whether a command on `conn` cannot reach the server: mysql2 refuses it (its addCommand replaced by
 * `_addCommandClosedState` after a fatal error or end()), or the server already closed the socket (its write fails:
 * "This socket has been ended by the other party").
 */
function closed(conn: unknown): boolean {
  if (conn === null || typeof conn !== 'object') return false;
  const c = conn as { addCommand?: unknown; _addCommandClosedState?: unknown; stream?: unknown };
  if (typeof c._addCommandClosedState === 'function' && c.addCommand === c._addCommandClosedState)
    return true;
  const s = c.stream as
    | { destroyed?: unknown; writable?: unknown; readableEnded?: unknown }
    | null
    | undefined;
  return (
    s !== null &&
    typeof s === 'object' &&
    (s.destroyed === true || s.writable === false || s.readableEnded === true)
  );
}

function wrap(original: Fn, sink: QuerySink): Fn {
  return function timed(this: unknown, sql: unknown, values?: unknown, cb?: unknown) {
    const text =
      typeof sql === 'string'
        ? sql
        : sql !== null && typeof sql === 'object'
          ? (sql as { sql?: unknown }).sql
          : undefined;
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    if (typeof text !== 'string') return original.apply(this, arguments as unknown as unknown[]);
    // The probe's own SELECT 1 is not an application query; a lock wait (GET_LOCK) or a statement marked
    // untimed is not timed (outside review 9b, F12).
    const fingerprint = text === PROBE_SQL ? null : cache.timed(text);
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    if (fingerprint === null) return original.apply(this, arguments as unknown as unknown[]);
    const scope = currentScope();
    // The clock runs while the statement is on the connection: one queued behind others (Promise.all on a
    // shared connection) starts it when mysql2 starts the command (outside review 9b, F1).
    const busy = (this as CoreConnection | null)?._command != null;
    // A connection in closed state (the server closed it, a fatal error, end()) refuses every command: it never
    // reaches the server, a failure with no duration (outside review rtC).
    const refused = closed(this);
    let start = refused ? Number.NaN : performance.now();
    let ticket: unknown;
    let settled = false;
    let failed = false;
    const done = (f: boolean) => {
      if (settled) return;
      settled = true;
      const end = performance.now();
      // NaN: the command never left the queue (the connection failed or closed first): a failure with no duration.
      finish(sink, 'mysql', fingerprint, start, end, f, scope, ticket);
    };
    // biome-ignore lint/complexity/noArguments: same arity as the caller's call
    const args = Array.prototype.slice.call(arguments) as unknown[];
    const command = sql as { onResult?: unknown; once?: unknown };
    let callbackMode = false;
    if (typeof command === 'object' && typeof command.once === 'function') {
      // A command object made by pool.query(): its callback is onResult.
      if (typeof command.onResult === 'function') {
        callbackMode = true;
        const user = command.onResult as Fn;
        command.onResult = function onResult(this: unknown, err: unknown) {
          done(err != null);
          // biome-ignore lint/complexity/noArguments: the driver's own arguments
          return user.apply(this, arguments as unknown as unknown[]);
        };
      }
    } else {
      const at = typeof values === 'function' ? 1 : typeof cb === 'function' ? 2 : -1;
      if (at > 0) {
        callbackMode = true;
        const user = args[at] as Fn;
        args[at] = function callback(this: unknown, err: unknown) {
          done(err != null);
          // biome-ignore lint/complexity/noArguments: the driver's own arguments
          return user.apply(this, arguments as unknown as unknown[]);
        };
      }
    }
    let result: unknown;
    if (busy) {
      capturing = true;
      firstAdded = undefined;
    }
    try {
      result = original.apply(this, args);
    } catch (err) {
      done(true);
      throw err;
    } finally {
      capturing = false;
    }
    if (refused) {
      // Its error went to the callback (settled) or, in event-emitter mode, to the connection: the command never ends.
      done(true);
    } else if (
      busy &&
      !settled &&
      onStart(firstAdded, () => {
        start = performance.now();
        ticket = begin(sink);
      })
    ) {
      start = Number.NaN;
    } else if (!settled) {
      ticket = begin(sink);
    }
    firstAdded = undefined;
    if (!callbackMode && result !== null && typeof result === 'object') {
      // Event-emitter mode: watch the command's own events without adding an 'error' listener,
      // which would change what an unhandled error does.
      const emitter = result as { emit?: Fn };
      const emit = emitter.emit;
      if (typeof emit === 'function') {
        emitter.emit = function watched(this: unknown, event: unknown) {
          if (event === 'error') failed = true;
          else if (event === 'end') done(failed);
          // biome-ignore lint/complexity/noArguments: the driver's own arguments
          return emit.apply(this, arguments as unknown as unknown[]);
        };
      }
    }
    return result;
  };
}
