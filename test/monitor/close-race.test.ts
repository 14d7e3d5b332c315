// Reads racing monitor.close() (docs/closing.md). Before the fix, once close() had resolved: monitor.sample() still ran a
// sample cycle, so a breach raised alerts (onAlert called, the alert history grown) after close; a read with
// sampling off (`sampleIntervalMs: 0`) still ran the application's probes (its pool already ended: a `database is
// failing` line logged after close); and getAlerts({ history: true }) answered from memory with a warning that the
// store was unavailable, where getHistory() rejected with ERR_SYSVITALS_CLOSED. Now nothing of the monitor runs a
// callback, raises, writes or sends once close() has stopped its timers, a read under way then still answers, and
// a read of the closed store rejects with the coded error. Oracles: a probe and onAlert that record every call, a
// store that records every write, the logger's lines and, for RedisStore, what a real redis-server received (MONITOR).

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert.js';
import { SysvitalsError } from '../../src/errors.js';
import type { HistoryPoint } from '../../src/history/point.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { StoredAlertRecord } from '../../src/stores/store.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

/** A database probe the test drives: `ok`, `failing` (the application ended its pool), or held open until released. */
function drivenProbe() {
  const probe = {
    calls: 0,
    mode: 'ok' as 'ok' | 'failing' | 'held',
    release: () => {},
    check: (): Promise<void> => {
      probe.calls++;
      if (probe.mode === 'failing')
        return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
      if (probe.mode === 'ok') return Promise.resolve();
      return new Promise<void>((resolve) => {
        probe.release = resolve;
      });
    },
  };
  return probe;
}

/** A MemoryStore that records each write it is given, and whether the store was closed then. */
class RecordingStore extends MemoryStore {
  writes: string[] = [];
  private shut = false;
  override async appendPoint(instance: string, point: HistoryPoint): Promise<void> {
    this.writes.push(`point${this.shut ? ' after close' : ''}`);
    return super.appendPoint(instance, point);
  }
  override async appendAlert(record: StoredAlertRecord): Promise<void> {
    this.writes.push(`alert ${record.state} ${record.rule}${this.shut ? ' after close' : ''}`);
    return super.appendAlert(record);
  }
  override async close(): Promise<void> {
    this.shut = true;
    return super.close();
  }
}

function setup(sampleIntervalMs: number, extra: MonitorOptions = {}) {
  const probe = drivenProbe();
  const events: string[] = [];
  const lines: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (_: unknown, msg?: string) => lines.push(String(msg)),
    error: (_: unknown, msg?: string) => lines.push(String(msg)),
  };
  // The reads' callbacks run at most once per maxAgeMs of this clock: each step below is a second on.
  const clock = { t: Date.now(), now: () => clock.t };
  const m = createMonitor({
    ...NO_HOST_FILES,
    clock,
    sampleIntervalMs,
    handleSignals: false,
    logger,
    probes: { database: { check: probe.check, timeoutMs: 30_000 } },
    onAlert: (e: AlertEvent) => {
      events.push(`${e.type}:${e.alert.rule}`);
    },
    ...extra,
  });
  return { m, probe, events, lines, clock };
}

const settled = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ value: v }),
    (e: unknown) => ({ code: e instanceof SysvitalsError ? e.code : `uncoded: ${String(e)}` }),
  );

describe.each([
  ['sampling every 60 s', 60_000],
  ['sampling off (reads collect)', 0],
])('after monitor.close(), %s', (_, interval) => {
  it('sample() and getMetrics() run no probe, raise no alert and write nothing, and answer', async () => {
    const store = new RecordingStore();
    const { m, probe, events, lines, clock } = setup(interval, { store });
    await m.sample(); // the database answers: no alert
    await m.close();
    store.writes = [];
    lines.length = 0;
    const calls = probe.calls;
    probe.mode = 'failing'; // the application ended its pool after closing the monitor

    clock.t += 1000;
    const read = await m.getMetrics({ maxAgeMs: 0 });
    clock.t += 1000;
    const sampled = await m.sample();
    const health = await m.getHealth();
    clock.t += 1000;
    const scrape = renderPrometheus(await collectPrometheusData(m)); // a Prometheus scrape
    // Before: sample() ran the probe and raised `database` (onAlert called after close, alert history grown); a read
    // with sampling off ran the probe too and logged `database is failing`.
    expect(probe.calls - calls).toBe(0);
    expect(events).toEqual([]);
    expect(m.alertSystem.getAlertHistory(100)).toEqual([]);
    expect(store.writes).toEqual([]);
    expect(lines).toEqual([]);
    // They answer: the database group as last collected (healthy), no active alert.
    expect([read.database?.status, sampled.database?.status]).toEqual(['healthy', 'healthy']);
    expect(health.active_alerts).toBe(0);
    expect(scrape).toMatch(/^sysvitals_dependency_up\{dependency="database"\} 1$/m);
  });
});

describe('a read under way when close() begins', () => {
  it('answers after close() resolved, and the monitor writes, raises and sends nothing after it', async () => {
    const store = new RecordingStore();
    const { m, probe, events, clock } = setup(0, { store });
    await m.sample();
    clock.t += 1000;
    probe.mode = 'held';
    const calls = probe.calls;
    const read = settled(m.getMetrics({ maxAgeMs: 0 }));
    const health = settled(m.getHealth({ detailed: true }));
    await expect.poll(() => probe.calls - calls).toBe(1); // the read's probe is under way
    await m.close();
    const closedWrites = store.writes.length;
    probe.mode = 'failing';
    probe.release(); // the read's probe answers after close() resolved
    const [r, h] = await Promise.all([read, health]);
    expect(r).toMatchObject({ value: { database: { status: 'healthy' } } });
    expect(h).toMatchObject({ value: { metrics: { database: { status: 'healthy' } } } });
    expect(await settled(m.sample())).toMatchObject({ value: { database: { status: 'healthy' } } });
    expect(probe.calls - calls).toBe(1);
    expect(events).toEqual([]);
    expect(store.writes.slice(closedWrites)).toEqual([]);
  });
});

describe('reads of the closed store', () => {
  it('getAlerts({ history: true }) rejects with ERR_SYSVITALS_CLOSED, as getHistory() does, and logs nothing', async () => {
    const { m, probe, lines } = setup(60_000);
    probe.mode = 'failing';
    await m.sample(); // raises `database`: an alert history to read
    expect(((await m.getAlerts({ history: true })) as unknown[]).length).toBe(1);
    await m.close();
    lines.length = 0;
    // Before: answered from memory, with `alert history unavailable from the store; serving memory` logged.
    expect(await settled(m.getAlerts({ history: true }))).toEqual({ code: 'ERR_SYSVITALS_CLOSED' });
    expect(await settled(m.getHistory())).toEqual({ code: 'ERR_SYSVITALS_CLOSED' });
    expect(await settled(m.capacity())).toEqual({ code: 'ERR_SYSVITALS_CLOSED' });
    expect(lines).toEqual([]);
    // The active alerts are the monitor's own state: still read.
    expect(((await m.getAlerts()) as unknown[]).length).toBe(1);
  });
});

describe.skipIf(!requireRedis())('RedisStore: reads during and after close()', () => {
  let server: RedisServer;
  let watcher: Redis;
  let other: Redis;
  const commands: string[] = [];
  beforeAll(async () => {
    server = await startRedis();
    other = new Redis(server.url);
    watcher = new Redis(server.url);
    const feed = await watcher.monitor();
    feed.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
  });
  afterAll(async () => {
    watcher?.disconnect();
    other?.disconnect();
    await server?.stop();
  });

  /** Every command the server received up to now: a marker sent last and seen by MONITOR closes the list. */
  async function received(): Promise<string[]> {
    const marker = `marker-${commands.length}-${Math.random()}`;
    await other.echo(marker);
    await expect.poll(() => commands.some((c) => c.includes(marker))).toBe(true);
    return commands.splice(0).filter((c) => !c.includes(marker));
  }

  it('a read under way at close(), then sample() and reads after it: no command reaches Redis, nothing is raised', async () => {
    const prefix = `closerace-${process.pid}`;
    const store = new RedisStore({ url: server.url, prefix, instanceId: 'api-1', commandTimeoutMs: 2000 });
    const { m, probe, events, clock } = setup(0, { store, instanceId: 'api-1' });
    await m.sample();
    expect((await m.getMetrics()).redis?.status).toBe('healthy');
    clock.t += 1000;
    probe.mode = 'held';
    const read = settled(m.getMetrics({ maxAgeMs: 0 }));
    await expect.poll(() => probe.calls).toBe(2);
    await m.close();
    await received(); // the close's own commands
    probe.mode = 'failing';
    probe.release();
    expect(await read).toMatchObject({ value: { redis: { status: 'healthy' } } });
    const after = await Promise.all([
      settled(m.getMetrics({ maxAgeMs: 0 })),
      settled(m.sample()),
      settled(m.getHealth()),
      settled(m.getAlerts({ history: true })),
      settled(m.getHistory()),
    ]);
    // Before: sample() raised `database` and `redis` (the store's probe read `RedisStore is closed.`) after close.
    expect(events).toEqual([]);
    expect(after.map((a) => ('code' in a ? a.code : 'answered'))).toEqual([
      'answered',
      'answered',
      'answered',
      'ERR_SYSVITALS_CLOSED',
      'ERR_SYSVITALS_CLOSED',
    ]);
    expect(await received()).toEqual([]);
  });
});
