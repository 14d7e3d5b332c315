// Issue #13 (outside review F2): a Prometheus scrape of the cluster never serves figures below an earlier
// scrape's. While no aggregator answers (SIGKILLed, stalled), a worker used to serve its own totals with
// nothing to mark them (417 -> 121), which Prometheus reads as a counter reset; now the scrape fails
// (503, Prometheus' `up` 0) until the cluster's totals can be had again. Real node:cluster processes, a
// sequential scrape loop (as Prometheus scrapes) under load, the exposition parsed; promtool on a scrape.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  aggregatorPid,
  clusterOf,
  get,
  killAggregator,
  signalPid,
  until,
  useCluster,
  watchScrapes,
} from './helpers.js';

const PROMTOOL = spawnSync('promtool', ['--version']).error === undefined;
if (!PROMTOOL && process.env.CI === 'true')
  throw new Error('promtool is missing: apt-get install prometheus');

describe('node:cluster: Prometheus counters across an aggregator SIGKILL and stall', () => {
  // No respawn: the killed aggregator stays dead.
  const c = useCluster({}, 4);

  it('every successful scrape holds every counter series at or above the highest value served before; the gaps are 503s', async () => {
    let stop = false;
    // Load on every worker for the whole test (fresh connections: round robin over the workers).
    const loadLoop = async () => {
      while (!stop) await get(c.port, '/work?ms=1&status=200').catch(() => undefined);
    };
    const loads = [loadLoop(), loadLoop(), loadLoop()];
    const scrapes = watchScrapes(c.port);
    const { highest, drops, statuses, served } = scrapes;
    // Each phase lasts until the scrape loop has had `n` more successful scrapes (guards, not timings).
    const moreScrapes = async (status: string, n: number) => {
      const from = served(status);
      await until(async () => served(status) >= from + n, 60_000);
    };
    let stalled: number | undefined;
    try {
      await moreScrapes('200', 5);
      const before = await clusterOf(c.port);
      const after = (await killAggregator(c.port, before, 'SIGKILL', 3)).cluster;
      await moreScrapes('200', 5);
      // The new aggregator stalls (as in a long GC or synchronous work) for longer than a question waits:
      // until scrapes have failed with 503 (a worker's question timed out) twice.
      stalled = aggregatorPid(after);
      signalPid(stalled, 'SIGSTOP');
      await moreScrapes('503', 2);
      signalPid(stalled, 'SIGCONT');
      await until(async () => {
        const cl = await clusterOf(c.port);
        return cl.aggregator && afterTakeover(cl) && cl.workers_connected === 3 && cl;
      }, 30_000);
      await moreScrapes('200', 5);
    } finally {
      stop = true;
      // Continued whatever failed: a worker left stopped never exits with its primary (lost-primary.test.ts).
      if (stalled !== undefined)
        try {
          signalPid(stalled, 'SIGCONT');
        } catch {
          // Gone.
        }
      await Promise.all([scrapes.stop(), ...loads]);
    }
    expect(drops).toEqual([]);
    // The stall was seen by the scrapes (a failed scrape, not one worker's totals), and they resumed.
    expect(statuses['503']).toBeGreaterThan(0);
    expect(statuses['200']).toBeGreaterThan(10);
    expect(
      highest.get('sysvitals_http_requests_total{method="GET",route="/work",status_class="2xx"}'),
    ).toBeGreaterThan(0);
    if (PROMTOOL) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: scrapes.last, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
      expect(r.status).toBe(0);
    }
  }, 120_000);
});
