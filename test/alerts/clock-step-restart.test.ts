// Outside review rtF, F4, across a restart (RedisStore, same instanceId, private redis-server): the alert engine
// measures waits and durations on monotonic time in-process, but persists wall-clock times (raisedAt, timestamp). A
// restored alert continues under its id; its duration_seconds is its wall-clock age at the restore (all a new process
// can know) plus the monotonic time since, whatever the new process's wall clock does after. A `for` wait not yet
// over is not persisted: it starts again in the new process (docs/restarts.md, "Clocks"). Oracle: the injected clocks.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';
import { type Run, startRun, stateLoaded } from '../helpers/restarted-monitor.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const SAMPLE_MS = 5_000;

interface Process {
  run: Run;
  mono: { t: number };
  depth: { v: number };
  /** `s` seconds of real time (both clocks), a sample every 5 s; the monotonic times of the samples. */
  pass: (s: number) => Promise<number[]>;
}

/** One process at wall time `wall`, its monotonic clock starting at `mono0`, a rule `backlog` with `for: 60 s`. */
async function start(url: string, prefix: string, wall: number, mono0: number): Promise<Process> {
  const mono = { t: mono0 };
  const depth = { v: 5000 };
  const run = startRun(url, prefix, wall, {
    instanceId: 'web-1',
    rules: ['backlog'],
    options: {
      monotonicClock: () => mono.t,
      alerts: { rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: 1000, for: 60_000 }] },
    },
  });
  run.m.gauge('queue_depth', { help: 'q', collect: () => depth.v });
  await expect.poll(() => stateLoaded(run.m), { timeout: 5000 }).toBe(true);
  const pass = async (s: number) => {
    const at: number[] = [];
    for (let i = 0; i < s * 1000; i += SAMPLE_MS) {
      run.clock.t += SAMPLE_MS;
      mono.t += SAMPLE_MS;
      await run.m.sample();
      at.push(mono.t);
    }
    return at;
  };
  return { run, mono, depth, pass };
}

const backlog = async (p: Process) => (await p.run.m.getAlerts()).filter((a) => a.rule === 'backlog');

describe.skipIf(!requireRedis())(
  'alert times across a restart, wall clock stepped (rtF F4, RedisStore)',
  () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('a restored alert: same id, wall-clock timestamp, duration its wall age at the restore plus monotonic time', async () => {
      const prefix = `svrtf4a:${process.pid}:`;
      const a = await start(server.url, prefix, T0, 1_000);
      await a.pass(70);
      expect(a.run.events.map((e) => e.type)).toEqual(['raised']);
      const raised = a.run.events[0]!.alert;
      const raisedWall = Date.parse(raised.timestamp);
      await a.run.m.close();

      // The next process, 40 s of wall time later, its monotonic clock from another origin.
      const restartWall = a.run.clock.t + 40_000;
      const b = await start(server.url, prefix, restartWall, 900_000);
      const restoredMono = b.mono.t;
      const ageAtRestore = restartWall - raisedWall;
      await b.pass(10);
      b.run.clock.t += 2 * 3_600_000; // NTP steps the wall clock +2 h
      const seen = await b.pass(20);
      expect(b.run.events).toEqual([]);
      expect((await backlog(b)).map((x) => [x.id, x.timestamp, x.duration_seconds])).toEqual([
        [raised.id, raised.timestamp, Math.round((ageAtRestore + seen.at(-1)! - restoredMono) / 1000)],
      ]);
      b.depth.v = 0;
      const clearedAt = (await b.pass(5))[0]!;
      expect(
        b.run.events.map((e) => [e.type, e.alert.id, e.alert.cleared_at, e.alert.duration_seconds]),
      ).toEqual([
        [
          'cleared',
          raised.id,
          new Date(b.run.clock.t).toISOString(),
          Math.round((ageAtRestore + clearedAt - restoredMono) / 1000),
        ],
      ]);
      await b.run.m.close();
    });

    it('a `for` wait not over at the restart starts again in the new process, on its monotonic time', async () => {
      const prefix = `svrtf4b:${process.pid}:`;
      const a = await start(server.url, prefix, T0, 1_000);
      await a.pass(40);
      expect(a.run.events).toEqual([]);
      await a.run.m.close();

      const b = await start(server.url, prefix, a.run.clock.t + 5_000, 500_000);
      const first = (await b.pass(5))[0]!;
      b.run.clock.t += 10 * 60_000; // a +10 min step: no time breached
      let raisedAt: number | null = null;
      while (raisedAt === null && b.mono.t - first < 120_000) {
        await b.pass(5);
        if (b.run.events.length > 0) raisedAt = b.mono.t;
      }
      // Raised 60 s of B's monotonic time after its first breached sample (A's 40 s are not carried over).
      expect(b.run.events.map((e) => e.type)).toEqual(['raised']);
      expect(raisedAt).toBe(first + 60_000);
      await b.run.m.close();
    });
  },
);
