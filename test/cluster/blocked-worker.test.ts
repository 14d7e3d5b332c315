// Outside review 20, F3 and F5, with real node:cluster processes: a worker whose event loop does not turn (SIGSTOP
// here; a synchronous loop is the same to the other processes) sends nothing, so the cluster read healthy while it
// lasted (its last figures were healthy) and a scrape had no sample saying a worker's figures were missing. Now the
// aggregator counts it, until it answers, with at least the time since the sync it let go unanswered
// (`unanswered_ms`), and every scrape says how many workers are connected and missing and whether the figures are
// complete. Oracles: the `event_loop_delay` levels against the worker's `unanswered_ms`, the
// signal the test sent (which worker, stopped or not), and promtool on the scrape.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPromtoolAccepts } from '../helpers/promtool.js';
import {
  BASE,
  completeRead,
  get,
  getJson,
  HOST_RULES_OFF,
  promValue,
  type Started,
  scrapeComplete,
  signalPid,
  startReadyCluster,
  until,
} from './helpers.js';

// Levels far above this shared machine's own event-loop jitter (HOST_RULES_OFF), so that only the stop reaches them.
const LEVELS = { warning: 2000, critical: 4000 };
// A connection handed to the stopped worker is never answered while it is stopped: given up after this, retried.
const READ_MS = 2000;

describe('node:cluster: a worker whose event loop does not turn (outside review 20, F3/F5)', () => {
  let c: Started;
  beforeAll(async () => {
    const alerts = { ...HOST_RULES_OFF, event_loop_delay: LEVELS };
    c = await startReadyCluster({ ALERTS: JSON.stringify(alerts) }, 3);
  }, 120_000);
  afterAll(async () => {
    await c?.kill();
  });

  const scrape = async () => {
    const r = await get(c.port, `${BASE}/metrics/prometheus`, READ_MS);
    return r.status === 200 ? r.body : undefined;
  };
  const health = async () => (await getJson(c.port, `${BASE}/health?detailed=true`, READ_MS)).data.data;

  it('counts it blocked in process status and the event_loop_delay alert while it lasts, names it, and scrapes say it is missing', async () => {
    // Before the stop and after it: a scrape with every worker's answer. A worker late for a scrape's sync round
    // on a loaded machine is missing from that one alone (helpers.ts completeRead); the stop is what is looked for.
    await until(scrape, 30_000);
    const before = (await completeRead(() => scrape().catch(() => undefined), scrapeComplete)) as string;
    expectPromtoolAccepts(before);
    expect(
      ['cluster_workers_connected', 'cluster_workers_missing', 'cluster_complete'].map((n) =>
        promValue(before, `sysvitals_${n}`),
      ),
    ).toEqual([3, 0, 1]);
    const h0 = await until(health, 30_000);
    const victim = h0.cluster.workers.find((w: { aggregator: boolean }) => !w.aggregator);
    signalPid(victim.pid, 'SIGSTOP');
    try {
      let seen = '';
      // Reads from the other workers (each asks a sync round) until the stopped worker has been unanswered past the
      // critical level and the process status says so.
      type W = { id: string; unanswered_ms?: number; process: { event_loop_delay_p99_ms: number } | null };
      const blocked = await until(
        async () => {
          const h = await health();
          const w = h.cluster.workers.find((x: W) => x.id === victim.id);
          seen = JSON.stringify({ missing: h.cluster.missing, w, process: h.components.process });
          return (w?.unanswered_ms ?? 0) >= LEVELS.critical && h.components.process === 'critical' && h;
        },
        60_000,
        () => seen,
      );
      expect(blocked.cluster.missing).toContain(victim.id);
      // No worker's own figures reach the level (the stopped one's are from before its stop): only its stop does.
      const own = blocked.cluster.workers.map((w: W) => w.process?.event_loop_delay_p99_ms ?? 0);
      expect(Math.max(...own)).toBeLessThan(LEVELS.critical);
      expect(blocked.metrics.process.event_loop_delay_p99_ms).toBeGreaterThanOrEqual(LEVELS.critical);
      // The alert is raised while it is stopped, not after: alerts/ read from a live worker.
      await until(
        async () => {
          const a = (await getJson(c.port, `${BASE}/alerts`, READ_MS)).data.data;
          seen = JSON.stringify(a.alerts);
          return a.alerts.some((x: { rule: string }) => x.rule === 'event_loop_delay');
        },
        60_000,
        () => seen,
      );
      const during = (await until(async () => {
        const s = await scrape();
        return s !== undefined && promValue(s, 'sysvitals_cluster_complete') === 0 && s;
      }, 30_000)) as string;
      expectPromtoolAccepts(during);
      expect(promValue(during, 'sysvitals_cluster_workers_connected')).toBe(3);
      expect(promValue(during, 'sysvitals_cluster_workers_missing')).toBe(1);
    } finally {
      signalPid(victim.pid, 'SIGCONT');
    }
    // Its loop turns again: it answers, and is no longer counted or missing.
    const after = await until(async () => {
      const h = await health();
      const w = h.cluster.workers.find((x: { id: string }) => x.id === victim.id);
      return h.cluster.complete && w?.unanswered_ms === undefined && h;
    }, 60_000);
    expect(after.cluster.missing).toEqual([]);
    await until(scrape, 30_000);
    const s = (await completeRead(() => scrape().catch(() => undefined), scrapeComplete)) as string;
    expect(promValue(s, 'sysvitals_cluster_complete')).toBe(1);
    expect(promValue(s, 'sysvitals_cluster_workers_missing')).toBe(0);
  }, 240_000);
});
