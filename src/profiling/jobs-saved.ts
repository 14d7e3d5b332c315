// The saved form of what job staleness needs across a restart (outside review 46, RT46-12): per job, its last
// success and when it was first declared with `expectEvery` (epoch ms). Without them a restart resolved
// `job_stale` and counted staleness again from the new process's `monitor.job()` call, so a daily job broken in a
// service restarted more often than every two days never paged. JSON, at most `maxJobs` jobs (names as filed).

import { MAX_KEY_NAME_LENGTH } from '../custom/well-formed.js';

/** One job's saved times (epoch ms; null when unknown). */
export interface SavedJob {
  lastSuccess: number | null;
  /** When the job was first declared with `expectEvery` (staleness counts from it before a success). */
  watchedSince: number | null;
}

const time = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;

/** `{ v: 1, jobs: [[name, lastSuccess, watchedSince], …] }`, the first `max` jobs given. */
export function encodeSavedJobs(jobs: Iterable<[name: string, saved: SavedJob]>, max: number): string {
  const out: Array<[string, number | null, number | null]> = [];
  for (const [name, s] of jobs) {
    if (out.length >= max) break;
    if (s.lastSuccess === null && s.watchedSince === null) continue;
    out.push([name, s.lastSuccess, s.watchedSince]);
  }
  return JSON.stringify({ v: 1, jobs: out });
}

/** The jobs `encodeSavedJobs` saved, at most `max`, none after `now`; what does not read is left out. */
export function decodeSavedJobs(json: string, max: number, now: number): Map<string, SavedJob> {
  const out = new Map<string, SavedJob>();
  let o: { v?: unknown; jobs?: unknown };
  try {
    o = JSON.parse(json);
  } catch {
    return out;
  }
  if (o?.v !== 1 || !Array.isArray(o.jobs)) return out;
  for (const row of o.jobs) {
    if (out.size >= max) break;
    if (!Array.isArray(row) || typeof row[0] !== 'string') continue;
    const name = row[0];
    if (name.length === 0 || name.length > MAX_KEY_NAME_LENGTH || out.has(name)) continue;
    // A time after now (another host's clock) is taken as now: never a success in the future.
    const lastSuccess = time(row[1]);
    const watchedSince = time(row[2]);
    if (lastSuccess === null && watchedSince === null) continue;
    out.set(name, {
      lastSuccess: lastSuccess === null ? null : Math.min(lastSuccess, now),
      watchedSince: watchedSince === null ? null : Math.min(watchedSince, now),
    });
  }
  return out;
}
