// A cluster-wide hang read critical only when a paced frame carried the in-flight ages (up to maxReportDelayMs,
// 10 s, under a load whose frames exceed the byte budget). The requests in flight now go unpaced in a frame of
// their own when they move (a request crosses the critical level, the count changes a lot), at most one per
// IN_FLIGHT_GAP_MS, paid for in the budget. Injected clock; the worst-case load of bench/cluster-report.ts at
// 10,000 events/s forces coalescing. The agent's tick is followed step by step: paced report when due, else the
// in-flight frame; oracle: the worker's own requests in flight past the critical level (InFlightAges).

import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from '../../src/cluster/frames.js';
import {
  ClusterInFlight,
  IN_FLIGHT_GAP_MS,
  type InFlightState,
  inFlightMoved,
} from '../../src/cluster/in-flight-wire.js';
import { ReportPacer } from '../../src/cluster/pacing.js';
import { decodeReport, type ReportWire } from '../../src/cluster/report.js';
import { createView } from '../../src/latency/latency-ring.js';
import { InFlightAges } from '../../src/requests/in-flight.js';
import { WORST_CASE, workerLoad } from '../helpers/cluster-load.js';

const PACING = { intervalMs: 1000, bytesPerSecond: 2048, maxReportDelayMs: 10_000 };

function run(unpaced: boolean) {
  const load = workerLoad(WORST_CASE);
  const ages = new InFlightAges(load.clock);
  load.requests.inFlight = ages;
  const critical = load.requests.config.levels.api_response_time.critical;
  const pacer = new ReportPacer(PACING, load.clock.now);
  const start = load.t.now;
  // The aggregator's side: the worker's entry, as Merger.merge sets it, read as ClusterInFlight.
  const entry: { inFlight: InFlightState | null } = { inFlight: null };
  const cluster = new ClusterInFlight(() => [entry]);
  let read: unknown[] = [];
  const reader = new FrameReader((m) => read.push(m));
  const deliver = (msg: Record<string, unknown>) => {
    const frame = encodeFrame(msg);
    read = [];
    reader.push(frame);
    const r = decodeReport((read[0] as { report: ReportWire }).report);
    if (r.inFlight !== undefined) entry.inFlight = r.inFlight;
    return frame.length;
  };
  const ticks: Array<{ at: number; report: boolean; inFlight: boolean; own: number; aggregator: number }> =
    [];
  let bytes = 0;
  let inFlightAt = Number.NEGATIVE_INFINITY;
  const hung = Array.from({ length: 6 }, () => ({}));
  for (let k = 1; k <= 60; k++) {
    load.step(10_000, 1000);
    const at = load.t.now - start;
    // Six requests hang from 21 s (none completes) to 44 s.
    if (at === 21_000) for (const h of hung) ages.begin(h);
    if (at === 44_000) for (const h of hung) ages.release(h);
    let report = false;
    let inFlight = false;
    if (pacer.due()) {
      const span = pacer.span();
      const msg: Record<string, unknown> = { t: 'report', report: load.reporter.take() };
      if (span > PACING.intervalMs * 1.5) msg.d = span;
      const n = deliver(msg);
      pacer.sent(n);
      bytes += n;
      report = true;
    } else if (unpaced && load.t.now - inFlightAt >= IN_FLIGHT_GAP_MS) {
      // ClusterAgent.sendInFlight.
      const i = load.reporter.takeInFlightMove(inFlightMoved);
      if (i !== null) {
        const n = deliver({ t: 'report', report: { r: [], f: [], i } });
        pacer.extra(n);
        bytes += n;
        inFlightAt = load.t.now;
        inFlight = true;
      }
    }
    const own = ages.eachAtLeast(critical, load.t.now, () => {});
    ticks.push({ at, report, inFlight, own, aggregator: cluster.addToView(createView(), critical) });
  }
  return { ticks, bytes, critical };
}

describe('requests in flight under pacing', () => {
  it('a hang reaches the aggregator within an interval of crossing the critical level while the counts frame waits', () => {
    const { ticks, bytes, critical } = run(true);
    expect(critical).toBeLessThan(10_000);
    // Coalescing: fewer report frames than intervals.
    expect(ticks.filter((t) => t.report).length).toBeLessThan(40);
    const crossed = ticks.find((t) => t.own === 6);
    if (!crossed) throw new Error('the hang never crossed the critical level');
    const seen = ticks.find((t) => t.at >= crossed.at && t.aggregator === 6);
    if (!seen) throw new Error('the aggregator never saw the hang');
    expect(seen.at - crossed.at).toBeLessThanOrEqual(IN_FLIGHT_GAP_MS);
    // ... while no counts frame went between the crossing and the aggregator reading it.
    expect(ticks.some((t) => t.report && t.at >= crossed.at && t.at <= seen.at)).toBe(false);
    // The end of the hang too.
    const ended = ticks.find((t) => t.at > crossed.at && t.own === 0);
    const cleared = ticks.find((t) => ended && t.at >= ended.at && t.aggregator === 0);
    if (!ended || !cleared) throw new Error('the hang never cleared');
    expect(cleared.at - ended.at).toBeLessThanOrEqual(IN_FLIGHT_GAP_MS);
    expect(ticks.some((t) => t.report && t.at >= ended.at && t.at <= cleared.at)).toBe(false);
    // At most one in-flight frame per gap, and the whole stays within the budget (2 intervals' carry).
    const sent = ticks.filter((t) => t.inFlight).map((t) => t.at);
    expect(sent.length).toBeGreaterThan(0);
    for (let i = 1; i < sent.length; i++)
      expect((sent[i] as number) - (sent[i - 1] as number)).toBeGreaterThanOrEqual(IN_FLIGHT_GAP_MS);
    expect(bytes).toBeLessThanOrEqual(2048 * (60 + 2));
  });

  it('paced only (before), the aggregator saw it with the next counts frame, seconds later', () => {
    const { ticks } = run(false);
    const crossed = ticks.find((t) => t.own === 6);
    const seen = ticks.find((t) => crossed && t.at >= crossed.at && t.aggregator === 6);
    expect(crossed && seen && seen.at - crossed.at).toBeGreaterThan(2 * IN_FLIGHT_GAP_MS);
  });
});
