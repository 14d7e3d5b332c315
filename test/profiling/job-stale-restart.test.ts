// Regression (outside review 46, RT46-12): a restart (RedisStore, same instanceId) resolved `job_stale` and forgot
// `last_success`: staleness was counted again from the new process's `monitor.job()` call, so a daily job broken
// in a service restarted more often than every two days never paged, and each restart sent a "resolved". Now each
// job's last success and first declaration are saved with the store's state. Oracle: README Background jobs (stale
// when no run has succeeded for more than twice `expectEvery`, counted from the `monitor.job` call before the
// first success) on the injected clock's times; "Across a restart": a restored alert still breached is kept.
// Private redis-server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const start = (url: string, prefix: string, t: number, maxJobs?: number): Run =>
  startRun(url, prefix, t, {
    instanceId: 'api-1',
    rules: ['job_stale'],
    options: maxJobs === undefined ? {} : { jobs: { maxJobs } },
  });
const loaded = stateLoaded;
const row = (m: SystemMonitor, name: string) => m.jobs.rows().find((r) => r.name === name)!;
const watched = (m: SystemMonitor, name: string) => m.jobs.group().watched.find((w) => w.name === name)!;
const nightly = (m: SystemMonitor, every: number | string) =>
  m.job(
    'nightly',
    (ok: boolean) => {
      if (!ok) throw new Error('broken');
    },
    { expectEvery: every },
  );
/** The jobs state the store holds, read by a store of its own (the monitor's closed with it). */
async function savedJobs(url: string, prefix: string): Promise<unknown[][]> {
  const store = new RedisStore({ url, prefix, instanceId: 'api-1', logger: silent });
  try {
    return JSON.parse((await store.loadState('api-1', 'jobs'))!).jobs;
  } finally {
    await store.close();
  }
}
const log = (run: Run) => run.events.map((e) => `${e.type}:${e.alert.id}`);

describe.skipIf(!requireRedis())('job staleness across a restart (RT46-12, RedisStore)', () => {
  let server: RedisServer;
  let n = 0;
  const prefix = () => `rt46-12:${process.pid}:${n++}:`;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a daily job stale before a restart is stale after it: same alert, its last success kept', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
    const ja = nightly(a.m, '1d');
    ja(true); // the last success: T0
    a.clock.t = T0 + 2 * DAY + HOUR;
    expect(() => ja(false)).toThrow('broken');
    await a.m.sample();
    expect(a.events.map((e) => e.type)).toEqual(['raised']);
    const id = a.events[0]!.alert.id;
    await a.m.close();

    // B, an hour later: the job is declared at start, before the saved state is read.
    const b = start(server.url, p, T0 + 2 * DAY + 2 * HOUR);
    const jb = nightly(b.m, '1d');
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    expect(() => jb(false)).toThrow('broken');
    await b.m.sample();
    expect(row(b.m, 'nightly')).toMatchObject({
      stale: true,
      runs: 1,
      last_success: { timestamp: new Date(T0).toISOString() },
    });
    expect(watched(b.m, 'nightly').since_success_seconds).toBe((2 * DAY + 2 * HOUR) / 1000);
    expect(log(b)).toEqual([]); // no `cleared`, no second `raised`
    expect((await b.m.getAlerts()).filter((x) => x.rule === 'job_stale').map((x) => x.id)).toEqual([id]);

    // The job succeeds again: the same alert clears.
    b.clock.t += 60_000;
    jb(true);
    await b.m.sample();
    expect(log(b)).toEqual([`cleared:${id}`]);
    await b.m.close();
  });

  it('a job that never succeeded counts from its first declaration, in the process before', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
    nightly(a.m, HOUR); // declared at T0, never succeeds
    a.clock.t = T0 + 30 * 60_000;
    await a.m.close();

    const b = start(server.url, p, T0 + 90 * 60_000);
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    nightly(b.m, HOUR); // declared after the read: adopts T0
    b.clock.t = T0 + 2 * HOUR; // exactly twice expectEvery: not yet stale
    await b.m.sample();
    expect(watched(b.m, 'nightly')).toMatchObject({ since_success_seconds: 7200, stale: false });
    expect(log(b)).toEqual([]);
    b.clock.t = T0 + 2 * HOUR + 1000;
    await b.m.sample();
    expect(watched(b.m, 'nightly')).toMatchObject({ since_success_seconds: 7201, stale: true });
    expect(b.events.map((e) => e.type)).toEqual(['raised']);
    await b.m.close();
  });

  it('the saved jobs are at most jobs.maxJobs: this process first, then the previous one not declared here', async () => {
    const p = prefix();
    const a = start(server.url, p, T0, 3);
    await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
    for (const name of ['a1', 'a2', 'a3', 'a4']) a.m.job(name, () => 1, { expectEvery: HOUR })();
    await a.m.close();
    expect(await savedJobs(server.url, p)).toEqual([
      ['a1', T0, T0],
      ['a2', T0, T0],
      ['a3', T0, T0],
    ]);

    const b = start(server.url, p, T0 + HOUR, 3);
    b.m.job('b1', () => 1, { expectEvery: HOUR })();
    await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
    await b.m.close();
    expect(await savedJobs(server.url, p)).toEqual([
      ['b1', T0 + HOUR, T0 + HOUR],
      ['a1', T0, T0],
      ['a2', T0, T0],
    ]);
  });
});
