// The bounded hold of the rules on windowed figures after a cluster takeover (outside review F8, issue #13).
//
// A new aggregator's last-minute window lacks what only the dead one held (`aggregator-window`): a level rule
// judged on the survivors' share could raise a page the cluster never had, or clear a true one. While the hold
// lasts, the observations of windowed figures are no reading: an active alert keeps its state (not cleared,
// escalated or de-escalated), a rule without one raises nothing, pending time restarts. The hold is bounded
// by time alone, on the engine's clock, never by the marker, and ends while any breach that began within it is
// still in the window: holding as long as the marker (a window, 1782085, reverted in 44f22df) let a breach sent
// right after a hung aggregator's replacement age out of the window before the hold ended, never raised.
//
// The horizon hold (outside review 12, F3): one ended outage, one page. An error_rate alert last breached on few
// requests (the window's Wilson bound or the error horizon's) is not cleared by a busy window alone while those
// failures are still in the horizon: it clears when the horizon no longer shows it (a quiet minute's reading
// under the warning level), or once `horizonMs` has passed since that breach (its failures have left the horizon).
// Before, on a bursty low-traffic service, a busy minute (≥ minRequests judged, 0 %) cleared it, the next quiet
// minute was judged on the horizon again, still holding the same failures, and raised a new alert (a new id, a new
// page on every channel): three pages for one outage of 8 failed requests.

import type { AlertObservation } from './observations.js';

/** The request window's options the hold's length derives from (RequestStatsConfig). */
export interface WindowShape {
  readonly windowMs?: number;
  readonly latencySlots?: number;
}

/**
 * How long the rules on windowed figures are held after a takeover, ms: the shortest time the request window
 * covers, `windowMs × (latencySlots − 1) / latencySlots` (45 s by default). Never longer than one window, and
 * short enough that a breach recorded at any time within the hold is still in the window when it ends (the
 * window covers 45–60 s): it is judged then, not aged out unseen. 0 (no hold) for a single-slot window.
 */
export function windowHoldMs(shape: WindowShape | undefined): number {
  const windowMs = shape?.windowMs ?? 60_000;
  const slots = shape?.latencySlots ?? 4;
  if (!(windowMs > 0) || !(slots >= 1)) return 0;
  return (windowMs * (slots - 1)) / slots;
}

export class WindowHold {
  private from = Number.NaN;
  private until = Number.NaN;
  /** Until when the failures of the last error_rate breach judged on a bound are in the horizon (epoch ms). */
  private paged = Number.NEGATIVE_INFINITY;

  /** `alerts`: the engine's rule states by key; `horizonMs`: the error_rate rule's horizon (0: no horizon hold). */
  constructor(
    private readonly alerts: ReadonlyMap<string, { alert: unknown }> = new Map(),
    private readonly horizonMs: () => number = () => 0,
  ) {}

  /** Holds from `now` for `ms`; a later call replaces the earlier hold (never extends it past its own bound). */
  start(now: number, ms: number): void {
    this.from = now;
    this.until = now + Math.max(0, ms);
  }

  /** While true, windowed observations are dropped. False before the start (a clock stepped back) and after. */
  holds(now: number): boolean {
    return now >= this.from && now < this.until;
  }

  /**
   * The observations without those of windowed figures while the hold lasts, and without a busy window's clear
   * (error_rate judged on its rate, under the clear level) of an active error_rate alert whose last breach on a
   * bound was less than `horizonMs` ago; all of them otherwise.
   */
  filter(observations: AlertObservation[], now: number): AlertObservation[] {
    const out = this.holds(now) ? observations.filter((o) => o.windowed !== true) : observations;
    const o = out.find((x) => x.rule === 'error_rate');
    const ms = this.horizonMs();
    if (!o || !(ms > 0)) return out;
    if (o.judged === 'bound' && o.breachWarning) this.paged = now + ms;
    if (
      o.judged !== 'rate' ||
      !o.clear ||
      now >= this.paged ||
      !this.alerts.get(`error_rate\u0000${o.key}`)?.alert
    ) {
      return out;
    }
    return out.filter((x) => x !== o);
  }
}
