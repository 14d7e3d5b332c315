// Outside review 14, F3: a gauge's label sets past `maxLabelSets`, or with a value over 128 characters, fold into
// the all-`other` set, and that set kept only the last value folded into it (150 tenants × depth 10 read 1,010,
// not 1,500, in JSON and Prometheus, and a rule at 1,200 never fired). A fold now sums what it folds: in a collect()
// reading, the folded sets' values; with set()/inc()/dec(), each folded set's latest value. Two readings naming one
// label set are summed as well. Oracle: the sum computed here from the raw readings and recordings (seeded).

import { afterEach, describe, expect, it } from 'vitest';
import { CustomMerger, type GaugeHolder } from '../../src/cluster/custom-merge.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { Gauge } from '../../src/custom/gauge.js';
import { MAX_FOLDED_MEMBERS } from '../../src/custom/gauge-fold.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import type { GaugeSnapshot } from '../../src/custom/types.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { RequestStats } from '../../src/requests/requests.js';
import { rng } from '../helpers/random.js';
import { expectPromtoolAccepts } from './served-monitor.js';

type Reading = Array<{ labels: Record<string, string>; value: number }>;
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const series = (s: GaugeSnapshot) => s.series.map((x) => [Object.values(x.labels).join('/'), x.value]);
const LONG_A = 'A'.repeat(200);
const LONG_B = 'B'.repeat(200);

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('collect() gauge: the `other` set is the sum of the sets folded into it', () => {
  it("150 tenants past the default bound of 100: JSON, Prometheus and a rule read the readings' sum", async () => {
    const u = rng(14_03);
    const depths = () =>
      Array.from({ length: 150 }, (_, i) => ({ labels: { tenant: `t${i}` }, value: Math.floor(u() * 20) }));
    let reading: Reading = depths();
    const truth = sum(reading.map((x) => x.value));
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
      alerts: {
        cpu: { enabled: false },
        memory: { enabled: false },
        disk: { enabled: false },
        rules: [{ name: 'backlog', metric: 'custom.queue_depth', warning: truth }],
      },
    });
    monitors.push(m);
    m.gauge('queue_depth', { help: 'Jobs waiting per tenant.', labels: ['tenant'], collect: () => reading });
    for (let step = 0; step < 3; step++) {
      if (step === 1) reading = depths().slice(0, 120); // fewer tenants: 20 fold
      if (step === 2) reading = depths().slice(0, 90); // within the bound: no `other`
      const s = (await m.sample()).custom?.queue_depth as unknown as GaugeSnapshot;
      const values = reading.map((x) => x.value);
      expect(s.value).toBe(sum(values));
      const folded = values.slice(100);
      const expected = [...reading.slice(0, 100).map((x) => [x.labels.tenant, x.value])];
      if (folded.length > 0) expected.push(['other', sum(folded)]);
      expect(series(s)).toEqual(expected);
      const text = renderPrometheus(await collectPrometheusData(m));
      const lines = text.split('\n').filter((l) => l.startsWith('sysvitals_queue_depth{'));
      expect(lines).toEqual(expected.map(([t, v]) => `sysvitals_queue_depth{tenant="${t}"} ${v}`));
      expect(sum(lines.map((l) => Number(l.split(' ').pop())))).toBe(sum(values));
      expectPromtoolAccepts(text);
      if (step === 0) {
        // The rule on the gauge reads the whole sum: its warning at the truth fires.
        const alerts = (await m.getAlerts()).filter((a) => a.rule === 'backlog');
        expect(alerts.map((a) => [a.severity, a.value])).toEqual([['warning', truth]]);
      }
    }
  });

  it('over-long values, an explicit `other` and one set named twice are summed', () => {
    let reading: Reading = [
      { labels: { q: LONG_A }, value: 5 },
      { labels: { q: LONG_B }, value: 7 },
      { labels: { q: 'ok' }, value: 1 },
      { labels: { q: 'other' }, value: 4 },
      // An undeclared label is not read: the same set as `{ q: 'a' }` below.
      { labels: { q: 'a', zz: 'b' }, value: 1 },
      { labels: { q: 'a' }, value: 2 },
      { labels: { q: 'ok' }, value: 10 },
    ];
    const g = new Gauge('g', { labels: ['q'], collect: () => reading });
    let s = g.snapshot();
    expect(series(s)).toEqual([
      ['other', 5 + 7 + 4],
      ['ok', 1 + 10],
      ['a', 1 + 2],
    ]);
    expect(s.value).toBe(30);
    expect(s.error).toBeUndefined();
    // The next reading replaces the state: no sum across readings.
    reading = [
      { labels: { q: LONG_A }, value: 2 },
      { labels: { q: 'ok' }, value: 3 },
    ];
    s = g.snapshot();
    expect(series(s)).toEqual([
      ['ok', 3],
      ['other', 2],
    ]);
    expect(s.value).toBe(5);
    // An unlabelled gauge's one series likewise sums a reading's entries.
    const u = new Gauge('u', {
      collect: () => [
        { labels: {}, value: 2 },
        { labels: {}, value: 3 },
      ],
    });
    expect(u.snapshot().value).toBe(5);
  });

  it('a bad value leaves the sets it names at their last value (shown as `error`); `other` sums the good ones', () => {
    let reading: unknown[] = [
      { labels: { q: 'a' }, value: 1 },
      { labels: { q: 'b' }, value: 2 },
      { labels: { q: 'c' }, value: 3 },
      { labels: { q: 'd' }, value: 4 },
    ];
    const g = new Gauge('g', { labels: ['q'], maxLabelSets: 2, collect: () => reading as Reading });
    expect(series(g.snapshot())).toEqual([
      ['a', 1],
      ['b', 2],
      ['other', 7],
    ]);
    reading = [
      { labels: { q: 'a' }, value: Number.NaN },
      { labels: { q: 'a' }, value: 10 },
      { labels: { q: 'b' }, value: 20 },
      { labels: { q: 'c' }, value: 30 },
      { labels: { q: 'd' }, value: Number.POSITIVE_INFINITY },
      { labels: { q: 'e' }, value: 50 },
    ];
    const s = g.snapshot();
    expect(series(s)).toEqual([
      ['a', 1],
      ['b', 20],
      ['other', 80],
    ]);
    expect(s.error).toBe('collect() returned a value of NaN, not a finite number');
    // Finite values whose sum is not: the set keeps its last value.
    reading = [
      { labels: { q: 'a' }, value: 1e308 },
      { labels: { q: 'a' }, value: 1e308 },
      { labels: { q: 'b' }, value: 2 },
    ];
    const t = g.snapshot();
    expect(series(t)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(t.error).toBe('collect() returned values whose sum for one label set is not finite');
  });
});

describe("set()/inc()/dec() gauge: `other` is the sum of each folded set's latest value", () => {
  it('a seeded run of 3,000 recordings on 12 sets (3 kept, 9 folded, 2 of them over-long), bound handles too', () => {
    const u = rng(14_05);
    const names = [...Array.from({ length: 10 }, (_, i) => `m${i}`), LONG_A, LONG_B];
    const g = new Gauge('g', { labels: ['q'], maxLabelSets: 3 });
    const bound = new Map(names.map((n) => [n, g.labels({ q: n })]));
    const truth = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const name = names[Math.floor(u() * names.length)] as string;
      const amount = Math.floor(u() * 100) - 30;
      const op = Math.floor(u() * 3);
      const viaBound = u() < 0.5;
      const b = bound.get(name) as ReturnType<Gauge['labels']>;
      const prev = truth.get(name) ?? 0;
      if (op === 0) {
        if (viaBound) b.set(amount);
        else g.set({ q: name }, amount);
        truth.set(name, amount);
      } else if (op === 1) {
        if (viaBound) b.inc(amount);
        else g.inc({ q: name }, amount);
        truth.set(name, prev + amount);
      } else {
        if (viaBound) b.dec(amount);
        else g.dec({ q: name }, amount);
        truth.set(name, prev - amount);
      }
      if (i % 250 === 249) {
        // The bound handles made the first three sets (m0, m1, m2); every other one folded.
        const s = g.snapshot();
        const kept = ['m0', 'm1', 'm2'];
        const folded = names.filter((n) => !kept.includes(n)).map((n) => truth.get(n) ?? 0);
        expect(series(s)).toEqual([...kept.map((n) => [n, truth.get(n) ?? 0]), ['other', sum(folded)]]);
        expect(s.value).toBe(sum(names.map((n) => truth.get(n) ?? 0)));
        expect(g.values().find((x) => x.labels.q === 'other')?.value).toBe(sum(folded));
      }
    }
    expect(g.dropped).toBe(0);
  });

  it("the review's case: two over-long values set to 5 and 7 read 12, and setting one again replaces it", () => {
    const g = new Gauge('g', { labels: ['q'] });
    g.set({ q: LONG_A }, 5);
    g.set({ q: LONG_B }, 7);
    expect(series(g.snapshot())).toEqual([['other', 12]]);
    g.set({ q: LONG_A }, 1);
    g.set({ q: 'other' }, 100); // the all-`other` set is one more member
    expect(series(g.snapshot())).toEqual([['other', 108]]);
    g.inc({ q: LONG_B }, 0.5);
    g.set({ q: 'other' }, 0.25);
    expect(g.snapshot().value).toBe(1 + 7.5 + 0.25);
  });

  it(`keeps the latest values of at most ${MAX_FOLDED_MEMBERS} folded sets; a recording for a further one is ignored and counted`, () => {
    const g = new Gauge('g', { labels: ['q'], maxLabelSets: 1 });
    g.set({ q: 'kept' }, 1);
    const values: number[] = [];
    for (let i = 0; i < MAX_FOLDED_MEMBERS; i++) {
      g.set({ q: `f${i}` }, i % 7);
      values.push(i % 7);
    }
    g.set({ q: 'one too many' }, 1000);
    g.inc({ q: 'one too many' }, 1000);
    g.labels({ q: 'another' }).dec(3);
    expect(g.dropped).toBe(3);
    // A known member can still be set.
    g.set({ q: 'f0' }, 50);
    values[0] = 50;
    expect(series(g.snapshot())).toEqual([
      ['kept', 1],
      ['other', sum(values)],
    ]);
  });

  it('refuses a recording that would make the folded sum non-finite, and counts it', () => {
    const g = new Gauge('g', { labels: ['q'] });
    g.set({ q: LONG_A }, 1e308);
    g.set({ q: LONG_B }, 1e308);
    g.inc({ q: LONG_B }, 1e308);
    g.set({ q: LONG_B }, -5);
    g.set({ q: LONG_B }, Number.NaN);
    expect(series(g.snapshot())).toEqual([['other', 1e308 - 5]]);
    expect(g.dropped).toBe(3);
  });
});

describe('cluster mode: the folds of workers and of the aggregator sum alike', () => {
  it("the cluster's gauge sums every worker's readings, folded on the workers and again on the aggregator", () => {
    const t = { now: 1_000_000 };
    const clock = { now: () => t.now };
    const cluster = new CustomMetrics();
    const holders: GaugeHolder[] = [];
    const merger = new CustomMerger(cluster, () => holders, { warn() {}, error() {} } as never);
    const u = rng(14_33);
    const readings: Reading[] = [0, 1].map((w) =>
      Array.from({ length: 5 }, (_, i) => ({ labels: { q: `w${w}q${i}` }, value: Math.floor(u() * 100) })),
    );
    const sets: Array<Array<[string, number]>> = [
      [
        ['s0', 3],
        [LONG_A, 4],
        ['s1', 5],
        ['s2', 6],
        [LONG_B, 8],
      ],
      [
        ['s9', 1],
        [LONG_B, 2],
      ],
    ];
    const workers = [0, 1].map((w) => {
      const custom = new CustomMetrics();
      custom.gauge('depth', {
        help: 'Depth.',
        labels: ['q'],
        maxLabelSets: 3,
        collect: () => readings[w] as Reading,
      });
      const setg = custom.gauge('held', { help: 'Held.', labels: ['q'], maxLabelSets: 2 });
      for (const [q, v] of sets[w] as Array<[string, number]>) setg.set({ q }, v);
      const reporter = new Reporter({
        requests: new RequestStats({ clock }),
        functions: new FunctionTimings({ clock }),
        custom,
        clock,
      });
      const holder: GaugeHolder = { gauges: new Map() };
      holders.push(holder);
      custom.snapshot(t.now); // the worker's sample runs collect()
      merger.apply(holder, decodeReport(JSON.parse(JSON.stringify(reporter.take()))).custom ?? [], true);
      return custom;
    });
    const snap = cluster.snapshot(t.now);
    const depth = snap.depth as unknown as GaugeSnapshot;
    const all = readings.flat().map((x) => x.value);
    expect(depth.value).toBe(sum(all));
    // Worker 0 keeps w0q0..2 and folds q3+q4; worker 1 likewise; the aggregator keeps worker 0's three sets
    // (first seen) and folds worker 1's three kept sets into `other` beside the workers' own `other` sums.
    const v = (w: number, i: number) => (readings[w] as Reading)[i]?.value as number;
    expect(series(depth)).toEqual([
      ['w0q0', v(0, 0)],
      ['w0q1', v(0, 1)],
      ['w0q2', v(0, 2)],
      ['other', v(0, 3) + v(0, 4) + v(1, 0) + v(1, 1) + v(1, 2) + v(1, 3) + v(1, 4)],
    ]);
    const [w0] = workers as [CustomMetrics];
    const workerOther = (w0.snapshot(t.now).depth as unknown as GaugeSnapshot).series.at(-1);
    expect(workerOther).toEqual({ labels: { q: 'other' }, value: v(0, 3) + v(0, 4) });
    const held = snap.held as unknown as GaugeSnapshot;
    expect(held.value).toBe(3 + 4 + 5 + 6 + 8 + 1 + 2);
    // Worker 0 keeps s0 and folds the rest (4 + 5 + 6 + 8); worker 1 keeps s9, folds 2; the aggregator keeps s0 and
    // folds s9 beside both workers' `other`.
    expect(series(held)).toEqual([
      ['s0', 3],
      ['other', 4 + 5 + 6 + 8 + 2 + 1],
    ]);
  });
});
