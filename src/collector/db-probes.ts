// Ready-made database probes for node-postgres and mysql2, duck-typed so sysvitals needs no driver. On a pool
// the check takes a connection itself, so that the wait for a free one is told apart from the statement: a pool
// the application holds entirely reads `pool_exhausted`, not "database unavailable" (outside review 9b, F4).

import { invalidOption } from '../errors.js';
import { PROBE_SQL } from '../profiling/probe-sql.js';
import {
  PoolSaturated,
  type Probe,
  ProbeTiming,
  type ReadyProbeOptions,
  setHeldUp,
  validateProbe,
} from './probes.js';

/** What `pgProbe` takes: a node-postgres Pool or Client (pool size is read when the counts are there). */
export interface PgProbeTarget {
  /** Runs `SELECT 1` (on a Client; on a Pool, on a client the probe checks out with `connect()`). */
  query(sql: string): Promise<unknown>;
  /** A Pool's: the probe checks a client out itself, so that waiting for a free one is not the statement's time. */
  connect?(): Promise<unknown>;
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
}

interface PgPoolClient {
  query(sql: string): Promise<unknown>;
  release(err?: unknown): void;
  once?(event: 'error', listener: (err: unknown) => void): unknown;
  removeListener?(event: 'error', listener: (err: unknown) => void): unknown;
}

/** Why a check waiting for a pool connection waits: every connection is busy (undefined when not). */
function exhaustedReason(total: unknown, idle: unknown, waiting: unknown, max: unknown): string | undefined {
  if (typeof total !== 'number' || idle !== 0) return undefined;
  // A pool below its size is opening a connection for the check: that wait is the database's.
  if (typeof max === 'number' && max > 0 && total < max) return undefined;
  const queue = typeof waiting === 'number' ? `${waiting} waiting (this check included)` : 'checks waiting';
  return `pool exhausted: ${queue}, all ${total} connections busy`;
}

/**
 * node-postgres Pool (or Client): times `SELECT 1` on a connection. On a Pool the wait for a free connection is
 * not included; when it lasts past the timeout because the application holds every connection, the sample
 * reads `pool_exhausted` (status warning), not the database as down. Pool size from totalCount/idleCount/waitingCount.
 */
export function pgProbe(pool: PgProbeTarget, options: ReadyProbeOptions = {}): Probe {
  if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function') {
    throw invalidOption('pgProbe(pool) expects a node-postgres Pool or Client (an object with query())');
  }
  const isPool = typeof pool.connect === 'function' && typeof pool.totalCount === 'number';
  let waitingChecks = 0;
  const check = isPool
    ? async () => {
        waitingChecks++;
        let client: PgPoolClient;
        try {
          client = (await (pool.connect as () => Promise<unknown>).call(pool)) as PgPoolClient;
        } finally {
          waitingChecks--;
        }
        // As pool.query() does: a connection error while checked out fails the check (not the process), and a
        // client that failed is not reused.
        let failure: unknown;
        const onError = (err: unknown) => {
          failure = err;
        };
        client.once?.('error', onError);
        const start = performance.now();
        try {
          await client.query(PROBE_SQL);
        } catch (err) {
          failure = err;
        }
        client.removeListener?.('error', onError);
        client.release(failure);
        if (failure !== undefined) throw failure;
        return new ProbeTiming(performance.now() - start);
      }
    : () => pool.query(PROBE_SQL);
  const probe = validateProbe(
    {
      check,
      timeoutMs: options.timeoutMs,
      poolSize: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    },
    'pgProbe',
  );
  return setHeldUp(probe, () =>
    waitingChecks > 0
      ? exhaustedReason(
          pool.totalCount,
          pool.idleCount,
          pool.waitingCount,
          (pool as { options?: { max?: unknown } }).options?.max,
        )
      : undefined,
  );
}

interface MysqlCallbackPoolLike {
  query(sql: string, callback: (err: unknown) => void): unknown;
  promise(): unknown;
}

interface MysqlPromisePoolLike {
  query(sql: string): Promise<unknown>;
  /** mysql2's promise pool wraps the callback pool here. */
  pool?: unknown;
}

/** What `mysqlProbe` takes: a mysql2 pool or connection, callback or promise flavour. */
export type MysqlProbeTarget =
  | {
      /** Runs `SELECT 1` (callback flavour). */
      query(sql: string, callback: (err: unknown) => void): unknown;
      /** mysql2's callback pools have it; it tells the flavours apart. */
      promise(): unknown;
    }
  | {
      /** Runs `SELECT 1` (promise flavour). */
      query(sql: string): Promise<unknown>;
      /** mysql2's promise pool wraps the callback pool here. */
      pool?: unknown;
    };

interface MysqlPoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: unknown; queueLimit?: unknown };
  getConnection?: (cb: (err: unknown, conn?: MysqlPoolConnection) => void) => unknown;
}

interface MysqlPoolConnection {
  query(sql: string, callback: (err: unknown) => void): unknown;
  release(): void;
}

/**
 * mysql2's own refusal of a check because every connection is busy and it may not wait (its `queueLimit` reached:
 * `Queue limit reached.`; `waitForConnections: false`: `No connections available.`), as a PoolSaturated (pool
 * exhaustion, not the database down); undefined for any other error.
 */
function refusedBy(core: MysqlPoolInternals, err: unknown): PoolSaturated | undefined {
  const message = err instanceof Error ? err.message : undefined;
  const why =
    message === 'Queue limit reached.'
      ? `queue limit reached (${core._connectionQueue?.length ?? core.config?.queueLimit} waiting)`
      : message === 'No connections available.'
        ? 'no waiting allowed (waitForConnections false)'
        : undefined;
  if (why === undefined) return undefined;
  const total = core._allConnections?.length;
  return new PoolSaturated(
    `pool exhausted: ${why}, all ${total ?? core.config?.connectionLimit} connections busy; this check was refused`,
  );
}

/**
 * mysql2 pool or connection, promise or callback flavour: times `SELECT 1` on a connection. On a pool the wait
 * for a free connection is not included, and a pool the application holds entirely reads `pool_exhausted`
 * (as pgProbe), as does a check the pool refuses because it holds every connection and its queue is full. Pool size comes from mysql2's internal queues when present (best effort: not public API).
 */
export function mysqlProbe(pool: MysqlProbeTarget, options: ReadyProbeOptions = {}): Probe {
  if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function') {
    throw invalidOption('mysqlProbe(pool) expects a mysql2 pool or connection (an object with query())');
  }
  // Only the callback flavour has promise(); calling its query() without a callback would emit
  // an unhandled 'error' event on failure, so it gets one.
  const callbackStyle = typeof (pool as MysqlCallbackPoolLike).promise === 'function';
  const core = (callbackStyle ? pool : ((pool as MysqlPromisePoolLike).pool ?? pool)) as MysqlPoolInternals;
  const isPool = typeof core.getConnection === 'function' && core._allConnections !== undefined;
  let waitingChecks = 0;
  const check = isPool
    ? () =>
        new Promise<ProbeTiming>((resolve, reject) => {
          waitingChecks++;
          (core.getConnection as NonNullable<MysqlPoolInternals['getConnection']>).call(core, (err, conn) => {
            waitingChecks--;
            if (err || !conn) return reject(refusedBy(core, err) ?? err ?? new Error('no connection'));
            const start = performance.now();
            conn.query(PROBE_SQL, (qerr) => {
              conn.release();
              if (qerr) reject(qerr);
              else resolve(new ProbeTiming(performance.now() - start));
            });
          });
        })
    : callbackStyle
      ? () =>
          new Promise<void>((resolve, reject) => {
            (pool as MysqlCallbackPoolLike).query(PROBE_SQL, (err) => (err ? reject(err) : resolve()));
          })
      : () => (pool as MysqlPromisePoolLike).query(PROBE_SQL);
  const probe = validateProbe(
    {
      check,
      timeoutMs: options.timeoutMs,
      poolSize: () => ({
        total: core._allConnections?.length,
        idle: core._freeConnections?.length,
        waiting: core._connectionQueue?.length,
      }),
    },
    'mysqlProbe',
  );
  return setHeldUp(probe, () =>
    waitingChecks > 0
      ? exhaustedReason(
          core._allConnections?.length,
          core._freeConnections?.length,
          core._connectionQueue?.length,
          core.config?.connectionLimit,
        )
      : undefined,
  );
}
