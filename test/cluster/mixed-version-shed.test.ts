// A mixed-version cluster (a rolling upgrade): one worker speaks the report format of a version before load
// shedding was reported (no `h`, no `hr`; the fixture strips them from its encoder's output, OLD_FIRST) and
// reports to an aggregator of this version. The cluster's figures stay exact for what is reported (request
// totals, shed_total the sum of the other workers' own counts, no NaN in JSON or Prometheus), and the view says
// what it lacks: `missing: ['shed:<its id>']`, `complete: false` (before, nothing said that the old worker's
// refusals were left out). Real node:cluster processes; the oracle is each worker's own count (instance=).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE,
  everyWorker,
  get,
  HOST_RULES_OFF,
  loggedRequests,
  metricsOf as metrics,
  promValue,
  type Started,
  startNodeCluster,
  until,
} from './helpers.js';

type Who = { pid: number; id: string; role: string; oldReports: boolean; shedding: string | null };

describe('node:cluster: a worker of an older version (no shed fields in its reports)', () => {
  // The view is never `complete` with an old worker in it: waitForAggregator (useCluster) would wait forever.
  let c: Started;
  beforeAll(async () => {
    c = await startNodeCluster({ SHED: '1', OLD_FIRST: '1', ALERTS: JSON.stringify(HOST_RULES_OFF) }, 3);
  }, 120_000);
  afterAll(() => c?.kill()); // teardown: killed, not closed (Started.kill)

  it('the cluster sums what is reported, has no NaN, and marks the old worker’s shed figures as missing', async () => {
    // Start-up guard only, no timed assertion: every worker answers for itself, then to an aggregator.
    const who = await everyWorker<Who>(c.port, c.pids);
    const old = [...who.values()].filter((w) => w.oldReports);
    expect(old).toHaveLength(1);
    const oldOne = old[0] as Who;
    const mark = `shed:${oldOne.id}`;
    await until(async () => (await metrics(c.port)).cluster?.workers_connected === 3, 60_000);
    expect((await everyWorker<Who>(c.port, c.pids)).get(oldOne.pid)?.role).toBe('worker');

    // Requests: the old worker's are counted like any other's (its route counts are of the same format).
    for (let i = 0; i < 30; i += 10)
      await Promise.all(Array.from({ length: 10 }, () => get(c.port, '/work?ms=1')));
    // Every request the workers recorded (the /whoami ones above too), the old worker's among them.
    const m = await until(async () => {
      const m = await metrics(c.port);
      const logged = loggedRequests(c.logDir);
      return logged.some((r) => r.pid === oldOne.pid) && m.requests.total === logged.length && m;
    }, 30_000);
    expect(m.cluster.missing).toEqual([mark]);
    expect(m.cluster.complete).toBe(false);
    expect(m.requests.shed_total).toBe(0);

    // Every worker sheds; the old one's refusals reach no cluster figure.
    await everyWorker(c.port, c.pids, '/ctl/shed?on=1');
    const replies = await Promise.all(Array.from({ length: 60 }, () => get(c.port, '/work')));
    const refused = replies.filter((r) => r.status === 503).length;
    expect(refused).toBe(60);
    const own = new Map<number, number>();
    for (const pid of c.pids) own.set(pid, (await metrics(c.port, `?instance=${pid}`)).requests.shed_total);
    expect([...own.values()].reduce((a, b) => a + b, 0)).toBe(refused);
    const reported = refused - (own.get(oldOne.pid) as number);
    const after = await until(async () => {
      const a = await metrics(c.port);
      return a.requests.shed_total === reported && a;
    }, 30_000);
    expect(after.cluster.missing).toEqual([mark]);
    expect(after.requests.shed_total).toBe(reported);
    expect(after.requests.shedding).toMatch(/event loop delay 300 ms/);
    // No NaN anywhere: JSON serializes NaN as null, so no request figure is null; Prometheus has no NaN sample.
    for (const [k, v] of Object.entries(after.requests))
      if (typeof v !== 'string' && k !== 'shedding') expect(v, k).not.toBeNull();
    const prom = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    expect(prom).not.toMatch(/ NaN$/m);
    expect(promValue(prom, 'sysvitals_requests_shed_total')).toBe(reported);
  }, 180_000);
});
