// Pacing a worker's reports to a byte budget (ReportPacer): coalesced frames carry exactly what was recorded
// (oracle: the raw counts, kept apart), bytes per second stay within the budget over a simulated minute of the
// worst case measured (bench/cluster-report.ts), and the aggregator spreads a frame's counts over its span.

import { describe, expect, it } from 'vitest';
import { parseClusterOptions } from '../../src/cluster/options.js';
import { ReportPacer } from '../../src/cluster/pacing.js';
import { RequestStats } from '../../src/requests/requests.js';
import { pacedRun, WORST_CASE } from '../helpers/cluster-load.js';

const BUDGET = { bytesPerSecond: 2048, maxReportDelayMs: 10_000 };

function totals(frames: ReturnType<typeof pacedRun>['frames']) {
  const requests = new Map<string, number>();
  const slots = new Map<string, Map<number, number>>();
  let queries = 0;
  let orders = 0;
  for (const f of frames) {
    for (const r of f.report.routes) {
      requests.set(r.route, (requests.get(r.route) ?? 0) + r.classes.reduce((a, b) => a + b, 0));
      const m = slots.get(r.route) ?? new Map<number, number>();
      slots.set(r.route, m);
      const l = r.latency;
      if (l) for (const [i, s] of l.slots.entries()) m.set(s, (m.get(s) ?? 0) + (l.counts[i] as number));
    }
    for (const q of f.report.queries ?? []) queries += q.latency?.n ?? 0;
    for (const c of f.report.custom ?? [])
      if (c.name === 'orders_total') for (const s of c.series) orders += s.counter ?? 0;
  }
  return { requests, slots, queries, orders };
}

describe('ReportPacer', () => {
  it('keeps the worst case (20 routes + 10 fingerprints + custom, 10,000 events/s) within 2048 B/s over a minute, exactly', () => {
    const run = pacedRun(WORST_CASE, 10_000, 60, BUDGET);
    const bytes = run.frames.reduce((a, f) => a + f.bytes, 0);
    expect(bytes / 60).toBeLessThanOrEqual(2048);
    // Several intervals per frame, none beyond the longest delay.
    expect(run.frames.length).toBeLessThan(60);
    for (const f of run.frames) expect(f.span).toBeLessThanOrEqual(10_000);
    // The last frame (a close, or a read's sync) sends what is pending: then everything recorded has been sent.
    run.flush();
    const sent = totals(run.frames);
    expect(sent.requests).toEqual(run.raw.requests);
    expect(sent.slots).toEqual(run.raw.slots);
    expect(sent.queries).toBe(run.raw.queries);
    expect(sent.orders).toBe(run.raw.orders);
    expect(sent.queries).toBe(600_000);
  });

  it('is what keeps it there: unpaced, the same load sends about 8 KB/s', () => {
    const run = pacedRun(WORST_CASE, 10_000, 60, { bytesPerSecond: 0, maxReportDelayMs: 10_000 });
    const bytes = run.frames.reduce((a, f) => a + f.bytes, 0);
    expect(run.frames.length).toBe(60);
    expect(bytes / 60).toBeGreaterThan(3 * 2048);
  });

  it('sends every interval when frames fit the budget (a light load is as fresh as before)', () => {
    const run = pacedRun({ ...WORST_CASE, routes: 1, custom: false, fingerprints: 0 }, 100, 30, BUDGET);
    expect(run.frames.length).toBe(30);
    expect(run.frames.every((f) => f.span === 1000)).toBe(true);
  });

  it('stays within the budget when reads force frames (sync) between the paced ones', () => {
    const t = { now: 0 };
    const pacer = new ReportPacer({ intervalMs: 1000, ...BUDGET }, () => t.now);
    let bytes = 0;
    for (let s = 1; s <= 120; s++) {
      t.now = s * 1000;
      // A read every 7 s sends what is pending, whatever the bucket holds (600 B); periodic frames 3000 B.
      if (s % 7 === 0) {
        pacer.sent(600);
        bytes += 600;
      }
      if (pacer.due()) {
        pacer.sent(3000);
        bytes += 3000;
      }
    }
    expect(bytes / 120).toBeLessThanOrEqual(2048 + 3000 / 120);
  });
});

describe('a frame covering several intervals in the aggregator', () => {
  it('spreads its request counts over the sub-windows it covers, exactly, and the rate reads them there', () => {
    const t = { now: 1_000_000 };
    const stats = new RequestStats({ clock: { now: () => t.now } });
    t.now = 1_030_000; // 30 s after start: the window covers 30 sub-windows of 1 s
    // A paced worker's frame: 5 s of 1001 requests/s and 10 5xx, 500 aborted (4xx) with 20 failed.
    stats.absorb('GET', '/a', [0, 5005, 0, 500, 10], null, true, [500, 0, 0, 20], {
      from: t.now - 5000,
      to: t.now,
    });
    const rows = stats.windowStates().routes[0]?.rows ?? [];
    expect(rows.map((r) => r[0])).toEqual([1026, 1027, 1028, 1029, 1030]);
    const sum = (c: number) => rows.reduce((a, r) => a + (r[c] as number), 0);
    expect([sum(1), sum(2), sum(3), sum(4), sum(5), sum(6), sum(9)]).toEqual([0, 5005, 0, 500, 10, 500, 20]);
    for (const r of rows) expect(r[2]).toBeGreaterThanOrEqual(1001);
    expect(stats.total).toBe(5515);
    // Per second over the last 5 complete sub-windows (1025–1029): the four of them the frame covers.
    t.now = 1_030_999;
    expect(stats.groups().requests.per_second).toBeCloseTo((4 * 5515) / 5 / 5, 0);
  });

  it('puts a one-interval frame in the current sub-window, as before', () => {
    const t = { now: 1_000_000 };
    const stats = new RequestStats({ clock: { now: () => t.now } });
    t.now = 1_030_000;
    stats.absorb('GET', '/a', [0, 100, 0, 0, 0], null, true, undefined, undefined);
    expect(stats.windowStates().routes[0]?.rows).toEqual([[1030, 0, 100, 0, 0, 0, 0, 0, 0, 0]]);
  });
});

describe('cluster.bytesPerSecond and cluster.maxReportDelayMs', () => {
  it('default to 2048 B/s and 10 s; 0 turns pacing off; bad values fail at setup', () => {
    const c = parseClusterOptions({ name: 'x' });
    expect([c?.bytesPerSecond, c?.maxReportDelayMs]).toEqual([2048, 10_000]);
    expect(parseClusterOptions({ name: 'x', bytesPerSecond: 0 })?.bytesPerSecond).toBe(0);
    expect(() => parseClusterOptions({ name: 'x', bytesPerSecond: 100 })).toThrow(/bytesPerSecond/);
    expect(() => parseClusterOptions({ name: 'x', intervalMs: 5000, maxReportDelayMs: 2000 })).toThrow(
      /maxReportDelayMs/,
    );
    expect(parseClusterOptions({ name: 'x', intervalMs: 20_000 })?.maxReportDelayMs).toBe(20_000);
  });
});
