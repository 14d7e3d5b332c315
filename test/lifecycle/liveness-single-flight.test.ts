// Outside review 39, RT39-6: every anonymous GET /livez ran the app's probeRules.liveness() again (300 requests →
// 300 calls, up to 50 at once; a check that never settles → 300 unsettled calls). README: "No probe collects
// anything" and, for checks, "no check starts while the last is pending". The oracle is the check's own count of
// its calls (and of those still unsettled), against a real Express server; the monitor's clock is injected.

import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { harnesses, type Running } from '../adapters/harness.js';

const TOKEN = 'probe-test-token-0123456789';

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

/** `n` concurrent anonymous GET /livez: the count of each status. */
async function flood(url: string, n: number): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const s of await Promise.all(Array.from({ length: n }, () => status(`${url}/livez`)))) {
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}

let running: Running | undefined;
let monitor: SystemMonitor | undefined;
afterEach(async () => {
  await running?.close();
  await monitor?.close();
  running = undefined;
  monitor = undefined;
});

async function start(liveness: () => Promise<boolean>, clock: { now(): number }): Promise<string> {
  monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, clock, probeRules: { liveness } });
  const harness = harnesses[0]!;
  running = await harness.start({ source: monitor, api: { adminToken: TOKEN } as never });
  return running.url;
}

describe('probeRules.liveness() behind /livez', () => {
  it('concurrent probes share one pending call, and an answer serves the probes of the next second', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    let calls = 0;
    let inProgress = 0;
    let maxInProgress = 0;
    let release: (() => void) | undefined;
    const url = await start(async () => {
      calls++;
      inProgress++;
      maxInProgress = Math.max(maxInProgress, inProgress);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      inProgress--;
      return true;
    }, clock);
    // 50 probes at once while the call is pending: one call; it answers once all 50 are waiting on it.
    const answers = flood(url, 50);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    // Give the other probes time to arrive while it is pending (any arriving later reads the answer: no call either).
    await new Promise((r) => setTimeout(r, 100));
    release?.();
    expect(await answers).toEqual({ 200: 50 });
    expect([calls, maxInProgress]).toEqual([1, 1]);
    // 250 more within the second after the answer: read, not run again.
    for (let i = 0; i < 5; i++) expect(await flood(url, 50)).toEqual({ 200: 50 });
    expect(calls).toBe(1);
    // A second later the next probe runs the check again (once).
    clock.t += 1000;
    const next = flood(url, 20);
    while (calls === 1) await new Promise((r) => setTimeout(r, 5));
    release?.();
    expect(await next).toEqual({ 200: 20 });
    expect([calls, maxInProgress, inProgress]).toEqual([2, 1, 0]);
  });

  it('a check that never settles is called once per backoff, not once per probe; the probes fail', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    let calls = 0;
    const url = await start(() => {
      calls++;
      return new Promise<boolean>(() => {}); // a ping on a lost connection
    }, clock);
    // Within the 1 s timeout (real timers): every probe waits on the one call, and fails when it has not answered.
    expect(await flood(url, 50)).toEqual({ 503: 50 });
    expect(calls).toBe(1);
    // Past the timeout, before the backoff (1 s for the first): failed at once, no new call.
    clock.t += 1500;
    for (let i = 0; i < 5; i++) expect(await flood(url, 50)).toEqual({ 503: 50 });
    expect(calls).toBe(1);
    // Timeout + backoff passed: abandoned, one new call for the next flood.
    clock.t += 600;
    expect(await flood(url, 50)).toEqual({ 503: 50 });
    expect(calls).toBe(2);
    // The backoff doubles (2 s): 3 s after the second call, still no third.
    clock.t += 2900;
    expect(await flood(url, 50)).toEqual({ 503: 50 });
    expect(calls).toBe(2);
  });
});

// Outside review 42, RT42-6: a check that always took 1.5 s (README: `livez` fails when the check "takes over 1 s")
// passed about half the probes: its late `true` was taken as the answer and reused for the next second. The oracle is
// the documented limit against the injected clock: a call that settled 1.5 s after it started is a failure for every
// probe it answers, the ones waiting on it and the ones of the second after.
describe('a liveness check that answers after the 1 s limit', () => {
  it('fails the probes it answers, and its late true is not reused as a pass', async () => {
    const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
    let calls = 0;
    let release: ((ok: boolean) => void) | undefined;
    const url = await start(() => {
      calls++;
      return new Promise<boolean>((resolve) => {
        release = resolve;
      });
    }, clock);
    // Probes waiting on the call; it answers true 1.5 s (on the monitor's clock) after it started.
    const waiting = flood(url, 10);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    clock.t += 1500;
    release?.(true);
    expect(await waiting).toEqual({ 503: 10 });
    // The second after that late answer: still failures, no new call.
    clock.t += 300;
    expect(await flood(url, 10)).toEqual({ 503: 10 });
    expect(calls).toBe(1);
    // Once the late answer has served its second, the next call is judged on its own: in time, a pass.
    clock.t += 1000;
    const next = flood(url, 10);
    while (calls === 1) await new Promise((r) => setTimeout(r, 5));
    clock.t += 200;
    release?.(true);
    expect(await next).toEqual({ 200: 10 });
    expect(calls).toBe(2);
  });
});
