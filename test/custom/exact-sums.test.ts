// A custom histogram's `_sum` (Prometheus) and `sum`/`sum_total` (JSON) are the exact float sum of the values
// observed, not rounded to 6 decimal places or 12 significant digits (outside review 31, RT31-1: observe(4e-7)
// scraped `_sum 0`). Oracle: the values added in JS, in observation order within what one read drains, the drained
// batches added in drain order (what the monitor does: a batch is summed as it is observed, then added to the total);
// printed as JS String() (Go's shortest 'g' repr but for the exponent's width; promtool reads both). Custom gauges and
// counters are checked alongside (their values as set / summed). Real monitor behind a real HTTP server, promtool.

import { afterEach, describe, expect, it } from 'vitest';
import type { HistogramSnapshot } from '../../src/custom/types.js';
import { body, open } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

let served: Awaited<ReturnType<typeof serveMonitor>> | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** The sample lines of a scrape, by series (name and labels as written) → value text. */
async function scrape(base: string): Promise<Map<string, string>> {
  const text = await body(await open(`${base}/metrics/prometheus`));
  expectPromtoolAccepts(text);
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** The float sum of `batches`: each batch added in order, then the batches' sums in order. */
function batchedSum(batches: number[][]): number {
  let total = 0;
  for (const batch of batches) {
    let b = 0;
    for (const v of batch) b += v;
    total += b;
  }
  return total;
}

describe('custom metrics are written with their exact values', () => {
  it('a histogram of sub-microsecond values scrapes its exact _sum, not 0 (RT31-1)', async () => {
    served = await serveMonitor();
    const m = served.monitor;
    const tiny = m.histogram('tiny', { help: 't', buckets: [1e-6] });
    tiny.observe(4e-7);
    const op = m.histogram('op_seconds', { help: 'o', buckets: [1e-6, 1e-5] });
    const ops: number[] = [];
    for (let i = 0; i < 100; i++) {
      const v = 3e-7 + i * 1.3e-9;
      ops.push(v);
      op.observe(v);
    }
    const hh = m.histogram('hh', { help: 'h', labels: ['k'], buckets: [1] });
    const hhValues = [1.234567891, 1e-7, 112.5000001, 0.1, 0.2];
    for (const v of hhValues) hh.observe({ k: 'a' }, v);
    const big = m.histogram('big', { help: 'b', buckets: [1e15] });
    big.observe(123456789012345.67);
    big.observe(1);
    const lines = await scrape(served.base);
    expect(lines.get('sysvitals_tiny_sum')).toBe(String(4e-7));
    expect(lines.get('sysvitals_tiny_count')).toBe('1');
    expect(lines.get('sysvitals_op_seconds_sum')).toBe(String(batchedSum([ops])));
    expect(lines.get('sysvitals_hh_sum{k="a"}')).toBe(String(batchedSum([hhValues])));
    expect(lines.get('sysvitals_big_sum')).toBe(String(123456789012345.67 + 1));
  });

  it('the sum stays exact across reads (each read drains a batch)', async () => {
    served = await serveMonitor();
    const h = served.monitor.histogram('lat_seconds', { help: 'l', buckets: [0.001] });
    const batches = [
      [1.234567891, 1e-7],
      [3e-7, 4e-7, 0.1],
      [0.2, 5e-10],
    ];
    for (const [i, batch] of batches.entries()) {
      for (const v of batch) h.observe(v);
      const lines = await scrape(served.base);
      expect(lines.get('sysvitals_lat_seconds_sum')).toBe(String(batchedSum(batches.slice(0, i + 1))));
    }
  });

  it('JSON sum and sum_total are exact too, not 12 significant digits (RT31-1 aside)', async () => {
    served = await serveMonitor();
    const h = served.monitor.histogram('big', { help: 'b', labels: ['k'], buckets: [1] });
    h.observe({ k: 'a' }, 123456789012345.67);
    h.observe({ k: 'a' }, 1);
    h.observe({ k: 'b' }, 4e-7);
    h.observe({ k: 'b' }, 1.234567891);
    await served.monitor.sample();
    const snap = (await served.getJson('metrics/')).data.custom.big as HistogramSnapshot;
    const a = 123456789012345.67 + 1;
    const b = 4e-7 + 1.234567891;
    const byLabel = Object.fromEntries(snap.series.map((s) => [s.labels.k, s]));
    expect([byLabel.a?.sum, byLabel.a?.sum_total]).toEqual([a, a]);
    expect([byLabel.b?.sum, byLabel.b?.sum_total]).toEqual([b, b]);
    // Over the label sets: the label sets' sums added in their order of first use.
    expect([snap.sum, snap.sum_total]).toEqual([a + b, a + b]);
  });

  it('custom gauges and counters scrape the value as set or summed', async () => {
    served = await serveMonitor();
    const g = served.monitor.gauge('gg', { help: 'g', labels: ['k'] });
    g.set({ k: 'a' }, 1.2345678912345e-9);
    g.set({ k: 'b' }, 123456789012345.67);
    g.set({ k: 'c' }, -0.1);
    const c = served.monitor.counter('cc', { help: 'c' });
    c.inc(4e-7);
    c.inc(1e-7);
    c.inc(0.1);
    await served.monitor.sample();
    const lines = await scrape(served.base);
    expect(lines.get('sysvitals_gg{k="a"}')).toBe(String(1.2345678912345e-9));
    expect(lines.get('sysvitals_gg{k="b"}')).toBe(String(123456789012345.67));
    expect(lines.get('sysvitals_gg{k="c"}')).toBe('-0.1');
    expect(lines.get('sysvitals_cc_total')).toBe(String(4e-7 + 1e-7 + 0.1));
  });
});
