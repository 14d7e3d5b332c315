// The jobs group of a metrics snapshot (src/types.ts's MetricsSnapshot.jobs).

/** Background jobs in a snapshot: the stale ones and the ones watched with `expectEvery`. */
export interface JobsSnapshotGroup {
  count: number;
  stale: string[];
  watched: Array<{ name: string; since_success_seconds: number; limit_seconds: number; stale: boolean }>;
}
