// Cuts a worker's pending figures where its windows turn, so that the aggregator puts each part into the
// sub-window it was recorded in rather than the one its frame arrives in (a paced frame covers up to
// maxReportDelayMs): request, @timed and query windows then hold, per sub-window, what the workers' own hold.

import type { AbsorbSpan } from '../requests/cluster-exchange.js';
import type { ReportWire } from './report.js';

/** One part of a frame: the figures of sub-window `s` (of `ms` ms, absolute stamps), recorded from `f` to `t`. */
export interface CutWire {
  s: number;
  ms: number;
  f: number;
  t: number;
  report: ReportWire;
}

/** Where a window's turns are heard (RequestStats, FunctionTimings, QueryStats: `onTurn`). */
export interface TurnSource {
  onTurn: ((stamp: number, ms: number) => void) | null;
}

/** A monitor's windows that turn. */
export interface TurningWindows {
  requests: Partial<TurnSource>;
  functions: Partial<TurnSource>;
  queries?: Partial<TurnSource>;
}

const isEmpty = (r: ReportWire) =>
  r.r.length === 0 &&
  r.f.length === 0 &&
  r.j === undefined &&
  r.q === undefined &&
  r.c === undefined &&
  r.d === undefined &&
  r.h === undefined &&
  r.hr === undefined &&
  r.u === undefined;

/**
 * Takes what is pending (`take`) each time one of the windows turns, before anything is recorded in the new
 * sub-window: every part then holds figures of one sub-window only. Turns of another length than the first
 * heard are ignored (their kind goes into the current sub-window at the aggregator, as before).
 */
export class Cuts {
  private parts: CutWire[] = [];
  private stamp: number | null = null;
  private ms = 0;
  private from: number;
  private taking = false;
  /**
   * The requests in flight a cut part took (a state, not a figure of its sub-window): carried by the frame's report
   * unless it takes a newer one, since an aggregator reads them there only. Undefined: none taken since the frame.
   */
  private inFlight: ReportWire['i'];
  /** Cut only while the aggregator reads the parts (it said so when it welcomed this worker) or is this one. */
  enabled = false;

  constructor(
    private readonly reporter: { take(): ReportWire },
    private readonly now: () => number,
    private readonly outage: { failed(key: string, err: unknown): void },
    windows: TurningWindows,
  ) {
    this.from = now();
    for (const w of [windows.requests, windows.functions, windows.queries])
      if (w) w.onTurn = (stamp, ms) => this.turn(stamp, ms);
  }

  /** The frame's figures: the parts cut since the last one, then what is pending, with its span (drain()). */
  frame(): { report: ReportWire; cut: CutWire[]; at: [number, number, number] | undefined } {
    const { cut, at } = this.drain();
    const report = this.takeAll();
    // The last request of a drain can end at a turn: the frame then says the 0 its cut took (outside review 11, F10).
    if (report.i === undefined && this.inFlight !== undefined) report.i = this.inFlight;
    this.inFlight = undefined;
    return { report, cut, at };
  }

  /** What is pending, as one part (a turn while it is being taken is not heard). */
  takeAll(): ReportWire {
    this.taking = true;
    try {
      return this.reporter.take();
    } finally {
      this.taking = false;
    }
  }

  /** A window turned to `stamp`: what is pending belongs to the sub-window before it. Never throws. */
  turn(stamp: number, ms: number): void {
    if (this.taking) return;
    try {
      if (this.stamp === null) this.ms = ms;
      if (ms !== this.ms || !(stamp > (this.stamp ?? Number.NEGATIVE_INFINITY))) return;
      const before = this.stamp;
      this.stamp = stamp;
      if (!this.enabled || before === null) return;
      const t = this.now();
      const report = this.takeAll();
      if (report.i !== undefined) {
        this.inFlight = report.i;
        delete report.i;
      }
      if (!isEmpty(report)) this.parts.push({ s: before, ms, f: this.from, t, report });
      this.from = t;
    } catch (err) {
      this.outage.failed('cluster window cut', err);
    }
  }

  /** The parts cut since the last frame, and the span of what is pending after them ([stamp, ms, from]). */
  drain(): { cut: CutWire[]; at: [number, number, number] | undefined } {
    const cut = this.parts;
    this.parts = [];
    const at: [number, number, number] | undefined =
      this.enabled && this.stamp !== null ? [this.stamp, this.ms, this.from] : undefined;
    this.from = this.now();
    return { cut, at };
  }

  /** Forgets the parts (a hello sends totals since start instead); `enabled`: see the field. */
  reset(enabled = this.enabled): void {
    this.parts = [];
    this.inFlight = undefined;
    this.from = this.now();
    this.enabled = enabled;
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The parts of a frame as the aggregator merges them, in order: each cut part with the sub-window it names,
 * then the frame's report, with its span (`at`: its sub-window and start; else `d`: a paced frame's span; else
 * none, the current sub-window). A malformed part is merged without a span.
 */
export function frameParts(
  msg: { readonly [key: string]: unknown },
  now: number,
): Array<{ report: ReportWire; span: AbsorbSpan | undefined }> {
  const out: Array<{ report: ReportWire; span: AbsorbSpan | undefined }> = [];
  if (Array.isArray(msg.cut)) {
    for (const c of msg.cut.slice(0, 64) as Partial<CutWire>[]) {
      if (c === null || typeof c !== 'object') continue;
      const ok = finite(c.s) && finite(c.ms) && c.ms > 0 && finite(c.f) && finite(c.t) && c.f <= c.t;
      out.push({
        report: c.report as ReportWire,
        span: ok ? { from: c.f!, to: c.t!, s: c.s, ms: c.ms } : undefined,
      });
    }
  }
  let span: AbsorbSpan | undefined;
  const at = msg.at as unknown[] | undefined;
  if (Array.isArray(at) && finite(at[0]) && finite(at[1]) && at[1] > 0 && finite(at[2]))
    span = { from: Math.min(at[2], now), to: now, s: at[0], ms: at[1] };
  else if (finite(msg.d) && msg.d > 0) span = { from: now - Math.min(msg.d, 60_000), to: now };
  out.push({ report: msg.report as ReportWire, span });
  return out;
}
