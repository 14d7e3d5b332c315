// instrumentPg(pool | client, monitor): times every query of a node-postgres Pool or Client by its
// fingerprint. Duck-typed: `pg` is never imported, so it stays an optional peer.

import { performance } from 'node:perf_hooks';
import { FingerprintCache } from './fingerprint.js';
import { queueMarks, refuses, waitingQuery, whenSent } from './pg-queue.js';
import { PROBE_SQL } from './probe-sql.js';
import { begin, checkSink, finish, INSTRUMENTED, type QuerySink } from './query-sink.js';
import { bindToScope, currentScope } from './request-context.js';

type Callback = (err: unknown, result?: unknown) => void;

/** The parts of a pg Client the instrumentation uses. */
export interface PgClientLike {
  /** pg's `client.query()`; wrapped to time each query (a pool's own `query` goes through its clients). */
  query: (...args: never[]) => unknown;
}

/** The parts of a pg Pool the instrumentation uses. */
export interface PgPoolLike {
  /** Listens for new clients, so each is instrumented. */
  on(event: 'connect', listener: (client: PgClientLike) => void): unknown;
  /** Checks out a client (pg's `pool.connect()`); not wrapped: its clients are, through the `connect` event. */
  connect: (...args: never[]) => unknown;
  totalCount?: number;
}

const cache = new FingerprintCache('postgres');

/**
 * Times every query of a `pg` Pool (each client it connects, so `pool.query`, `pool.connect()` and
 * transactions are all covered, each query once) or Client. The statement is reduced to its
 * fingerprint; parameters and literal values are never kept. Queries issued while a request is handled
 * by the sysvitals middleware are attributed to its route. Returns the same object. `new pg.Query(…)` is
 * timed like a query; cursors and query streams (`client.query(new Cursor(…))`) are passed through untimed, as are
 * lock waits (a whole `SELECT pg_advisory_lock(…)`, `_shared`, `_xact_`) and statements marked with the comment
 * `sysvitals:untimed` (see the README).
 */
export function instrumentPg<T extends PgPoolLike | PgClientLike>(target: T, monitor: QuerySink): T {
  const sink = checkSink(monitor, 'instrumentPg');
  if (target === null || typeof target !== 'object' || typeof (target as PgClientLike).query !== 'function') {
    throw checkTargetError();
  }
  const pool = target as Partial<PgPoolLike> & { _clients?: unknown };
  if (typeof pool.on === 'function' && typeof pool.totalCount === 'number') {
    const marked = target as unknown as Record<symbol, unknown>;
    if (marked[INSTRUMENTED]) return target;
    marked[INSTRUMENTED] = true;
    pool.on('connect', (client) => patchClient(client, sink));
    patchConnect(pool as PgPoolLike);
    // Clients the pool opened before it was instrumented.
    if (Array.isArray(pool._clients)) for (const c of pool._clients) patchClient(c as PgClientLike, sink);
    return target;
  }
  patchClient(target as PgClientLike, sink);
  return target;
}

/**
 * pool.query() and pool.connect(cb) wait for a client through connect's callback, which the pool calls from
 * the context of the request that released a client: bind it to the caller's, so the query it sends is
 * attributed to the request that issued it. The promise form needs nothing (an await resumes in its own
 * context).
 */
function patchConnect(pool: PgPoolLike): void {
  const original = pool.connect as (...args: unknown[]) => unknown;
  pool.connect = function connect(this: unknown, cb?: unknown) {
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    if (typeof cb !== 'function') return original.apply(this, arguments as unknown as unknown[]);
    return original.call(this, bindToScope(cb as (...args: never[]) => unknown));
  } as PgPoolLike['connect'];
}

function checkTargetError(): Error {
  return Object.assign(
    new TypeError('sysvitals: instrumentPg(client, monitor): `client` must be a pg Pool or Client.'),
    {
      code: 'ERR_SYSVITALS_INVALID_OPTION',
    },
  );
}

function patchClient(client: PgClientLike, sink: QuerySink): void {
  const marked = client as unknown as Record<symbol, unknown>;
  if (client === null || typeof client !== 'object' || marked[INSTRUMENTED]) return;
  marked[INSTRUMENTED] = true;
  const original = client.query as (...args: unknown[]) => unknown;
  client.query = function query(this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    const text =
      typeof config === 'string'
        ? config
        : config !== null &&
            typeof config === 'object' &&
            typeof (config as { submit?: unknown }).submit !== 'function'
          ? (config as { text?: unknown }).text
          : undefined;
    if (typeof text !== 'string') {
      // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
      if (!isPgQuery(config)) return original.apply(this, arguments as unknown as unknown[]);
      const mark = queueMarks(this);
      const refused = refuses(this);
      const sent = watchSubmittable(config, sink);
      // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
      const result = original.apply(this, arguments as unknown as unknown[]);
      if (sent) {
        const waiting = waitingQuery(this, mark);
        if (waiting?.query === config) whenSent(this, waiting, sent);
        sent(refused || waiting?.query === config);
      }
      return result;
    }
    // The probe's own SELECT 1 is not an application query; a lock wait (pg_advisory_lock) or a statement
    // marked untimed is not timed (outside review 9b, F12).
    const fingerprint = text === PROBE_SQL ? null : cache.timed(text);
    // biome-ignore lint/complexity/noArguments: pass the caller's arguments through unchanged
    if (fingerprint === null) return original.apply(this, arguments as unknown as unknown[]);
    const scope = currentScope();
    // The clock runs while the statement is on the connection: a query the client queues behind others
    // (Promise.all on one Client) starts it when pg sends it (outside review 9b, F1).
    const mark = queueMarks(this);
    // A client that failed or is ending answers with an error and sends nothing: no time, no ticket (rtA, t24).
    const refused = refuses(this);
    let start = performance.now();
    let ticket: unknown;
    // A driver calling back twice must not count the query twice (a promise settles once: no guard needed).
    let settled = false;
    let result: unknown;
    // Whether the query's outcome can be seen (its callback or promise): one that cannot is not timed, so opens no
    // ticket (it would stay in flight for ever: outside review rtA, t23/t29).
    let timed = true;
    try {
      const cb = callbackOf(config, values, callback);
      if (cb !== undefined) {
        const wrapped: Callback = (err, res) => {
          if (!settled) {
            settled = true;
            settle(sink, fingerprint, start, err != null, scope, ticket);
          }
          return cb(err, res);
        };
        // pg takes the callback argument first, then a function as `values`, then `config.callback`
        // (normalizeQueryConfig): the wrapped one goes where pg will take it from, overriding the caller's.
        result =
          typeof callback === 'function' || typeof values !== 'function'
            ? original.call(this, config, values, wrapped)
            : // biome-ignore lint/complexity/noArguments: keep the caller's arity (a callback argument pg refuses)
              arguments.length > 2
              ? original.call(this, config, wrapped, callback)
              : original.call(this, config, wrapped);
      } else {
        // biome-ignore lint/complexity/noArguments: same arity as the caller's call
        result = original.apply(this, arguments as unknown as unknown[]);
        // The promise path (the common one) allocates two small closures per query (two more when the query
        // is queued).
        if (
          result !== null &&
          typeof result === 'object' &&
          typeof (result as Promise<unknown>).then === 'function'
        ) {
          (result as Promise<unknown>).then(
            () => settle(sink, fingerprint, start, false, scope, ticket),
            () => settle(sink, fingerprint, start, true, scope, ticket),
          );
        } else timed = false;
      }
    } catch (err) {
      if (!settled) {
        settled = true;
        settle(sink, fingerprint, Number.NaN, true, scope, ticket); // refused at the call: nothing was sent
      }
      throw err;
    }
    if (!timed) return result;
    const waiting = waitingQuery(this, mark);
    if (refused) start = Number.NaN;
    else if (waiting === undefined) ticket = begin(sink);
    else {
      start = Number.NaN; // until pg submits it (in pipeline mode: until the server reaches it)
      whenSent(this, waiting, () => {
        start = performance.now();
        ticket = begin(sink);
      });
    }
    return result;
  } as PgClientLike['query'];
}

/**
 * The callback pg will answer a (non-submittable) query through, as pg's normalizeQueryConfig picks it: the
 * `callback` argument, else `values` when a function, else `config.callback`; undefined for the promise form.
 */
function callbackOf(config: unknown, values: unknown, callback: unknown): Callback | undefined {
  if (typeof callback === 'function') return callback as Callback;
  if (typeof values === 'function') return values as Callback;
  if (callback || typeof config !== 'object' || config === null) return undefined;
  const own = (config as { callback?: unknown }).callback;
  return typeof own === 'function' ? (own as Callback) : undefined;
}

/**
 * Records a query that settled. `start` is NaN for a query that never reached the server (it never left the client's
 * queue: the connection failed or closed first, a query_timeout in the queue; or pg refused it): a failure with no
 * duration.
 */
function settle(
  sink: QuerySink,
  fingerprint: string,
  start: number,
  failed: boolean,
  scope: ReturnType<typeof currentScope>,
  ticket: unknown,
): void {
  finish(sink, 'postgresql', fingerprint, start, performance.now(), failed, scope, ticket);
}

/** pg's own Query class, the submittable pg answers through handleReadyForQuery / handleError. */
interface PgQuerySubmittable {
  text: string;
  submit: unknown;
  handleReadyForQuery: (...args: unknown[]) => unknown;
  handleError: (...args: unknown[]) => unknown;
  _canceledDueToError?: unknown;
}

/**
 * A `new pg.Query(…)`: a submittable with its text and pg's two terminal hooks, and no `read` (cursors and
 * query streams, which the application reads at its own pace, stay untimed).
 */
function isPgQuery(config: unknown): config is PgQuerySubmittable {
  if (config === null || typeof config !== 'object') return false;
  const q = config as Partial<PgQuerySubmittable> & { read?: unknown };
  return (
    typeof q.submit === 'function' &&
    typeof q.text === 'string' &&
    typeof q.handleReadyForQuery === 'function' &&
    typeof q.handleError === 'function' &&
    typeof q.read !== 'function'
  );
}

/**
 * Times a pg.Query through its own hooks (it has no promise, and its callback is optional). Returns what to call
 * once client.query() returned: with true when the query was queued (the clock then starts at its submission,
 * through a second call with no argument), false when it was sent at once; undefined when already watched.
 */
function watchSubmittable(
  query: PgQuerySubmittable,
  sink: QuerySink,
): ((queued?: boolean) => void) | undefined {
  const marked = query as unknown as Record<symbol, unknown>;
  if (marked[INSTRUMENTED]) return undefined;
  marked[INSTRUMENTED] = true;
  const fingerprint = cache.timed(query.text);
  if (fingerprint === null) return undefined; // a lock wait or marked untimed: passed through
  const scope = currentScope();
  let start = performance.now();
  let ticket: unknown;
  let settled = false;
  const done = (failed: boolean) => {
    if (settled) return;
    settled = true;
    settle(sink, fingerprint, start, failed, scope, ticket);
  };
  const { handleReadyForQuery, handleError } = query;
  query.handleError = function timedError(this: unknown) {
    done(true);
    // biome-ignore lint/complexity/noArguments: the driver's own arguments
    return handleError.apply(this, arguments as unknown as unknown[]);
  };
  query.handleReadyForQuery = function timedReady(this: PgQuerySubmittable) {
    // pg turns a ready-for-query after an error into handleError (counted there).
    if (!this._canceledDueToError) done(false);
    // biome-ignore lint/complexity/noArguments: the driver's own arguments
    return handleReadyForQuery.apply(this, arguments as unknown as unknown[]);
  };
  return (queued?: boolean) => {
    if (queued === true) {
      start = Number.NaN; // until submitted
    } else {
      if (queued === undefined) start = performance.now(); // submitted now
      ticket = begin(sink);
    }
  };
}
