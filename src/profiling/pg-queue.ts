// Where a pg query waits before it reaches the server, for instrument-pg: pg's own queue (a busy or connecting
// Client: sent as pg submits it) or, in pipeline mode, behind the written queries the server has not answered yet
// (run as it becomes the Client's active query). Reads pg's Client internals (pg 7 to 8), duck-typed.

/**
 * pg's Client internals the timing reads: the queries waiting for the connection (pg 7 to 8), its state; in pipeline
 * mode (pg 8.21+, `new Client({ pipeline: true })`), the queries written and not yet answered, and the one the server
 * is answering.
 */
interface PgClientInternals {
  _queryQueue?: unknown;
  _queryable?: unknown;
  _ending?: unknown;
  pipeline?: unknown;
  _sentQueryQueue?: unknown;
  _activeQuery?: unknown;
}

/** Whether pg will refuse a query now, sending nothing (its connection failed, or end() was called). */
export function refuses(client: unknown): boolean {
  const c = client as PgClientInternals | null;
  return c !== null && typeof c === 'object' && (c._queryable === false || c._ending === true);
}

/** queueMarks() of a queue that is empty, or missing. */
const EMPTY: unique symbol = Symbol('empty');

/** In pipeline mode, the last query in pg's queue and the last written and not yet answered, before a call. */
interface PipelineMark {
  queue: unknown;
  sent: unknown;
}

function lastIn(queue: unknown): unknown {
  return Array.isArray(queue) && queue.length > 0 ? queue[queue.length - 1] : EMPTY;
}

/**
 * Marks the client's queues before a call, so waitingQuery() can tell the call's query from those already there: the
 * last query in pg's queue (EMPTY when none), with, in pipeline mode, the last one written and not yet answered (an
 * object only then: the common case allocates nothing).
 */
export function queueMarks(client: unknown): unknown {
  const c = client as PgClientInternals | null;
  const queue = lastIn(c?._queryQueue);
  return c?.pipeline === true ? ({ queue, sent: lastIn(c._sentQueryQueue) } satisfies PipelineMark) : queue;
}

/** A query the call left waiting: for pg's submit (`pipelined` false), or in pipeline mode to become the active one. */
export interface Waiting {
  /** pg's query object. */
  query: { submit: unknown };
  /** True in pipeline mode: already written, it reaches the server when it becomes the active query. */
  pipelined: boolean;
}

/** The query a call added to `queue` (its last item, when not `mark` and a pg query), else undefined. */
function added(queue: unknown, mark: unknown): { submit: unknown } | undefined {
  const last = lastIn(queue);
  if (last === mark || last === null || typeof last !== 'object') return undefined;
  const query = last as { submit?: unknown };
  return typeof query.submit === 'function' ? (query as { submit: unknown }) : undefined;
}

/**
 * After client.query(): the call's query when it waits for its turn on the connection: left in pg's queue (the
 * connection is busy with another, or still connecting), or in pipeline mode written behind queries the server has
 * not answered yet (it runs them one after the other: this one starts when the one ahead is answered, outside review
 * gapsQ); undefined when it went to the server at once (or pg refused it): the clock started at the call is then the
 * statement's.
 */
export function waitingQuery(client: unknown, mark: unknown): Waiting | undefined {
  const c = client as PgClientInternals | null;
  if (c?.pipeline !== true) {
    const queued = added(c?._queryQueue, mark);
    return queued === undefined ? undefined : { query: queued, pipelined: false };
  }
  const m =
    mark !== null && typeof mark === 'object' && 'sent' in mark
      ? (mark as PipelineMark)
      : { queue: mark, sent: EMPTY };
  const query = added(c._queryQueue, m.queue) ?? added(c._sentQueryQueue, m.sent);
  return query === undefined || query === c._activeQuery ? undefined : { query, pipelined: true };
}

/** Runs `sent` when the waiting query reaches the server: pg submits it, or (pipeline mode) it becomes the active one. */
export function whenSent(client: unknown, waiting: Waiting, sent: () => void): void {
  if (waiting.pipelined) onActive(client as PgClientInternals, waiting.query, sent);
  else onSubmit(waiting.query, sent);
}

/** What a pipelined query runs as it becomes its client's `_activeQuery` (set on the query, run once). */
const ON_ACTIVE: unique symbol = Symbol('sysvitals.pgOnActive');

/**
 * Runs `sent` when pg makes `query` the client's active query: in pipeline mode, as the one ahead of it is answered
 * (ReadyForQuery), which is when the server, having written that answer, reads this one. The client's `_activeQuery`
 * becomes an accessor on the instance (once), so pipelined queries are seen as they reach the head.
 */
function onActive(client: PgClientInternals, query: object, sent: () => void): void {
  const marked = client as unknown as Record<symbol, unknown>;
  if (!marked[ON_ACTIVE]) {
    const own = Object.getOwnPropertyDescriptor(client, '_activeQuery');
    if (own === undefined || !('value' in own) || own.configurable === false) {
      sent();
      return;
    }
    marked[ON_ACTIVE] = true;
    let current: unknown = own.value;
    Object.defineProperty(client, '_activeQuery', {
      configurable: true,
      enumerable: own.enumerable,
      get: () => current,
      set: (value: unknown) => {
        current = value;
        const hook =
          value !== null && typeof value === 'object'
            ? (value as Record<symbol, unknown>)[ON_ACTIVE]
            : undefined;
        if (typeof hook === 'function') {
          (value as Record<symbol, unknown>)[ON_ACTIVE] = undefined;
          hook();
        }
      },
    });
  }
  (query as Record<symbol, unknown>)[ON_ACTIVE] = sent;
}

/** Runs `sent` when pg submits `query` to the connection (its own submit, wrapped on the instance). */
function onSubmit(query: { submit: unknown }, sent: () => void): void {
  const submit = query.submit as (...args: unknown[]) => unknown;
  query.submit = function timedSubmit(this: unknown) {
    sent();
    // biome-ignore lint/complexity/noArguments: the driver's own arguments
    return submit.apply(this, arguments as unknown as unknown[]);
  };
}
