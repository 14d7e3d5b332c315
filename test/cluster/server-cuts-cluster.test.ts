// Outside review 16, F4, in cluster mode: a request whose connection the server closed itself (a handler that gives
// up on its upstream with `req.socket.destroy()` after 200 ms, under abortedFailureMs) is a failed request, 500, in
// the worker that served it, so the merged figures read it as one process does: 14 answered and 6 cut read requests
// 20, count_5xx 6, error rate 30 %, Apdex 0.7, not requests 14, 0 % and 6 early closes. Real node:cluster processes;
// the oracle is what the clients saw (answers and resets counted client-side).

import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BASE, get, getJson, promValue, until, useCluster } from './helpers.js';

const ANSWERED = 14;
const CUT = 6;

/** GET `path` on a connection of its own: its status, or 'reset' when the connection closed with no response. */
function fetchOnce(port: number, path: string): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve('reset'));
    req.end();
  });
}

describe('node:cluster: requests the server cut itself', () => {
  // Apdex T 60 s: every request is under it, so only a failure is frustrated.
  const c = useCluster({ APDEX: JSON.stringify({ thresholdMs: 60_000 }) }, 2);

  it(`${ANSWERED} answered and ${CUT} cut by their handlers: 20 requests, ${CUT} × 5xx, 30 %, Apdex 0.7`, async () => {
    const seen = await Promise.all([
      ...Array.from({ length: ANSWERED }, () => fetchOnce(c.port, '/work?ms=0')),
      ...Array.from({ length: CUT }, () => fetchOnce(c.port, '/give-up?ms=200')),
    ]);
    expect(seen.filter((s) => s === 200)).toHaveLength(ANSWERED);
    expect(seen.filter((s) => s === 'reset')).toHaveLength(CUT);
    // Guard only: the workers' next reports carry them.
    const m = await until(async () => {
      const x = (await getJson(c.port, `${BASE}/metrics`)).data.data;
      return x.requests.total + x.errors.count_aborted_early >= ANSWERED + CUT && x;
    }, 30_000);
    expect(m.requests.total).toBe(ANSWERED + CUT);
    expect([m.errors.count_5xx, m.errors.count_aborted, m.errors.count_aborted_early]).toEqual([CUT, 0, 0]);
    expect(m.errors.error_rate_percent).toBe((100 * CUT) / (ANSWERED + CUT));
    expect(m.apdex).toMatchObject({ satisfied: ANSWERED, frustrated: CUT, score: 0.7 });
    const prom = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
    expect(promValue(prom, 'sysvitals_http_requests_total', 'status_class="5xx"')).toBe(CUT);
  }, 120_000);
});
