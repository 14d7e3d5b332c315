// Load shedding in cluster mode: the cluster view counts every worker's refused requests (it read the
// aggregator's own monitor: a worker shedding everything was invisible, health green), sent as deltas in the
// reports and kept in the ledger, so that the count never goes back across an aggregator SIGKILL; while a live
// worker sheds, requests are critical and health red, once for the cluster; instance=<worker> is its own.
// Real node:cluster processes; the oracle is the 503s the client received.

import { describe, expect, it } from 'vitest';
import {
  BASE,
  everyWorker,
  get,
  getJson,
  HOST_RULES_OFF,
  killAggregator,
  metricsOf as metrics,
  promValue,
  type Reply,
  until,
  useCluster,
} from './helpers.js';

/** `n` application requests, 20 at a time, on fresh connections (spread over the workers). */
async function requests(port: number, n: number): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i += 20)
    out.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => get(port, '/work')))));
  return out;
}

const refusedIn = (replies: Reply[]) => replies.filter((r) => r.status === 503).length;

/** The shed total of the cluster's Prometheus scrape. */
const scraped = async (port: number) =>
  promValue((await get(port, `${BASE}/metrics/prometheus`)).body, 'sysvitals_requests_shed_total');

describe('node:cluster: load shedding', () => {
  // Start-up guard only, no timed assertion.
  const c = useCluster({ SHED: '1', ALERTS: JSON.stringify(HOST_RULES_OFF) }, 3);

  it('the cluster counts every worker’s refused requests, is critical while one sheds, and never counts back', async () => {
    expect((await requests(c.port, 20)).every((r) => r.status === 200)).toBe(true);
    // Every worker sheds (its injected load reading is over the limit).
    const states = await everyWorker<{ pid: number; shedding: string | null }>(
      c.port,
      c.pids,
      '/ctl/shed?on=1',
    );
    for (const s of states.values()) expect(s.shedding).toMatch(/event loop delay 300 ms/);

    const refused = refusedIn(await requests(c.port, 60));
    expect(refused).toBe(60);
    const m = await until(async () => {
      const m = await metrics(c.port);
      return m.requests.shed_total === refused && m;
    }, 30_000);
    expect(m.requests.status).toBe('critical');
    expect(m.requests.shedding).toMatch(/event loop delay 300 ms > 100 ms/);
    const health = await getJson(c.port, `${BASE}/health`);
    expect(health.status).toBe(503);
    expect(health.data.data.status).toBe('red');
    expect(health.data.data.components.requests).toBe('critical');
    expect(await scraped(c.port)).toBe(refused);
    // One load_shedding alert, the cluster's: raised by the next sample (reads evaluate no rule), then still one.
    const shedAlerts = async () => {
      const alerts = (await getJson(c.port, `${BASE}/alerts`)).data.data;
      const list = (Array.isArray(alerts) ? alerts : alerts.alerts) as Array<{ rule: string }>;
      return list.filter((a) => a.rule === 'load_shedding');
    };
    await until(async () => (await shedAlerts()).length > 0);
    await new Promise((r) => setTimeout(r, 1000)); // a few more samples (SAMPLE_MS 500)
    expect(await shedAlerts()).toHaveLength(1);
    // instance=<worker>: its own; together, the client's count.
    let sum = 0;
    for (const pid of c.pids) sum += (await metrics(c.port, `?instance=${pid}`)).requests.shed_total;
    expect(sum).toBe(refused);

    // The aggregator dies with what it shed: the count does not go back (the ledger).
    const killed = m.cluster.workers.find((w: { aggregator: boolean }) => w.aggregator).pid as number;
    await killAggregator(c.port, m.cluster, 'SIGKILL', 2, 60_000);
    const live = c.pids.filter((p) => p !== killed);
    const more = refusedIn(await requests(c.port, 20));
    expect(more).toBe(20);
    const after = await until(async () => {
      const a = await metrics(c.port);
      return a.requests.shed_total >= refused + more && a;
    }, 30_000);
    expect(after.requests.shed_total).toBe(refused + more);
    expect(await scraped(c.port)).toBe(refused + more);
    expect(after.requests.status).toBe('critical');

    // Shedding stops everywhere: the requests component is no longer critical, the count stays. (Health's own
    // colour also reads the host: on a machine at load 20-30 its CPU is critical by itself, so the requests
    // component is what tells that shedding no longer makes health red.)
    await everyWorker(c.port, live, '/ctl/shed?on=0');
    const green = await until(async () => {
      const h = await getJson(c.port, `${BASE}/health`);
      return h.data.data.components.requests !== 'critical' && h;
    }, 30_000);
    expect(green.data.data.components.requests).not.toBe('critical');
    const others = Object.entries(green.data.data.components as Record<string, string>);
    if (others.every(([, s]) => s !== 'critical')) expect(green.status).toBe(200);
    expect((await metrics(c.port)).requests.shed_total).toBe(refused + more);
  }, 180_000);
});
