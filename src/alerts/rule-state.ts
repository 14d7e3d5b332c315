// The state the engine keeps per rule and key between evaluations (how long each level has been breached, how
// long a critical alert's readings have been under its de-escalation level, the alert), and the severity changes
// an evaluation makes to an active alert.
//
// The severity hold (outside review 13, F4): an error_rate alert's readings move between the window's rate and
// the Wilson bounds (the window's, the horizon's) as traffic comes and goes, and a window sliding off an outage
// sweeps its rate through the bands. Its severity changed at every such reading: after an outage, a busy window
// read 4.76 % (de-escalated to warning) and the next quiet one the horizon's 40.53 % (escalated to critical), twice
// in 20 s, each change one more entry in the alerts API, the stream and the history. With a hold (`severityHoldMs`
// on the observation), a critical alert falls back to warning only once every reading for the hold was under its
// de-escalation level, and one that fell back escalates again only once every reading for the hold was critical.
//
// Every level rule holds (the built-in ones and the rules on any metric, `severityHoldMs`, a minute by default):
// without it, a p95 latency or a CPU reading wobbling across the de-escalation level and back above critical
// changed the alert's severity at every sample, each change a notification on every channel (critical, warning,
// critical, …), where Alertmanager users expect a severity change to page once it holds. The predictions hold for
// their rule's `severityHoldMs` (their 1.1× horizon band did not stop a jittered trend's ping-pong), and the
// analytics rules (anomaly, disk_full_in, memory_leak) for their own (analytics/rule-observations.ts).
//
// A prediction whose trend is not significant at a reading (`clearOnHold`) clears only once that held for its
// rule's `severityHoldMs` too: a CPU ramp of +0.5 % a minute with a ±2 % jitter was judged not significant every
// other minute, and its warning prediction was raised and cleared every minute for 30 minutes (a page pair a
// minute). One whose trusted forecast is beyond its 1.1× horizon band clears once that held for the observation's
// `clearHoldMs` (2 minutes at least: a single low reading of a jittered ramp put it there, outside review 24); one
// whose trend goes significantly away from the level (`clear`) still clears at once. Such a reading does not
// lower a critical alert to warning either (it forecasts neither level): a critical prediction whose trend went
// from a warning forecast to not significant fell back to warning at the first not significant reading a hold
// after the warning one, then cleared a minute later (two notifications for one end); it now stays critical until
// its held clear, and falls back only at a reading that forecasts warning once the hold is over.

import type { ActiveAlert } from './active-alert.js';
import type { AlertEventType, AlertSeverity } from './alert.js';
import type { AlertTime } from './alert-clock.js';
import type { AlertObservation } from './observations.js';

/**
 * Per rule and key (a disk mount; '' for the others): how long each level has been breached, and the alert. Every
 * time here is on the engine's ElapsedView (monotonic elapsed time), not the wall clock: a wall clock stepped
 * forward is no time breached or held, one stepped back takes none back.
 */
export interface RuleState {
  warnSince: number | null;
  critSince: number | null;
  /** Since when an active critical alert's readings have been under its de-escalation level (elapsed view). */
  fallSince: number | null;
  /** Since when an active alert's readings would clear only on a hold (`clearOnHold`: a trend not significant). */
  unsureSince: number | null;
  /** The alert fell back from critical to warning: escalating again takes the hold too. */
  fellBack: boolean;
  alert: ActiveAlert | null;
  /**
   * A restored alert (a restart, a takeover) not yet judged by this process: until this time (elapsed view) a reading
   * that judges nothing (`unjudged`) leaves it as it is (outside review 46, RT46-11). Absent once judged.
   */
  restoredUntil?: number;
}

/**
 * A rule state with nothing breached and no alert (or `alert`, breached since it was raised; restored from a
 * previous process, with `restoredUntil`, the bound of its wait for a judged reading).
 */
export function ruleState(alert: ActiveAlert | null = null, restoredUntil?: number): RuleState {
  return {
    ...(restoredUntil === undefined ? {} : { restoredUntil }),
    // Breached since it was raised (its level at least): a continued breach keeps it, no new pending.
    warnSince: alert ? alert.since : null,
    critSince: alert?.severity === 'critical' ? alert.since : null,
    fallSince: null,
    unsureSince: null,
    fellBack: false,
    alert,
  };
}

/**
 * Whether a restored alert is left as it is by this observation (outside review 46, RT46-11): a reading that judges
 * nothing (`unjudged`: 0 requests after a deploy during an outage) before the bound of its wait. Before, such a
 * reading cleared it and the outage's next failures paged again under a new id. The first other reading (or one
 * at the bound) ends the wait: a judged breach keeps it, a judged healthy window clears it.
 */
export function restoredWaits(state: RuleState, obs: AlertObservation, now: number): boolean {
  if (state.restoredUntil === undefined || !state.alert) return false;
  if (obs.unjudged === true && now < state.restoredUntil) return true;
  state.restoredUntil = undefined;
  return false;
}

/**
 * Clears the state's alert, if any (a `cleared` event in `events`): cleared_at the wall time, its duration ending at
 * the elapsed time (alert-clock.ts). Pending and hold times start again either way.
 */
export function clearAlert(
  state: RuleState,
  at: AlertTime,
  events: Array<[AlertEventType, ActiveAlert]>,
): void {
  const alert = state.alert;
  resetTimes(state);
  state.fellBack = false;
  if (!alert) return;
  state.alert = null;
  alert.state = 'cleared';
  alert.cleared_at = new Date(at.wall).toISOString();
  alert.endedAt = at.t;
  events.push(['cleared', alert]);
}

/** No reading (a gap, a clear): pending and hold times start again. */
export function resetTimes(state: RuleState): void {
  state.warnSince = null;
  state.critSince = null;
  state.fallSince = null;
  state.unsureSince = null;
}

/**
 * Whether this (not at once clearing) observation clears the state's active alert: one whose readings have been
 * `clearOnHold` (a prediction's trend not significant, or its forecast beyond the band) for the observation's
 * `clearHoldMs` (else its `severityHoldMs`; 0: at once).
 * Updates the state's time; false for any other reading, which starts the hold again.
 */
export function unsureClear(state: RuleState, obs: AlertObservation, now: number): boolean {
  if (!obs.clearOnHold) {
    state.unsureSince = null;
    return false;
  }
  state.unsureSince ??= now;
  return now - state.unsureSince >= (obs.clearHoldMs ?? obs.severityHoldMs ?? 0);
}

/** The severity the observation's breaches fire at, once breached for its pending time (null: none). */
export function firingSeverity(state: RuleState, obs: AlertObservation, now: number): AlertSeverity | null {
  if (state.critSince !== null && now - state.critSince >= obs.pendingMs) return 'critical';
  if (state.warnSince !== null && now - state.warnSince >= obs.pendingMs) return 'warning';
  return null;
}

/**
 * The severity change this (not clearing) observation makes to the state's active alert: a critical alert falls
 * back once its readings have been under the de-escalation level for the observation's `severityHoldMs` (0: at
 * once), at a reading that is not `clearOnHold` (one is held to its clear, not lowered); a warning alert escalates once critical for its pending time, or, if it fell back before, for the hold
 * too. Updates the state's hold time; null when the severity stays.
 */
export function severityChange(
  state: RuleState,
  obs: AlertObservation,
  now: number,
): 'escalated' | 'deescalated' | null {
  const alert = state.alert;
  if (!alert) return null;
  const hold = obs.severityHoldMs ?? 0;
  if (alert.severity === 'critical') {
    state.fallSince = obs.deescalate ? (state.fallSince ?? now) : null;
    // A reading that clears on hold reads no warning either: the alert stays critical until its held clear.
    if (state.fallSince === null || now - state.fallSince < hold || obs.clearOnHold) return null;
    state.fallSince = null;
    state.fellBack = true;
    return 'deescalated';
  }
  state.fallSince = null;
  const pending = state.fellBack ? Math.max(obs.pendingMs, hold) : obs.pendingMs;
  return state.critSince !== null && now - state.critSince >= pending ? 'escalated' : null;
}
