// The analytics rules' alert layer: the observation (breaches, clear, de-escalation, hold, message) each rule
// gives for its detector's finding (an anomaly score, a partition's time to full, a leak), which the alert engine
// steps its alert with. The detectors (anomaly-detector.ts, predict.ts, memory-leak.ts) stay out of it.

import { formatSpan } from './durations.js';
import type { LeakFinding } from './memory-leak.js';
import type { AnalyticsObservation } from './predict-observations.js';
import type { AnomalyRuleConfig, DiskFullRuleConfig, MemoryLeakRuleConfig } from './rule-options.js';

/**
 * The anomaly rule's observation of a series' score. `acceptedNotice`: the series' episode was just accepted as
 * its usual level (the clearing notice says so, naming the episode's longest hold in hours).
 */
export function anomalyObservation(
  r: AnomalyRuleConfig,
  series: string,
  score: number,
  acceptedNotice?: number,
): AnalyticsObservation {
  return {
    rule: 'anomaly',
    key: series,
    component: series,
    pendingMs: r.for,
    severityHoldMs: r.severityHoldMs,
    value: score,
    breachWarning: score >= r.warning,
    breachCritical: score >= r.critical,
    clear: score < r.clear,
    deescalate: score < r.warning,
    warningLevel: r.warning,
    criticalLevel: r.critical,
    message: () => `Anomaly on ${series}: score ${score.toFixed(3)}`,
    // An episode that lasted episodeMax points ends without a return: the notice says so.
    ...(acceptedNotice !== undefined && {
      clearMessage: () =>
        `Anomaly on ${series}: the level of the last ${acceptedNotice} h is taken as its usual level (not a return: no longer alerted)`,
    }),
  };
}

/**
 * The disk_full_in rule's observation of a partition: `etaMs` to full (Infinity: none, or not trusted), the last
 * reading's % used and the trend's points an hour.
 */
export function diskFullObservation(
  r: DiskFullRuleConfig,
  mount: string,
  etaMs: number,
  used: number,
  perHour: number,
): AnalyticsObservation {
  // No time to full has no number (NaN): a clearing alert keeps the last hours to full it read (was -1).
  const hours = Number.isFinite(etaMs) ? round(etaMs / 3_600_000) : Number.NaN;
  return {
    rule: 'disk_full_in',
    key: mount,
    component: 'disk',
    pendingMs: r.for,
    severityHoldMs: r.severityHoldMs,
    value: hours,
    breachWarning: etaMs < r.warning,
    breachCritical: etaMs < r.critical,
    // Hysteresis: clears only when the forecast moves 10 % beyond the warning horizon.
    clear: etaMs >= r.warning * 1.1,
    deescalate: etaMs >= r.critical * 1.1,
    warningLevel: round(r.warning / 3_600_000),
    criticalLevel: round(r.critical / 3_600_000),
    message: () =>
      `Disk ${mount} full in ${formatSpan(etaMs)} (${round(used)} % used, +${round(perHour)} points/h)`,
  };
}

/**
 * The memory_leak rule's observation of one series (`heap` or `rss`, named `label` in the message): `leak` at the
 * full growth threshold, `held` at half of it (hysteresis: a raised alert holds while the floor grows at half).
 */
export function leakObservation(
  r: MemoryLeakRuleConfig,
  kind: 'heap' | 'rss',
  label: string,
  leak: LeakFinding | null,
  held: LeakFinding | null,
): AnalyticsObservation {
  const critical = leak !== null && leak.hours_to_limit * 3_600_000 < r.critical;
  return {
    rule: 'memory_leak',
    key: kind,
    component: 'process',
    pendingMs: r.for,
    severityHoldMs: r.severityHoldMs,
    value: leak ? round(leak.mb_per_hour) : 0,
    breachWarning: leak !== null,
    breachCritical: critical,
    clear: held === null,
    deescalate: !critical,
    warningLevel: round(r.minGrowthPerHour * 100),
    criticalLevel: round(r.critical / 3_600_000),
    message: () =>
      leak
        ? `Memory leak suspected in ${label}: +${round(leak.mb_per_hour)} MB/h ${leak.gc_recoveries >= 3 ? `in the post-GC floor (${leak.gc_recoveries} GC recoveries)` : 'with no GC recovery'}, ${round(leak.current_mb)} MB now, ${Number.isFinite(leak.limit_mb) ? `limit ${round(leak.limit_mb)} MB in ${formatSpan(leak.hours_to_limit * 3_600_000)}` : 'no known limit'}`
        : `Memory leak suspected in ${label}`,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
