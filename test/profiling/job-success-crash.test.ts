// Regression (gaps after outside review 46): a job's success recorded in the last minute before a crash was not
// saved with a persistent store. The jobs state (RT46-12: each job's last success and first declaration) was written
// at each minute's flush and at close only, so a process that died without its close lost up to a minute of
// successes, and the next process judged staleness from an older success (or from its own declaration). Now a
// success is saved at once, or at the end of a JOBS_SAVE_MS window when a save ran in the last one. Oracle: README
// Background jobs (stale when no run has succeeded for more than twice `expectEvery`; across a restart the last
// success is kept) on the injected clock's times, and the state a store of its own reads back. Private redis-server;
// the crashed process is one never closed before the next one starts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { RedisStore } from '../../src/stores/redis.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const start = (url: string, prefix: string, t: number): Run =>
  startRun(url, prefix, t, { instanceId: 'api-1', rules: ['job_stale'] });
const row = (m: SystemMonitor, name: string) => m.jobs.rows().find((r) => r.name === name)!;
const nightly = (m: SystemMonitor) =>
  m.job(
    'nightly',
    (ok: boolean) => {
      if (!ok) throw new Error('broken');
    },
    { expectEvery: '1d' },
  );

/** The last success the store holds for `name` (a store of its own reads it), or undefined. */
async function savedSuccess(url: string, prefix: string, name: string): Promise<number | null | undefined> {
  const store = new RedisStore({ url, prefix, instanceId: 'api-1', logger: silent });
  try {
    const json = await store.loadState('api-1', 'jobs');
    if (json === null || json === undefined) return undefined;
    const found = (JSON.parse(json).jobs as unknown[][]).find((r) => r[0] === name);
    return found === undefined ? undefined : (found[1] as number | null);
  } finally {
    await store.close();
  }
}

describe.skipIf(!requireRedis())('a job success in the minute before a crash (RedisStore)', () => {
  let server: RedisServer;
  let n = 0;
  const prefix = () => `job-crash:${process.pid}:${n++}:`;
  const leftOpen: Run[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const r of leftOpen) await r.m.close();
    await server?.stop();
  });

  it('is saved without a minute flush or a close: the next process judges staleness from it', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    leftOpen.push(a);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    const ja = nightly(a.m);
    a.clock.t = T0 + 10 * MINUTE + 30_000; // mid-minute: no minute flush (the bucket timer's is a minute away)
    ja(true);
    // Saved at the success (the first in its window): the store reads it back.
    await expect
      .poll(() => savedSuccess(server.url, p, 'nightly'), { timeout: 5000 })
      .toBe(T0 + 10 * MINUTE + 30_000);
    // A second success within the window: saved at the window's end, the later one kept.
    a.clock.t = T0 + 12 * MINUTE;
    ja(true);
    await expect.poll(() => savedSuccess(server.url, p, 'nightly'), { timeout: 5000 }).toBe(T0 + 12 * MINUTE);

    // The process dies (never closed). The next one, 2 days and an hour after the last success: stale, from it.
    const b = start(server.url, p, T0 + 12 * MINUTE + 2 * DAY + HOUR);
    leftOpen.push(b);
    const jb = nightly(b.m);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    expect(() => jb(false)).toThrow('broken');
    await b.m.sample();
    expect(row(b.m, 'nightly')).toMatchObject({
      stale: true,
      last_success: { timestamp: new Date(T0 + 12 * MINUTE).toISOString() },
    });
    expect(b.m.jobs.group().watched[0]).toMatchObject({ since_success_seconds: (2 * DAY + HOUR) / 1000 });
    expect(b.events.map((e) => e.type)).toEqual(['raised']);
  });

  it('a failure saves nothing new, and nothing is written after the close', async () => {
    const p = prefix();
    const a = start(server.url, p, T0);
    await expect.poll(() => stateLoaded(a.m), { timeout: 5000 }).toBe(true);
    const ja = nightly(a.m);
    a.clock.t = T0 + 5 * MINUTE;
    ja(true);
    await expect.poll(() => savedSuccess(server.url, p, 'nightly'), { timeout: 5000 }).toBe(T0 + 5 * MINUTE);
    a.clock.t = T0 + 6 * MINUTE;
    expect(() => ja(false)).toThrow('broken');
    await a.m.close(); // its last save: the success at 5 minutes
    expect(await savedSuccess(server.url, p, 'nightly')).toBe(T0 + 5 * MINUTE);
    ja(true); // after the close: recorded in memory only
    const b = start(server.url, p, T0 + 7 * MINUTE);
    leftOpen.push(b);
    await expect.poll(() => stateLoaded(b.m), { timeout: 5000 }).toBe(true);
    expect(await savedSuccess(server.url, p, 'nightly')).toBe(T0 + 5 * MINUTE);
  });
});
