// Probes against the real servers: PostgreSQL and MariaDB on this machine (taken away and brought back
// through a TCP proxy, never stopped), and a private redis-server that the test stops and restarts.

import { Redis } from 'ioredis';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProbe, pgProbe } from '../../src/collector/db-probes.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { redisProbe } from '../../src/collector/redis-probe.js';
import type { Logger } from '../../src/types.js';
import { hasRedisServer, type PrivateRedis, privateRedis } from './helpers/redis-server.js';
import { canConnect, closedPort, startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const CI = process.env.CI === 'true';
const PG_PORT = 5432;
const MYSQL_PORT = 3306;

/** Skip (with a message) when a server is missing, except in CI where the test must run and fail. */
function missing(available: boolean, what: string): boolean {
  if (available || CI) return false;
  console.warn(`[sysvitals tests] skipping: ${what}`);
  return true;
}

const pgMissing = missing(
  await canConnect(PG_PORT),
  `PostgreSQL is not listening on 127.0.0.1:${PG_PORT} (apt-get install postgresql; create database "test", trust auth)`,
);
const mysqlMissing = missing(
  await canConnect(MYSQL_PORT),
  `MariaDB/MySQL is not listening on 127.0.0.1:${MYSQL_PORT} (apt-get install mariadb-server; database "test", root without password)`,
);
const redisMissing = missing(
  hasRedisServer(),
  'redis-server is not installed (apt-get install redis-server)',
);

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    warn: (_o, msg) => lines.push(msg ?? ''),
    error: (_o, msg) => lines.push(msg ?? ''),
    info: (_o, msg) => lines.push(msg ?? ''),
  };
  return { logger, lines };
}

const collectors: MetricsCollector[] = [];
function collector(options: ConstructorParameters<typeof MetricsCollector>[0]) {
  const c = new MetricsCollector(options);
  collectors.push(c);
  return c;
}
afterEach(() => {
  for (const c of collectors.splice(0)) c.close();
});

const pgUser = process.env.PGUSER ?? 'postgres';
const pgPool = (port: number, extra: pg.PoolConfig = {}) => {
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: pgUser, database: 'test', ...extra });
  pool.on('error', () => {}); // an idle client losing its server must not crash the test process
  return pool;
};

describe.skipIf(pgMissing)('pgProbe against PostgreSQL', () => {
  const pools: pg.Pool[] = [];
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.stop().catch(() => {});
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  });

  it('times SELECT 1 and reports the pool', async () => {
    const pool = pgPool(PG_PORT);
    pools.push(pool);
    const s = await collector({ probes: { database: pgProbe(pool) } }).collect();
    expect(s.database.status).toBe('healthy');
    expect(s.database.error).toBeUndefined();
    expect(s.database.response_time_ms).toBeGreaterThan(0);
    expect(s.database.pool_size).toBe(1);
    expect(s.database.pool_idle).toBe(1);
    expect(s.database.pool_waiting).toBe(0);
  });

  it('turns critical when the server goes away and healthy when it is back, logging each once', async () => {
    const proxy = await startTcpProxy(PG_PORT);
    proxies.push(proxy);
    const pool = pgPool(proxy.port, { connectionTimeoutMillis: 2000 });
    pools.push(pool);
    const { logger, lines } = recordingLogger();
    const c = collector({ logger, probes: { database: pgProbe(pool) } });
    expect((await c.collect()).database.status).toBe('healthy');

    await proxy.stop();
    for (let i = 0; i < 3; i++) {
      const s = await c.collect();
      expect(s.database.status).toBe('critical');
      expect(s.database.error).toBeTruthy();
      expect(s.database.response_time_ms).toBeNull();
    }

    await proxy.start();
    expect((await c.collect()).database.status).toBe('healthy');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/database is failing/);
    expect(lines[1]).toMatch(/database recovered/);
  });

  it('times out a server that accepts and never answers, without stacking checks', async () => {
    const proxy = await startTcpProxy(PG_PORT, 'hang');
    proxies.push(proxy);
    const pool = pgPool(proxy.port);
    pools.push(pool);
    // The probes' clock stands still: the second collect is within the abandon bound whatever the machine's load (a
    // clean-clone CI at load 15 took longer than the bound between the two collects, and so started a second check).
    const c = collector({
      levels: { db_latency: { warning: 100, critical: 150 } },
      probes: { database: pgProbe(pool, { timeoutMs: 200 }) },
      latencyClock: { now: () => 0 },
    });
    const first = await c.collect();
    expect(first.database).toMatchObject({ status: 'critical', error: 'timed out after 200 ms' });
    const second = await c.collect();
    expect(second.database.status).toBe('critical');
    expect(second.database.error).toMatch(/previous check still pending/);
    expect(pool.totalCount).toBe(1); // one connection attempt, not one per collect
    await proxy.stop(); // lets the hanging connection attempt fail
  });

  it('is critical with the driver error on a closed port', async () => {
    const pool = pgPool(await closedPort());
    pools.push(pool);
    const s = await collector({ probes: { database: pgProbe(pool) } }).collect();
    expect(s.database.status).toBe('critical');
    expect(s.database.error).toMatch(/ECONNREFUSED/);
  });
});

describe.skipIf(mysqlMissing)('mysqlProbe against MariaDB', () => {
  const pools: { end(): Promise<void> | void }[] = [];
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.stop().catch(() => {});
    for (const p of pools) await Promise.resolve(p.end()).catch(() => {});
  });
  const config = (port: number) => ({
    host: '127.0.0.1',
    port,
    user: 'root',
    password: '',
    database: 'test',
  });

  it('times SELECT 1 on a promise pool and reports the pool', async () => {
    const pool = mysqlPromise.createPool(config(MYSQL_PORT));
    pools.push(pool);
    const s = await collector({ probes: { database: mysqlProbe(pool) } }).collect();
    expect(s.database).toMatchObject({ status: 'healthy', pool_size: 1, pool_idle: 1, pool_waiting: 0 });
    expect(s.database.response_time_ms).toBeGreaterThan(0);
  });

  it('works with a callback pool too', async () => {
    const pool = mysql.createPool(config(MYSQL_PORT));
    pools.push({ end: () => new Promise<void>((resolve) => pool.end(() => resolve())) });
    const s = await collector({ probes: { database: mysqlProbe(pool) } }).collect();
    expect(s.database.status).toBe('healthy');
    expect(s.database.pool_size).toBe(1);
  });

  it('turns critical when the server goes away and healthy when it is back', async () => {
    const proxy = await startTcpProxy(MYSQL_PORT);
    proxies.push(proxy);
    const pool = mysqlPromise.createPool({ ...config(proxy.port), connectTimeout: 2000 });
    pools.push(pool);
    const c = collector({ probes: { database: mysqlProbe(pool) } });
    expect((await c.collect()).database.status).toBe('healthy');
    await proxy.stop();
    const down = await c.collect();
    expect(down.database.status).toBe('critical');
    expect(down.database.error).toBeTruthy();
    await proxy.start();
    expect((await c.collect()).database.status).toBe('healthy');
  });

  it('is critical on a closed port', async () => {
    const pool = mysqlPromise.createPool(config(await closedPort()));
    pools.push(pool);
    const s = await collector({ probes: { database: mysqlProbe(pool) } }).collect();
    expect(s.database.status).toBe('critical');
    expect(s.database.error).toMatch(/ECONNREFUSED/);
  });
});

/**
 * Resolves at the emitter's next `event`. Unlike events.once it does not reject on 'error': a redis
 * client emits one per refused reconnect, and the test's own listener takes those.
 */
function nextEvent(emitter: Redis, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

describe.skipIf(redisMissing)('redisProbe against a private redis-server', () => {
  let server: PrivateRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await privateRedis();
    client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // ECONNREFUSED on each reconnect while the server is stopped
    if (client.status !== 'ready') await nextEvent(client, 'ready');
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('times PING; a stopped server turns it critical and a restarted one healthy again', async () => {
    const { logger, lines } = recordingLogger();
    const c = collector({ logger });
    c.setProbe('redis', redisProbe(client)); // as the monitor does with its RedisStore's client
    const up = await c.collect();
    expect(up.redis).toMatchObject({ status: 'healthy', working: true, threshold: 1000 });
    expect(up.redis.response_time_ms).toBeGreaterThan(0);

    const closed = nextEvent(client, 'close');
    await server.stop();
    await closed;
    const down = await c.collect();
    expect(down.redis).toMatchObject({ status: 'critical', working: false, response_time_ms: null });
    // Usually "redis connection is close/reconnecting" at once; a PING sent while the client is
    // 'connecting' is queued and failed by ioredis after maxRetriesPerRequest refused reconnects.
    expect(down.redis.error).toMatch(
      /redis connection is (close|reconnecting|end)|max retries per request|timed out|ECONNREFUSED/,
    );

    // The server comes back only after a reconnect was refused, so the wait for 'ready' always lives
    // through ECONNREFUSED errors (events.once(client, 'ready') rejected on them, unawaited while the
    // server started: vitest's "Unhandled Rejection", whenever the restart was slower than a retry).
    const ready = nextEvent(client, 'ready');
    await nextEvent(client, 'error');
    await server.start();
    await ready;
    const back = await c.collect();
    expect(back.redis).toMatchObject({ status: 'healthy', working: true });
    expect(lines.filter((l) => l.includes('redis'))).toHaveLength(2);
  });
});
