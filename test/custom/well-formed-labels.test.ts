// Outside review 15, F3: label values that are not well-formed UTF-16 (a lone surrogate, `'jobs\ud800'`, as
// JSON.parse gives for a client's `"\ud800"`) are strings of their own in memory and in JSON, but the scrape's UTF-8
// has no spelling for them: Buffer writes U+FFFD, so `jobs\ud800`, `jobs\udc00` and `jobs\ufffd` were one series
// written three times (Prometheus keeps one, sum() undercounts). Now a value is made well-formed where it becomes a
// key (custom metric label sets, routes, @timed names, job names, query fingerprints, plugin record keys, anomaly
// series): the three are one set, one series. Oracles: the scrape's bytes, decoded strictly as UTF-8, hold no sample
// line's name and labels twice; each family's sum equals the JSON's figure computed from the raw calls; promtool.

import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/analytics.js';
import type { CounterSnapshot, GaugeSnapshot, HistogramSnapshot } from '../../src/custom/types.js';
import { createMonitor } from '../../src/monitor.js';
import { anomalyAnalytics, MIN, minutePoint, START } from '../helpers/anomaly-minutes.js';
import { parseExposition } from '../http/prometheus-parse.js';
import { open } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

/** The three spellings of one UTF-8 label value: a lone high surrogate, a lone low one, and U+FFFD itself. */
const SPELLINGS = JSON.parse('["jobs\\ud800", "jobs\\udc00", "jobs\\ufffd"]') as string[];
const FILED = 'jobs\ufffd';

let served: Awaited<ReturnType<typeof serveMonitor>>;
let scrape: string;

async function bytes(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  served = await serveMonitor({
    queries: { prometheus: true },
    collectors: [
      {
        name: 'mq',
        collect: () => ({
          queues: JSON.parse(
            '{"jobs\\ud800":{"messages":1},"jobs\\udc00":{"messages":2},"jobs\\ufffd":{"messages":3}}',
          ),
        }),
      },
    ],
  });
  const { monitor } = served;
  const depth = monitor.gauge('depth', { help: 'Depth.', labels: ['queue'] });
  const sent = monitor.counter('sent', { help: 'Sent.', labels: ['queue'] });
  const size = monitor.histogram('size', { help: 'Size.', labels: ['queue'], buckets: [1, 10] });
  monitor.gauge('waiting', {
    help: 'Waiting.',
    labels: ['queue'],
    collect: () => SPELLINGS.map((queue, i) => ({ labels: { queue }, value: 10 * (i + 1) })),
  });
  SPELLINGS.forEach((queue, i) => {
    depth.set({ queue }, i + 1);
    sent.inc({ queue }, i + 1);
    size.labels({ queue }).observe(i + 1);
    monitor.recordRequest({ method: 'GET', route: `/q/${queue}`, status: 200, durationMs: i + 1 });
    monitor.recordFunction(`fn_${queue}`, i + 1, false);
    monitor.recordJob(`job_${queue}`, i + 1, false);
    monitor.recordQuery('postgresql', `SELECT * FROM "${queue}"`, i + 1, false);
    monitor.recordQuery('postgresql', 'SELECT routed', i + 1, false, `/q/${queue}`);
  });
  await monitor.sample();
  const raw = await bytes(await open(`${served.base}/metrics/prometheus`));
  scrape = new TextDecoder('utf-8', { fatal: true }).decode(raw);
});

afterAll(() => served.close());

/** The sample lines whose name and labels (as written) another line has too. */
function repeated(text: string): string[] {
  const series = text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
  return series.filter((s, i) => series.indexOf(s) !== i);
}

/** The samples of family `name` (sample name `sample`, default the family's) whose labels include `match`. */
function samples(name: string, match: Record<string, string>, sample = name) {
  const fam = parseExposition(scrape).get(name);
  return (fam?.samples ?? []).filter(
    (s) => s.name === sample && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

describe('label values that are not well-formed UTF-16 (outside review 15, F3)', () => {
  it('the scrape holds no series twice after UTF-8 encoding, and promtool accepts it', () => {
    expect(repeated(scrape)).toEqual([]);
    expect(scrape).toContain(`{queue="${FILED}"}`);
    expectPromtoolAccepts(scrape);
  });

  it('custom metrics: the three spellings are one label set, in JSON and Prometheus alike', async () => {
    const { data } = await served.getJson('metrics/');
    const depth = data.custom.depth as GaugeSnapshot;
    const sent = data.custom.sent as CounterSnapshot;
    const size = data.custom.size as HistogramSnapshot;
    const waiting = data.custom.waiting as GaugeSnapshot;
    // One set each: a gauge set three times reads the last value, a counter the sum of its increments, a histogram
    // every observation, a collect() reading the sum of the entries that name one set.
    expect(depth.series.map((s) => [s.labels.queue, s.value])).toEqual([[FILED, 3]]);
    expect(sent.series.map((s) => [s.labels.queue, s.value])).toEqual([[FILED, 6]]);
    expect(size.series.map((s) => [s.labels.queue, s.count])).toEqual([[FILED, 3]]);
    expect(waiting.series.map((s) => [s.labels.queue, s.value])).toEqual([[FILED, 60]]);
    const sum = (xs: { value: number }[]) => xs.reduce((a, s) => a + s.value, 0);
    expect(sum(samples('sysvitals_depth', {}))).toBe(depth.value);
    expect(sum(samples('sysvitals_sent_total', {}))).toBe(sent.value);
    expect(sum(samples('sysvitals_size', {}, 'sysvitals_size_count'))).toBe(size.count);
    expect(sum(samples('sysvitals_waiting', {}))).toBe(waiting.value);
  });

  it('a route recorded by hand: one row, every request counted', () => {
    const route = samples('sysvitals_http_requests_total', { route: `/q/${FILED}` });
    expect(route.map((s) => s.value)).toEqual([3]);
    const rows = served.monitor.endpoints().routes.filter((r) => r.route.startsWith('/q/'));
    expect(rows.map((r) => [r.route, r.count])).toEqual([[`/q/${FILED}`, 3]]);
  });

  it('@timed function names, job names and query fingerprints: one row each, every call counted', () => {
    const calls = samples('sysvitals_function_calls_total', {});
    expect(
      calls.filter((s) => s.labels.function?.startsWith('fn_')).map((s) => [s.labels.function, s.value]),
    ).toEqual([[`fn_${FILED}`, 3]]);
    const runs = samples('sysvitals_job_runs_total', {});
    expect(runs.filter((s) => s.labels.job?.startsWith('job_')).map((s) => [s.labels.job, s.value])).toEqual([
      [`job_${FILED}`, 3],
    ]);
    const queries = samples(
      'sysvitals_db_query_duration_seconds',
      {},
      'sysvitals_db_query_duration_seconds_count',
    );
    expect(queries.map((s) => [s.labels.fingerprint, s.value])).toEqual([
      [`SELECT * FROM "${FILED}"`, 3],
      ['SELECT routed', 3],
    ]);
  });

  it("a query's routes: one route, the route row's, every query counted (outside review 16, F9)", () => {
    const row = served.monitor.queries.rows().find((r) => r.fingerprint === 'SELECT routed');
    expect(row?.routes).toEqual([{ route: `/q/${FILED}`, count: 3 }]);
    const routes = served.monitor.endpoints().routes.map((r) => r.route);
    expect(routes).toContain(row?.routes[0]?.route);
  });

  it("a plugin's record keys: one series, the first key's (as keys that sanitise alike); the JSON keeps them all", async () => {
    const lines = scrape.split('\n').filter((l) => l.startsWith('sysvitals_plugin_mq_queues_messages'));
    expect(lines).toEqual([`sysvitals_plugin_mq_queues_messages{key="${FILED}"} 1`]);
    const queues = (await served.monitor.getMetrics()).plugins?.mq?.queues as Record<string, unknown>;
    expect(Object.keys(queues)).toEqual(SPELLINGS);
  });
});

describe('label sets past maxLabelSets', () => {
  it('the spellings fold into `other` as one member: set three times, it reads the last value', async () => {
    const m = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {} } });
    try {
      const g = m.gauge('folded', { help: 'Folded.', labels: ['queue'], maxLabelSets: 1 });
      g.set({ queue: 'first' }, 100);
      for (const [i, queue] of SPELLINGS.entries()) g.set({ queue }, i + 1);
      expect(g.values().map((s) => [s.labels.queue, s.value])).toEqual([
        ['first', 100],
        ['other', 3],
      ]);
    } finally {
      await m.close();
    }
  });
});

describe('anomaly series named by values that are not well-formed', () => {
  it('observe() files the three spellings as one series; a saved state restores under the well-formed name', () => {
    const a = anomalyAnalytics();
    for (const [i, s] of SPELLINGS.entries()) a.observe(s, i + 1);
    const figures = {
      cpu_avg_percent: 20,
      memory_avg_percent: 50,
      event_loop_p99_ms: 15,
      requests: 600,
      errors_5xx: 3,
      latency_p95_ms: 180,
    };
    a.scorePoint(minutePoint(START, figures));
    const saved = a.exportState();
    const names = Object.keys(JSON.parse(saved).series as Record<string, string>);
    expect(names.filter((n) => n.startsWith('jobs'))).toEqual([FILED]);
    // State saved before the fix holds the spellings apart: restored, they are one series again.
    const old = saved.replace(FILED, 'jobs\\ud800');
    expect(old).not.toBe(saved);
    const b = new Analytics(a.config);
    b.importState(old);
    b.observe(FILED, 1);
    b.scorePoint(minutePoint(START + MIN, figures));
    const restored = Object.keys(JSON.parse(b.exportState()).series as Record<string, string>);
    expect(restored.filter((n) => n.startsWith('jobs'))).toEqual([FILED]);
  });
});
