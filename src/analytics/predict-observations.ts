// The level rules that predict (`predict: '30m'`): their shape, and the alert observations their
// trends give (what the alert engine reads from the analytics).

import type { MetricsSnapshot } from '../types.js';
import { formatSpan } from './durations.js';
import { forecastRegime } from './predict.js';
import { beyondChance } from './raise-guard.js';
import type { SeriesBuffer } from './series-buffer.js';
import { isSignificantToward } from './trend.js';

/**
 * What an alert rule reads from one evaluation: the alert engine's observation shape (alerts/observations.ts
 * AlertObservation, which names the rule), declared here because the analytics sit below the alerts.
 */
export interface AnalyticsObservation {
  rule: string;
  key: string;
  component: string;
  pendingMs: number;
  value: number;
  breachWarning: boolean;
  breachCritical: boolean;
  /** An active alert clears (the value is below the clear level, the dependency answers, or too few requests). */
  clear: boolean;
  /**
   * The reading would clear only because the trend it reads is not significant (a prediction): an active alert
   * clears once every reading for its `severityHoldMs` was so or clearing (alerts/rule-state.ts `unsureClear`), not
   * at once, so a jittered trend judged not significant on alternate readings does not raise and clear each time.
   */
  clearOnHold?: boolean;
  /** An active critical alert falls back to warning. */
  deescalate: boolean;
  warningLevel: number;
  criticalLevel: number;
  message: (severity: 'warning' | 'critical') => string;
  /**
   * The message of the clearing notice, when it is not the last active one (an anomaly accepted as the new level),
   * given the severity of the alert that clears (a prediction names that severity's level).
   */
  clearMessage?: (severity: 'warning' | 'critical') => string;
  /**
   * How long a critical alert's readings must be in its de-escalation band before it falls back to warning, and,
   * once it fell back, critical before it escalates again, ms (alerts/rule-state.ts; every rule's `severityHoldMs`:
   * the level rules', their predictions', the rules on any metric's and the analytics rules'; none: at once).
   */
  severityHoldMs?: number;
  /** How long `clearOnHold` readings must last before the alert clears, ms (`severityHoldMs` when absent). */
  clearHoldMs?: number;
}

/** How sure a prediction's raise must be (a rule's `predictConfidence`): 'high' (the default) or 'normal'. */
export type PredictConfidence = 'normal' | 'high';

/** A level rule that predicts: alert when its value will cross `level` within `horizonMs`. */
export interface PredictRule {
  readonly rule: string;
  readonly component: string;
  readonly label: string;
  readonly warning: number;
  readonly critical: number;
  readonly horizonMs: number;
  readonly pendingMs: number;
  /** The rule's severity hold, ms (its `severityHoldMs`; 0 or absent: off): the prediction's alert holds it too. */
  readonly severityHoldMs?: number;
  /**
   * Which way the rule's alarm lies: 'above' (the built-in rules: cpu, memory, …) alerts when the value
   * rises to the level, 'below' when it falls to it (critical ≤ warning). @defaultValue 'above'
   */
  readonly direction?: 'above' | 'below';
  /**
   * The rule's `predictConfidence`: 'high' (the default) raises (and escalates) only on a slope noise alone could
   * not show (raise-guard.ts `beyondChance`): no page on a flat series near the level, a noisy slow ramp raised
   * later; 'normal' raises on the first slope significant at 98 %, earlier, and now and then on a flat series.
   * @defaultValue 'high'
   */
  readonly confidence?: PredictConfidence;
  /** Reads the rule's value (and key, e.g. a mount) from a snapshot. */
  readonly read: (s: MetricsSnapshot) => Array<[key: string, value: number]>;
}

/** The observations of the predicting rules, one per rule and key, from each key's trend buffer. */
export function predictObservations(
  rules: readonly PredictRule[],
  buffers: ReadonlyMap<string, SeriesBuffer>,
  out: AnalyticsObservation[],
): void {
  for (const rule of rules) {
    for (const [id, b] of buffers) {
      if (!id.startsWith(`${rule.rule}\u0000`)) continue;
      const key = id.slice(rule.rule.length + 1);
      // Only a trend toward the level (or further past it) predicts: a value past the level and
      // recovering is the plain rule's business, never "predicted to reach 80 in 0 min".
      const up = rule.direction !== 'below';
      // The current regime's trend (the window's last quarter), from no further than the last reading.
      const warn = forecastRegime(b, rule.warning, up ? 'up' : 'down');
      // A rule without a critical level (±Infinity, `alerts.rules`) never predicts critical.
      const hasCrit = Number.isFinite(rule.critical);
      const crit = hasCrit ? forecastRegime(b, rule.critical, up ? 'up' : 'down') : warn;
      if (!warn || !crit) continue;
      const inWarn = warn.trusted ? warn.etaMs : Number.POSITIVE_INFINITY;
      const inCrit = hasCrit && crit.trusted ? crit.etaMs : Number.POSITIVE_INFINITY;
      // Clears at once on a trend significantly away from the level (a falling CPU). A trusted forecast beyond the
      // 1.1× band clears once that held for BEYOND_HOLD_MS (or the rule's severityHoldMs, if longer): it cleared at
      // once, and one low reading of a jittered ramp put it there (outside review 24). A trend merely not significant
      // at this reading (a jittered ramp's every other minute) clears once that held for the rule's severityHoldMs
      // (alerts/rule-state.ts).
      const band = rule.horizonMs * 1.1;
      // Already past the warning level and forecasting no critical ("still rising"): a flat series past the level
      // whose recent fit is significant by chance read so for a minute; such a raise now waits the rule's hold.
      // A raise below the level and an escalation to critical are not delayed.
      const past = up ? warn.last >= rule.warning : warn.last <= rule.warning;
      const stillPast = past && !(inCrit <= rule.horizonMs);
      const away = isSignificantToward(warn.trend, up ? 'down' : 'up');
      const beyond = !away && warn.trusted && warn.etaEarlyMs > band;
      const held = !away && (beyond || (inWarn > band && !warn.steady));
      const hold = rule.severityHoldMs ?? 0;
      // 'high' unless the rule says 'normal' (a rule built without the option, as by hand: the default).
      const high = rule.confidence !== 'normal';
      out.push({
        rule: rule.rule,
        key: key ? `predict:${key}` : 'predict',
        component: rule.component,
        pendingMs: stillPast ? Math.max(rule.pendingMs, hold) : rule.pendingMs,
        severityHoldMs: rule.severityHoldMs,
        clearHoldMs: beyond ? Math.max(hold, BEYOND_HOLD_MS) : hold,
        value: round(warn.last),
        // A raise (or an escalation) needs the stricter confidence; keeping one, the 90 % (above).
        // 'high': and no slope noise alone could show would reach the level within the horizon (raise-guard.ts).
        breachWarning: warn.sure && inWarn <= rule.horizonMs && (!high || beyondChance(warn, rule.horizonMs)),
        breachCritical:
          hasCrit && crit.sure && inCrit <= rule.horizonMs && (!high || beyondChance(crit, rule.horizonMs)),
        clear: away,
        clearOnHold: held,
        deescalate: !hasCrit || (crit.trusted ? crit.etaEarlyMs > band : !crit.steady),
        warningLevel: rule.warning,
        criticalLevel: hasCrit ? rule.critical : rule.warning,
        // The clear's notice says what cleared, not the raise's last forecast (review 19, F10): the level of the
        // alert that clears, so a critical prediction's names the critical level (review 23, RT23-5).
        // When the figures it quotes would themselves reach the level within the horizon, it says what the clear rests
        // on: no trend toward the level it forecasts on (a slope not significant, with severityHoldMs 0: outside
        // review 47, RT47-2, "now 78, +15/h" reaches 80 in 8 min), or the trend line the time is measured from.
        clearMessage: (sev) => {
          const level = sev === 'critical' && hasCrit ? rule.critical : rule.warning;
          const gap = up ? level - warn.last : warn.last - level;
          const rate = up ? warn.perHour : -warn.perHour;
          const reaches = rate > 0 && (gap / rate) * 3_600_000 <= rule.horizonMs;
          const from = reaches && warn.steady && round(warn.from) !== round(warn.last);
          const basis = reaches && !from ? `: no significant trend toward ${level}` : '';
          const line = from ? `, trend line at ${round(warn.from)}` : '';
          return `${rule.label}${key ? ` on ${key}` : ''} no longer predicted to ${up ? 'reach' : 'fall to'} ${level} within ${formatSpan(rule.horizonMs)}${basis} (now ${round(warn.last)}${line}, ${warn.perHour >= 0 ? '+' : ''}${round(warn.perHour)}/h)`;
        },
        // The time stated is that of the severity's own forecast, with the rate it was measured at and, when it is not
        // the reading, the value it was measured from (the fitted line, or a cycle's peaks): never "reach 80 in 0 min
        // (now 76.9)" (outside review 42, RT42-8: the peaks' line of a three-turn envelope was 79.96).
        message: (sev) => {
          const f = sev === 'critical' && hasCrit ? crit : warn;
          const eta = sev === 'critical' ? inCrit : inWarn;
          const level = sev === 'critical' ? rule.critical : rule.warning;
          const what = `${rule.label}${key ? ` on ${key}` : ''}`;
          const line = f.envelope ? `${up ? 'peaks' : 'troughs'}' line` : 'trend line';
          const from =
            Number.isFinite(eta) && round(f.from) !== round(f.last) ? `, ${line} at ${round(f.from)}` : '';
          const now = `(now ${round(f.last)}${from}, ${f.perHour >= 0 ? '+' : ''}${round(f.perHour)}/h)`;
          // No trend toward the level at this reading (a raised alert whose clear is on hold)
          if (!Number.isFinite(eta)) {
            return `${what}: no significant trend toward ${level} at the moment ${now}`;
          }
          if (eta === 0) {
            const whose = from ? `'s ${line}` : '';
            return `${what}${whose} is already at or ${up ? 'above' : 'below'} ${level} and still ${up ? 'rising' : 'falling'} ${now}`;
          }
          // Under half a minute away reads "under 1 min", not "0 min" (which says the level is reached).
          const span = eta < 30_000 ? 'under 1 min' : formatSpan(eta);
          return `${what} predicted to ${up ? 'reach' : 'fall to'} ${level} in ${span} ${now}`;
        },
      });
    }
  }
}

/**
 * A prediction's series keeps its last 240 readings (4 h, a reading a minute) past its window, for its noise's
 * lag-1 autocorrelation (shaped-fits.ts): a window's 20–61 points read a flat AR(1) series' correlation as 0 often.
 */
export const NOISE_MEMORY = 240;

/** The trend window of a prediction: twice the horizon, between 30 minutes and 6 hours. */
export function predictWindow(horizonMs: number): number {
  return Math.min(6 * 3_600_000, Math.max(30 * MINUTE, 2 * horizonMs));
}

export function safeRead(rule: PredictRule, s: MetricsSnapshot): Array<[string, number]> {
  try {
    return rule.read(s).filter(([, v]) => Number.isFinite(v));
  } catch {
    return [];
  }
}

const MINUTE = 60_000;
/**
 * How long a trusted forecast beyond the 1.1× band must last before a raised prediction clears: 2 minutes, three
 * forecasts (one a minute). A clear on one forecast let one low reading of a jittered ramp clear it (the time to the
 * level is measured from a level capped at the last reading).
 */
const BEYOND_HOLD_MS = 2 * MINUTE;

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
