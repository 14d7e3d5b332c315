import { describe, expect, it, vi } from 'vitest';
import { mysqlProbe, pgProbe } from '../../src/collector/db-probes.js';
import { abandonAfterMs, ProbeRunner, readPoolSize, validateProbe } from '../../src/collector/probes.js';
import { redisProbe } from '../../src/collector/redis-probe.js';
import { SysvitalsError } from '../../src/errors.js';
import { PROBE_SQL } from '../../src/profiling/probe-sql.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ProbeRunner', () => {
  it('times a check that answers', async () => {
    let t = 1000;
    const runner = new ProbeRunner(
      {
        check: async () => {
          t += 12.345;
        },
      },
      () => t,
    );
    expect(await runner.run()).toEqual({ ok: true, latencyMs: 12.35 });
  });

  // Outside review 38, RT38-7: a rejection value that throws on `instanceof` (a revoked Proxy, a getPrototypeOf trap
  // that throws: membranes, sandboxes) made the runner's own handler throw; from the sample timer that was an
  // unhandled rejection, and Node 20 ended the host. Same for a resolved value of that kind.
  it('a check that rejects or resolves with a revoked or hostile Proxy reads as a failed or timed check', async () => {
    const revoked = () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    };
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    for (const value of [revoked(), hostile]) {
      const rejects = new ProbeRunner({ check: () => Promise.reject(value) });
      expect(await rejects.run()).toEqual({ ok: false, latencyMs: null, error: 'unknown error' });
    }
    let t = 1000;
    const resolves = new ProbeRunner(
      {
        check: async () => {
          t += 5;
          return hostile; // (a revoked one would reject the check itself: resolving reads its `then`)
        },
      },
      () => t,
    );
    expect(await resolves.run()).toEqual({ ok: true, latencyMs: 5 });
  });

  it('reports a check that rejects or throws, with its message', async () => {
    const rejects = new ProbeRunner({ check: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1')) });
    expect(await rejects.run()).toEqual({ ok: false, latencyMs: null, error: 'ECONNREFUSED 127.0.0.1:1' });
    const throws = new ProbeRunner({
      check: () => {
        throw new Error('sync boom');
      },
    });
    expect(await throws.run()).toMatchObject({ ok: false, error: 'sync boom' });
  });

  it('times out a check that hangs', async () => {
    const runner = new ProbeRunner({ check: () => new Promise(() => {}), timeoutMs: 20 });
    expect(await runner.run()).toEqual({ ok: false, latencyMs: null, error: 'timed out after 20 ms' });
  });

  it('never overlaps itself: callers share the pending check, then get "still pending" until it settles', async () => {
    const pending = deferred();
    const check = vi.fn(() => new Promise<void>(() => {})).mockImplementationOnce(() => pending.promise);
    const runner = new ProbeRunner({ check, timeoutMs: 20 }, () => 0); // a clock that stands: never abandoned
    const [a, b] = await Promise.all([runner.run(), runner.run()]);
    expect(a).toEqual(b);
    expect(a.error).toBe('timed out after 20 ms');
    const c = await runner.run();
    expect(c.ok).toBe(false);
    expect(c.error).toBe('previous check still pending after 0 ms (timeout 20 ms; abandoned at 40 ms)');
    expect(check).toHaveBeenCalledTimes(1);
    pending.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await runner.run()).error).toBe('timed out after 20 ms'); // a new check, which hangs too
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('abandons a check that never settles at twice its timeout, so recovery can be seen', async () => {
    let t = 0;
    let healthy = false;
    const check = vi.fn(() => (healthy ? Promise.resolve() : new Promise(() => {})));
    const runner = new ProbeRunner({ check, timeoutMs: 10 }, () => t);
    await runner.run();
    healthy = true;
    t += abandonAfterMs(10) - 1;
    expect((await runner.run()).ok).toBe(false);
    t += 1;
    expect((await runner.run()).ok).toBe(true);
    expect(check).toHaveBeenCalledTimes(2);
  });
});

describe('validateProbe and readPoolSize', () => {
  it('rejects what is not a probe, saying what is expected', () => {
    expect(() => validateProbe(undefined, 'probes.database')).toThrow(SysvitalsError);
    expect(() => validateProbe({}, 'probes.database')).toThrow(/probes.database must be a probe/);
    expect(() => validateProbe({ check: async () => 1, timeoutMs: 0 }, 'p')).toThrow(/p.timeoutMs/);
    expect(() => validateProbe({ check: async () => 1, poolSize: 3 }, 'p')).toThrow(/p.poolSize/);
  });

  it('reads pool figures from an object or a number, nulls otherwise', () => {
    const check = async () => 1;
    expect(readPoolSize({ check, poolSize: () => ({ total: 5, idle: 2, waiting: 0 }) })).toEqual({
      total: 5,
      idle: 2,
      waiting: 0,
    });
    expect(readPoolSize({ check, poolSize: () => 7 })).toEqual({ total: 7, idle: null, waiting: null });
    expect(readPoolSize({ check, poolSize: () => ({ total: Number.NaN }) }).total).toBeNull();
    expect(
      readPoolSize({
        check,
        poolSize: () => {
          throw new Error('x');
        },
      }),
    ).toEqual({ total: null, idle: null, waiting: null });
    expect(readPoolSize(undefined)).toEqual({ total: null, idle: null, waiting: null });
    // RT38-8: a throwing getter or a revoked Proxy made sample() reject and the whole group unknown.
    const closed = {
      get total(): number {
        throw new Error('pool is closed');
      },
      idle: 1,
      waiting: 0,
    };
    expect(readPoolSize({ check, poolSize: () => closed })).toEqual({
      total: null,
      idle: null,
      waiting: null,
    });
    const r = Proxy.revocable({}, {});
    r.revoke();
    expect(readPoolSize({ check, poolSize: () => r.proxy as never })).toEqual({
      total: null,
      idle: null,
      waiting: null,
    });
  });
});

describe('ready-made probes (duck-typed)', () => {
  it('pgProbe runs SELECT 1 and reads totalCount/idleCount/waitingCount', async () => {
    const pool = { query: vi.fn(async () => ({ rows: [] })), totalCount: 3, idleCount: 1, waitingCount: 2 };
    const probe = pgProbe(pool, { timeoutMs: 500 });
    await probe.check();
    expect(pool.query).toHaveBeenCalledWith(PROBE_SQL);
    expect(probe.timeoutMs).toBe(500);
    expect(readPoolSize(probe)).toEqual({ total: 3, idle: 1, waiting: 2 });
    expect(() => pgProbe({} as never)).toThrow(/pgProbe\(pool\) expects a node-postgres Pool/);
  });

  it('mysqlProbe passes a callback to a callback-style pool, so a failure is not an unhandled error event', async () => {
    const pool = {
      promise: () => ({}),
      query: vi.fn((_sql: string, cb: (err: unknown) => void) => cb(new Error('ER_ACCESS_DENIED'))),
      _allConnections: { length: 4 },
      _freeConnections: { length: 3 },
      _connectionQueue: { length: 0 },
    };
    const probe = mysqlProbe(pool);
    await expect(probe.check()).rejects.toThrow('ER_ACCESS_DENIED');
    expect(readPoolSize(probe)).toEqual({ total: 4, idle: 3, waiting: 0 });
  });

  it('mysqlProbe awaits a promise pool and finds the wrapped pool for its size', async () => {
    const pool = { query: vi.fn(async () => [[{ 1: 1 }]]), pool: { _allConnections: { length: 2 } } };
    const probe = mysqlProbe(pool);
    await probe.check();
    expect(pool.query).toHaveBeenCalledWith(PROBE_SQL);
    expect(readPoolSize(probe).total).toBe(2);
  });

  it('redisProbe pings a ready client and fails at once when it is reconnecting', async () => {
    const client = { status: 'ready', ping: vi.fn(async () => 'PONG') };
    const probe = redisProbe(client);
    await probe.check();
    expect(client.ping).toHaveBeenCalledTimes(1);
    client.status = 'reconnecting';
    await expect(probe.check()).rejects.toThrow('redis connection is reconnecting');
    expect(client.ping).toHaveBeenCalledTimes(1);
    const nodeRedis = { isReady: false, ping: vi.fn(async () => 'PONG') };
    await expect(redisProbe(nodeRedis).check()).rejects.toThrow('not ready');
    expect(() => redisProbe({} as never)).toThrow(/redisProbe\(client\)/);
  });
});
