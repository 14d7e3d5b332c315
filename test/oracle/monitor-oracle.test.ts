// The oracle for the numbers: random workloads (latencies, statuses, aborted requests, routes, flushes, clock
// steps forward and back, a close) drive a monitor on an injected clock, and every figure is compared with an
// exact computation from the raw list: counts and sums exact, percentiles within the histogram's stated
// precision of the exact nearest-rank value and never outside [min, max], history buckets partitioning the
// workload (every request in exactly one point, `t` strictly increasing). Fixed seeds in `npm test` and CI;
// `npm run fuzz` explores new ones (test/helpers/property.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { assertProperty } from '../helpers/property.js';
import {
  classOf,
  exactLatency,
  failed,
  isRequest,
  type Op,
  opArb,
  percentileError,
  requestArb,
} from './workload.js';

/** A MemoryStore that stays readable after the monitor closes it. */
class KeptStore extends MemoryStore {
  override async close(): Promise<void> {}
}

type Request = Extract<Op, { kind: 'request' }>;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0) + 12_345;

function expectLatency(
  figures: {
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
    avg_ms: number | null;
    max_ms: number | null;
  },
  ms: readonly number[],
  what: string,
): void {
  if (ms.length === 0) {
    // No request: latency unknown, never 0 ms.
    const { p50_ms, p95_ms, p99_ms, avg_ms, max_ms } = figures;
    expect([p50_ms, p95_ms, p99_ms, avg_ms, max_ms], what).toEqual([null, null, null, null, null]);
    return;
  }
  const exact = exactLatency(ms);
  expect(figures.max_ms, `${what} max`).toBe(exact.maxUs / 1000);
  expect(figures.avg_ms, `${what} avg`).toBe(Math.round(exact.sumUs / exact.n) / 1000);
  for (const [p, v] of [
    [50, figures.p50_ms],
    [95, figures.p95_ms],
    [99, figures.p99_ms],
  ] as const) {
    expect(percentileError(v ?? Number.NaN, exact, p), `${what} p${p}`).toBe('');
  }
}

describe('the monitor against an exact model of its workload', () => {
  it('counts, sums, percentiles and history buckets agree with the raw list', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 80 }),
        fc.array(requestArb, { minLength: 1, maxLength: 60 }),
        async (ops, lastBatch) => {
          let now = T0;
          let furthest = now;
          const store = new KeptStore({ clock: { now: () => now } });
          const monitor = createMonitor({
            sampleIntervalMs: 0,
            logger: silentLogger,
            clock: { now: () => now },
            store,
            instanceId: 'oracle',
            maxRoutes: 1_000,
          });
          const all: Request[] = [];
          const buckets: Request[][] = [];
          let pending: Request[] = [];
          // When the bucket in progress opened (the start, then each flush), on the injected clock.
          let opened = now;
          // A bucket with a request is a point; so is one without (no sample: sampleIntervalMs 0, or early closes
          // alone) that the monitor was up for: unless it lasted 0 ms (under 1 ms) on the clock, which is also its
          // monotonic clock here (a clock stepped back: up, for an unknown time: a point). Outside review 33, RT33-1.
          const close = () => {
            if (pending.some(isRequest) || now - opened !== 0) buckets.push(pending);
            pending = [];
            opened = now;
          };
          const record = (r: Request) => {
            monitor.recordRequest({ method: r.method, route: r.route, status: r.status, durationMs: r.ms });
            all.push(r);
            pending.push(r);
          };
          try {
            for (const op of ops) {
              if (op.kind === 'request') record(op);
              else if (op.kind === 'advance') now += op.ms;
              else if (op.kind === 'back') now -= op.ms;
              else {
                await monitor.flush();
                close();
              }
              furthest = Math.max(furthest, now);
            }

            // Live figures: everything before has left the window; a batch at one instant is the whole window.
            now = furthest + 10 * 60_000;
            for (const r of lastBatch) record(r as Request);
            const g = monitor.requests.groups();
            // Early closes are counted as aborted only (isRequest): every other figure is of the requests.
            const batchAll = lastBatch as Request[];
            const batch = batchAll.filter(isRequest);
            expectLatency(
              g.latency,
              batch.map((r) => r.ms),
              'window latency',
            );
            expect(g.errors.count_4xx).toBe(batch.filter((r) => classOf(r.status) === '4xx').length);
            expect(g.errors.count_5xx).toBe(batch.filter((r) => classOf(r.status) === '5xx').length);
            expect(g.errors.count_aborted).toBe(batchAll.filter((r) => r.status === 499).length);
            expect(g.errors.count_aborted_early).toBe(batchAll.filter((r) => !isRequest(r)).length);
            // The error rate's rule: failed = 5xx + the aborted requests (responses that did not complete) whose
            // client waited at least abortedFailureMs (1000 ms by default, compared in whole µs), over the requests.
            const failedIn = (rs: Request[]) => rs.filter(failed).length;
            expect(g.errors.error_rate_percent).toBe(
              // No judged request: no rate (null, as history points; outside review rtF, F3).
              batch.length > 0 ? Math.round((failedIn(batch) / batch.length) * 10_000) / 100 : null,
            );
            for (const row of g.routes) {
              const mineAll = batchAll.filter((r) => r.method === row.method && r.route === row.route);
              const mine = mineAll.filter(isRequest);
              expect(row.count, `${row.method} ${row.route}`).toBe(mine.length);
              expect(row.count_aborted).toBe(mineAll.filter((r) => r.status === 499).length);
              expectLatency(
                row,
                mine.map((r) => r.ms),
                `${row.method} ${row.route}`,
              );
            }
            expect(g.routes.reduce((n, r) => n + r.count, 0)).toBe(batch.length);

            // Since start: totals per method, route and class exact; the cumulative latency exact in n, sum, max.
            const allRequests = all.filter(isRequest);
            expect(monitor.requests.total).toBe(allRequests.length);
            const totals = new Map<string, number>();
            for (const r of allRequests) {
              const key = `${r.method} ${r.route} ${classOf(r.status)}`;
              totals.set(key, (totals.get(key) ?? 0) + 1);
            }
            const reported = new Map(
              monitor.requests
                .routeTotals()
                .map((t) => [`${t.method} ${t.route} ${t.status_class}`, t.count]),
            );
            expect(reported).toEqual(totals);
            const aborted = all.filter((r) => r.status === 499);
            expect(monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0)).toBe(aborted.length);
            const cumulative = monitor.requests.cumulativeCounts();
            const exactAll = exactLatency(allRequests.map((r) => r.ms));
            expect([cumulative.n, cumulative.sum, cumulative.max]).toEqual([
              exactAll.n,
              exactAll.sumUs,
              exactAll.maxUs,
            ]);
          } finally {
            await monitor.close();
          }
          close();

          // History: the buckets partition the workload, in order, each with exact counts and true latency.
          const points = await store.readPoints('oracle', 0, Number.MAX_SAFE_INTEGER);
          expect(points.map((p) => p.requests)).toEqual(buckets.map((b) => b.filter(isRequest).length));
          for (let i = 1; i < points.length; i++) expect(points[i]!.t).toBeGreaterThan(points[i - 1]!.t);
          points.forEach((p, i) => {
            const bAll = buckets[i] as Request[];
            const b = bAll.filter(isRequest);
            expect(p.errors_4xx).toBe(b.filter((r) => classOf(r.status) === '4xx').length);
            expect(p.errors_5xx).toBe(b.filter((r) => classOf(r.status) === '5xx').length);
            expect(p.errors_aborted).toBe(bAll.filter((r) => r.status === 499).length);
            expect(p.errors_aborted_failed).toBe(b.filter((r) => r.status === 499 && failed(r)).length);
            expect(p.error_rate_percent).toBe(
              // No request: no rate (null), as in every point without one.
              b.length > 0 ? Math.round((b.filter(failed).length / b.length) * 10_000) / 100 : null,
            );
            expectLatency(
              {
                p50_ms: p.latency_p50_ms,
                p95_ms: p.latency_p95_ms,
                p99_ms: p.latency_p99_ms,
                avg_ms: p.latency_avg_ms,
                max_ms: p.latency_max_ms,
              },
              b.map((r) => r.ms),
              `point ${i}`,
            );
          });
          expect(points.reduce((n, p) => n + p.requests, 0)).toBe(all.filter(isRequest).length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
