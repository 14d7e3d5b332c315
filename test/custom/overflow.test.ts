// Outside review 6, F12: a counter whose sum overflowed (`inc(labels, 1e308)` twice, each amount finite and
// accepted) read `value: null` in JSON, its total over all label sets too, and `+Inf` in Prometheus for ever. An
// increment that would make the counter's total over its label sets non-finite is now ignored and counted in
// `dropped_observations`, as a non-finite amount is; a gauge's inc/dec likewise. Oracles: the same amounts summed
// in plain JS in the same order, the calls refused by rule, and promtool on the scrape.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter } from '../../src/custom/counter.js';
import { Gauge } from '../../src/custom/gauge.js';
import type { CounterSnapshot, GaugeSnapshot } from '../../src/custom/types.js';
import { body, open } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

const QUEUES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const MAX = Number.MAX_VALUE;

let served: Awaited<ReturnType<typeof serveMonitor>>;

beforeAll(async () => {
  served = await serveMonitor();
  const { monitor } = served;
  // The review's probe: 8 label sets hold 2 each, then 1e308 twice on `email` (the second would overflow).
  const jobs = monitor.counter('jobs_processed', { help: 'Jobs processed.', labels: ['queue'] });
  for (const q of QUEUES) jobs.inc({ queue: q }, 2);
  jobs.inc({ queue: 'email' }, 1e308);
  jobs.inc({ queue: 'email' }, 1e308);
  // Two series each finite on its own, their sum not: the second increment is refused.
  const bytes = monitor.counter('bytes_moved', { help: 'Bytes.', labels: ['dir'] });
  bytes.inc({ dir: 'in' }, MAX);
  bytes.labels({ dir: 'out' }).inc(MAX);
  const depth = monitor.gauge('depth', { help: 'Depth.', labels: ['q'] });
  depth.set({ q: 'up' }, 1e308);
  depth.inc({ q: 'up' }, 1e308);
  depth.set({ q: 'down' }, -1e308);
  depth.dec({ q: 'down' }, 1e308);
  depth.labels({ q: 'up' }).inc(1);
  await monitor.sample();
});

afterAll(() => served.close());

describe('an increment that would overflow (outside review F12)', () => {
  it('metrics/: every series and each total stay finite; the refused calls are dropped observations', async () => {
    const { data } = await served.getJson('metrics/');
    const jobs = data.custom.jobs_processed as CounterSnapshot;
    expect(jobs.series.map((s) => [s.labels.queue, s.value])).toEqual([
      ...QUEUES.map((q) => [q, 2]),
      ['email', 1e308],
    ]);
    // The total in the order the increments came: 8 × 2, then 1e308 (the second 1e308 refused).
    expect(jobs.value).toBe(2 * QUEUES.length + 1e308);

    const bytes = data.custom.bytes_moved as CounterSnapshot;
    expect(bytes.series.map((s) => [s.labels.dir, s.value])).toEqual([
      ['in', MAX],
      ['out', 0],
    ]);
    expect(bytes.value).toBe(MAX);

    const depth = data.custom.depth as GaugeSnapshot;
    expect(depth.series.map((s) => [s.labels.q, s.value])).toEqual([
      ['up', 1e308 + 1],
      ['down', -1e308],
    ]);
    // Refused: jobs' second 1e308, bytes' `out` MAX, the gauge's inc of `up` and dec of `down` (±2e308); the
    // last inc(1) of `up` rounds to 1e308, finite, and is taken.
    expect(data.dropped_observations.custom_histograms).toBe(4);
  });

  it('Prometheus shows the finite totals (no +Inf) and promtool accepts the scrape', async () => {
    const text = await body(await open(`${served.base}/metrics/prometheus`));
    const lines = text.split('\n').filter((l) => /^sysvitals_(jobs_processed|bytes_moved|depth)/.test(l));
    expect(lines).toEqual([
      ...QUEUES.map((q) => `sysvitals_jobs_processed_total{queue="${q}"} 2`),
      `sysvitals_jobs_processed_total{queue="email"} ${String(1e308)}`,
      `sysvitals_bytes_moved_total{dir="in"} ${String(MAX)}`,
      'sysvitals_bytes_moved_total{dir="out"} 0',
      `sysvitals_depth{q="up"} ${String(1e308 + 1)}`,
      `sysvitals_depth{q="down"} ${String(-1e308)}`,
    ]);
    expect(lines.filter((l) => l.includes('Inf'))).toEqual([]);
    expectPromtoolAccepts(text);
  });
});

describe('Counter and Gauge alone', () => {
  it('a rate near the largest double stays a number (rounding it to 3 places overflowed to null)', () => {
    const c = new Counter('c', { labels: ['l'] }, 0);
    c.inc({ l: 'x' }, 1e308);
    const s = c.snapshot(2_000);
    expect(s.series[0]?.rate_per_second).toBe(1e308 / 2);
    expect(s.rate_per_second).toBe(1e308 / 2);
  });

  it('a counter refuses exactly the increments that would make its sum infinite, and counts them', () => {
    const c = new Counter('c', { labels: ['l'] });
    c.inc({ l: 'x' }, MAX / 2);
    c.inc({ l: 'y' }, MAX / 2); // the sum is MAX: finite
    c.inc({ l: 'x' }, MAX / 2 ** 60); // MAX + MAX/2^60 rounds to MAX (below half an ulp): finite, accepted
    c.inc({ l: 'z' }, MAX / 2 ** 40); // rounds past MAX: refused
    c.inc({ l: 'z' }, Number.POSITIVE_INFINITY); // refused, as before
    const s = c.snapshot(0);
    expect(s.series.map((x) => [x.labels.l, x.value])).toEqual([
      ['x', MAX / 2 + MAX / 2 ** 60],
      ['y', MAX / 2],
      ['z', 0],
    ]);
    expect(s.value).toBe(MAX / 2 + MAX / 2 + MAX / 2 ** 60);
    expect(Number.isFinite(s.value)).toBe(true);
    expect(c.dropped).toBe(2);
  });

  it("cluster mode's absorb keeps the sum finite too", () => {
    const c = new Counter('c', { labels: ['l'] });
    c.absorb({ l: 'w1' }, 1e308, true);
    c.absorb({ l: 'w2' }, 1e308, true);
    expect(c.totals().map((t) => [t.labels.l, t.value])).toEqual([['w1', 1e308]]);
    expect(c.snapshot(0).value).toBe(1e308);
  });

  it('a gauge refuses an inc or dec that would make its value infinite; set and bound gauges likewise', () => {
    const g = new Gauge('g');
    g.set(MAX);
    g.inc(MAX);
    g.labels({}).inc(MAX);
    g.dec(1);
    expect(g.snapshot().value).toBe(MAX - 1);
    g.set(-MAX);
    g.dec(MAX);
    expect(g.snapshot().value).toBe(-MAX);
    expect(g.dropped).toBe(3);
  });
});
