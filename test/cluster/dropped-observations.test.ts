// dropped_observations in cluster mode: the cluster view (instance=all) is the sum over the workers of the
// observations each dropped for bad input (it read the aggregator's own monitor: zeros), sent as deltas in the
// reports and kept in the ledger, so that it never goes back across an aggregator SIGKILL; instance=<worker>
// is that worker's own. Real node:cluster processes; the oracle is the bad calls each worker logged.

import { describe, expect, it } from 'vitest';
import {
  BASE,
  get,
  killAggregator,
  logLines,
  metricsOf as metrics,
  promValue,
  until,
  useCluster,
} from './helpers.js';

const SOURCES = ['requests', 'functions', 'queries', 'jobs', 'custom_histograms'] as const;

/** Bad calls per worker pid (each /bad request drops one observation of every source). */
function badCalls(logDir: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const { pid } of logLines(logDir, 'dlog', String)) out.set(pid, (out.get(pid) ?? 0) + 1);
  return out;
}
const total = (calls: Map<number, number>) => [...calls.values()].reduce((a, b) => a + b, 0);
const each = (n: number) => Object.fromEntries(SOURCES.map((s) => [s, n]));

describe('node:cluster: dropped_observations', () => {
  // Start-up guard only, no timed assertion.
  const c = useCluster({}, 3);

  it('the cluster view sums the workers, instance=<worker> is its own, JSON and Prometheus, across an aggregator SIGKILL', async () => {
    for (let i = 0; i < 60; i++) await get(c.port, '/bad');
    const calls = badCalls(c.logDir);
    const n = total(calls);
    expect(n).toBe(60);
    expect(calls.size).toBeGreaterThan(1);
    const before = await until(async () => {
      const m = await metrics(c.port);
      return m.dropped_observations?.requests === n && m;
    }, 30_000);
    expect(before.dropped_observations).toEqual(each(n));
    const prom = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    for (const s of SOURCES)
      expect(promValue(prom, 'sysvitals_dropped_observations_total', `source="${s}"`)).toBe(n);
    for (const [pid, k] of calls) {
      const own = await metrics(c.port, `?instance=${pid}`);
      // A process's own view also has its analytics.observe() drops (none here); a worker's report has not.
      const { observed_series, ...reported } = own.dropped_observations;
      expect(reported).toEqual(each(k));
      expect(observed_series ?? 0).toBe(0);
    }

    const killed = before.cluster.workers.find((w: { aggregator: boolean }) => w.aggregator).pid as number;
    await killAggregator(c.port, before.cluster, 'SIGKILL', 2, 60_000);
    // The survivors learn of the death from their socket, the primary from its own channel: until the primary
    // has seen the exit, it may hand a connection to the dead worker (never answered). A guard on its event.
    await until(async () => c.events.some((e) => e.exited === killed), 60_000);
    // Counters never go back: the dead aggregator's own bad calls stay counted (the ledger).
    for (let i = 0; i < 20; i++) await get(c.port, '/bad');
    const n2 = total(badCalls(c.logDir));
    expect(n2).toBe(80);
    // Its last answer goes into the failure: which worker answered, for the cluster or alone (issue 13's flake).
    let last: unknown;
    const after = await until(async () => {
      const m = await metrics(c.port);
      last = { dropped: m.dropped_observations, cluster: m.cluster };
      return m.dropped_observations?.requests === n2 && m;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; last answer: ${JSON.stringify(last)}`);
    });
    expect(after.dropped_observations).toEqual(each(n2));
    const prom2 = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    for (const s of SOURCES)
      expect(promValue(prom2, 'sysvitals_dropped_observations_total', `source="${s}"`)).toBe(n2);
  }, 180_000);
});
