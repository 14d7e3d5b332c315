// history/?route= in cluster mode over the real admin API and ClusterSource, with the agent (the socket to the
// aggregator) replaced: the question asked (route, method, instance), a route the cluster never recorded (404
// naming it), and no aggregator answering (503: this worker's own minutes are not served as the cluster's).
// The cluster's answers themselves are checked on real node:cluster workers in route-history.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { parseQuestion, type Question } from '../../src/cluster/answers.js';
import { RemoteError } from '../../src/cluster/peer.js';
import { ClusterSource } from '../../src/cluster/source.js';
import { createAdminApi } from '../../src/http/api.js';
import { silentLogger } from '../../src/logger.js';
import { getJson, serve } from '../http/admin-fixture.js';
import { BASE } from './helpers.js';

const POINTS = { method: 'GET', route: '/x', points: [{ timestamp: '2026-12-02T00:00:00.000Z', count: 3 }] };
const JOB_POINTS = [{ timestamp: '2026-12-02T00:00:00.000Z', runs: 2, failures: 1 }];
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** The admin API over a ClusterSource whose agent answers with `ask`; `own` is this worker's monitor (it has points). */
async function start(ask: (q: Question, instance: string | undefined) => Promise<unknown>) {
  const asked: Array<{ q: Question; instance: string | undefined }> = [];
  const agent = {
    config: { name: 'c', workerLabel: false },
    subscribe() {},
    ask: (q: Question, instance: string | undefined) => {
      asked.push({ q, instance });
      return ask(q, instance);
    },
  };
  const own = {
    series: { route: () => POINTS, job: () => JOB_POINTS },
    // This worker's own stored series (history/ of the cluster must not be answered from it).
    getHistory: async () => ({ period: '1h', instance: 'host:c:own', step_seconds: 60, points: [{ t: 1 }] }),
    requests: { routeTotals: () => [], abortedTotals: () => [] },
  };
  const source = new ClusterSource(agent as never, own as never, {
    logger: silentLogger,
    clock: Date,
    instanceId: 'host:c',
    probe: () => ({ ok: true }) as never,
    notifications: () => ({}) as never,
  });
  const api = createAdminApi(source as never, { rateLimit: false });
  const s = await serve(async (req, res) => {
    if (!(await api.handle(req, res))) res.end('app');
  });
  closers.push(() => s.close());
  return { base: `${s.url}${BASE}`, asked };
}

describe('history/?route= in cluster mode (ClusterSource)', () => {
  it("asks the aggregator for the cluster's (instance=all too) or one worker's points, and serves them", async () => {
    const { base, asked } = await start(async () => POINTS);
    for (const q of ['', '&instance=all', '&instance=1234', '&instance=w-1']) {
      const r = await getJson(`${base}/history/?route=%2Fx&method=GET${q}`);
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual(POINTS);
    }
    expect(asked).toEqual(
      [undefined, 'all', '1234', 'w-1'].map((instance) => ({
        q: { op: 'route-history', route: '/x', method: 'GET' },
        instance,
      })),
    );
  });

  it('a route the cluster never recorded is a 404 naming it', async () => {
    const { base } = await start(async () => null);
    const r = await getJson(`${base}/history/?route=%2Fnever`);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe('no requests recorded on route "/never" in the cluster');
  });

  it("no aggregator answering is a 503, not this worker's own points", async () => {
    const { base } = await start(async () => {
      throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
    });
    const r = await getJson(`${base}/history/?route=%2Fx`);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('unavailable');
    expect(r.body.error.message).toContain('no cluster aggregator answered');
  });

  it('a route-history question from the socket is checked', () => {
    expect(parseQuestion({ op: 'route-history', route: '/x' })).toEqual({ op: 'route-history', route: '/x' });
    expect(parseQuestion({ op: 'route-history', route: '/x', method: 'GET' })).toEqual({
      op: 'route-history',
      route: '/x',
      method: 'GET',
    });
    for (const bad of [
      {},
      { route: '' },
      { route: 7 },
      { route: 'x'.repeat(1001) },
      { route: '/x', method: 1 },
    ])
      expect(parseQuestion({ op: 'route-history', ...bad })).toBeNull();
  });
});

describe('history/?job= in cluster mode (ClusterSource)', () => {
  it("asks the aggregator for the cluster's (instance=all too) or one worker's points, and serves them", async () => {
    const { base, asked } = await start(async () => JOB_POINTS);
    for (const q of ['', '&instance=all', '&instance=1234']) {
      const r = await getJson(`${base}/history/?job=sync${q}`);
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({ job: 'sync', points: JOB_POINTS });
    }
    expect(asked).toEqual(
      [undefined, 'all', '1234'].map((instance) => ({ q: { op: 'job-history', job: 'sync' }, instance })),
    );
  });

  it('a job without points in the cluster is a 404 naming it; no aggregator is a 503, not the own points', async () => {
    const none = await start(async () => null);
    const r = await getJson(`${none.base}/history/?job=never`);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(
      'no one-minute history for job "never" in the cluster: no such job was recorded',
    );
    const alone = await start(async () => {
      throw new RemoteError('unavailable', 'no cluster aggregator is reachable');
    });
    const u = await getJson(`${alone.base}/history/?job=sync`);
    expect(u.status).toBe(503);
    expect(u.body.error.message).toContain('no cluster aggregator answered');
  });

  it('a job-history question from the socket is checked', () => {
    expect(parseQuestion({ op: 'job-history', job: 'sync' })).toEqual({ op: 'job-history', job: 'sync' });
    for (const bad of [{}, { job: '' }, { job: 7 }, { job: 'x'.repeat(1001) }])
      expect(parseQuestion({ op: 'job-history', ...bad })).toBeNull();
  });
});

describe('history/ of the cluster in cluster mode (ClusterSource)', () => {
  it("no aggregator answering (or not in time: a loaded machine) is a 503, not this worker's own series", async () => {
    const { base, asked } = await start(async () => {
      throw new RemoteError('unavailable', 'no answer within 3000 ms');
    });
    for (const q of ['', '?period=7d']) {
      const r = await getJson(`${base}/history/${q}`);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('unavailable');
      expect(r.body.error.message).toContain('no cluster aggregator answered');
    }
    expect(asked.map((a) => [a.q.op, a.instance])).toEqual([
      ['history', undefined],
      ['history', undefined],
    ]);
  });
});
