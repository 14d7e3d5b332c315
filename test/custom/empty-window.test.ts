// A custom histogram whose window holds no value reads no figure (null), not 0 (outside review 11, F7): the same
// "nothing measured is no reading" as latency, queries and history. Through metrics/, the stream and Prometheus
// (promtool), from a real monitor behind a real HTTP server, on the test's clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistogramFigures, HistogramSnapshot } from '../../src/custom/types.js';
import { body, open, SseReader } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

let served: Awaited<ReturnType<typeof serveMonitor>>;
const values = { a: [] as number[], b: [] as number[] };
const WINDOW_STATS = ['avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99'] as const;

beforeAll(async () => {
  served = await serveMonitor();
  const h = served.monitor.histogram('job_seconds', { help: 'Job time.', labels: ['k'], buckets: [1, 10] });
  // Fixed values, no randomness: 1,000 values over 0.001…~160, two label sets.
  for (let i = 0; i < 1000; i++) {
    const v = Math.round(Math.exp((i % 97) / 19) * 1000) / 1000;
    const k = i % 3 ? 'a' : 'b';
    values[k].push(v);
    h.observe({ k }, v);
  }
  await served.monitor.sample();
});

afterAll(() => served.close());

const nulls = Object.fromEntries(WINDOW_STATS.map((k) => [k, null]));

describe('custom histogram with an empty window', () => {
  it('reads its values while they are in the window (oracle: the values recorded)', async () => {
    const m = (await served.getJson('metrics/')).data.custom.job_seconds as HistogramSnapshot;
    const all = [...values.a, ...values.b];
    expect(m.count).toBe(all.length);
    expect(m.max).toBe(Math.max(...all));
    expect(m.min).toBe(Math.min(...all));
    for (const s of m.series) expect(s.count).toBe(values[s.labels.k as 'a' | 'b'].length);
  });

  it('reads avg, min, max and p50…p99 null once no value is in the window, for the metric and each series', async () => {
    served.clock.t += 121_000; // both window halves past: no value left in the window
    await served.monitor.sample();
    const m = (await served.getJson('metrics/')).data.custom.job_seconds as HistogramSnapshot;
    const figures = (f: HistogramFigures) => ({ count: f.count, sum: f.sum, ...pick(f) });
    expect(figures(m)).toEqual({ count: 0, sum: 0, ...nulls });
    expect(m.count_total).toBe(1000);
    expect(m.series).toHaveLength(2);
    for (const s of m.series) {
      expect(figures(s)).toEqual({ count: 0, sum: 0, ...nulls });
      expect(s.count_total).toBe(values[s.labels.k as 'a' | 'b'].length);
    }
  });

  it('the stream sends the same nulls', async () => {
    const res = await open(`${served.base}/stream`);
    const reader = new SseReader(res);
    const first = await reader.nextEvent();
    res.destroy();
    const h = (first.data as { custom: Record<string, HistogramSnapshot> }).custom
      .job_seconds as HistogramSnapshot;
    expect(pick(h)).toEqual(nulls);
  });

  it('Prometheus keeps the since-start buckets, and promtool accepts the scrape', async () => {
    const text = await body(await open(`${served.base}/metrics/prometheus`));
    const count = /^sysvitals_job_seconds_count\{k="a"\} (\S+)$/m.exec(text);
    expect(Number(count?.[1])).toBe(values.a.length);
    const le1 = /^sysvitals_job_seconds_bucket\{k="a",le="1"\} (\S+)$/m.exec(text);
    expect(Number(le1?.[1])).toBe(values.a.filter((v) => v <= 1).length);
    expect(text).not.toMatch(/^sysvitals_job_seconds\S* (null|NaN)$/m);
    expectPromtoolAccepts(text);
  });
});

function pick(f: HistogramFigures): Record<string, number | null> {
  return Object.fromEntries(WINDOW_STATS.map((k) => [k, f[k]]));
}
