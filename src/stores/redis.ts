// RedisStore: history and alert history in Redis (ioredis, single node or Cluster), buffered through outages.

import type { ChainableCommander } from 'ioredis';
import { SysvitalsError } from '../errors.js';
import { rollupSteps } from '../history/periods.js';
import type { HistoryPoint } from '../history/point.js';
import { errorMessage, OutageLog } from '../logger.js';
import type { Clock, Logger } from '../types.js';
import { CloseBound } from './close-bound.js';
import { WriterClaims } from './redis-claim.js';
import {
  createRedisClient,
  disconnectNow,
  type IoRedisClient,
  isConnecting,
  whenReady,
  withTimeout,
} from './redis-client.js';
import { DatabaseRefusal } from './redis-database.js';
import { parseAlertRecords, parsePoints, pointWrite, RedisKeys, readFleet } from './redis-layout.js';
import { parseRedisStoreOptions, type RedisStoreOptions } from './redis-options.js';
import { RollupTracker } from './rollup.js';
import type { InstanceClaim, MetricsStore, StoredAlertRecord, StoreHealth, StoreProbe } from './store.js';
import { storeLogger } from './store-logger.js';
import { type BufferedWrite, WriteBuffer } from './write-buffer.js';

const OUTAGE = 'redis store';
const MAX_BATCH = 200;

/** History and alert history in Redis, in the key layout of redis-layout.ts; writes go through a buffer. */
export class RedisStore implements MetricsStore {
  readonly prefix: string;
  readonly instanceId: string;
  readonly retentionMs: number;
  readonly resolutionMs: number;
  readonly alertLimit: number;
  readonly bufferLimit: number;
  readonly commandTimeoutMs: number;
  private readonly url: string | undefined;
  private client: IoRedisClient | undefined;
  private clientPromise: Promise<IoRedisClient> | undefined;
  private readonly owned: boolean;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  private readonly rollup: RollupTracker;
  private readonly keys: RedisKeys;
  private readonly buffer: WriteBuffer<ChainableCommander>;
  private state: StoreHealth = { status: 'unknown', response_time_ms: null, working: null };
  private closing = false;
  private closed = false;
  private closePromise: Promise<void> | undefined;
  private readonly bound: CloseBound;
  private readonly onReady = () => {
    void this.buffer.flush();
  };
  private readonly ready = (c: IoRedisClient) => whenReady(c, this.commandTimeoutMs, this.onError);
  private readonly onError = (err: unknown) => {
    if (!this.closed) this.markDown(err);
  };
  private readonly database: DatabaseRefusal; // the URL's database number refused (RT46-3)
  /** This process's mark among the writers of an instance id (redis-claim.ts, RT48-3). */
  private readonly writers: WriterClaims;

  constructor(options: RedisStoreOptions) {
    const config = parseRedisStoreOptions(options);
    this.prefix = config.prefix;
    this.instanceId = config.instanceId;
    this.retentionMs = config.retentionMs;
    this.resolutionMs = config.resolutionMs;
    this.alertLimit = config.alertLimit;
    this.bufferLimit = config.bufferLimit;
    this.commandTimeoutMs = config.commandTimeoutMs;
    this.bound = new CloseBound(this.commandTimeoutMs);
    this.clock = config.clock;
    this.logger = storeLogger(this, options.logger);
    this.database = new DatabaseRefusal(this.logger, OUTAGE);
    this.outage = new OutageLog(this.logger, () => this.clock.now());
    this.rollup = new RollupTracker(rollupSteps(this.resolutionMs));
    this.keys = new RedisKeys(this.prefix, this.rollup.steps);
    this.writers = new WriterClaims(this.keys, this.resolutionMs);
    this.buffer = new WriteBuffer<ChainableCommander>({
      pointLimit: this.bufferLimit,
      alertLimit: this.alertLimit,
      maxBatch: MAX_BATCH,
      write: (batch) => this.writeBatch(batch),
      written: (rttMs) => {
        this.outage.recovered(`${OUTAGE} buffer`);
        this.markUp(rttMs);
      },
      full: (kind) => {
        this.outage.failed(`${OUTAGE} buffer`, new Error(`buffer full: dropping the oldest ${kind}s`));
      },
      closed: () => this.closed,
    });
    this.url = options.url;
    this.owned = !options.client;
    if (options.client) {
      const client = options.client as IoRedisClient;
      this.client = client;
      client.on('ready', this.onReady);
    }
  }

  // --- client ----------------------------------------------------------------------------------

  private async getClient(): Promise<IoRedisClient> {
    if (this.client) return this.client;
    this.clientPromise ??= (async () => {
      const client = await createRedisClient(this.url!, this.commandTimeoutMs);
      client.on('error', this.onError);
      client.on('connect', this.database.onConnect);
      client.on('ready', this.onReady);
      client.connect().catch((err: unknown) => this.markDown(err));
      this.client = client;
      return client;
    })();
    return this.clientPromise;
  }

  /** The client when it can take commands now; undefined while (re)connecting. */
  private async readyClient(): Promise<IoRedisClient | undefined> {
    const client = await this.getClient();
    if (client.status === 'wait') client.connect().catch((err: unknown) => this.markDown(err));
    return client.status === 'ready' ? client : undefined;
  }

  private markDown(err: unknown): void {
    if (this.closed) return; // its own disconnect rejecting a pending connect() ("Connection is closed.")
    this.bound.failed(); // during close, the writes still to come are not sent
    const refused = this.database.refused(err); // logged once as an error, not as an outage
    const error = refused ?? errorMessage(err);
    this.state = { status: 'critical', response_time_ms: null, working: false, error };
    if (refused === undefined) this.outage.failed(OUTAGE, err);
  }

  private markUp(rttMs: number): void {
    if (!this.database.accepted()) return;
    this.state = { status: 'healthy', response_time_ms: Math.round(rttMs * 100) / 100, working: true };
    this.outage.recovered(OUTAGE);
    const dropped = this.buffer.takeDropped();
    if (dropped > 0) {
      this.logger.warn(
        { component: OUTAGE, dropped },
        `sysvitals: redis store dropped ${dropped} history points during the outage (bufferLimit ${this.bufferLimit})`,
      );
    }
  }

  /** The store's status: round trip of the last command in ms, whether it worked, the last error. */
  health(): StoreHealth {
    return { ...this.state };
  }

  /** The snapshot's `redis` group: writes the buffer if any (a recovered Redis catches up at the next sample), then
   *  PINGs. Fails while Redis is down, frozen or refusing writes. */
  probe(): StoreProbe {
    return {
      timeoutMs: this.commandTimeoutMs * 2,
      check: async () => {
        if (this.closed) throw new SysvitalsError('ERR_SYSVITALS_CLOSED', 'RedisStore is closed.');
        if (this.buffer.size > 0) {
          await this.buffer.flush();
          if (this.buffer.size > 0)
            throw new Error(this.state.error ?? 'buffered writes are not written yet');
        }
        const client = await this.forRead();
        await this.timed('PING', () => client.ping());
      },
    };
  }

  /** Connects and checks with PING. Never rejects because Redis is down: that shows in health(). */
  async init(): Promise<void> {
    const client = await this.getClient();
    const started = performance.now();
    try {
      await withTimeout(this.ready(client), this.commandTimeoutMs, 'connect');
      await withTimeout(client.ping(), this.commandTimeoutMs, 'PING');
      this.markUp(performance.now() - started);
    } catch (err) {
      this.markDown(err);
    }
    await this.buffer.flush();
  }

  // --- writes ----------------------------------------------------------------------------------

  /** Writes one batch in a pipeline; the round trip in ms, or null when Redis is not there (the buffer keeps it). */
  private async writeBatch(batch: readonly BufferedWrite<ChainableCommander>[]): Promise<number | null> {
    let client: IoRedisClient | undefined;
    try {
      client = await this.readyClient();
    } catch (err) {
      this.markDown(err);
      return null;
    }
    if (!client) {
      // Reconnecting: keep the buffer; the 'ready' event starts the next round. A connection still being made
      // (the first one, seconds after start) is not a failing Redis: its 'error' event says so if it fails.
      if (this.state.status !== 'critical' && !isConnecting(this.client)) {
        this.markDown(new Error(`redis connection is ${this.client?.status ?? 'not created'}`));
      }
      return null;
    }
    if (this.database.reason !== undefined) return null; // kept in the buffer: the connection is on database 0
    const budget = this.bound.budget();
    if (budget <= 0) return null; // closing, and the close-time bound is spent: counted as not written
    const started = performance.now();
    try {
      const pipeline = client.pipeline();
      const now = this.clock.now();
      for (const op of batch) op.run(pipeline, now);
      const results = await withTimeout(pipeline.exec(), budget, 'pipeline');
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.markDown(err);
      return null;
    }
    return performance.now() - started;
  }

  async appendPoint(instance: string, point: HistoryPoint): Promise<void> {
    if (this.closing) return;
    try {
      const rollups = this.rollup.add(instance, point);
      this.buffer.add(pointWrite(this.keys, instance, point, rollups, this.retentionMs, this.resolutionMs));
    } catch (err) {
      this.markDown(err);
      return;
    }
    await this.buffer.flush();
  }

  async appendAlert(record: StoredAlertRecord): Promise<void> {
    if (this.closing) return;
    const key = this.keys.alerts();
    let json: string;
    try {
      json = JSON.stringify({ ...record, instance: record.instance ?? this.instanceId });
    } catch (err) {
      this.markDown(err);
      return;
    }
    const limit = this.alertLimit;
    const ttl = this.retentionMs;
    this.buffer.add({
      kind: 'alert',
      run: (p) => {
        p.lpush(key, json)
          .ltrim(key, 0, limit - 1)
          .pexpire(key, ttl);
      },
    });
    await this.buffer.flush();
  }

  // --- reads -----------------------------------------------------------------------------------

  /** The client for a read, waiting up to commandTimeoutMs for a connection in progress. */
  private async forRead(): Promise<IoRedisClient> {
    if (this.closed) throw new SysvitalsError('ERR_SYSVITALS_CLOSED', 'RedisStore is closed.');
    const client = await this.getClient();
    if (client.status !== 'ready') {
      try {
        await withTimeout(this.ready(client), this.bound.budget(), 'connect');
      } catch {
        const err = new Error(`redis connection is ${client.status}`);
        this.markDown(err);
        throw err;
      }
    }
    if (this.database.reason !== undefined) throw new Error(this.database.reason); // on database 0: not ours
    return client;
  }

  private async timed<T>(what: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await withTimeout(run(), this.bound.budget(), what);
      if (this.buffer.size === 0) this.markUp(performance.now() - started);
      return result;
    } catch (err) {
      this.markDown(err); // not after close(): a command its own disconnect cut off is not a failing Redis
      throw err;
    }
  }

  async readPoints(instance: string, fromMs: number, toMs: number, stepMs?: number): Promise<HistoryPoint[]> {
    const client = await this.forRead();
    const key = this.keys.series(instance, stepMs);
    const members = await this.timed('ZRANGEBYSCORE', () => client.zrangebyscore(key, fromMs, `(${toMs}`));
    return parsePoints(members);
  }

  async readAllInstances(
    fromMs: number,
    toMs: number,
    stepMs?: number,
  ): Promise<Map<string, HistoryPoint[]>> {
    const client = await this.forRead();
    return this.timed('fleet read', () => readFleet(client, this.keys, fromMs, toMs, stepMs));
  }

  async readAlerts(limit: number): Promise<StoredAlertRecord[]> {
    const client = await this.forRead();
    const n = Math.min(Math.max(0, Math.floor(limit)), this.alertLimit);
    if (n === 0) return [];
    const items = await this.timed('LRANGE', () => client.lrange(this.keys.alerts(), 0, n - 1));
    return parseAlertRecords(items);
  }

  // --- analytics state -------------------------------------------------------------------------

  async saveState(instance: string, name: string, value: string): Promise<void> {
    if (this.closing) return;
    try {
      if (this.bound.budget() <= 0) throw new Error('close-time bound spent');
      const client = await this.forRead();
      await this.timed('SET', () =>
        client.set(this.keys.state(name, instance), value, 'PX', this.retentionMs),
      );
    } catch {
      // A cache: the next minute tries again (at close, none: close() names it); the outage shows in the writes' logs.
      this.bound.notSaved(name);
    }
  }

  async loadState(instance: string, name: string): Promise<string | null> {
    const client = await this.forRead();
    return this.timed('GET', () => client.get(this.keys.state(name, instance)));
  }

  // --- writers of one instance id ------------------------------------------------------------

  /** Marks this process a live writer of `instance` and answers whether it holds its saved state (redis-claim.ts). */
  async claim(instance: string, now: number): Promise<InstanceClaim> {
    const client = await this.forRead();
    return this.timed('claim', () => this.writers.claim(client, instance, now));
  }

  // --- shutdown --------------------------------------------------------------------------------

  /**
   * Tries one last write of the buffer for at most commandTimeoutMs, then lets go: an own client is
   * disconnected (not QUIT, which would wait on a frozen server), a user's client is left open.
   */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  /** From here the monitor's last writes and close() share one commandTimeoutMs (CloseBound). Idempotent. */
  beginClose(): void {
    this.bound.begin();
  }

  private async shutdown(): Promise<void> {
    this.beginClose();
    this.closing = true;
    if (this.buffer.size > 0 && this.bound.budget() > 0 && (this.client || this.clientPromise)) {
      // A connection still being made (a monitor closed within a second of its start) is waited for, within the
      // same bound: the last write is not given up while a healthy Redis is answering the connect (outside
      // review 24, RT24-1).
      const lastWrite = async () => {
        const client = await this.getClient();
        if (isConnecting(client)) await this.ready(client);
        await this.buffer.flush();
      };
      await withTimeout(lastWrite(), this.bound.budget(), 'final flush').catch(() => {});
    }
    await this.writers.release(this.client, this.bound.budget());
    this.closed = true;
    this.bound.report(this.logger, OUTAGE, this.buffer.points, this.buffer.size - this.buffer.points);
    this.buffer.clear();
    const client =
      this.client ?? (this.clientPromise ? await this.clientPromise.catch(() => undefined) : undefined);
    if (!client) return;
    client.off('ready', this.onReady);
    if (!this.owned) return;
    disconnectNow(client);
  }
}
