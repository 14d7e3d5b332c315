// The error horizon: judged and failed requests over a longer time than the request window (the error_rate rule's
// `horizonMs`, 15 min by default), banked as they leave the window, so that a service too quiet for its window to
// judge, failing every request, is still judged (outside review 9, F4).

import {
  type ErrorRateVerdict,
  failedPercent,
  failedShortfall,
  levelStatus,
  MIN_FAILED_BELOW_GUARD,
  wilsonLowerPercent,
  windowShortfall,
} from '../alerts/status.js';
import { SysvitalsError } from '../errors.js';
import { type AbsorbSpan, spanStamp } from './cluster-exchange.js';
import type { ErrorHorizonMetrics } from './horizon-metrics.js';
import {
  ABORTED_COLUMN,
  ABORTED_FAILED_COLUMN,
  type RouteEntry,
  STRIDE,
  unjudgedOf,
} from './route-counters.js';

/** At most this many banks are kept: a long horizon banks several latency sub-windows together. */
const MAX_BANKS = 240;

/**
 * Judged and failed requests per bank of latency sub-windows that have left the request window, over the last
 * `horizonMs`. bank() is called as the latency window turns, before anything is recorded in the new sub-window
 * (RequestStats.tick()), so the sub-windows that left are still whole in the route counters' ring: what is banked is
 * exactly what the window held. Reading (totals()) changes nothing.
 */
export class ErrorHorizon {
  /** Latency sub-windows the horizon spans; 0 when it is off or no longer than the window. */
  readonly spans: number;
  /** Latency sub-windows per bank. */
  private readonly per: number;
  /** [bank number, judged, failed] per bank, at bank number % banks. */
  private readonly ring: Float64Array;
  private readonly banks: number;
  /** The last latency sub-window banked. */
  private banked = Number.NEGATIVE_INFINITY;
  /** Request sub-windows per latency sub-window. */
  private readonly perLat: number;

  private readonly slots: number;
  private readonly latencySlots: number;
  /** One latency sub-window's length, ms. */
  private readonly latencyMs: number;
  private readonly scratch = new Float64Array(5);

  /** `slots`, `latencySlots`: the request window's rings; `latencyMs`: one latency sub-window's length. */
  constructor(config: { errorHorizonMs: number; slots: number; latencySlots: number }, latencyMs: number) {
    const { errorHorizonMs: horizonMs, slots, latencySlots } = config;
    this.slots = slots;
    this.latencySlots = latencySlots;
    this.latencyMs = latencyMs;
    this.perLat = slots / latencySlots;
    const spans = horizonMs > 0 ? Math.ceil(horizonMs / latencyMs) : 0;
    this.spans = spans > latencySlots ? spans : 0;
    this.per = Math.max(1, Math.ceil(this.spans / MAX_BANKS));
    this.banks = this.spans > 0 ? Math.ceil(this.spans / this.per) + 1 : 0;
    this.ring = new Float64Array(this.banks * 3).fill(Number.NaN);
  }

  /**
   * Banks the latency sub-windows that left the window as it turned from `lastLat` to `lat` (those up to
   * `lat − latencySlots`; nothing was recorded after `lastLat`), within the horizon. Each is `perLat` request
   * sub-windows of the routes' counters (a ring of `slots`) in `table`: judged = requests but the unjudged ones
   * (unjudgedOf), failed = 5xx + failed aborted, as the window counts them (request-groups.ts).
   */
  bank(table: { all(): Iterable<RouteEntry> }, lastLat: number, lat: number): void {
    if (this.spans === 0) return;
    const left = lat - this.latencySlots;
    const last = Math.min(left, lastLat);
    for (let l = Math.max(this.banked + 1, lat - this.spans + 1); l <= last; l++) {
      const first = l * this.perLat;
      let judged = 0;
      let failed = 0;
      for (const e of table.all()) {
        const c = this.counts(e.counters, first);
        const n = c[0] as number;
        if (n === 0) continue;
        judged += n - unjudgedOf(e.method, e.route, c);
        failed += (c[2] as number) + (c[4] as number);
      }
      this.add(l, judged, failed);
    }
    if (left > this.banked) this.banked = left;
  }

  /**
   * Banks requests recorded elsewhere in the latency sub-window `span` names (cuts.ts: a worker's part cut at its
   * turn) when they reach this process only after that sub-window left the window (a cluster aggregator stalled,
   * SIGSTOPped or its event loop blocked, longer than the window): absorbCounts puts them in totals only, and bank()
   * banked that sub-window without them. Into its bank, when within the horizon at `lat` (the current latency
   * sub-window, whose turn banked everything up to `lat − latencySlots` already); anything else is left alone.
   * `classes`: 1xx … 5xx (aborted among the 4xx); `extra`: aborted, Apdex satisfied, tolerating, failed aborted
   * (absent: every aborted request failed), as RequestStats.absorb() takes them; judged and failed as bank() counts.
   */
  bankLate(
    route: { readonly method: string; readonly route: string },
    span: AbsorbSpan | undefined,
    lat: number,
    classes: ArrayLike<number>,
    extra: ArrayLike<number> | undefined,
  ): void {
    if (this.spans === 0 || spanStamp(span, this.latencyMs, lat, this.latencySlots) !== null) return;
    const l = span?.s as number; // spanStamp() is null only for a span naming a sub-window that left the window
    if (!(l > lat - this.spans && l <= this.banked)) return;
    const c = this.scratch.fill(0);
    for (let k = 0; k < 5; k++) c[0]! += (classes[k] as number) || 0;
    c[1] = (classes[3] as number) || 0;
    c[2] = (classes[4] as number) || 0;
    c[3] = (extra?.[0] as number) || 0;
    c[4] = extra !== undefined && extra.length > 3 ? (extra[3] as number) || 0 : c[3];
    if (c[0] === 0) return;
    this.add(
      l,
      (c[0] as number) - unjudgedOf(route.method, route.route, c),
      (c[2] as number) + (c[4] as number),
    );
  }

  /** Adds judged and failed requests to the bank of latency sub-window `l` (one of the horizon's: see callers). */
  private add(l: number, judged: number, failed: number): void {
    if (judged === 0 && failed === 0) return;
    const bank = Math.floor(l / this.per);
    const i = (bank % this.banks) * 3;
    const held = this.ring[i] as number;
    if (held > bank) return; // a later bank (never within the horizon at once with this one)
    if (held !== bank) this.ring.set([bank, 0, 0], i);
    this.ring[i + 1]! += judged;
    this.ring[i + 2]! += failed;
  }

  /**
   * [requests, 4xx, 5xx, aborted, failed aborted] of one route in the request sub-windows `first` … `first + perLat − 1`
   * (windowCounts' first columns, reading only their positions in the ring), into a scratch array.
   */
  private counts(counters: Float64Array, first: number): Float64Array {
    const c = this.scratch.fill(0);
    for (let sub = first; sub < first + this.perLat; sub++) {
      const b = (sub % this.slots) * STRIDE;
      if (counters[b] !== sub) continue;
      const c4 = counters[b + 4] as number;
      const c5 = counters[b + 5] as number;
      c[0]! +=
        (counters[b + 1] as number) + (counters[b + 2] as number) + (counters[b + 3] as number) + c4 + c5;
      c[1]! += c4;
      c[2]! += c5;
      c[3]! += counters[b + ABORTED_COLUMN] as number;
      c[4]! += counters[b + ABORTED_FAILED_COLUMN] as number;
    }
    return c;
  }

  /** [judged, failed] banked within the horizon at latency sub-window `lat` (not the window's), or null when off. */
  totals(lat: number): [number, number] | null {
    if (this.spans === 0) return null;
    const from = Math.ceil((lat - this.spans + 1) / this.per);
    const to = Math.floor((lat - this.latencySlots) / this.per);
    let judged = 0;
    let failed = 0;
    for (let i = 0; i < this.ring.length; i += 3) {
      const bank = this.ring[i] as number;
      if (!(bank >= from && bank <= to)) continue;
      judged += this.ring[i + 1] as number;
      failed += this.ring[i + 2] as number;
    }
    return [judged, failed];
  }
}

/** What onHorizon() needs of the request statistics' config. */
interface HorizonConfig {
  readonly errorHorizonMs: number;
  readonly levels: { readonly error_rate: { readonly warning: number; readonly critical: number } };
}

/**
 * The errors group's `horizon` when the window could not judge: the window's `judged` and `failed` requests plus
 * those `banked` before it (ErrorHorizon.totals(): each request counted once), judged as below `minRequests` (the
 * 95 % Wilson lower bound against the error_rate levels, with at least MIN_FAILED_BELOW_GUARD failures; never healthy:
 * unknown when not judged). Null when the horizon is off or holds nothing before the window (it is the window then).
 */
export function onHorizon(
  config: HorizonConfig,
  banked: readonly [number, number] | null | undefined,
  judged: number,
  failed: number,
): ErrorHorizonMetrics | null {
  if (banked === null || banked === undefined || !(banked[0] > 0)) return null;
  const n = judged + banked[0];
  const f = failed + banked[1];
  const bound = wilsonLowerPercent(f, n) as number; // n > 0
  const { warning, critical } = config.levels.error_rate;
  const status = f >= MIN_FAILED_BELOW_GUARD ? levelStatus(bound, warning, critical) : 'unknown';
  return {
    ms: config.errorHorizonMs,
    count_judged: n,
    count_failed: f,
    error_rate_percent: failedPercent(n, f, 0),
    error_rate_lower_percent: bound,
    status: status === 'healthy' ? 'unknown' : status,
  };
}

/**
 * The errors verdict once the horizon was consulted (the window's, `inWindow`, was not judged): the horizon's status
 * when it judged, else unknown; the reason names the horizon and what the window lacked (`judged` requests,
 * `failed` of them).
 */
export function horizonDecides(
  inWindow: ErrorRateVerdict,
  horizon: ErrorHorizonMetrics,
  minRequests: number,
  judged: number,
  failed: number,
): ErrorRateVerdict {
  const lower = inWindow.lowerPercent;
  const shortfall = windowShortfall(judged, minRequests, lower === undefined ? undefined : failed, lower);
  const where = `${horizonLabel(horizon.ms)} (horizonMs)`;
  const { count_judged: n, count_failed: f, error_rate_lower_percent: bound } = horizon;
  if (horizon.status === 'unknown') {
    return {
      ...inWindow,
      reason: `${shortfall}; nor over ${where}: ${n} requests, ${failedShortfall(f, bound)}: the error rate is not judged`,
    };
  }
  return {
    ...inWindow,
    status: horizon.status,
    reason: `judged on ${where}: ${f} of ${n} requests failed, the 95 % lower bound of the error rate is ${bound} %; too few in the window alone: ${shortfall}`,
  };
}

/**
 * Refuses a `horizonMs` the user gave (`given`; the default is simply off then) that is not longer than the request
 * window: it would never judge anything the window does not (ERR_SYSVITALS_CONFLICTING_OPTIONS).
 */
export function checkHorizon(given: unknown, config: { errorHorizonMs: number; windowMs: number }): void {
  const { errorHorizonMs: horizonMs, windowMs } = config;
  if (given === undefined || horizonMs === 0 || horizonMs > windowMs) return;
  throw new SysvitalsError(
    'ERR_SYSVITALS_CONFLICTING_OPTIONS',
    `sysvitals: \`alerts.error_rate.horizonMs\` (${horizonMs} ms) is not longer than the request window ` +
      `(\`requestWindowMs\`, ${windowMs} ms): it could never judge what the window does not. Set it above ` +
      `${windowMs} ms (900000 for 15 minutes), or 0 to turn it off.`,
  );
}

/** The horizon as the reasons name it: "the last 15 min", "the last 90 s". */
export function horizonLabel(ms: number): string {
  return ms % 60_000 === 0 ? `the last ${ms / 60_000} min` : `the last ${Math.round(ms / 1000)} s`;
}
