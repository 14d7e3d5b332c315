// Outside review 46. RT46-2: the liveness check's lateness (`took`) was read on the wall clock, so a step back during a
// slow call made it negative and the call's late `true` passed the next second's probes. The oracle is docs/probes.md
// ("A call that settled 1 s or more after it started fails, whatever it answered ... for the probes waiting on it and
// for the second it serves") and README Metrics ("a clock stepped back is taken as standing still"), against an
// injected clock stepped back. RT46-6: `/livez?verbose` said "returned false" for a check that returned undefined, 1
// or "ok"; docs/probes.md: "`true` passes; `false`, a throw or a rejection fails". The oracle for what it says is the
// JavaScript type of what the check returned (typeof), never its value (it may be a secret).

import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedLivenessCheck } from '../../src/lifecycle/liveness-check.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { harnesses, type Running } from '../adapters/harness.js';

const TOKEN = 'probe-test-token-0123456789';

function livez(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/livez?verbose`,
      { agent: false, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

let running: Running | undefined;
let monitor: SystemMonitor | undefined;
afterEach(async () => {
  await running?.close();
  await monitor?.close();
  running = undefined;
  monitor = undefined;
});

describe('the liveness check timed across a clock stepped back (RT46-2)', () => {
  it('an injected clock stepped back during a slow call: standing still, the late true fails its second', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    let release: ((ok: boolean) => void) | undefined;
    const shared = new SharedLivenessCheck(
      () =>
        new Promise<boolean>((resolve) => {
          release = resolve;
        }),
      clock,
    );
    const first = shared.read(); // the call starts
    while (release === undefined) await new Promise((r) => setImmediate(r));
    clock.t += 500;
    const before = shared.read(); // a probe 500 ms into the call
    clock.t -= 10_000; // then an NTP step back
    const after = shared.read(); // a probe right after it: the step is seen, time stands still
    clock.t += 1000; // the call answers 1.5 s after it started (0.5 s before the step, 1 s after)
    release?.(true);
    for (const outcome of [await first, await before, await after]) {
      expect(outcome.ok).toBe(false);
      expect(outcome.output).toBe('the liveness check answered after 1500 ms (the limit is 1000 ms)');
    }
    clock.t += 300; // the second it serves
    expect((await shared.read()).ok).toBe(false);
  });

  it('with a monotonicClock, a wall clock stepped back 10 s with no probe in between changes nothing', async () => {
    const wall = { t: Date.UTC(2026, 0, 1), now: () => wall.t };
    const mono = { t: 5_000, now: () => mono.t };
    let calls = 0;
    let release: ((ok: boolean) => void) | undefined;
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: wall,
      monotonicClock: mono,
      probeRules: {
        liveness: () => {
          calls++;
          return new Promise<boolean>((resolve) => {
            release = resolve;
          });
        },
      },
    });
    running = await harnesses[0]!.start({ source: monitor, api: { adminToken: TOKEN } as never });
    const url = running.url;
    const waiting = livez(url);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    wall.t -= 10_000 - 1500;
    mono.t += 1500;
    release?.(true);
    expect((await waiting).status).toBe(503);
    wall.t += 300;
    mono.t += 300;
    const next = await Promise.all(Array.from({ length: 5 }, () => livez(url)));
    expect(next.map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
    expect(next[0]!.body).toMatch(/answered after 1500 ms/);
    expect(calls).toBe(1);
  });
});

describe('the liveness check with no clock injected (RT46-2, the default)', () => {
  it('Date.now stepped back during a call that took 1.2 s: the late true fails its second', async () => {
    const realNow = Date.now;
    let offset = 0;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    try {
      let calls = 0;
      monitor = createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        probeRules: {
          liveness: async () => {
            calls++;
            offset -= 10_000; // an NTP step back during the call
            await new Promise((r) => setTimeout(r, 1200)); // a timer waits at least this long
            return true;
          },
        },
      });
      running = await harnesses[0]!.start({ source: monitor, api: { adminToken: TOKEN } as never });
      expect((await livez(running.url)).status).toBe(503); // the 1 s wait of the probe
      // Until the call has settled (a pending call fails at once: "still pending"), at most 100 probes.
      for (let i = 0; i < 100; i++) {
        const { body } = await livez(running.url);
        if (!/still pending/.test(body)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const next = await livez(running.url); // the second the late answer serves
      expect(next.status).toBe(503);
      const took = Number(/answered after (\d+) ms/.exec(next.body)?.[1]);
      expect(took).toBeGreaterThanOrEqual(1200); // the oracle: the call's own timer of 1200 ms
      expect(calls).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('/livez?verbose names what a failing check returned, by type (RT46-6)', () => {
  const SECRET = 'pg-password-s3cret';
  it.each<[string, () => unknown, string]>([
    ['async () => {}', async () => {}, 'returned undefined (nothing), not true'],
    ['() => 1', () => 1, 'returned a number, not true'],
    ['() => "ok"', () => SECRET, 'returned a string, not true'],
    ['() => ({ ... })', () => ({ password: SECRET }), 'returned an object, not true'],
    ['() => null', () => null, 'returned null, not true'],
    ['() => false', () => false, 'the liveness check returned false'],
  ])('%s', async (_label, liveness, says) => {
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      probeRules: { liveness: liveness as () => boolean },
    });
    running = await harnesses[0]!.start({ source: monitor, api: { adminToken: TOKEN } as never });
    const { status, body } = await livez(running.url);
    expect(status).toBe(503); // only true passes (docs/probes.md)
    expect(body).toContain(says);
    expect(body).not.toContain(SECRET);
  });

  it('() => true passes (control)', async () => {
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      probeRules: { liveness: () => true },
    });
    running = await harnesses[0]!.start({ source: monitor, api: { adminToken: TOKEN } as never });
    expect((await livez(running.url)).status).toBe(200);
  });
});
