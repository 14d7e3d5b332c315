// Outside review F6: a graceful aggregator handover (SIGTERM through the app's handler, `pm2 reload`) left a
// minute of windowed figures without the old aggregator's own requests (per_minute 3216 of 3562), marked
// `aggregator-window`. The handing-over aggregator now writes its own last minute into the ledger and the
// successor adds it, so the window is every worker's last minute at once. Real node:cluster processes; the
// oracle is every request the workers logged.

import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/latency/histogram.js';
import { microsOf } from '../../src/latency/latency-ring.js';
import {
  aggregatorPid,
  BASE,
  getJson,
  load,
  loggedRequests,
  metricsOf as metrics,
  signalPid,
  until,
  untilNewAggregator,
  useCluster,
} from './helpers.js';

type Logged = ReturnType<typeof loggedRequests>;

/** The window as a whole (nothing marked) and equal to the workers' logged requests (the oracle). */
async function expectWholeWindow(port: number, after: Awaited<ReturnType<typeof metrics>>, logged: Logged) {
  const n = logged.length;
  expect(after.cluster.missing).toEqual([]);
  expect(after.requests.total).toBe(n);
  const span = (await getJson(port, `${BASE}/routes`)).data.data.window_seconds as number;
  if (after.requests.per_minute !== n) expect(after.requests.per_minute).toBeCloseTo((n * 60) / span, 0);
  expect(after.errors.count_4xx).toBe(logged.filter((r) => r.status >= 400 && r.status < 500).length);
  expect(after.errors.count_5xx).toBe(logged.filter((r) => r.status >= 500).length);
  const oracle = createHistogram();
  for (const r of logged) oracle.recordValue(microsOf(r.ms));
  const p95 = oracle.getValueAtPercentile(95) / 1000;
  expect(Math.abs(after.latency.p95_ms - p95)).toBeLessThanOrEqual(p95 * 0.01 + 0.001);
}

/** Waits until the workers logged all 240 requests and the cluster counts them all; its metrics then. */
async function until240Counted(port: number, logDir: string) {
  await until(async () => loggedRequests(logDir).length === 240);
  return until(async () => {
    const m = await metrics(port);
    return m.requests.total === 240 && m;
  });
}

describe('node:cluster graceful handover: the window', () => {
  const c = useCluster({}, 3);

  it("after a SIGTERM of the aggregator the window holds every worker's last minute, complete", async () => {
    const result = await load(c.port, 240, 6, 11);
    expect(result.failed).toBe(0);
    const before = await until240Counted(c.port, c.logDir);
    const aggPid = aggregatorPid(before.cluster);
    const own = loggedRequests(c.logDir).filter((r) => r.pid === aggPid).length;
    expect(own).toBeGreaterThan(0);
    signalPid(aggPid, 'SIGTERM');
    const after = await untilNewAggregator(c.port, before.cluster.aggregator, 2);
    const logged = loggedRequests(c.logDir);
    expect(logged).toHaveLength(240);
    // Before: missing ['aggregator-window'] and the window without the old aggregator's `own` requests.
    await expectWholeWindow(c.port, after, logged);
  }, 120_000);
});

// Issue #13: a graceful handover within a minute of a worker's graceful leave marked the successor's window
// `aggregator-window` and lacked that worker's last minute (no live worker held it). A worker that closes now
// sends its last minute (`bye`) after its last report; the aggregator hands it over with its own.
describe('node:cluster graceful handover after a worker left gracefully', () => {
  const c = useCluster({}, 3);

  it("the successor's window holds the departed worker's last minute too, and nothing is marked", async () => {
    const result = await load(c.port, 240, 6, 12);
    expect(result.failed).toBe(0);
    const before = await until240Counted(c.port, c.logDir);
    const aggPid = aggregatorPid(before.cluster);
    const leaver = (before.cluster.workers as Array<{ pid: number }>).find((w) => w.pid !== aggPid)
      ?.pid as number;
    expect(loggedRequests(c.logDir).filter((r) => r.pid === leaver).length).toBeGreaterThan(0);
    // The worker leaves gracefully (its SIGTERM handler closes its monitor), then the aggregator hands over.
    signalPid(leaver, 'SIGTERM');
    await until(async () => (await metrics(c.port)).cluster.workers_connected === 2, 30_000);
    signalPid(aggPid, 'SIGTERM');
    const after = await untilNewAggregator(c.port, before.cluster.aggregator, 1);
    const logged = loggedRequests(c.logDir);
    expect(logged).toHaveLength(240);
    // Before: missing ['aggregator-window'], and the window without the departed worker's requests.
    await expectWholeWindow(c.port, after, logged);
  }, 120_000);
});
