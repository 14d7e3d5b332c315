// Regression (outside review 46, RT46-11): a deploy during an outage. Process A raises error_rate (or
// api_response_time); B, a restart with the same store and instanceId, samples before its first request. Before
// the fix, that sample (0 requests: "not judged") cleared the restored alert (`cleared` to every channel) and B's
// next failures raised a new one under a new id (a second page). README "Across a restart": a restored alert
// still breached is kept (no second `raised`); "no traffic is no sign of recovery". Now a restored alert waits for
// a judged reading: kept (same id) when it is breached, cleared when it is healthy, and, with no judged reading,
// cleared `alerts.error_rate.horizonMs` (15 min) after the restore. Private redis-server, injected clock; the
// oracle is the event log (ids raised and cleared) against those stated rules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const RULES = ['error_rate', 'api_response_time'];

const start = (url: string, prefix: string, t: number, horizonMs?: number): Run =>
  startRun(url, prefix, t, {
    instanceId: 'web-1',
    rules: RULES,
    options: horizonMs === undefined ? {} : { alerts: { error_rate: { horizonMs } } },
  });
const loaded = stateLoaded;

/** `n` requests of `status` taking `ms`, then the clock 30 s on and a sample. */
async function traffic(run: Run, n: number, status: number, ms = 3): Promise<void> {
  for (let i = 0; i < n; i++) run.m.recordRequest({ method: 'GET', route: '/r', status, durationMs: ms });
  run.clock.t += 30_000;
  await run.m.sample();
}

/** The clock `ms` on (past the request window: nothing in it), and a sample. */
async function idle(run: Run, ms: number): Promise<void> {
  run.clock.t += ms;
  await run.m.sample();
}

const active = async (m: SystemMonitor, rule: string) =>
  (await m.getAlerts()).filter((a) => a.rule === rule).map((a) => a.id);
const log = (run: Run) => run.events.map((e) => `${e.type}:${e.alert.rule}:${e.alert.id}`);

/** Process A: an outage raises `rule`; returns its id once A is closed. */
async function outage(url: string, prefix: string, rule: string, horizonMs?: number): Promise<string> {
  const a = start(url, prefix, T0, horizonMs);
  await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
  if (rule === 'error_rate') await traffic(a, 30, 503);
  else await traffic(a, 30, 200, 6000);
  const raised = a.events.filter((e) => e.type === 'raised' && e.alert.rule === rule);
  expect(raised.length).toBe(1);
  await a.m.close();
  return raised[0]!.alert.id;
}

async function restart(url: string, prefix: string, t: number, horizonMs?: number): Promise<Run> {
  const b = start(url, prefix, t, horizonMs);
  await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
  return b;
}

describe.skipIf(!requireRedis())('a restored alert waits for a judged reading (RT46-11, RedisStore)', () => {
  let server: RedisServer;
  let n = 0;
  const prefix = () => `rt46-11:${process.pid}:${n++}:`;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('error_rate: no request yet keeps it; the outage going on continues the same id, no new page', async () => {
    const p = prefix();
    const id = await outage(server.url, p, 'error_rate');
    const b = await restart(server.url, p, T0 + 2 * 60_000);
    await idle(b, 1000); // B's first sample, 0 requests: not judged
    expect(log(b)).toEqual([]);
    expect(await active(b.m, 'error_rate')).toEqual([id]);
    await traffic(b, 5, 503); // 5 of 5 failed: Wilson lower bound 56.55 %, critical
    expect(log(b)).toEqual([]);
    expect(await active(b.m, 'error_rate')).toEqual([id]);
    await b.m.close();
  });

  it('api_response_time: no request yet keeps it; more 6 s requests continue the same id', async () => {
    const p = prefix();
    const id = await outage(server.url, p, 'api_response_time');
    const b = await restart(server.url, p, T0 + 2 * 60_000);
    await idle(b, 1000);
    expect(log(b)).toEqual([]);
    expect(await active(b.m, 'api_response_time')).toEqual([id]);
    await traffic(b, 5, 200, 6000);
    expect(log(b)).toEqual([]);
    expect(await active(b.m, 'api_response_time')).toEqual([id]);
    await b.m.close();
  });

  it('a restart that truly recovered clears at the first judged healthy window, same id', async () => {
    const p = prefix();
    const id = await outage(server.url, p, 'error_rate');
    const b = await restart(server.url, p, T0 + 2 * 60_000);
    await idle(b, 1000);
    await idle(b, 60_000);
    expect(log(b)).toEqual([]);
    await traffic(b, 100, 200); // 100 judged, 0 % failed
    expect(log(b)).toEqual([`cleared:error_rate:${id}`]);
    expect(b.events[0]!.alert.cleared_at).toBe(new Date(b.clock.t).toISOString());
    expect(await active(b.m, 'error_rate')).toEqual([]);
    await b.m.close();
  });

  it('a restart into no traffic at all clears it 15 min (horizonMs) after the restore, not before', async () => {
    const p = prefix();
    const id = await outage(server.url, p, 'error_rate');
    const restoredAt = T0 + 2 * 60_000;
    const b = await restart(server.url, p, restoredAt);
    for (let i = 0; i < 14; i++) await idle(b, 60_000); // +14 min
    b.clock.t = restoredAt + 900_000 - 1;
    await b.m.sample();
    expect(log(b)).toEqual([]);
    expect(await active(b.m, 'error_rate')).toEqual([id]);
    await idle(b, 1); // restoredAt + 900 000 ms
    expect(log(b)).toEqual([`cleared:error_rate:${id}`]);
    expect(b.events[0]!.alert.cleared_at).toBe(new Date(restoredAt + 900_000).toISOString());
    await b.m.close();
  });

  it('the bound is alerts.error_rate.horizonMs (30 min here; 15 min with the horizon off)', async () => {
    for (const [horizonMs, bound] of [
      [1_800_000, 1_800_000],
      [0, 900_000],
    ] as const) {
      const p = prefix();
      const id = await outage(server.url, p, 'error_rate', horizonMs);
      const restoredAt = T0 + 2 * 60_000;
      const b = await restart(server.url, p, restoredAt, horizonMs);
      b.clock.t = restoredAt + bound - 1;
      await b.m.sample();
      expect(log(b)).toEqual([]);
      await idle(b, 1);
      expect(log(b)).toEqual([`cleared:error_rate:${id}`]);
      await b.m.close();
    }
  });

  it('an alert raised before the saved state was read (a store slow at start) is saved once it is read', async () => {
    const slow = await startRedis();
    try {
      const p = prefix();
      await slow.kill('SIGSTOP'); // the store answers nothing: A's start-up read waits
      const a = start(slow.url, p, T0);
      await traffic(a, 30, 503);
      expect(a.events.map((e) => e.type)).toEqual(['raised']);
      expect(loaded(a.m)).toBe(false);
      await slow.kill('SIGCONT');
      await a.m.flush(); // retries the read if it failed meanwhile
      await expect.poll(() => loaded(a.m), { timeout: 10_000 }).toBe(true);
      const id = a.events[0]!.alert.id;
      await a.m.close();
      const b = await restart(slow.url, p, T0 + 2 * 60_000);
      expect(await active(b.m, 'error_rate')).toEqual([id]);
      await b.m.close();
    } finally {
      await slow.stop();
    }
  });
});
