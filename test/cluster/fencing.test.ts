// Issue #13 (outside review N1): fencing of an aggregator that stopped answering and was replaced. The
// successor moves a new lock over the hung one's (seize.ts, one claimant only) and writes the ledger at the
// next epoch; the old one, when it runs again, finds it no longer holds the lock (tenure.ts) and writes,
// evaluates, answers and delivers nothing. In process, real sockets in a private directory, injected clocks.

import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { AlertSystem } from '../../src/alerts/engine.js';
import { Aggregator } from '../../src/cluster/aggregator.js';
import type { AggregatorOptions } from '../../src/cluster/cluster-monitor.js';
import { type ClusterEndpoint, clusterEndpoint } from '../../src/cluster/endpoint.js';
import { FrameReader, sendFrame } from '../../src/cluster/frames.js';
import { ledgerEpoch, readLedger, StaleLedgerWrite, writeLedger } from '../../src/cluster/ledger.js';
import { parseClusterOptions } from '../../src/cluster/options.js';
import { SysvitalsError } from '../../src/errors.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { MetricsStore as Store } from '../../src/stores/store.js';
import { makeSnapshot, type TestClock, testClock } from '../alerts/snapshot.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { until } from './helpers.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sv-fencing-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('cluster.aggregatorTimeoutMs', () => {
  it('defaults to 15000; 0 turns the takeover off; anything but 0 or an integer from 1000 to 3,600,000 is a coded error', () => {
    expect(parseClusterOptions({ name: 'x' })?.aggregatorTimeoutMs).toBe(15_000);
    expect(parseClusterOptions({ name: 'x', aggregatorTimeoutMs: 0 })?.aggregatorTimeoutMs).toBe(0);
    expect(parseClusterOptions({ name: 'x', aggregatorTimeoutMs: 3000 })?.aggregatorTimeoutMs).toBe(3000);
    for (const bad of [999, 1500.5, 3_600_001, -1, '3000', null]) {
      let error: unknown;
      try {
        parseClusterOptions({ name: 'x', aggregatorTimeoutMs: bad as never });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SysvitalsError);
      expect((error as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect((error as SysvitalsError).message).toMatch(/cluster\.aggregatorTimeoutMs.*1000 to 3600000/);
    }
  });
});

describe('the ledger epoch', () => {
  it('a write at an epoch below the file is refused and replaces nothing; at or above it, written', () => {
    const path = join(root, 'l.ledger.json');
    expect(ledgerEpoch(path)).toBe(0);
    // An older ledger (no epoch) is epoch 0: any tenure writes over it.
    writeLedger(path, [], 1000);
    expect(ledgerEpoch(path)).toBe(0);
    writeLedger(path, [], 2000, [], [], [], undefined, undefined, 2);
    expect(ledgerEpoch(path)).toBe(2);
    expect(readLedger(path).epoch).toBe(2);
    let refused: unknown;
    try {
      writeLedger(path, [], 3000, [], [], [], undefined, undefined, 1);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(StaleLedgerWrite);
    expect(readLedger(path)).toMatchObject({ epoch: 2, savedAt: 2000 });
    writeLedger(path, [], 4000, [], [], [], undefined, undefined, 2);
    writeLedger(path, [], 5000, [], [], [], undefined, undefined, 3);
    expect(readLedger(path)).toMatchObject({ epoch: 3, savedAt: 5000 });
  });
});

describe('alert evaluation behind a fence', () => {
  it('while the fence is down nothing is evaluated or notified; once it holds, the breach is raised once', () => {
    const clock = testClock();
    const events: AlertEvent[] = [];
    const system = new AlertSystem({ clock, logger: silentLogger, onAlert: (e) => void events.push(e) });
    let holds = false;
    system.setFence(() => holds);
    const breach = makeSnapshot({ errors: { error_rate_percent: 7.5 } });
    expect(system.checkThresholds(breach)).toEqual([]);
    clock.advance(1000);
    expect(system.checkThresholds(breach)).toEqual([]);
    expect(events).toEqual([]);
    holds = true;
    clock.advance(1000);
    expect(system.checkThresholds(breach)).toHaveLength(1);
    expect(events.map((e) => [e.type, e.alert.rule])).toEqual([['raised', 'error_rate']]);
  });
});

/** An in-process aggregator's options: its cluster monitor on `clock` (and `store`), pushed to `monitors`. */
function aggregatorOptions(
  ep: ClusterEndpoint,
  clock: TestClock,
  id: string,
  monitors: SystemMonitor[],
  store?: () => Store,
): AggregatorOptions {
  return {
    name: 'fence',
    endpoint: ep,
    syncTimeoutMs: 100,
    retireAfterMs: 60_000,
    logger: silentLogger,
    now: clock.now,
    createMonitor: () => {
      const m = new SystemMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        clock,
        ...(store ? { store: store(), instanceId: 'fence-cluster' } : {}),
      });
      monitors.push(m);
      return m as never;
    },
    self: {
      id,
      pid: process.pid,
      startedAt: 1,
      take: () => ({ report: { r: [], f: [] } }),
      process: () => null,
      answerSelf: async () => ({}),
    },
  };
}

describe('an aggregator replaced while it did not answer', () => {
  it('the successor holds the lock, socket and epoch; the old one writes and answers nothing and steps down without touching them', async () => {
    const clock = testClock();
    const ep = clusterEndpoint(`fence-${process.pid}`, join(root, 'sock'));
    const monitors: SystemMonitor[] = [];
    const options = (id: string) => aggregatorOptions(ep, clock, id, monitors);
    const old = (await Aggregator.lead(options('old'))) as Aggregator;
    expect(old).not.toBeNull();
    expect(old.tenure.epoch).toBe(1);
    expect(ledgerEpoch(ep.ledgerPath)).toBe(1);
    // An ordinary election finds the lock held (the hung holder's lock still accepts connections).
    expect(await Aggregator.lead(options('other'))).toBeNull();
    let deposed = 0;
    old.tenure.onDeposed = () => {
      deposed++;
    };
    const hungIno = old.tenure.lockIno;
    const next = (await Aggregator.lead(options('next'), hungIno)) as Aggregator;
    expect(next).not.toBeNull();
    try {
      // Cannot be won twice: the lock is no longer that inode.
      expect(await Aggregator.lead(options('third'), hungIno)).toBeNull();
      expect(lstatSync(ep.lockPath as string).ino).toBe(next.tenure.lockIno);
      expect(next.tenure.epoch).toBe(2);
      expect(ledgerEpoch(ep.ledgerPath)).toBe(2);
      expect(next.tenure.holds()).toBe(true);
      // The old one resumes: it no longer holds the role.
      const ledger = readFileSync(ep.ledgerPath, 'utf8');
      clock.advance(10_000);
      old.tick();
      old.saveLedger();
      expect(old.tenure.holds()).toBe(false);
      expect(readFileSync(ep.ledgerPath, 'utf8')).toBe(ledger);
      await expect(old.ask({ op: 'metrics' } as never, undefined)).rejects.toMatchObject({
        code: 'unavailable',
      });
      await new Promise((r) => setImmediate(r));
      expect(deposed).toBe(1);
      await old.stepDown();
      // Its step-down unlinked nothing of the successor's: a worker connecting by name reaches the successor.
      expect(lstatSync(ep.lockPath as string).ino).toBe(next.tenure.lockIno);
      const welcome = await new Promise<{ aggregator: string; lock: number }>((resolve, reject) => {
        const s = connect(ep.socketPath);
        const reader = new FrameReader((m) => {
          s.destroy();
          resolve(m as { aggregator: string; lock: number });
        });
        s.on('data', (d) => reader.push(d));
        s.on('error', reject);
        s.on('connect', () =>
          sendFrame(s, { t: 'hello', id: 'w1', pid: 1, started_at: 1, report: { r: [], f: [] }, p: null }),
        );
      });
      expect(welcome).toMatchObject({ aggregator: 'next', lock: next.tenure.lockIno });
    } finally {
      await next.close();
      for (const m of monitors) await m.close();
    }
  });
});

/**
 * Issue #13: a deposed aggregator's closing flush (its monitor's close writes the bucket in progress) wrote a
 * history point to a shared store after its successor took over. Each aggregator has its own store client,
 * as in separate processes; `points()` reads what the store holds (the oracle). The old one's store closes
 * with its monitor (its buffer written first), so what it wrote is there when its close resolves.
 */
const monitorOf = (a: Aggregator) => a.monitor as unknown as SystemMonitor;

async function deposedFlush(store: () => Store, points: () => Promise<number[]>): Promise<void> {
  const clock = testClock(Date.parse('2026-12-02T12:00:10.000Z'));
  const ep = clusterEndpoint(`fence-flush-${process.pid}`, join(root, 'sock'));
  const monitors: SystemMonitor[] = [];
  const options = (id: string) => aggregatorOptions(ep, clock, id, monitors, store);
  const request = { method: 'GET', route: '/x', status: 200, durationMs: 5 };
  const old = (await Aggregator.lead(options('old'))) as Aggregator;
  const next = (await Aggregator.lead(options('next'), old.tenure.lockIno)) as Aggregator;
  try {
    expect(next).not.toBeNull();
    // Control: a holder's flush writes its point (the old one has not looked at its lock yet: it was hung).
    monitorOf(next).recordRequest(request);
    clock.advance(60_000);
    await monitorOf(next).flush();
    // A RedisStore writes from its buffer: a guard until the point is there, not a timing.
    await until(async () => (await points()).length === 1);
    // The old one resumes with a request in its bucket and closes: it finds its lock moved, writes nothing.
    monitorOf(old).recordRequest(request);
    clock.advance(60_000);
    await old.close();
    expect(old.tenure.holds()).toBe(false);
    expect(await points()).toHaveLength(1);
    // Its bucket timer's flush is fenced too (the same write path).
    await monitorOf(old).flush();
    expect(await points()).toHaveLength(1);
    // Control: the successor's graceful close writes the minute it is in (before it lets the lock go).
    monitorOf(next).recordRequest(request);
    clock.advance(1000);
    await next.close();
    await until(async () => (await points()).length === 2);
    expect(await points()).toHaveLength(2);
  } finally {
    await next.close();
    for (const m of monitors) await m.close();
  }
}

describe("a deposed aggregator's closing flush", () => {
  it('writes no history point (MemoryStore client)', async () => {
    const written: number[] = [];
    class Recording extends MemoryStore {
      override async appendPoint(instance: string, point: HistoryPoint): Promise<void> {
        written.push(point.t);
        await super.appendPoint(instance, point);
      }
    }
    await deposedFlush(
      () => new Recording(),
      async () => written.slice(),
    );
  });

  describe.skipIf(!requireRedis())('RedisStore on a private redis-server', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    }, 60_000);
    afterAll(async () => {
      await redis?.stop();
    });

    it('writes no history point', async () => {
      const prefix = `fence-${process.pid}-${Date.now()}:`;
      const reader = new RedisStore({ url: redis.url, prefix, logger: silentLogger });
      try {
        await deposedFlush(
          () => new RedisStore({ url: redis.url, prefix, logger: silentLogger }),
          async () => (await reader.readPoints('fence-cluster', 0, Date.parse('2027-01-01'))).map((p) => p.t),
        );
      } finally {
        await reader.close();
      }
    });
  });
});
