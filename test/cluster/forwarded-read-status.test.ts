// A read of one worker (`instance=`) asked of another worker is forwarded to it; when that worker cannot answer
// (its process stopped with SIGSTOP, or killed while the read is under way) every worker answers a documented
// 503 `unavailable` naming why, never a 500. Real node:cluster workers; the oracle is the documented status and
// the signal sent (a stopped process cannot answer).

import { describe, expect, it } from 'vitest';
import { BASE, clusterOf, get, getJson, type Reply, signalPid, useCluster } from './helpers.js';

const READS = [
  'history?period=1h',
  'capacity',
  'metrics',
  'routes',
  'jobs',
  'queries',
  'history?route=%2Fwork',
  'history?job=nightly',
];
const withInstance = (read: string, pid: number) =>
  `${BASE}/${read}${read.includes('?') ? '&' : '?'}instance=${pid}`;

/** One read over a fresh connection; null when unanswered (the connection was handed to the stopped worker). */
async function tryGet(port: number, path: string): Promise<Reply | null> {
  return get(port, path, 4000).catch(() => null);
}

describe('node:cluster: a forwarded read of a worker that cannot answer', () => {
  // SYNC_TIMEOUT 300: the aggregator waits 1.2 s for a forwarded read, a worker 2.2 s for the aggregator.
  const c = useCluster({ SYNC_TIMEOUT: '300' }, 3);

  it('a stopped worker: 503 unavailable with the reason on every other worker, for every instance read', async () => {
    const cl = await clusterOf(c.port);
    const other = (cl.workers as Array<{ aggregator: boolean; pid: number }>).find((w) => !w.aggregator);
    expect(other).toBeDefined();
    const pid = (other as { pid: number }).pid;
    signalPid(pid, 'SIGSTOP');
    const seen: Array<{ read: string; status: number; code?: string; message?: string }> = [];
    try {
      // Fresh connections land on each worker in turn: most on the workers that answer. Each read twice, all at
      // once: each one waits for its forward's timeout (or its give-up on the stopped worker), which one after
      // another made the file's time (16 reads of 1.2-4 s).
      await Promise.all(
        READS.flatMap((read) => [read, read]).map(async (read) => {
          const r = await tryGet(c.port, withInstance(read, pid));
          if (r === null) return;
          const body = JSON.parse(r.body);
          seen.push({ read, status: r.status, code: body.error?.code, message: body.error?.message });
        }),
      );
    } finally {
      signalPid(pid, 'SIGCONT');
    }
    expect(seen.length).toBeGreaterThanOrEqual(READS.length / 2);
    for (const s of seen) {
      expect(s).toEqual({ read: s.read, status: 503, code: 'unavailable', message: expect.any(String) });
    }
    // Answered again once it runs.
    const back = await getJson(c.port, withInstance('history?period=1h', pid), 8000);
    expect([200, 503]).toContain(back.status);
  }, 180_000);
});
