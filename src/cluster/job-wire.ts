// A job's last outcomes as a report carries them (JobWire.m), read back and checked.

import type { JobMeta } from '../profiling/jobs.js';

const time = (v: unknown) => (v === null || (typeof v === 'number' && Number.isFinite(v)) ? v : Number.NaN);

/** Reads a job's last outcomes; throws on anything malformed (the report is then dropped). */
export function jobMeta(m: unknown): JobMeta {
  if (!Array.isArray(m) || (m.length !== 6 && m.length !== 7)) throw new Error('bad job');
  const [s, f, e, d, ev, w, r] = m as unknown[];
  const out = {
    lastSuccess: time(s) as number | null,
    lastFailure: time(f) as number | null,
    lastError: typeof e === 'string' ? e.slice(0, 200) : '',
    lastDurationUs: typeof d === 'number' && d >= 0 ? d : 0,
    expectEveryMs: time(ev) as number | null,
    watchedSince: typeof w === 'number' && Number.isFinite(w) ? w : 0,
    running: Number.isInteger(r) && (r as number) >= 0 ? (r as number) : 0,
  };
  if (Number.isNaN(out.lastSuccess) || Number.isNaN(out.lastFailure) || Number.isNaN(out.expectEveryMs))
    throw new Error('bad job');
  return out;
}
