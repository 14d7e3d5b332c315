// Regression (red team 48, RT48-1): after a restart (RedisStore, same instanceId) a restored `job_stale` alert whose
// job the new deploy removed, renamed or declares without `expectEvery` never cleared, and was saved and restored
// again at every restart. Oracle: README "Across a restart" (a restored alert waits for a reading at most
// `error_rate.horizonMs`, 15 min, after the restore) and Background jobs (only an `expectEvery` job is watched):
// with nothing watching its job, it clears (`cleared`, same id, a message saying why) at that bound, not before,
// on the injected clock. Private redis-server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemMonitor } from '../../src/monitor.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const MIN = 60_000;
const HOLD = 15 * MIN; // README: error_rate.horizonMs, 15 min by default

const start = (url: string, prefix: string, t: number): Run =>
  startRun(url, prefix, t, { instanceId: 'api-1', rules: ['job_stale'] });
const loaded = stateLoaded;
const staleIds = async (m: SystemMonitor) =>
  (await m.getAlerts()).filter((a) => a.rule === 'job_stale').map((a) => a.id);

describe.skipIf(!requireRedis())(
  'a restored job_stale alert whose job is no longer watched (RT48-1, RedisStore)',
  () => {
    let server: RedisServer;
    let n = 0;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    for (const variant of ['renamed', 'no expectEvery', 'removed'] as const) {
      const when = variant === 'no expectEvery' ? 'at its declaration' : "at the restore's bound, not before";
      it(`job ${variant} by the new deploy: cleared ${when}, and not restored again`, async () => {
        const p = `rt48-1:${process.pid}:${n++}:`;
        const a = start(server.url, p, T0);
        await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
        const ja = a.m.job(
          'nightly',
          () => {
            throw new Error('broken');
          },
          { expectEvery: MIN },
        );
        expect(() => ja()).toThrow('broken');
        a.clock.t = T0 + 3 * MIN; // no success for more than twice expectEvery: stale
        await a.m.sample();
        expect(a.events.map((e) => e.type)).toEqual(['raised']);
        const id = a.events[0]!.alert.id;
        await a.m.close();

        const t1 = T0 + 4 * MIN;
        const b = start(server.url, p, t1);
        await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
        expect(await staleIds(b.m)).toEqual([id]); // restored
        if (variant === 'renamed') b.m.job('nightly-v2', () => 'ok', { expectEvery: '1d' })();
        b.clock.t = t1 + MIN;
        await b.m.sample();
        expect(b.events).toEqual([]); // not declared yet: waiting (a lazily declared job may come)
        if (variant === 'no expectEvery') b.m.job('nightly', () => 'ok'); // declared 1 min after start, never run
        b.clock.t = t1 + (variant === 'no expectEvery' ? 2 * MIN : HOLD - 1);
        await b.m.sample();
        if (variant !== 'no expectEvery') {
          expect(b.events).toEqual([]); // still waiting
          b.clock.t = t1 + HOLD;
          await b.m.sample();
        }
        expect(b.events.map((e) => `${e.type}:${e.alert.id}`)).toEqual([`cleared:${id}`]);
        expect(b.events[0]!.alert.message).toBe(
          variant === 'no expectEvery'
            ? 'Job nightly no longer watched (declared without expectEvery)'
            : 'Job nightly no longer watched (not declared with expectEvery since the restart)',
        );
        expect(await staleIds(b.m)).toEqual([]);
        await b.m.close();

        const c = start(server.url, p, t1 + HOLD + MIN);
        await expect.poll(() => loaded(c.m), { timeout: 5000 }).toBe(true);
        await c.m.sample();
        expect(await staleIds(c.m)).toEqual([]);
        await c.m.close();
      });
    }

    it('the job declared lazily with expectEvery before the bound: judged on its reading, its success clears it', async () => {
      const p = `rt48-1:${process.pid}:${n++}:`;
      const a = start(server.url, p, T0);
      await expect.poll(() => loaded(a.m), { timeout: 5000 }).toBe(true);
      const ja = a.m.job(
        'nightly',
        () => {
          throw new Error('broken');
        },
        { expectEvery: MIN },
      );
      expect(() => ja()).toThrow('broken');
      a.clock.t = T0 + 3 * MIN;
      await a.m.sample();
      const id = a.events[0]!.alert.id;
      await a.m.close();

      const t1 = T0 + 4 * MIN;
      const b = start(server.url, p, t1);
      await expect.poll(() => loaded(b.m), { timeout: 5000 }).toBe(true);
      b.clock.t = t1 + 10 * MIN; // declared 10 min after start, still failing
      const jb = b.m.job(
        'nightly',
        (ok: boolean) => {
          if (!ok) throw new Error('broken');
        },
        { expectEvery: MIN },
      );
      expect(() => jb(false)).toThrow('broken');
      await b.m.sample();
      b.clock.t = t1 + HOLD + MIN; // past the bound: still stale, still the same alert
      await b.m.sample();
      expect(b.events).toEqual([]);
      expect(await staleIds(b.m)).toEqual([id]);
      jb(true);
      await b.m.sample();
      expect(b.events.map((e) => `${e.type}:${e.alert.id}`)).toEqual([`cleared:${id}`]);
      await b.m.close();
    });
  },
);
