// A collect() gauge's reading is its whole current state (outside review 9b, F2): a label set the callback no
// longer returns leaves the sum, the series, Prometheus, the alert on the gauge and the cluster's sum, and frees
// its place under maxLabelSets. Oracle: the callback's own answer at each step.
import { afterEach, describe, expect, it } from 'vitest';
import { CustomMerger, type GaugeHolder } from '../../src/cluster/custom-merge.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { Gauge } from '../../src/custom/gauge.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';

type Reading = Array<{ labels: { queue: string }; value: number }>;
const STEPS: Reading[] = [
  [
    { labels: { queue: 'a' }, value: 100 },
    { labels: { queue: 'b' }, value: 5 },
  ],
  [{ labels: { queue: 'b' }, value: 5 }],
  [],
];
const sumOf = (r: Reading) => r.reduce((s, x) => s + x.value, 0);
const seriesOf = (r: Reading) => r.map((x) => [x.labels.queue, x.value]);

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('collect() gauge: a reading is the whole state', () => {
  it('sets no longer returned leave the sum, the series, Prometheus; the alert on it clears', async () => {
    let now = Date.UTC(2026, 11, 1);
    const m = createMonitor({
      sampleIntervalMs: 0,
      clock: () => now,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
      alerts: {
        cpu: { enabled: false },
        memory: { enabled: false },
        disk: { enabled: false },
        rules: [{ name: 'backlog', metric: 'custom.depth', warning: 50 }],
      },
    });
    monitors.push(m);
    let reading = STEPS[0] as Reading;
    m.gauge('depth', { help: 'Depth.', labels: ['queue'], collect: () => reading });
    const active: string[][] = [];
    for (const step of STEPS) {
      reading = step;
      const s = await m.sample();
      const g = s.custom?.depth as unknown as {
        value: number;
        series: { labels: { queue: string }; value: number }[];
      };
      expect(g.value).toBe(sumOf(step));
      expect(g.series.map((x) => [x.labels.queue, x.value])).toEqual(seriesOf(step));
      const text = renderPrometheus(await collectPrometheusData(m));
      const lines = text.split('\n').filter((l) => l.startsWith('sysvitals_depth{'));
      expect(lines).toEqual(step.map((x) => `sysvitals_depth{queue="${x.labels.queue}"} ${x.value}`));
      active.push((await m.getAlerts()).map((a) => a.rule));
      now += 5000;
    }
    // 105 and 5 against warning 50: raised, then cleared once `a` is gone.
    expect(active).toEqual([['backlog'], [], []]);
  });

  it('frees the places of dropped sets under maxLabelSets; a bad value keeps its set; a throw keeps all', () => {
    let reading: unknown = [
      { labels: { queue: 'a' }, value: 1 },
      { labels: { queue: 'b' }, value: 2 },
    ];
    const g = new Gauge('depth', { labels: ['queue'], maxLabelSets: 2, collect: () => reading as Reading });
    g.snapshot();
    reading = [
      { labels: { queue: 'c' }, value: 3 },
      { labels: { queue: 'd' }, value: 4 },
    ];
    // Two new sets within the bound of 2: not folded into `other`.
    expect(g.snapshot().series.map((x) => [x.labels.queue, x.value])).toEqual([
      ['c', 3],
      ['d', 4],
    ]);
    reading = [
      { labels: { queue: 'c' }, value: Number.NaN },
      { labels: { queue: 'd' }, value: 6 },
    ];
    const s = g.snapshot();
    expect(s.series.map((x) => [x.labels.queue, x.value])).toEqual([
      ['c', 3],
      ['d', 6],
    ]);
    expect(s.error).toBe('collect() returned a value of NaN, not a finite number');
    reading = 'nope';
    expect(g.snapshot().value).toBe(9);
    // An unlabelled gauge's one series reads 0 on an empty reading.
    let one: unknown = 7;
    const u = new Gauge('one', { collect: () => one as number });
    expect(u.snapshot().value).toBe(7);
    one = [];
    expect(u.snapshot().series).toEqual([{ labels: {}, value: 0 }]);
  });

  // Outside review 11, F10: a worker reports a gauge's definition before its first sample ran collect(); the cluster
  // summed no worker's value as 0 (`sysvitals_one 0` in its scrape). Oracle: the worker's own callback, not called yet.
  it('in cluster mode an unlabelled collect() gauge no worker has read yet reads null, then the sum of the readings', () => {
    const t = { now: 1_000_000 };
    const clock = { now: () => t.now };
    const cluster = new CustomMetrics();
    const holder: GaugeHolder = { gauges: new Map() };
    const merger = new CustomMerger(cluster, () => [holder], silentLogger);
    const custom = new CustomMetrics();
    let calls = 0;
    custom.gauge('one', {
      help: 'One.',
      collect: () => {
        calls++;
        return 4;
      },
    });
    const reporter = new Reporter({
      requests: new RequestStats({ clock }),
      functions: new FunctionTimings({ clock }),
      custom,
      clock,
    });
    const report = () => {
      const r = decodeReport(JSON.parse(JSON.stringify(reporter.take())));
      merger.apply(holder, r.custom ?? [], true);
      const g = cluster.snapshot(t.now).one as unknown as { value: number | null; series: unknown[] };
      return { value: g.value, series: g.series };
    };
    expect(report()).toEqual({ value: null, series: [] });
    expect(calls).toBe(0);
    custom.snapshot(t.now); // the worker's first sample runs collect()
    expect(report()).toEqual({ value: 4, series: [{ labels: {}, value: 4 }] });
  });

  it('in cluster mode the worker reports the removal and the aggregator drops the set', () => {
    const t = { now: 1_000_000 };
    const clock = { now: () => t.now };
    const cluster = new CustomMetrics();
    const holders: GaugeHolder[] = [];
    const merger = new CustomMerger(cluster, () => holders, silentLogger);
    const workers = [0, 1].map(() => {
      const custom = new CustomMetrics();
      let reading: Reading = [];
      custom.gauge('depth', { help: 'Depth.', labels: ['queue'], collect: () => reading });
      const reporter = new Reporter({
        requests: new RequestStats({ clock }),
        functions: new FunctionTimings({ clock }),
        custom,
        clock,
      });
      const holder: GaugeHolder = { gauges: new Map() };
      holders.push(holder);
      return {
        holder,
        step(r: Reading) {
          reading = r;
          custom.snapshot(t.now); // the worker's sample runs collect()
          const report = decodeReport(JSON.parse(JSON.stringify(reporter.take())));
          merger.apply(holder, report.custom ?? [], true);
        },
      };
    });
    const [w0, w1] = workers as [(typeof workers)[0], (typeof workers)[0]];
    const read = () => {
      const g = cluster.snapshot(t.now).depth as unknown as {
        value: number;
        series: { labels: { queue: string }; value: number }[];
      };
      return { value: g.value, series: g.series.map((x) => [x.labels.queue, x.value]) };
    };
    w0.step(STEPS[0] as Reading);
    w1.step([{ labels: { queue: 'b' }, value: 1 }]);
    expect(read()).toEqual({
      value: 106,
      series: [
        ['a', 100],
        ['b', 6],
      ],
    });
    w0.step(STEPS[1] as Reading);
    expect(read()).toEqual({ value: 6, series: [['b', 6]] });
    w0.step(STEPS[2] as Reading);
    // `b` still held by worker 1.
    expect(read()).toEqual({ value: 1, series: [['b', 1]] });
    w1.step([]);
    expect(read()).toEqual({ value: 0, series: [] });
  });
});
