// Outside review 7, F2, in cluster mode: closes while the request's body was still arriving are counted apart
// (`errors.count_aborted_body`) and not toward the `unanswered` rule, but the worker reports did not carry that
// column: on the merged window 20 anonymous half-sent POSTs (headers, `Content-Length: 100`, no body, closed after
// ~200 ms) still paged an idle cluster "critical: unanswered" and `count_aborted_body` read 0. Real node:cluster
// workers (Express, `express.json()`); the oracle is what the clients sent and the closes each worker logged. So too
// the quick closes (outside review 8, F6: `count_aborted_quick`, under the report key `q`).

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BODY_CLOSE_COLUMN } from '../../src/requests/route-counters.js';
import {
  BASE,
  getJson,
  HOST_RULES_OFF,
  loggedRequests,
  logLines,
  metricsOf,
  until,
  useCluster,
} from './helpers.js';

const N = 20; // minRequests
const QUICK = 30; // connections that send GET /<random> and close at once
const BODY = JSON.stringify({ pad: 'x'.repeat(90) }); // 100 bytes

/** `N` raw clients, each on its own connection (spread over the workers), POSTing `body` under Content-Length 100. */
function clients(port: number, path: string, body: string): Socket[] {
  return Array.from({ length: N }, () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${body}`,
    );
    return s;
  });
}

const closeAll = (sockets: Socket[]) => {
  for (const s of sockets) s.destroy();
};

type Close = { method: string; route: string; column: number | null };

describe('node:cluster: closes while the body is still arriving (F2)', () => {
  const c = useCluster(
    // An hour: every close is early whatever this machine's load; SAMPLE_MS: the rules evaluated often.
    { ABORTED_MS: '3600000', SAMPLE_MS: '300', ALERTS: JSON.stringify({ ...HOST_RULES_OFF }) },
    2,
  );

  it('20 half-sent POSTs over 2 workers: merged count_aborted_body 20, errors not unanswered; 30 quick closes (F6) neither; 20 give-ups on a route that read the body still page', async () => {
    const idle = await metricsOf(c.port);
    expect(idle.errors.unanswered).toBeUndefined();
    const half = clients(c.port, '/echo', '');
    await new Promise((r) => setTimeout(r, 200)); // the clients give up on the body they never send
    closeAll(half);
    // The oracle: each worker logged its body closes (column BODY_CLOSE_COLUMN), 20 in all, on both workers.
    const closes = await until(async () => {
      const l = logLines<Close>(c.logDir, 'close');
      return l.length >= N && l;
    }, 30_000);
    expect(closes).toHaveLength(N);
    expect(closes.every((x) => x.v.column === BODY_CLOSE_COLUMN && x.v.route === '/echo')).toBe(true);
    const pids = [...new Set(closes.map((x) => x.pid))];
    expect(pids.length).toBe(2);
    // The merged window, once every worker's report is in (the sync of a read: cluster.complete).
    const m = await until(async () => {
      const x = await metricsOf(c.port);
      return x.cluster.complete && x.errors.count_aborted_early === N && x;
    }, 30_000);
    expect(m.errors.count_aborted).toBe(N);
    expect(m.errors.count_aborted_body).toBe(N); // was 0
    expect(m.errors.count_aborted_answered).toBe(0);
    expect(m.errors.unanswered).toBeUndefined(); // was true
    expect(m.errors.status).toBe('unknown'); // no request: not judged
    expect(m.requests.total).toBe(0);
    // Each worker's own view: its share, summing to the clients'.
    let sum = 0;
    for (const pid of pids) {
      const one = (await getJson(c.port, `${BASE}/metrics?instance=${pid}`)).data.data;
      const own = closes.filter((x) => x.pid === pid).length;
      expect(one.errors.count_aborted_body).toBe(own);
      sum += one.errors.count_aborted_body;
    }
    expect(sum).toBe(N);
    // The rule holds for a few more evaluations (SAMPLE_MS 300): no error_rate alert.
    await new Promise((r) => setTimeout(r, 1000));
    const alerts = (await getJson(c.port, `${BASE}/alerts`)).data.data.alerts as Array<{ rule: string }>;
    expect(alerts.filter((a) => a.rule === 'error_rate')).toHaveLength(0);

    // Quick closes (outside review 8, F6): 30 connections that send GET /<random> and close at once. The oracle: what
    // the workers recorded (a 404, or a 499 with its duration: quick under unansweredMinWaitMs, 100 ms).
    for (let i = 0; i < QUICK; i++) {
      const s: Socket = connect(c.port, '127.0.0.1', () => {
        s.write(`GET /rq${(i * 7919).toString(36)}x HTTP/1.1\r\nHost: x\r\n\r\n`);
        s.resetAndDestroy(); // the fixture's /rq… step waits for this close: it comes before the 404
      });
      s.on('error', () => {});
    }
    const made = await until(async () => {
      const l = loggedRequests(c.logDir).filter((r) => r.route === 'unmatched' && r.method === 'GET');
      return l.length >= QUICK && l;
    }, 30_000);
    const early = made.filter((r) => r.status === 499);
    expect(early).toHaveLength(QUICK); // every close before the answer: early closes of the application's (column 0)
    const quick = early.filter((r) => r.ms < 100).length;
    const q = await until(async () => {
      const x = await metricsOf(c.port);
      return x.cluster.complete && x.errors.count_aborted_early === N + early.length && x;
    }, 30_000);
    expect(q.errors.count_aborted_quick).toBe(quick); // was absent
    expect(q.errors.unanswered).toBe(early.length - quick >= N ? true : undefined);

    // Control: 20 clients send the whole body to a route that reads it and never answers, then give up.
    const full = clients(c.port, '/read-hang', BODY);
    await until(async () => logLines(c.logDir, 'readhang', String).length >= N && true, 30_000);
    await new Promise((r) => setTimeout(r, 250)); // they wait past unansweredMinWaitMs (100 ms): not quick closes
    closeAll(full);
    const paged = await until(async () => {
      const x = await metricsOf(c.port);
      return x.cluster.complete && x.errors.count_aborted_early === 2 * N + early.length && x;
    }, 30_000);
    expect(paged.errors.count_aborted_body).toBe(N);
    expect(paged.errors.unanswered).toBe(true);
    expect(paged.errors.status).toBe('critical');
    const raised = await until(async () => {
      const a = (await getJson(c.port, `${BASE}/alerts`)).data.data.alerts as Array<{ rule: string }>;
      return a.some((x) => x.rule === 'error_rate') && a;
    }, 30_000);
    expect(raised.filter((a) => a.rule === 'error_rate')).toHaveLength(1);
  }, 120_000);
});
