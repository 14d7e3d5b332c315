// The anomaly group of a metrics snapshot (src/types.ts's MetricsSnapshot.anomaly), set by the monitor.

/** The snapshot's `anomaly` group: the last scored minute's scores, the rule's warning level, the series still learning. */
export interface AnomalyGroup {
  /** Start of the minute scored (ISO), null before the first. */
  scored_at: string | null;
  /** By series: the anomaly score (0-1) of the minute; a series has no key during its first day (not 0). */
  scores: Record<string, number>;
  /**
   * The `anomaly` rule's warning level (`alerts.anomaly.warning`, default 0.995, whether the rule is on or not): a
   * score at or above it breaches the rule, and the dashboard shades from it.
   */
  threshold: number;
  /**
   * By series still learning (its first day): the minutes with a value it needs until its first score, that one
   * included (1,441 minus the minutes learned); a series leaves it as it enters `scores` (AnomalyScores). Absent in
   * a snapshot of an earlier version.
   */
  minutes_to_first_score?: Record<string, number>;
}
