// Issue #13: a graceful reload (each worker in turn told to stop and replaced, as `pm2 reload` does) under load
// loses no request and no record, when the workers stop as examples/cluster.ts does (fixture STOP=drain:
// monitor.shutdown(): stop accepting, drain the requests in flight, then close the monitor, which sends the last
// interval). Each worker is stopped while it holds a request longer than closeTimeoutMs / 2: the order the example
// had before (server.close(), then monitor.close() at once, then exit) waited that long for it, sent its last report
// and exited, cutting the request off (the client got no answer). Oracle: the client's count of answered requests,
// and every request the workers logged as recorded; the cluster's totals (JSON and Prometheus) equal both exactly.
// And examples/cluster.ts itself: a worker stopped under load exits 0 and is replaced, no request fails, and the
// cluster's total equals the client's count of answered requests exactly.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';
import {
  afterTakeover,
  BASE,
  CLUSTER_TEST_TOKEN,
  get,
  type LoadResult,
  load,
  loggedRequests,
  metricsOf,
  promValue,
  scratch,
  signalPid,
  startReadyCluster,
  until,
  waitForAggregator,
  watchScrapes,
} from './helpers.js';

const WORKERS = 3;
/** The workers' cluster.closeTimeoutMs: close() waits up to half of it (1 s) for the requests in flight. */
const CLOSE_TIMEOUT_MS = 2000;
/** The slow requests' work: longer than that wait. */
const SLOW_MS = 2000;

const answered = (r: LoadResult) => Object.values(r.byStatus).reduce((a, b) => a + b, 0);

/**
 * metrics/ read until its view has every live worker's answer (the `aggregator-window` of a takeover aside): a worker
 * that answers the read's sync round after syncTimeoutMs (300 ms here; a loaded machine) is left out of that read
 * with what it recorded since its last report, and the view says so (`missing`, `complete` false). The totals of
 * such a read are short by design, not lost: a clean-clone CI run read 1383 of 1384 without looking.
 */
const coveredMetrics = (port: number) =>
  until(async () => {
    const m = await metricsOf(port);
    return afterTakeover(m.cluster) && m;
  }, 30_000);

describe('node:cluster: a graceful reload under load (workers stopped as examples/cluster.ts does)', () => {
  it('no request fails; the totals equal the answered requests and the records exactly', async () => {
    const c = await startReadyCluster(
      { RESPAWN: '1', STOP: 'drain', CLOSE_TIMEOUT: String(CLOSE_TIMEOUT_MS), WARN_LOG: '1' },
      WORKERS,
    );
    const scrapes = watchScrapes(c.port);
    let stopped = false;
    try {
      const fast = load(c.port, 1_000_000, 4, 5, () => stopped);
      // Slow requests on their own route, three at a time, for the whole reload.
      const slow: LoadResult = { sent: 0, byStatus: {}, failed: 0 };
      const slowLoop = async () => {
        while (!stopped) {
          slow.sent++;
          try {
            const r = await get(c.port, `/items/slow?ms=${SLOW_MS}&status=200`);
            slow.byStatus[r.status] = (slow.byStatus[r.status] ?? 0) + 1;
          } catch {
            slow.failed++;
          }
        }
      };
      const slows = [slowLoop(), slowLoop(), slowLoop()];
      const listening = () => c.events.filter((e) => e.listening !== undefined).length;
      for (const [i, pid] of c.pids.entries()) {
        // Guard: this worker holds a slow request in flight (its own routes/ row), then it is told to stop.
        await until(async () => {
          const table = JSON.parse((await get(c.port, `${BASE}/routes?instance=${pid}`)).body).data;
          const row = table.routes.find((r: { route: string }) => r.route === '/items/:id');
          return (row?.in_flight ?? 0) > 0;
        }, 30_000);
        signalPid(pid, 'SIGTERM');
        // It exits through its handler (0), and its replacement listens before the next is stopped.
        await until(async () => c.events.some((e) => e.exited === pid), 30_000);
        expect(c.events.find((e) => e.exited === pid)).toMatchObject({ code: 0, signal: null });
        await until(async () => listening() >= WORKERS + i + 1, 30_000);
      }
      // A new aggregator answers for three live workers (none of the first three is left).
      await until(async () => {
        const m = await metricsOf(c.port);
        return m.cluster.workers_connected === WORKERS && afterTakeover(m.cluster) && m;
      }, 30_000);
      stopped = true;
      const [f] = await Promise.all([fast, ...slows]);
      const result = f as LoadResult;
      // No request failed: every one was answered, the slow ones too.
      expect(result.failed).toBe(0);
      expect(slow.failed).toBe(0);
      expect(slow.byStatus[200]).toBe(slow.sent);
      expect(answered(result)).toBe(result.sent);
      const total = result.sent + slow.sent;
      // Every answered request was recorded (once), and is in the cluster's totals, exactly.
      await until(async () => loggedRequests(c.logDir).length === total, 10_000);
      // Any worker answers the same totals (each read reaches another one), each read with every worker's answer.
      // Exact: in 2 of about 10 clean-clone CI runs they were one short (1145 of 1146 in reads every worker answered)
      // while a read joined a sync round under way, asked before the read came (sync.ts; sync-round.test.ts).
      const exact = (got: number, want: number, what: string) => expect(got, what).toBe(want);
      for (const m of await Promise.all([0, 1, 2].map(() => coveredMetrics(c.port))))
        exact(m.requests.total, total, 'requests.total');
      // A scrape runs its own sync round: one with every worker's answer (sysvitals_cluster_workers_missing 0).
      const text = await until(async () => {
        const body = (await get(c.port, `${BASE}/metrics/prometheus`)).body;
        return promValue(body, 'sysvitals_cluster_workers_missing') === 0 && body;
      }, 30_000);
      exact(promValue(text, 'sysvitals_http_requests_total'), total, 'sysvitals_http_requests_total');
      exact(
        promValue(text, 'sysvitals_http_requests_total', 'route="/items/:id"'),
        slow.sent,
        'sysvitals_http_requests_total{route="/items/:id"}',
      );
    } finally {
      stopped = true;
      await scrapes.stop();
      await c.stop();
    }
    // No counter scraped during the reload went back.
    expect(scrapes.drops).toEqual([]);
  }, 150_000);
});

describe('examples/cluster.ts: a worker stopped under load', () => {
  it('exits 0 and is replaced; no request fails; the total equals the answered requests exactly', async () => {
    const s = scratch();
    const port = await freePort();
    const root = join(import.meta.dirname, '..', '..');
    const primary = spawn(process.execPath, ['--import', 'tsx', 'examples/cluster.ts'], {
      cwd: root,
      // XDG_RUNTIME_DIR: the cluster's socket directory under the test's scratch folder (the default's first choice).
      env: {
        ...process.env,
        PORT: String(port),
        WORKERS: '2',
        SYSVITALS_ADMIN_TOKEN: CLUSTER_TEST_TOKEN,
        XDG_RUNTIME_DIR: s.dir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The example's lines: `worker <pid> (<role>) on :<port>` and `worker <pid> exited (<code>); forking another`.
    const started: number[] = [];
    const exited = new Map<number, string>();
    createInterface({ input: primary.stdout! }).on('line', (line) => {
      const on = /^worker (\d+) \(.*\) on :/.exec(line);
      if (on) started.push(Number(on[1]));
      const ex = /^worker (\d+) exited \((\w+)\)/.exec(line);
      if (ex) exited.set(Number(ex[1]), ex[2] as string);
    });
    let stopped = false;
    try {
      await until(async () => started.length === 2, 60_000);
      await waitForAggregator(port, 2, 60_000);
      const result: LoadResult = { sent: 0, byStatus: {}, failed: 0 };
      const loop = async () => {
        while (!stopped) {
          result.sent++;
          try {
            const r = await get(port, '/');
            result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
          } catch {
            result.failed++;
          }
        }
      };
      const loops = [loop(), loop(), loop(), loop()];
      // Guards only: load flows before the stop and after the replacement joined.
      await until(async () => result.sent >= 100, 30_000);
      const victim = started[0] as number;
      signalPid(victim, 'SIGTERM');
      await until(async () => exited.has(victim), 30_000);
      expect(exited.get(victim)).toBe('0');
      await until(async () => started.length === 3, 60_000);
      await waitForAggregator(port, 2, 60_000);
      const sent = result.sent;
      await until(async () => result.sent >= sent + 100, 30_000);
      stopped = true;
      await Promise.all(loops);
      expect(result.failed).toBe(0);
      expect(answered(result)).toBe(result.sent);
      expect(result.byStatus[200]).toBe(result.sent);
      // A response can reach the client a moment before its worker recorded it: waited for, then exact, in reads
      // with every worker's answer.
      await until(async () => (await metricsOf(port)).requests.total >= result.sent, 10_000);
      for (const m of await Promise.all([0, 1, 2].map(() => coveredMetrics(port))))
        expect(m.requests.total).toBe(result.sent);
    } finally {
      stopped = true;
      // The example's primary forks a replacement for every worker that exits: stopped first, by SIGKILL (it has
      // no handler), its workers then exit as node:cluster workers do once their primary is gone.
      primary.kill('SIGKILL');
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (const pid of started.filter(alive)) signalPid(pid, 'SIGTERM');
      // Their shutdown ends (or the guard gives up and they are killed) before their socket directory goes.
      await until(async () => !started.some(alive), 15_000).catch(() => undefined);
      for (const pid of started.filter(alive)) signalPid(pid, 'SIGKILL');
      s.cleanup();
    }
  }, 120_000);
});
