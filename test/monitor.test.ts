import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '../src/alerts/alert.js';
import { SysvitalsError } from '../src/errors.js';
import { timed } from '../src/functions/timing.js';
import { ADMIN_API_OPTION_KEYS } from '../src/http/admin-api-options.js';
import { silentLogger } from '../src/logger.js';
import { ADMIN_OPTIONS_OF_CORE_MONITOR } from '../src/monitor/options.js';
import { createMonitor, SystemMonitor } from '../src/monitor.js';
import { MemoryStore } from '../src/stores/memory.js';
import type { MetricsSnapshot } from '../src/types.js';

const monitors: SystemMonitor[] = [];
function make(options: ConstructorParameters<typeof SystemMonitor>[0] = {}): SystemMonitor {
  const monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, ...options });
  monitors.push(monitor);
  return monitor;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('SystemMonitor', () => {
  it('is what createMonitor returns, with the seed collector and alertSystem', () => {
    const monitor = make();
    expect(monitor).toBeInstanceOf(SystemMonitor);
    expect(typeof monitor.collector.collect).toBe('function');
    expect(typeof monitor.alertSystem.checkThresholds).toBe('function');
  });

  it('rejects unknown and invalid options with coded errors that say what to fix', () => {
    expect(() => createMonitor({ sampleIntervalMS: 5 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_UNKNOWN_OPTION',
        message: expect.stringContaining('sampleIntervalMs'),
      }),
    );
    expect(() => createMonitor({ resolutionMs: 10 })).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
    );
    expect(() => createMonitor({ instanceId: 'all' })).toThrow(/fleet view/);
    expect(() => createMonitor({ alerts: { cpu: { warning: 120 } } })).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_RULE' }),
    );
  });

  it('passes eventLoopResolutionMs to the delay histogram (default 50 ms; the old 20 ms reachable), whole ms only', () => {
    expect(make().collector.config.eventLoopResolutionMs).toBe(50);
    expect(make({ eventLoopResolutionMs: 20 }).collector.config.eventLoopResolutionMs).toBe(20);
    for (const bad of [0, -5, 12.5, '20', 60_001]) {
      expect(() => createMonitor({ eventLoopResolutionMs: bad as never })).toThrow(
        expect.objectContaining({
          code: 'ERR_SYSVITALS_INVALID_OPTION',
          message: expect.stringContaining('eventLoopResolutionMs'),
        }),
      );
    }
  });

  it('accepts a clock function as README says (default Date.now), and keeps the coded error for other types (outside review F5)', async () => {
    let now = 1_000_000;
    const monitor = make({ clock: () => now });
    expect(monitor.clock.now()).toBe(now);
    monitor.recordRequest({ method: 'GET', route: '/a', status: 200, durationMs: 5 });
    const first = await monitor.sample();
    expect(first.timestamp).toBe(new Date(now).toISOString());
    expect(first.routes.map((r) => [r.route, r.count])).toEqual([['/a', 1]]);
    // Ten minutes later on this clock: the request window is empty, the total since start is still 1.
    now += 600_000;
    const later = await monitor.sample();
    expect(later.timestamp).toBe(new Date(now).toISOString());
    expect(later.routes).toEqual([]);
    expect(later.requests.total).toBe(1);
    expect(make({ clock: Date.now }).clock.now()).toBeGreaterThan(0);
    for (const bad of [5, 'now', null, {}, { now: 5 }]) {
      expect(() => createMonitor({ clock: bad as never })).toThrow(
        expect.objectContaining({
          code: 'ERR_SYSVITALS_INVALID_OPTION',
          message: expect.stringContaining('`clock`'),
        }),
      );
    }
  });

  it('sample() collects every group, emits metrics and feeds recorded requests into the snapshot', async () => {
    const monitor = make();
    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 12 });
    monitor.recordRequest({ method: 'GET', route: '/users/:id', status: 503, durationMs: 40 });
    const seen: MetricsSnapshot[] = [];
    monitor.on('metrics', (s) => seen.push(s));
    const snapshot = await monitor.sample();
    expect(seen).toEqual([snapshot]);
    expect(snapshot.requests.total).toBe(2);
    expect(snapshot.errors.count_5xx).toBe(1);
    expect(snapshot.routes.map((r) => r.route)).toEqual(['/users/:id']);
    expect(snapshot.latency.max_ms).toBeGreaterThanOrEqual(39);
    for (const group of [
      'cpu',
      'memory',
      'disk',
      'network',
      'database',
      'redis',
      'websocket',
      'process',
    ] as const) {
      expect(snapshot[group].status).toMatch(/healthy|warning|critical|unknown/);
    }
  });

  it('getMetrics() serves from cache within maxAge and shares one collection between concurrent callers', async () => {
    let now = 1_000_000;
    const monitor = make({ clock: { now: () => now } });
    // A read collects with peek(), which ends no interval (outside review 9b F14).
    const collect = vi.spyOn(monitor.collector, 'peek');
    const [a, b] = await Promise.all([
      monitor.getMetrics({ maxAgeMs: 1000 }),
      monitor.getMetrics({ maxAgeMs: 1000 }),
    ]);
    expect(a).toBe(b);
    expect(collect).toHaveBeenCalledTimes(1);
    now += 500;
    expect(await monitor.getMetrics({ maxAgeMs: 1000 })).toBe(a);
    now += 1000;
    expect(await monitor.getMetrics({ maxAgeMs: 1000 })).not.toBe(a);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('raises alerts, emits them, and keeps their history in the store', async () => {
    const store = new MemoryStore({});
    const monitor = make({ store, alerts: { cpu: { warning: 0, critical: 100 } } });
    const events: AlertEvent[] = [];
    monitor.on('alert', (e) => events.push(e));
    await monitor.sample();
    expect(events.map((e) => [e.type, e.alert.rule])).toContainEqual(['raised', 'cpu']);
    const active = await monitor.getAlerts({ history: false, limit: 10 });
    expect(active.map((a) => a.rule)).toContain('cpu');
    const history = await monitor.getAlerts({ history: true, limit: 10 });
    expect(history.map((a) => a.rule)).toContain('cpu');
    expect(await store.readAlerts(10)).toEqual(history);
  });

  it('health reflects the snapshot; detailed adds the metrics', async () => {
    const monitor = make();
    const health = await monitor.getHealth();
    expect(health).toMatchObject({
      status: expect.stringMatching(/green|yellow|red/),
      active_alerts: expect.any(Number),
    });
    expect(health.metrics).toBeUndefined();
    const detailed = await monitor.getHealth({ detailed: true });
    expect(detailed.metrics?.cpu.core_count).toBeGreaterThan(0);
  });

  it('flush() closes the bucket into a history point that history() returns', async () => {
    let now = Date.UTC(2026, 10, 27, 12, 0, 30);
    const monitor = make({ clock: { now: () => now } });
    await monitor.sample();
    for (let i = 0; i < 10; i++)
      monitor.recordRequest({ method: 'GET', route: '/', status: 200, durationMs: 5 + i });
    now += 20_000;
    await monitor.flush();
    const result = await monitor.getHistory({ period: '1h' });
    expect(result.period).toBe('1h');
    expect(result.instance).toBe(monitor.instanceId);
    expect(result.points).toHaveLength(1);
    expect(result.points[0]).toMatchObject({ requests: 10, t: Date.UTC(2026, 10, 27, 12, 0, 0) });
    expect(result.points[0]?.latency_max_ms).toBeGreaterThanOrEqual(14);
    expect(result.points[0]).not.toHaveProperty('histogram');
  });

  it('runs its sample and bucket timers, and close() stops them, writes the last bucket, and is idempotent', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 12, 0, 0) });
    const store = new MemoryStore({ resolutionMs: 10_000 });
    const append = vi.spyOn(store, 'appendPoint');
    const close = vi.spyOn(store, 'close');
    const monitor = make({
      sampleIntervalMs: 1000,
      resolutionMs: 10_000,
      store,
      clock: { now: () => Date.now() },
    });
    const sample = vi.spyOn(monitor, 'sample');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sample).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(8_500);
    expect(append).toHaveBeenCalledTimes(1);
    expect(append.mock.calls[0]?.[1].t).toBe(Date.UTC(2026, 10, 27, 12, 0, 0));
    await Promise.all([monitor.close(), monitor.close()]);
    expect(append).toHaveBeenCalledTimes(2);
    expect(close).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sample).toHaveBeenCalledTimes(11);
    expect(append).toHaveBeenCalledTimes(2);
  });

  it('counts WebSocket connections of a tracked server, never below zero', async () => {
    const monitor = make();
    const server = new EventEmitter();
    const untrack = monitor.trackWebSockets(server);
    const [a, b] = [new EventEmitter(), new EventEmitter()];
    server.emit('connection', a);
    server.emit('connection', b);
    a.emit('close');
    expect((await monitor.sample()).websocket.active_connections).toBe(1);
    b.emit('close');
    b.emit('close');
    expect((await monitor.sample()).websocket.active_connections).toBe(0);
    untrack();
  });

  it('refuses an admin API option, saying where it belongs', () => {
    let error: unknown;
    try {
      createMonitor({ adminToken: 'x'.repeat(32) } as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SysvitalsError);
    expect((error as SysvitalsError).code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect((error as Error).message).toMatch(/`adminToken` is an admin API option/);
    expect((error as Error).message).toMatch(/sysvitals\/express, sysvitals\/fastify or sysvitals\/koa/);
    expect((error as Error).message).toMatch(/createAdminApi/);
  });

  it("knows every admin API option (the list it refuses is the admin API's own)", () => {
    expect([...ADMIN_OPTIONS_OF_CORE_MONITOR].sort()).toEqual([...ADMIN_API_OPTION_KEYS].sort());
  });

  it('adopts @timed calls made before it existed and records later ones', async () => {
    const work = timed(function monitorTestWork(n: number) {
      return n * 2;
    });
    expect(work(2)).toBe(4);
    const monitor = make();
    expect(work(3)).toBe(6);
    const snapshot = await monitor.sample();
    expect(snapshot.functions.monitorTestWork?.count).toBe(2);
  });

  it('keeps serving when a listener throws', async () => {
    const monitor = make();
    monitor.on('metrics', () => {
      throw new Error('listener bug');
    });
    await expect(monitor.sample()).resolves.toHaveProperty('cpu');
  });
});
