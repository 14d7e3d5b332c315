// Custom metrics through every surface: the snapshot (JSON API), the stream, Prometheus (checked by
// promtool), and one-minute history, from one real monitor behind a real HTTP server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterSnapshot, GaugeSnapshot, HistogramSnapshot } from '../../src/custom/types.js';
import { body, open, SseReader } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

let served: Awaited<ReturnType<typeof serveMonitor>>;

beforeAll(async () => {
  served = await serveMonitor();
  const { monitor } = served;
  const jobs = monitor.counter('jobs_processed', { help: 'Jobs processed, by queue.', labels: ['queue'] });
  jobs.inc({ queue: 'email' }, 3);
  jobs.labels({ queue: 'sms' }).inc();
  let depth = 17;
  monitor.gauge('queue_depth', { help: 'Jobs waiting.', collect: () => depth });
  const size = monitor.histogram('payload_size', {
    help: 'Payload size "in" thousands.',
    buckets: [1, 10, 100],
  });
  for (const v of [0.5, 2, 2, 30, 250]) size.observe(v);
  await monitor.sample();
  depth = 21;
  await monitor.sample();
});

afterAll(() => served.close());

describe('custom metrics on every surface', () => {
  it('metrics/ has them under `custom`, with help, type and figures', async () => {
    const { data } = await served.getJson('metrics/');
    const jobs = data.custom.jobs_processed as CounterSnapshot;
    expect(jobs).toEqual(
      expect.objectContaining({
        type: 'counter',
        help: 'Jobs processed, by queue.',
        labels: ['queue'],
        value: 4,
      }),
    );
    expect(jobs.series.map((s) => [s.labels.queue, s.value])).toEqual([
      ['email', 3],
      ['sms', 1],
    ]);
    expect((data.custom.queue_depth as GaugeSnapshot).value).toBe(21);
    const size = data.custom.payload_size as HistogramSnapshot;
    expect(size).toEqual(expect.objectContaining({ type: 'histogram', count: 5, min: 0.5, max: 250 }));
    // Within 0.1 % of the value (2, twice), its HDR slot's middle (README §Custom metrics).
    expect(Math.abs((size.p50 as number) - 2)).toBeLessThanOrEqual(0.002);
    expect(size.sum).toBe(284.5);
  });

  it('the stream sends them in its metrics events', async () => {
    const res = await open(`${served.base}/stream`);
    const reader = new SseReader(res);
    const first = await reader.nextEvent();
    res.destroy();
    expect(first.event).toBe('metrics');
    const custom = (first.data as { custom: Record<string, { type: string }> }).custom;
    expect(Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, v.type]))).toEqual({
      jobs_processed: 'counter',
      queue_depth: 'gauge',
      payload_size: 'histogram',
    });
  });

  it('Prometheus has each with its help and type, and promtool accepts the scrape', async () => {
    const text = await body(await open(`${served.base}/metrics/prometheus`));
    expect(text).toContain('# HELP sysvitals_jobs_processed_total Jobs processed, by queue.');
    expect(text).toContain('# TYPE sysvitals_jobs_processed_total counter');
    expect(text).toContain('sysvitals_jobs_processed_total{queue="email"} 3');
    expect(text).toContain('sysvitals_jobs_processed_total{queue="sms"} 1');
    expect(text).toContain('# TYPE sysvitals_queue_depth gauge');
    expect(text).toContain('sysvitals_queue_depth 21');
    expect(text).toContain('# HELP sysvitals_payload_size Payload size "in" thousands.');
    expect(text).toContain('# TYPE sysvitals_payload_size histogram');
    // Cumulative buckets from the raw values: ≤1: 0.5; ≤10: 0.5, 2, 2; ≤100: + 30; +Inf: + 250.
    expect(text).toContain('sysvitals_payload_size_bucket{le="1"} 1');
    expect(text).toContain('sysvitals_payload_size_bucket{le="10"} 3');
    expect(text).toContain('sysvitals_payload_size_bucket{le="100"} 4');
    expect(text).toContain('sysvitals_payload_size_bucket{le="+Inf"} 5');
    expect(text).toContain('sysvitals_payload_size_sum 284.5');
    expect(text).toContain('sysvitals_payload_size_count 5');
    expectPromtoolAccepts(text);
  });

  it('history keeps them per minute: counter increases, gauge average and max, histogram percentiles', async () => {
    served.clock.t += 60_000;
    await served.monitor.flush();
    const { data } = await served.getJson('history/?period=1h');
    const point = data.points.at(-1);
    expect(point.series['custom.jobs_processed']).toEqual({ kind: 'counter', increase: 4 });
    expect(point.series['custom.queue_depth']).toEqual({ kind: 'gauge', avg: 19, max: 21, n: 2 });
    expect(point.series['custom.payload_size']).toEqual(
      expect.objectContaining({ kind: 'histogram', count: 5, sum: 284.5, max: 250, h: '' }),
    );
    expect(Math.abs(point.series['custom.payload_size'].p50 - 2)).toBeLessThanOrEqual(0.002);
    expect(point.series['process.event_loop_utilization_percent']).toEqual(
      expect.objectContaining({ kind: 'gauge', n: 2 }),
    );
  });
});
