// Regression (outside review 48, RT48-3): two live processes under one instanceId on a RedisStore. Before the fix, B,
// started while A still ran (a rolling deploy's overlap, or a second process given the same id), read A's saved
// active alerts, restored them and cleared them at its first healthy reading (`cleared` to every channel while A
// still raised them), and each overwrote the other's saved state; nothing said two processes were writing as one.
// README (RedisStore, instanceId) and docs/instance-id.md: the first live writer holds the
// instance's saved state; another reads it only once that one is gone (closed, or silent for 3 resolutions); both
// warn once, and show `instance_conflict`, when they keep writing side by side beyond 5 resolutions. Two real
// monitors on a private redis-server, injected clocks; the oracles are the event logs, the saved state as Redis
// holds it, and those stated rules.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
const ID = 'web-1';

interface Proc extends Run {
  warnings: string[];
}

function start(url: string, prefix: string, t: number): Proc {
  const warnings: string[] = [];
  const logger = {
    info() {},
    debug() {},
    error() {},
    warn: (_o: unknown, msg?: string) => {
      if (msg?.includes('live processes have been writing')) warnings.push(msg);
    },
  };
  const run = startRun(url, prefix, t, { instanceId: ID, rules: ['error_rate'], options: { logger } });
  return { ...run, warnings };
}

/** `n` requests of `status`, then the clock 30 s on and a sample. */
async function traffic(p: Run, n: number, status: number): Promise<void> {
  for (let i = 0; i < n; i++) p.m.recordRequest({ method: 'GET', route: '/r', status, durationMs: 3 });
  p.clock.t += 30_000;
  await p.m.sample();
}

/** Each process's clock a minute on, then its flush (the claim of its instanceId rides on it). */
async function minute(...ps: Run[]): Promise<void> {
  for (const p of ps) {
    p.clock.t += MINUTE;
    await p.m.flush();
  }
}

const active = async (m: SystemMonitor) => (await m.getAlerts()).map((a) => a.id);
const log = (p: Run) => p.events.map((e) => `${e.type}:${e.alert.rule}:${e.alert.id}`);

describe.skipIf(!requireRedis())('two live processes under one instanceId (RT48-3, RedisStore)', () => {
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  const prefix = () => `rt48-3:${process.pid}:${n++}`;
  /** The ids in the instance's saved active alerts, as Redis holds them. */
  const saved = async (p: string) => {
    const store = new RedisStore({ url: server.url, prefix: p, instanceId: ID, logger: console });
    try {
      const raw = await store.loadState(ID, 'active-alerts');
      return raw === null ? [] : (JSON.parse(raw) as { alert: { id: string } }[]).map((a) => a.alert.id);
    } finally {
      await store.close();
    }
  };
  /** B's start-up has claimed the id (the writers' set holds both), or read the saved state (before the fix). */
  const settled = (p: string, b: Run) =>
    expect
      .poll(async () => stateLoaded(b.m) || (await redis.zcard(`{${p}}:writers:${ID}`)) === 2, {
        timeout: 5000,
      })
      .toBe(true);

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("B, started while A raises an alert, neither clears it nor overwrites A's saved state; it takes it over once A closes", async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 30, 503);
    const [id] = await active(a.m);
    expect(log(a)).toEqual([`raised:error_rate:${id}`]);
    await expect.poll(() => saved(p), { timeout: 5000 }).toEqual([id]);

    const b = start(server.url, p, T0 + MINUTE);
    await settled(p, b);
    await traffic(b, 100, 200); // B is healthy: 100 judged, 0 % failed
    await minute(b);
    expect(log(b)).toEqual([]); // before the fix: [`cleared:error_rate:${id}`], while A still raised it
    expect(await active(b.m)).toEqual([]);
    expect(stateLoaded(b.m)).toBe(false);
    expect(await active(a.m)).toEqual([id]);
    await minute(a);
    expect(await saved(p)).toEqual([id]); // A's, not overwritten by B's

    // A closes (the end of a rolling deploy): B's next flush reads A's last saved state, and judges what it restored.
    await a.m.close();
    await minute(b);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    expect(await active(b.m)).toEqual([id]);
    await traffic(b, 100, 200);
    expect(log(b)).toEqual([`cleared:error_rate:${id}`]);
    await expect.poll(() => saved(p), { timeout: 5000 }).toEqual([]);
    expect(a.warnings).toEqual([]); // a 2-minute overlap is a deploy's, not a conflict
    expect(b.warnings).toEqual([]);
    await b.m.close();
  });

  it("RTC-2: a rolling deploy where both breach: B continues under A's id at the hand-over, and every id raised is cleared", async () => {
    // Outside review C, RTC-2: before, B's own alert was kept and A's saved one dropped without a `cleared`, so A's
    // id stayed open forever in every receiver keyed on it (Alertmanager, PagerDuty).
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 30, 503);
    const [idA] = await active(a.m);
    await expect.poll(() => saved(p), { timeout: 5000 }).toEqual([idA]);

    const b = start(server.url, p, T0 + MINUTE);
    await settled(p, b);
    await traffic(b, 30, 503); // B breaches too, while A holds the state: its own alert
    const [idB] = await active(b.m);
    expect(idB).not.toBe(idA);
    expect(log(b)).toEqual([`raised:error_rate:${idB}`]);

    await a.m.close(); // A closes normally, its alert still active (saved at its close)
    expect(log(a)).toEqual([`raised:error_rate:${idA}`]);
    await minute(b);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    // B continues under A's id; its own is cleared (before: B kept idB, idA was never cleared).
    expect(await active(b.m)).toEqual([idA]);
    expect(log(b)).toEqual([`raised:error_rate:${idB}`, `cleared:error_rate:${idB}`]);
    await expect.poll(() => saved(p), { timeout: 5000 }).toEqual([idA]);
    await traffic(b, 30, 503); // still breached: kept, no second raise of idA
    expect(log(b)).toEqual([`raised:error_rate:${idB}`, `cleared:error_rate:${idB}`]);
    await traffic(b, 100, 200); // healthy: A's id cleared
    expect(await active(b.m)).toEqual([]);

    // The oracle: every id ever raised, by either process, has been cleared.
    const events = [...log(a), ...log(b)];
    const raised = events.filter((e) => e.startsWith('raised:')).map((e) => e.split(':')[2]);
    const cleared = events.filter((e) => e.startsWith('cleared:')).map((e) => e.split(':')[2]);
    expect(raised.sort()).toEqual([idA, idB].sort());
    expect(cleared.sort()).toEqual([idA, idB].sort());
    await expect.poll(() => saved(p), { timeout: 5000 }).toEqual([]);
    await b.m.close();
  });

  it('A gone without closing (killed): B takes its saved state over once A was silent for 3 resolutions, not before', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    await traffic(a, 30, 503);
    const [id] = await active(a.m);
    await minute(a); // A's last claim: T0 + 90 s; then A says nothing more
    const b = start(server.url, p, T0 + 90_000);
    await settled(p, b);
    for (let i = 0; i < 3; i++) await minute(b); // T0 + 270 s: A last seen 180 s ago, still live
    expect(stateLoaded(b.m)).toBe(false);
    await minute(b); // T0 + 330 s: 240 s
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    expect(await active(b.m)).toEqual([id]);
    await b.m.close();
    await a.m.close();
  });

  it('two processes writing side by side beyond 5 resolutions: each warns once and shows instance_conflict, until one closes', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    const b = start(server.url, p, T0);
    await settled(p, b);
    for (let i = 0; i < 5; i++) await minute(a, b); // T0 + 300 s: each saw the other from T0 at the earliest
    expect([a.warnings, b.warnings]).toEqual([[], []]);
    expect((await a.m.sample()).instance_conflict).toBeUndefined();
    for (let i = 0; i < 2; i++) await minute(a, b); // T0 + 420 s: each saw the other at T0 + 60 s at the latest
    expect([a.warnings.length, b.warnings.length]).toEqual([1, 1]);
    expect(a.warnings[0]).toContain(
      `2 live processes have been writing under instanceId "${ID}" for over 300 s`,
    );
    expect(a.warnings[0]).toContain('this one holds the saved state');
    expect(b.warnings[0]).toContain('this one does not hold the saved state');

    const conflictA = (await a.m.sample()).instance_conflict;
    expect(conflictA).toMatchObject({ processes: 2, holds_state: true });
    expect(Date.parse(conflictA!.since)).toBeGreaterThanOrEqual(T0);
    expect(Date.parse(conflictA!.since)).toBeLessThanOrEqual(T0 + MINUTE);
    expect((await b.m.sample()).instance_conflict).toMatchObject({ processes: 2, holds_state: false });
    expect((await a.m.getHealth()).instance_conflict).toEqual(conflictA);
    const scrape = renderPrometheus(await collectPrometheusData(a.m));
    expect(scrape).toMatch(/^sysvitals_instance_conflict 2$/m);

    for (let i = 0; i < 10; i++) await minute(a, b);
    expect([a.warnings.length, b.warnings.length]).toEqual([1, 1]); // once, not each minute
    await b.m.close();
    await minute(a);
    expect((await a.m.sample()).instance_conflict).toBeUndefined();
    expect(renderPrometheus(await collectPrometheusData(a.m))).not.toContain('sysvitals_instance_conflict');
    await a.m.close();
  });
});
