// Issue #13: `history/?job=` answers for the whole cluster from any worker (it was a 404 "kept per process"), from
// the minutes the aggregator's monitor closes over the workers' merged job runs; `instance=<worker>` is that
// worker's own series. Real node:cluster workers, minutes of 2 s (RESOLUTION_MS). Oracle: the client's count of
// the runs of the fixture's `flaky` job (each response names the worker that ran it and whether it failed). After
// the aggregator is killed, the new one's minutes count only the runs since (the totals it took over are no
// minute's runs).

import { describe, expect, it } from 'vitest';
import { rng } from '../helpers/random.js';
import { BASE, clusterOf, get, getJson, killAggregator, until, useCluster } from './helpers.js';

interface JobPoint {
  runs: number;
  failures: number;
}

/** `n` runs of the `flaky` job, failing from a seeded sequence, 4 at a time; per pid: runs and failures seen. */
async function runJobs(port: number, n: number, seed: number) {
  const u = rng(seed);
  const plan = Array.from({ length: n }, () => (u() < 0.3 ? '1' : '0'));
  const byPid = new Map<number, JobPoint>();
  let next = 0;
  const run = async () => {
    while (next < plan.length) {
      const fail = plan[next++]!;
      const r = await get(port, `/flaky?fail=${fail}`);
      const body = JSON.parse(r.body) as { pid: number; failed: boolean };
      const s = byPid.get(body.pid) ?? { runs: 0, failures: 0 };
      s.runs++;
      if (body.failed) s.failures++;
      byPid.set(body.pid, s);
    }
  };
  await Promise.all(Array.from({ length: 4 }, run));
  const total = { runs: 0, failures: 0 };
  for (const s of byPid.values()) {
    total.runs += s.runs;
    total.failures += s.failures;
  }
  return { byPid, total };
}

const jobPath = (job: string, instance?: string) =>
  `${BASE}/history/?job=${encodeURIComponent(job)}${instance === undefined ? '' : `&instance=${encodeURIComponent(instance)}`}`;

const sums = (points: JobPoint[]) => ({
  runs: points.reduce((s, p) => s + p.runs, 0),
  failures: points.reduce((s, p) => s + p.failures, 0),
});

/** The job's points once their sum reaches `runs` (guard, no timing asserted). */
function pointsWith(port: number, runs: number, instance?: string) {
  return until(async () => {
    const r = await getJson(port, jobPath('flaky', instance));
    const p = r.status === 200 ? (r.data.data.points as JobPoint[]) : [];
    return sums(p).runs >= runs && p;
  }, 30_000);
}

describe('node:cluster, 3 workers: history/?job= for the whole cluster', () => {
  const c = useCluster({ RESOLUTION_MS: '2000' }, 3);

  it("any worker answers the cluster's minutes (runs and failures the client saw); instance= is one worker's", async () => {
    const { byPid, total } = await runJobs(c.port, 40, 3);
    expect(byPid.size).toBeGreaterThan(1);
    const points = await pointsWith(c.port, total.runs);
    expect(sums(points)).toEqual(total);
    // The same answer from every worker (fresh connections: the primary spreads them), instance=all too. Compared
    // on the points that hold runs: each 2 s period that passes adds an empty point at the end of the list (a read
    // across a period's boundary had one more: a flake at load 20), and those must stay empty.
    const held = (p: JobPoint[]) => p.filter((x) => x.runs > 0);
    for (let i = 0; i < 6; i++) {
      const r = await getJson(c.port, jobPath('flaky', i % 2 === 0 ? undefined : 'all'));
      expect(r.status).toBe(200);
      expect(r.data.data.job).toBe('flaky');
      expect(held(r.data.data.points)).toEqual(held(points));
      expect(sums(r.data.data.points)).toEqual(total);
    }
    // instance=<worker>: its own minutes, whichever worker is asked.
    const cl = await clusterOf(c.port);
    for (const w of cl.workers as Array<{ id: string; pid: number }>) {
      const own = byPid.get(w.pid) ?? { runs: 0, failures: 0 };
      if (own.runs === 0) continue;
      for (const key of [String(w.pid), w.id])
        expect(sums(await pointsWith(c.port, own.runs, key))).toEqual(own);
    }
    const pid = c.pids[0]!;
    expect((await get(c.port, jobPath('flaky', `0${pid}`))).status).toBe(400);
    expect((await get(c.port, jobPath('flaky', String(pid + 1_000_000)))).status).toBe(404);
    const never = await getJson(c.port, jobPath('never'));
    expect(never.status).toBe(404);
    expect(never.data.error.message).toContain('"never"');
  }, 120_000);

  it("after the aggregator is killed, the new one's minutes count the runs since, not the totals it took over", async () => {
    const before = await clusterOf(c.port);
    await killAggregator(c.port, before, 'SIGKILL', 2, 45_000);
    const { total } = await runJobs(c.port, 20, 8);
    // The new aggregator's series starts empty (its monitor is new; MemoryStore): only minutes since.
    const points = await pointsWith(c.port, total.runs);
    expect(sums(points)).toEqual(total);
  }, 120_000);
});
