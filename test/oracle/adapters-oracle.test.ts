// The same oracle through each adapter on a real server: random workloads of statuses, latencies and aborted
// requests sent over HTTP to Express, Fastify and Koa (the majors in devDependencies, 5, 5 and 3, and the older
// majors of the peer ranges, 4, 4 and 2); every count the monitor reports equals the count of
// what the clients did (an early close is aborted, not a request), and every recorded duration covers the
// handler's own delay.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_MAJORS, olderMajors } from '../adapters/framework-modules.js';
import {
  eventually,
  FRAMEWORKS,
  startGet,
  startWorkloadApp,
  WORK_ROUTE,
  type WorkloadApp,
} from '../adapters/workload-apps.js';
import { assertProperty } from '../helpers/property.js';
import { classOf, micros } from './workload.js';

interface Sent {
  status: number;
  ms: number;
  abandon: boolean;
}

const sentArb: fc.Arbitrary<Sent> = fc.record({
  status: fc.constantFrom(200, 201, 404, 500, 503),
  ms: fc.integer({ min: 0, max: 15 }),
  abandon: fc.boolean(),
});

const cases = [CURRENT_MAJORS, olderMajors()].flatMap((modules) =>
  FRAMEWORKS.map((framework) => ({ framework, major: modules.majors[framework], modules })),
);

describe.each(cases)('$framework $major: replayed workloads', ({ framework, modules }) => {
  let app: WorkloadApp;
  beforeAll(async () => {
    app = await startWorkloadApp(framework, {}, modules);
  });
  afterAll(async () => {
    await app.close();
  });

  it('counts per status class and aborted, totals and latency sums agree with what the clients did', async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(sentArb, { minLength: 1, maxLength: 25 }), async (sent) => {
        const before = {
          total: app.monitor.requests.total,
          received: app.received,
          classes: new Map<string, number>(
            app.monitor.requests.routeTotals().map((t) => [t.status_class, t.count]),
          ),
          aborted: app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0),
          abortedFailed: app.monitor.requests.abortedTotals().reduce((n, t) => n + t.failed, 0),
          n: app.monitor.requests.cumulativeCounts().n,
          sum: app.monitor.requests.cumulativeCounts().sum,
        };
        // An abandoned request waits long enough to be abandoned while its handler runs.
        const gets = sent.map((s, i) =>
          startGet(`${app.url}/w/k${i % 3}?status=${s.status}&ms=${s.abandon ? 5_000 : s.ms}`),
        );
        await eventually(async () => app.received >= before.received + sent.length);
        gets.forEach((g, i) => {
          if (sent[i]!.abandon) g.abandon();
        });
        const statuses = await Promise.all(gets.map((g) => g.done));
        sent.forEach((s, i) => {
          if (!s.abandon) expect(statuses[i]).toBe(s.status);
        });
        const abortedNow = () => app.monitor.requests.abortedTotals().reduce((n, t) => n + t.count, 0);
        await eventually(
          async () =>
            app.monitor.requests.total + abortedNow() >= before.total + before.aborted + sent.length,
        );

        // An abandoned request closed before abortedFailureMs (1 s) is counted as aborted only, not as a
        // request; one closed later (a slow machine) is a request, a failed 4xx.
        const late =
          app.monitor.requests.abortedTotals().reduce((n, t) => n + t.failed, 0) - before.abortedFailed;
        const answered = sent.filter((s) => !s.abandon);
        const recorded = [...answered.map((s) => s.status), ...Array.from({ length: late }, () => 499)];
        expect(app.monitor.requests.total - before.total).toBe(answered.length + late);
        const classes = new Map<string, number>(
          app.monitor.requests.routeTotals().map((t) => [t.status_class, t.count]),
        );
        for (const cls of ['2xx', '4xx', '5xx']) {
          expect((classes.get(cls) ?? 0) - (before.classes.get(cls) ?? 0), cls).toBe(
            recorded.filter((st) => classOf(st) === cls).length,
          );
        }
        const aborted = app.monitor.requests.abortedTotals();
        expect(aborted.every((t) => t.route === WORK_ROUTE)).toBe(true);
        expect(aborted.reduce((n, t) => n + t.count, 0) - before.aborted).toBe(
          sent.filter((s) => s.abandon).length,
        );
        const cumulative = app.monitor.requests.cumulativeCounts();
        expect(cumulative.n - before.n).toBe(answered.length + late);
        // Each completed request took at least its handler's delay (timers never fire early by more than 1 ms).
        const floor = sent.filter((s) => !s.abandon).reduce((n, s) => n + micros(Math.max(0, s.ms - 1)), 0);
        expect(cumulative.sum - before.sum).toBeGreaterThanOrEqual(floor);
      }),
      { numRuns: 8 },
    );
  });
});
