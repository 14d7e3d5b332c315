// Prometheus's own linter (`promtool check metrics`, Debian's `prometheus` package) accepts our exposition.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { parsePrometheusOptions } from '../../src/http/prometheus/options.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor } from '../../src/monitor.js';
import { histogramOf, largeData, snapshotFixture } from './prometheus-fixture.js';

const INSTALL = 'install prometheus (apt-get install prometheus) to run the promtool checks';
const missing = spawnSync('promtool', ['--version']).error !== undefined;
// In CI a missing promtool fails every test below; elsewhere they are skipped with a hint.
const skip = missing && process.env.CI !== 'true';
if (skip) console.warn(`skipping promtool tests: ${INSTALL}`);

function promtool(text: string): { status: number | null; output: string } {
  if (missing) throw new Error(`promtool is missing: ${INSTALL}`);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe.skipIf(skip)('promtool check metrics', () => {
  it('accepts a full scrape (100 routes, 20 @timed functions) with no lint findings', () => {
    expect(promtool(renderPrometheus(largeData(100, 20)))).toEqual({ status: 0, output: '' });
  });

  it('accepts a scrape of a fresh monitor with nothing recorded', () => {
    expect(promtool(renderPrometheus({ snapshot: snapshotFixture() }))).toEqual({ status: 0, output: '' });
  });

  it('accepts hostile label values, a custom prefix and custom buckets', () => {
    const data = {
      snapshot: snapshotFixture(),
      routes: [{ method: 'GET', route: '/a\\b"c\nd/{x}', status_class: '2xx', count: 3 }],
      latency: histogramOf([1, 10, 100]),
      functions: [{ name: 'weird "name"\n\\', count: 2, errors: 1, histogram: histogramOf([3, 4]) }],
    };
    const config = parsePrometheusOptions({ prefix: 'shop_', buckets: [0.001, 0.3, 7] });
    expect(promtool(renderPrometheus(data, config))).toEqual({ status: 0, output: '' });
  });

  it("accepts a real monitor's scrape with runtime signals, a plugin, jobs, per-fingerprint queries and custom metrics", async () => {
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { warn() {}, error() {} },
      queries: { prometheus: true },
      collectors: [{ name: 'broker', collect: () => ({ queues: { jobs: { messages: 7, consumers: 2 } } }) }],
    });
    try {
      m.recordRequest({ method: 'GET', route: '/users/:id', status: 200, durationMs: 12 });
      m.recordQuery('postgresql', 'SELECT * FROM users WHERE id = $1', 3, false, '/users/:id');
      m.recordQuery('mysql', 'UPDATE "odd"\nname SET x = ?', 700, true);
      const job = m.job('sync "crm"', () => 1, { expectEvery: '5m' });
      job();
      m.counter('sent', { help: 'Sent.', labels: ['queue'] }).inc({ queue: 'sms' });
      m.histogram('payload_bytes', { help: 'Payload size.' }).observe(512);
      await m.sample();
      const text = renderPrometheus(await collectPrometheusData(m));
      for (const family of [
        'job_runs_total',
        'db_query_duration_seconds_bucket',
        'plugin_broker',
        'sent',
        'payload_bytes',
        'gc_pause',
      ]) {
        expect(text, family).toMatch(new RegExp(family));
      }
      expect(promtool(text)).toEqual({ status: 0, output: '' });
    } finally {
      await m.close();
    }
  });

  it('is a real check: it refuses a broken exposition', () => {
    const broken = renderPrometheus({ snapshot: snapshotFixture() }).replace('"cpu"', '"cpu');
    expect(promtool(broken).status).not.toBe(0);
  });
});
